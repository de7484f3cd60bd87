import fs from 'node:fs';
import path from 'node:path';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import { historyFromJson } from './history-json.js';

/** Recorded workflow histories, one ProtoJSON file each (the format `temporal workflow show --output json` writes). */
export const FIXTURES_DIR = path.resolve(import.meta.dirname, '../fixtures/histories');

/**
 * Every history shape the recorder produces. A fixture file is `<shape>.json`, or
 * `<shape>.<tag>.json` for a later recording of the same shape (docs/workflow-versioning.md).
 */
export const SHAPES = [
  'immediate-success',
  'retries-then-success',
  'retries-exhausted',
  'throttled-then-success',
  'parked-in-retry-wait',
  'cancelled-during-retry-wait',
  'retry-now',
  'replay-second-run',
  'gone-410',
  'webhook-deactivated-mid-retry',
  'blocked-target',
  'dispatch-continue-as-new',
  'dispatch-last-batch',
  'delivery-started-by-dispatch',
  'dispatch-v2-continue-as-new',
  'dispatch-v2-last-page',
  'ordered-head',
  'ordered-waited-for-release',
  'ordered-cancelled-while-waiting',
  'ordered-failing-head-passed',
] as const;
export type Shape = (typeof SHAPES)[number];

export interface Fixture {
  /** File name without `.json`. */
  name: string;
  /** The file's raw text (what a secret scan must look at). */
  text: string;
  history: History;
}

/** Loads every `*.json` in the fixtures directory, sorted by name. */
export function loadFixtures(dir = FIXTURES_DIR): Fixture[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const text = fs.readFileSync(path.join(dir, f), 'utf8');
      return { name: f.slice(0, -'.json'.length), text, history: historyFromJson(JSON.parse(text)) };
    });
}

/** The shape a fixture name records: `retry-now.v2` → `retry-now`. */
export const shapeOf = (name: string) => name.split('.')[0]!;

/**
 * A history JSON's text with every payload decoded: payload `data` is base64 in the file, so a
 * plain text search would miss a secret inside a workflow input, result or search attribute.
 */
export function searchableText(historyJson: string): string {
  const out: string[] = [historyJson];
  const walk = (v: unknown, key?: string) => {
    if (typeof v === 'string') {
      if (key === 'data') out.push(Buffer.from(v, 'base64').toString('utf8'));
    } else if (Array.isArray(v)) for (const x of v) walk(x);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(JSON.parse(historyJson));
  return out.join('\n');
}
