import { type RawBuilder, sql } from 'kysely';
import { OPERATIONAL_EVENTS } from '../catalogs/operational-events.js';

/**
 * The subscription rule, once for every corridor (publish, dispatch, test pings, operational
 * events) and for the webhook filter of `webhooks.list`: `*` matches every type, `prefix.*`
 * every type that starts with `prefix.` (so `a.*` and `a.b.*` both match `a.b.c`), anything else
 * only the type of that exact name. Any number of segments.
 */
export function patternMatches(pattern: string, type: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return type.startsWith(pattern.slice(0, -1));
  return pattern === type;
}

/** Every subscription entry that matches `type` under patternMatches; lets SQL match with one array overlap. */
export function candidatePatterns(type: string): string[] {
  const out = ['*', type];
  const parts = type.split('.');
  for (let i = 1; i < parts.length; i++) out.push(`${parts.slice(0, i).join('.')}.*`);
  return out;
}

/** SQL: the webhook whose `event_types` column is `column` subscribes to `type` (a value known here). */
export function subscribesSql(column: string, type: string): RawBuilder<boolean> {
  return sql<boolean>`${sql.ref(column)} && ${sql.val(candidatePatterns(type))}::text[]`;
}

/**
 * SQL: the webhook subscribes to the type held by the SQL expression `typeExpr`, whose value is
 * one of `types` (known here: each gets its own candidate list as a parameter, so the rule is
 * candidatePatterns' own and the statement's text stays fixed for a fixed list). A value outside
 * `types` matches nothing.
 */
export function subscribesToKnownTypeSql(column: string, typeExpr: RawBuilder<string>, types: readonly string[]): RawBuilder<boolean> {
  const cases = types.map((t) => sql`when ${t}::text then ${sql.val(candidatePatterns(t))}::text[]`);
  return sql<boolean>`coalesce(${sql.ref(column)} && (case ${typeExpr} ${sql.join(cases, sql` `)} end), false)`;
}

/** subscribesToKnownTypeSql for the operational event types (catalogs/operational-events.ts), as the attempt's record statement raises them. */
export function subscribesToOperationalSql(column: string, typeExpr: RawBuilder<string>): RawBuilder<boolean> {
  return subscribesToKnownTypeSql(
    column,
    typeExpr,
    OPERATIONAL_EVENTS.map((e) => e.name),
  );
}

/**
 * SQL: the webhook's filter (`filter_path`, a jsonpath compiled by delivery/webhook-filter.ts)
 * passes the document `doc` (`{ type, data }` as jsonb), or it has none. A filter that cannot be
 * evaluated (data erased) does not pass. Beside the subscription rule on the publish and dispatch
 * corridors; test pings and operational events are not filtered.
 */
export function passesFilterSql(pathColumn: string, doc: RawBuilder<unknown>): RawBuilder<boolean> {
  const path = sql.ref(pathColumn);
  return sql<boolean>`(${path} is null or coalesce(jsonb_path_match(${doc}, ${path}, '{}'::jsonb, true), false))`;
}

/** SQL: the `{ type, data }` document a filter reads, from a type (text) and a data (jsonb) expression. */
export function filterDocSql(type: RawBuilder<unknown>, data: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`jsonb_build_object('type', ${type}, 'data', ${data})`;
}

/** SQL: the filter document of the stored event (`teamId`, `eventId`). */
export function storedEventDocSql(teamId: string, eventId: string): RawBuilder<unknown> {
  return sql`(select ${filterDocSql(sql`e.type`, sql`coalesce(e.data_raw::jsonb, e.data)`)} from events e where e.team_id = ${teamId} and e.id = ${eventId})`;
}
