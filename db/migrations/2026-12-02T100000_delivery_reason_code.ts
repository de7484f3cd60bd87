import { type Kysely, sql } from 'kysely';

// Frozen migration: never edit after release, never import application code.
// deliveries.reason_code: why a delivery ended as failed or cancelled, as a code (webhook_inactive,
// webhook_deleted, event_not_found, retry_exhausted, gone_410, blocked_target, data_error,
// cancelled_by_operator, workflow_closed, workflow_missing) next to the human text in `reason`.
// Recovery matches on the code. Rows written before this migration get theirs from their text.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('deliveries').addColumn('reason_code', 'text').execute();
  await sql`
    update deliveries set reason_code = case
      when reason like 'webhook inactive%' then 'webhook_inactive'
      when reason = 'webhook deleted' then 'webhook_deleted'
      when reason = 'event not found' then 'event_not_found'
      when reason = 'retry policy exhausted' then 'retry_exhausted'
      when reason like 'receiver answered 410 Gone%' then 'gone_410'
      when reason like 'target address is not allowed%' then 'blocked_target'
      when reason like 'data error:%' then 'data_error'
      when reason like 'workflow not found in Temporal%' then 'workflow_missing'
      when reason like 'workflow %' then 'workflow_closed'
      when status = 'cancelled' then 'cancelled_by_operator'
    end
    where reason is not null and status in ('failed', 'cancelled')
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('deliveries').dropColumn('reason_code').execute();
}
