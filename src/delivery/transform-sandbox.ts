import {
  newQuickJSWASMModule,
  type QuickJSContext,
  type QuickJSRuntime,
  type QuickJSWASMModule,
  shouldInterruptAfterDeadline,
} from 'quickjs-emscripten';

/**
 * Webhook transformations (issue 27): a JavaScript function `(event) => ({ body?, headers?,
 * method?, url?, cancel? })` per webhook, run in QuickJS compiled to WebAssembly, never in Node's
 * own engine. The sandbox has no `require`, `process`, timers, network or filesystem (QuickJS
 * without its std/os modules has none of them), a clock fixed at the attempt's time, and limits
 * enforced by the engine: time (an interrupt handler), memory (the runtime's allocator) and
 * stack depth. Each run gets a fresh runtime, so nothing survives from one event to the next.
 */
export const TRANSFORM_LIMITS = {
  /** Wall time of one run, ms (compile and call). */
  timeMs: 50,
  /** The runtime's heap, bytes. */
  memoryBytes: 16 * 1024 * 1024,
  /**
   * QuickJS's own stack limit, bytes. Its frames live on Node's native stack (~1 MiB), about
   * 2.5 times as large: 384 KiB overflowed Node's stack in a test, 256 KiB did not; 192 KiB leaves
   * room for the activity's own frames and still allows ~700 nested calls.
   */
  stackBytes: 192 * 1024,
  /** Source text, characters. */
  sourceChars: 16_000,
  /** The body it returns, bytes of UTF-8 (the publish limit). */
  bodyBytes: 256 * 1024,
  /** Headers it adds. */
  headers: 20,
} as const;

/** What a transformation decided; `error` is an attempt outcome of kind `transform`. */
export type TransformResult =
  | { kind: 'ok'; body?: string; headers?: Record<string, string>; method?: 'POST' | 'PUT' | 'PATCH'; url?: string }
  | { kind: 'cancel' }
  | { kind: 'error'; message: string };

/** Headers a transformation may not set: the signature's, and the ones HTTP itself owns. */
const RESERVED_HEADERS = new Set([
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'content-length',
  'transfer-encoding',
  'host',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
]);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
const MAX_MESSAGE_CHARS = 200;

let engine: Promise<QuickJSWASMModule> | undefined;

/** The WebAssembly module, loaded once per process (~1 MB); runs are synchronous once it is. */
export function transformEngine(): Promise<QuickJSWASMModule> {
  engine ??= newQuickJSWASMModule().then((m) => {
    // One run warms the WebAssembly code, so the first event's run is not charged for it.
    runTransform(m, '(e) => ({ body: JSON.stringify(e) })', '{}', 0);
    return m;
  });
  return engine;
}

/**
 * Runs the transformation `source` on `eventJson` (the body Herald would send: `{ id, type,
 * timestamp, data }`) with the clock fixed at `nowMs`. Never throws: a syntax error, a throw, a
 * limit or a bad result is `{ kind: 'error' }` with a one-line message.
 */
