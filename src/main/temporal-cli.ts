import { loadConfig } from '../config.js';
import { resolveTemporalCli, TEMPORAL_CLI_VERSION } from '../embedded/temporal-cli.js';

/** `npm run temporal:cli`: finds or builds the pinned Temporal CLI and prints its path. */
async function run(): Promise<void> {
  const config = loadConfig();
  const cli = await resolveTemporalCli({
    configuredPath: config.temporal.cliPath,
    cacheDir: config.cacheDir,
    pathEnv: config.pathEnv,
    log: (l) => process.stdout.write(`${l}\n`),
  });
  if (!cli) {
    process.stdout.write(
      `No Temporal CLI ${TEMPORAL_CLI_VERSION} found and no Go toolchain; Herald will try the SDK's own download at start.\n`,
    );
    return;
  }
  process.stdout.write(`Temporal CLI (${cli.source}): ${cli.path}\n`);
}

run().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
