import { type Kysely, sql } from 'kysely';

// Frozen migration: never edit after release, never import application code.
// Consumers (issue 24): a project is the consumer, the platform customer who owns some
// endpoints, so `projects.uid` is the platform's own id for it (unique per team; null: none).
// `portal_sessions`: consumer portal sessions, each bound to one team and one project, with
// permissions 'read' or 'manage'. `token_hash` (SHA-256 hex of the URL's one-time token) and
// `cookie_hash` (of the cookie it is exchanged for) are the only forms of the secrets kept.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('projects').addColumn('uid', 'text').execute();
  await sql`create unique index projects_team_uid_idx on projects (team_id, uid) where uid is not null`.execute(db);
  await db.schema
    .createTable('portal_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('team_id', 'text', (c) => c.notNull())
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('permissions', 'text', (c) => c.notNull().check(sql`permissions in ('read', 'manage')`))
    .addColumn('theme', 'jsonb')
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('cookie_hash', 'text', (c) => c.unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('exchanged_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  await sql`create index portal_sessions_project_idx on portal_sessions (team_id, project_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('portal_sessions').execute();
  await sql`drop index if exists projects_team_uid_idx`.execute(db);
  await db.schema.alterTable('projects').dropColumn('uid').execute();
}