export function runTransform(module: QuickJSWASMModule, source: string, eventJson: string, nowMs: number): TransformResult {
  if (source.length > TRANSFORM_LIMITS.sourceChars) return fail(`source is longer than ${TRANSFORM_LIMITS.sourceChars} characters`);
  const runtime = limitedRuntime(module);
  const vm = runtime.newContext();
  let disposable = true;
  try {
    const input = vm.newString(eventJson);
    vm.setProp(vm.global, '__heraldEvent', input);
    input.dispose();
    startClock(runtime);
    const result = vm.evalCode(program(source, nowMs), 'transformation.js');
    if (result.error) {
      const message = errorMessage(vm, result.error);
      result.error.dispose();
      return fail(message);
    }
    const text = vm.typeof(result.value) === 'string' ? vm.getString(result.value) : undefined;
    result.value.dispose();
    const parsed = parseResult(text);
    // Unreadable only when the source replaced the sandbox's JSON.stringify: its body was no JSON value.
    return parsed ? validate(parsed) : fail('body: must be a string or a JSON value');
  } catch (err) {
    // A host-level failure (Node's own stack): the runtime may be inconsistent, so it is left
    // to the garbage collector instead of freed, and the next run loads a fresh module.
    disposable = false;
    engine = undefined;
    return fail(`sandbox failed: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    if (disposable) {
      vm.dispose();
      runtime.dispose();
    }
  }
}

/**
 * Whether `source` is a transformation at all: it compiles, within the limits, to a function.
 * Null when it does; else the rule it breaks. It is not called: what it does with an event is
 * for the dry run (webhooks.previewTransformation) and the attempts to say.
 */
export function checkTransformSource(module: QuickJSWASMModule, source: string): string | null {
  if (source.length > TRANSFORM_LIMITS.sourceChars) return `must be at most ${TRANSFORM_LIMITS.sourceChars} characters`;
  const runtime = limitedRuntime(module);
  const vm = runtime.newContext();
  try {
    startClock(runtime);
    const r = vm.evalCode(`"use strict";\nconst __heraldFn = (\n${source}\n);\ntypeof __heraldFn === 'function'`, 'transformation.js');
    if (r.error) {
      const message = errorMessage(vm, r.error);
      r.error.dispose();
      return message;
    }
    const isFunction = vm.dump(r.value) === true;
    r.value.dispose();
    return isFunction ? null : 'must be a JavaScript function of the event, e.g. (event) => ({ body: event.data })';
  } finally {
    vm.dispose();
    runtime.dispose();
  }
}

/**
 * The program run in the sandbox: the clock fixed, then the source as an expression, called on
 * the parsed event, its result normalised to JSON text (a `body` that is not a string is sent as
 * its JSON). Strict mode; the event arrives as a string global, parsed inside.
 */
function program(source: string, nowMs: number): string {
  return `"use strict";
(() => {
  // Every route to the real constructor is replaced: Date itself, and Date.prototype.constructor.
  const RealDate = Date;
  const fixed = ${Number(nowMs)};
  function FixedDate(...a) {
    if (!new.target) return new RealDate(fixed).toString();
    return a.length === 0 ? new RealDate(fixed) : new RealDate(...a);
  }
  FixedDate.now = () => fixed;
  FixedDate.parse = RealDate.parse;
  FixedDate.UTC = RealDate.UTC;
  FixedDate.prototype = RealDate.prototype;
  Object.defineProperty(RealDate.prototype, 'constructor', { value: FixedDate, writable: false, configurable: false });
  Object.defineProperty(globalThis, 'Date', { value: FixedDate, writable: false, configurable: false });
})();
const __heraldFn = (
${source}
);
if (typeof __heraldFn !== 'function') throw new TypeError('the transformation must be a function of the event');
const __heraldOut = __heraldFn(JSON.parse(globalThis.__heraldEvent));
if (__heraldOut !== undefined && (__heraldOut === null || typeof __heraldOut !== 'object' || Array.isArray(__heraldOut)))
  throw new TypeError('the transformation must return an object ({ body?, headers?, method?, url?, cancel? })');
if (__heraldOut && typeof __heraldOut.then === 'function') throw new TypeError('the transformation must not be async');
const __heraldR = __heraldOut ?? {};
JSON.stringify({
  body: __heraldR.body === undefined ? undefined : typeof __heraldR.body === 'string' ? __heraldR.body : JSON.stringify(__heraldR.body) ?? null,
  headers: __heraldR.headers,
  method: __heraldR.method,
  url: __heraldR.url,
  cancel: __heraldR.cancel,
});`;
}

/** The host's checks of what the sandbox returned; the URL's own rules are the attempt's (prepare.ts). */
function validate(r: Record<string, unknown>): TransformResult {
  if (r.cancel !== undefined && typeof r.cancel !== 'boolean') return fail('cancel: must be a boolean');
  if (r.cancel === true) return { kind: 'cancel' };
  const out: Extract<TransformResult, { kind: 'ok' }> = { kind: 'ok' };
  if (r.body !== undefined) {
    if (typeof r.body !== 'string') return fail('body: must be a string or a JSON value');
    const bytes = Buffer.byteLength(r.body, 'utf8');
    if (bytes > TRANSFORM_LIMITS.bodyBytes) return fail(`body: must be at most ${TRANSFORM_LIMITS.bodyBytes} bytes (got ${bytes})`);
    out.body = r.body;
  }
  if (r.headers !== undefined) {
    if (r.headers === null || typeof r.headers !== 'object' || Array.isArray(r.headers))
      return fail('headers: must be an object of strings');
    const entries = Object.entries(r.headers as Record<string, unknown>);
    if (entries.length > TRANSFORM_LIMITS.headers) return fail(`headers: at most ${TRANSFORM_LIMITS.headers}`);
    const headers: Record<string, string> = {};
    for (const [name, value] of entries) {
      if (!HEADER_NAME.test(name)) return fail(`headers.${name.slice(0, 40)}: not a valid header name`);
      if (RESERVED_HEADERS.has(name.toLowerCase())) return fail(`headers.${name}: set by Herald, not by a transformation`);
      if (typeof value !== 'string' || /[\r\n\0]/.test(value) || value.length > 4096)
        return fail(`headers.${name}: must be a string of at most 4096 characters without line breaks`);
      headers[name.toLowerCase()] = value;
    }
    out.headers = headers;
  }
  if (r.method !== undefined) {
    if (r.method !== 'POST' && r.method !== 'PUT' && r.method !== 'PATCH') return fail('method: must be POST, PUT or PATCH');
    out.method = r.method;
  }
  if (r.url !== undefined) {
    if (typeof r.url !== 'string' || r.url.length > 2048) return fail('url: must be a string of at most 2048 characters');
    out.url = r.url;
  }
  return out;
}

/** A fresh runtime under the memory and stack limits. */
function limitedRuntime(module: QuickJSWASMModule): QuickJSRuntime {
  const runtime = module.newRuntime();
  runtime.setMemoryLimit(TRANSFORM_LIMITS.memoryBytes);
  runtime.setMaxStackSize(TRANSFORM_LIMITS.stackBytes);
  return runtime;
}

/** Starts the time limit: it counts the source's own compile and run, not the context's creation. */
function startClock(runtime: QuickJSRuntime): void {
  runtime.setInterruptHandler(shouldInterruptAfterDeadline(Date.now() + TRANSFORM_LIMITS.timeMs));
}

/** The sandbox's JSON text, as an object; undefined when it is not one (the source may have replaced JSON.stringify). */
function parseResult(text: string | undefined): Record<string, unknown> | undefined {
  try {
    const v: unknown = text === undefined ? undefined : JSON.parse(text);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {}
  return undefined;
}

function errorMessage(vm: QuickJSContext, handle: Parameters<QuickJSContext['dump']>[0]): string {
  const e = vm.dump(handle) as { name?: unknown; message?: unknown } | unknown;
  if (e && typeof e === 'object' && 'message' in e) {
    const { name, message } = e as { name?: unknown; message?: unknown };
    const text = `${typeof name === 'string' ? name : 'Error'}: ${String(message)}`;
    // QuickJS reports the time limit as an uncatchable "interrupted" and the heap limit as "out of memory".
    if (message === 'interrupted') return `time limit of ${TRANSFORM_LIMITS.timeMs} ms exceeded`;
    return text;
  }
  return `threw ${JSON.stringify(e) ?? String(e)}`;
}

function fail(message: string): TransformResult {
  const line = message.replace(/\s+/g, ' ').trim();
  return { kind: 'error', message: line.length > MAX_MESSAGE_CHARS ? `${line.slice(0, MAX_MESSAGE_CHARS - 1)}…` : line };
}
