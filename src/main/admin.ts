import { createHerald } from '../app/create-herald.js';
import { findSeedCatalog, SEED_CATALOGS } from '../catalogs/seed-catalogs.js';
import { loadConfig } from '../config.js';
import { importEventTypes } from '../repositories/event-types-repo.js';
import { newEncryptionKeyEntry, runSecretsCommand } from './admin-secrets.js';
import { createKey, createTeamWithKey } from '../app/bootstrap-team.js';

const USAGE = `usage: npm run admin -- <command>
  team create <name>                 create a team and print its first API key
  team list                          list teams (with each one's retention in days)
  team retention <team> <days|default>  keep the team's events and deliveries this many days (1–3650), or HERALD_RETENTION_DAYS
  key create <team name or id>       print a new API key for a team
  catalog import <team> <catalog>    import a seed catalog (${SEED_CATALOGS.map((c) => c.id).join(', ')})
  secrets status                     count stored signing secrets per encryption key (clear = none)
  secrets reencrypt                  seal every stored signing secret with HERALD_ENCRYPTION_KEY's first key
  secrets new-key <id>               print a fresh HERALD_ENCRYPTION_KEY entry (id:base64 of 32 random bytes)`;

/** Admin CLI against DATABASE_URL or the embedded PostgreSQL (stop `npm start` first when embedded). */
async function run(argv: string[]): Promise<void> {
  const [noun, verb, ...rest] = argv;
  if (!noun || !verb) throw new Error(USAGE);
  if (noun === 'secrets' && verb === 'new-key') {
    process.stdout.write(`${newEncryptionKeyEntry(rest[0] ?? 'k1')}\n`);
    return;
  }
  const config = loadConfig();
  // No role: the database alone (embedded or DATABASE_URL), migrated; quiet unless something fails.
  const herald = await createHerald({ ...config, logLevel: 'warn' }, { overrides: { logName: 'admin', noTemporal: true } });
  const { db } = herald.handles;
  try {
    await herald.start();
    const team = async (ref: string | undefined) => {
      if (!ref) throw new Error(USAGE);
      const row = await db
        .selectFrom('teams')
        .selectAll()
        .where((eb) => eb.or([eb('id', '=', ref), eb('name', '=', ref)]))
        .executeTakeFirst();
      if (!row) throw new Error(`team not found: ${ref}`);
      return row;
    };
    if (noun === 'team' && verb === 'create' && rest[0]) {
      const { teamId, key } = await createTeamWithKey(db, rest[0]);
      process.stdout.write(`team ${teamId} created\nAPI key (shown once): ${key}\n`);
    } else if (noun === 'team' && verb === 'list') {
      for (const t of await db.selectFrom('teams').selectAll().orderBy('created_at').execute())
        process.stdout.write(`${t.id}\t${t.name}\t${t.retention_days ?? `${config.retention.days} (default)`}\n`);
    } else if (noun === 'team' && verb === 'retention') {
      const t = await team(rest[0]);
      const days = rest[1] === 'default' ? null : Number(rest[1]);
      if (days !== null && !(Number.isInteger(days) && days >= 1 && days <= 3650))
        throw new Error(`days: must be an integer 1–3650 or 'default' (got ${rest[1] ?? 'nothing'})\n${USAGE}`);
      await db.updateTable('teams').set({ retention_days: days }).where('id', '=', t.id).execute();
      process.stdout.write(
        `team ${t.name}: retention ${days ?? `${config.retention.days} days (HERALD_RETENTION_DAYS)`}${days ? ' days' : ''}\n`,
      );
    } else if (noun === 'key' && verb === 'create') {
      const t = await team(rest[0]);
      process.stdout.write(`API key for ${t.name} (shown once): ${await createKey(db, t.id, rest[1] ?? 'cli')}\n`);
    } else if (noun === 'catalog' && verb === 'import') {
      const t = await team(rest[0]);
      const catalog = findSeedCatalog(rest[1] ?? '');
      if (!catalog) throw new Error(`unknown catalog: ${rest[1]}\n${USAGE}`);
      const added = await importEventTypes(db, t.id, catalog.eventTypes);
      process.stdout.write(`imported ${added.length} of ${catalog.eventTypes.length} event types from ${catalog.id} into ${t.name}\n`);
    } else if (noun === 'secrets' && (verb === 'status' || verb === 'reencrypt')) {
      await runSecretsCommand(db, config, verb, (line) => process.stdout.write(`${line}\n`));
    } else throw new Error(USAGE);
  } finally {
    await herald.stop();
  }
}

run(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
