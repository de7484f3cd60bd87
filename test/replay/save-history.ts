import fs from 'node:fs';
import path from 'node:path';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import { historyToJson } from './history-json.js';
import type { Harness } from '../support/harness.js';
import { FIXTURES_DIR, searchableText, type Shape } from './fixtures.js';

const TAG = process.env.HERALD_RECORD_TAG ?? '';
if (TAG && !/^[a-z0-9-]+$/.test(TAG)) throw new Error(`HERALD_RECORD_TAG must be kebab-case (got ${JSON.stringify(TAG)})`);

/** Fetches one run's history from Temporal. */
export async function fetchRunHistory(h: Harness, workflowId: string, runId?: string): Promise<History> {
  return h.temporal.workflow.getHandle(workflowId, runId).fetchHistory();
}

/** Every secret the harness' database and the given API keys hold: none may appear in a fixture. */
async function knownSecrets(h: Harness, apiKeys: string[]): Promise<string[]> {
  const rows = await h.db.selectFrom('webhooks').select(['secret', 'previous_secrets']).execute();
  return [...rows.flatMap((r) => [r.secret, ...r.previous_secrets.map((p) => p.secret)]), ...apiKeys].filter((s): s is string => !!s);
}

/**
 * Writes a run's history to `test/fixtures/histories/<shape>[.<tag>].json`. An existing file is
 * kept, never overwritten: parked deliveries of that version may still need it (see
 * docs/workflow-versioning.md). Refuses to write a history that contains a secret.
 */
export async function saveHistory(
  h: Harness,
  shape: Shape,
  history: History,
  apiKeys: string[],
): Promise<{ file: string; events: number; written: boolean }> {
  const json = historyToJson(history);
  const text = searchableText(json);
  for (const secret of await knownSecrets(h, apiKeys)) {
    if (text.includes(secret)) throw new Error(`history of ${shape} contains a secret; not written`);
  }
  const file = path.join(FIXTURES_DIR, `${shape}${TAG ? `.${TAG}` : ''}.json`);
  const events = history.events?.length ?? 0;
  fs.mkdirSync(FIXTURES_DIR, { recursive: true });
  let written = true;
  try {
    fs.writeFileSync(file, `${json}\n`, { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    written = false;
  }
  console.log(`${written ? 'recorded' : 'kept existing'} ${path.relative(process.cwd(), file)} (${events} events this run)`);
  return { file, events, written };
}

/** Events of one kind in a history, by their attributes field (e.g. `timerStartedEventAttributes`). */
export function countEvents(history: History, attributes: string): number {
  return (history.events ?? []).filter((e) => (e as Record<string, unknown>)[attributes] != null).length;
}
