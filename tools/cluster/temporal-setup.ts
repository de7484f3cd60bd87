import { loadConfig } from '../../src/config.js';
import { ensureNamespace } from './temporal-namespace-setup.js';

/**
 * `npm run temporal:setup`: on the Temporal at TEMPORAL_ADDRESS, registers TEMPORAL_NAMESPACE
 * with HERALD_TEMPORAL_RETENTION_DAYS (or updates its retention) and creates Herald's search
 * attributes. The same code `npm run cluster` runs; idempotent. Waits up to 2 minutes for a
 * frontend that is still starting (docker-compose.yml runs it before the API).
 */
async function run(): Promise<void> {
  const config = loadConfig();
  const address = config.temporal.address;
  if (!address) throw new Error('TEMPORAL_ADDRESS: required (host:port of the Temporal frontend)');
  const say = (l: string) => process.stdout.write(`${l}\n`);
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      await ensureNamespace({ address, namespace: config.temporal.namespace, retentionDays: config.temporal.retentionDays, log: say });
      say(
        `namespace ${config.temporal.namespace} on ${address}: retention ${config.temporal.retentionDays} days, search attributes present`,
      );
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      say(`waiting for the Temporal frontend at ${address}: ${err instanceof Error ? err.message : String(err)}`);
      await new Promise((r) => setTimeout(r, 3_000));
    }
  }
}

run().catch((err) => {
  process.stderr.write(`temporal:setup failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
