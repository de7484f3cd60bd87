/**
 * Sorts the samples of a V8 CPU profile into the parts of a delivery they belong to. A sample
 * counts for Herald's own code when any frame of its stack is Herald's (the first rule below that
 * matches any frame: so the SQL and Temporal calls a part makes synchronously are that part's),
 * else for the library or runtime of its leaf frame. Pure.
 */
export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

/** Herald's parts, matched anywhere on the stack (first rule wins). */
const HERALD: [string, string][] = [
  ['the bench itself (load generator)', '/bench/'],
  ['attempt: load, sign, send, record, metrics (src/core/attempt)', '/src/core/attempt/'],
  ['attempt: load, sign, send, record, metrics (src/core/attempt)', '/src/activities/'],
  ['publish: event insert, fan-out, workflow start (src/core)', '/src/core/'],
  ['workflow code in its VM (src/workflows, bundled)', 'workflow-bundle-'],
  ['publish: HTTP, tRPC, validation, auth (src/api)', '/src/api/'],
];
/** Libraries and runtime, matched on the leaf frame. */
const LEAF: [string, (url: string, fn: string) => boolean][] = [
  ['garbage collector', (_u, f) => f === '(garbage collector)'],
  ['V8 outside JavaScript ((program))', (_u, f) => f === '(program)'],
  ['PostgreSQL driver and Kysely', (u) => u.includes('node_modules/pg') || u.includes('node_modules/kysely')],
  ['undici (the send)', (u) => u.includes('node_modules/undici')],
  ['Temporal SDK, JavaScript (worker, client, payloads, rxjs)', (u) => u.includes('@temporalio/') || u.includes('node_modules/rxjs')],
  ['Temporal SDK, native bridge calls', (u, f) => u === '' && f.startsWith('temporal_sdk')],
  ['workflow VM (evalmachine)', (u) => u.startsWith('evalmachine')],
  ['socket writes (writev)', (_u, f) => f === 'writev' || f === 'writeBuffer' || f === 'writeUtf8String'],
  ['Node.js internals (HTTP parsing, streams, timers)', (u) => u.startsWith('node:')],
];

/** Milliseconds of samples per part, idle left out. */
export function categorize(profile: CpuProfile): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const out = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const ms = (deltas[i + 1] ?? 0) / 1000;
    const leaf = byId.get(samples[i]!)!;
    if (leaf.callFrame.functionName === '(idle)') continue;
    const urls: string[] = [];
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) urls.push(byId.get(id)!.callFrame.url);
    const herald = HERALD.find(([, pat]) => urls.some((u) => u.includes(pat)));
    const lib = herald ? undefined : LEAF.find(([, test]) => test(leaf.callFrame.url, leaf.callFrame.functionName));
    const part = herald?.[0] ?? lib?.[0] ?? 'other native code (unnamed native frames; builtins: hashing, JSON, microtasks)';
    out.set(part, (out.get(part) ?? 0) + ms);
  }
  return out;
}
