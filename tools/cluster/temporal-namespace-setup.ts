import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { SEARCH_ATTRIBUTE_FLAGS } from '../../src/temporal/search-attributes.js';

/** temporal.api.enums.v1.IndexedValueType values (INDEXED_VALUE_TYPE_KEYWORD, _INT). */
const INDEXED_TYPES: Record<string, number> = { Keyword: 2, Int: 3 };

/**
 * Registers the namespace with Herald's retention (or sets the retention of an existing one)
 * and creates Herald's search attributes that are missing, through the operator API (with SQL
 * visibility they map onto the schema's pre-allocated columns). Safe to run on every start.
 */
export async function ensureNamespace(opts: {
  address: string;
  namespace: string;
  retentionDays: number;
  log: (line: string) => void;
}): Promise<void> {
  const conn = await Connection.connect({ address: opts.address });
  try {
    const retention = msToTs(opts.retentionDays * 86_400_000);
    const existing = await conn.workflowService.describeNamespace({ namespace: opts.namespace }).catch((err: { code?: number }) => {
      if (err.code === 5 /* NOT_FOUND */) return undefined;
      throw err;
    });
    if (!existing) {
      await conn.workflowService.registerNamespace({ namespace: opts.namespace, workflowExecutionRetentionPeriod: retention });
      opts.log(`namespace ${opts.namespace} registered (retention ${opts.retentionDays} days)`);
    } else {
      await conn.workflowService.updateNamespace({ namespace: opts.namespace, config: { workflowExecutionRetentionTtl: retention } });
    }
    // A new namespace reaches the services' namespace caches after a refresh (2 s by default).
    const listed = await waitFor(() => conn.operatorService.listSearchAttributes({ namespace: opts.namespace }), 30_000);
    const have = new Set(Object.keys(listed.customAttributes ?? {}));
    const missing = SEARCH_ATTRIBUTE_FLAGS.map((f) => f.split('=') as [string, string]).filter(([name]) => !have.has(name));
    if (missing.length > 0) {
      await conn.operatorService.addSearchAttributes({
        namespace: opts.namespace,
        searchAttributes: Object.fromEntries(missing.map(([name, type]) => [name, INDEXED_TYPES[type]!])),
      });
      await waitFor(async () => {
        const now = await conn.operatorService.listSearchAttributes({ namespace: opts.namespace });
        const absent = missing.filter(([name]) => !(name in (now.customAttributes ?? {})));
        if (absent.length > 0) throw new Error(`search attributes not visible yet: ${absent.map(([n]) => n).join(', ')}`);
      }, 30_000);
      opts.log(`search attributes created: ${missing.map(([n, t]) => `${n}=${t}`).join(', ')}`);
    }
  } finally {
    await conn.close();
  }
}

async function waitFor<T>(fn: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
