import { scanJson } from '../json/scan-json.js';
import { pathDeeperThan } from '../json/value-depth.js';
import type { Context } from './context.js';
import { badRequest } from '../services/errors.js';
import { formatPath, quote } from './field-path.js';
import { MAX_JSON_DEPTH, TOO_DEEP } from './json-fields.js';
import { textViolation } from './text-rules.js';

/**
 * The text of `events.publish`'s `data` as the publisher sent it: over HTTP, the exact bytes of
 * this call's `data` member in the request body (key order, number spellings, escapes,
 * whitespace, `__proto__` keys), which Herald stores, signs and sends without re-serialising.
 * In-process callers have no body; their object is serialised once, after a depth check.
 * Nesting deeper than MAX_JSON_DEPTH is refused here, without recursion.
 */
export function publishedDataText(ctx: Pick<Context, 'body'>, data: Record<string, unknown>, batchIndex = 0): string {
  if (!ctx.body) {
    const deep = pathDeeperThan(data, MAX_JSON_DEPTH);
    if (deep) throw badRequest(formatPath(['data', ...deep]), TOO_DEEP);
    try {
      return JSON.stringify(data);
    } catch {
      throw badRequest('data', 'must be JSON (no BigInt or other values JSON cannot hold)');
    }
  }
  const { text, isBatch } = ctx.body;
  const capture = isBatch ? [String(batchIndex), 'data'] : ['data'];
  const scan = scanJson(text, { maxDepth: capture.length + MAX_JSON_DEPTH, capture });
  if (!scan.ok) {
    if (scan.kind === 'depth') throw badRequest(formatPath(scan.path.slice(capture.length - 1)), TOO_DEEP);
    // tRPC parsed this same text into `data` already, so it is JSON; this is a defect, not input.
    throw new Error(`request body is not JSON at offset ${scan.kind === 'syntax' ? scan.at : '?'}`);
  }
  if (!scan.captured) throw new Error('request body has no data member');
  return text.slice(scan.captured.start, scan.captured.end);
}

/**
 * The one rule for event data, checked on the very text that is stored and sent: at most
 * MAX_JSON_DEPTH levels; no NUL and no lone surrogate in any string or key (text-rules.ts);
 * no duplicate keys, since receivers' parsers disagree on which one wins (and a schema check
 * would have validated only one of them).
 */
export function assertEventDataRules(text: string): void {
  const scan = scanJson(text, { maxDepth: MAX_JSON_DEPTH, rejectDuplicateKeys: true, checkString: (s) => textViolation(s, 'storable') });
  if (scan.ok) return;
  const field = formatPath(['data', ...scan.path]);
  switch (scan.kind) {
    case 'depth':
      throw badRequest(field, TOO_DEEP);
    case 'string':
      throw badRequest(field, scan.key === undefined ? scan.rule : `key ${quote(scan.key)} ${scan.rule}`);
    case 'duplicate':
      throw badRequest(field, `duplicate key ${quote(scan.key)}`);
    case 'syntax':
      throw badRequest('data', `is not JSON (offset ${scan.at})`);
  }
}
