import { beforeAll, describe, expect, it } from 'vitest';
import type { QuickJSWASMModule } from 'quickjs-emscripten';
import { runTransform, TRANSFORM_LIMITS, transformEngine } from '../../src/delivery/transform-sandbox.js';

const NOW = Date.parse('2026-12-03T10:00:00.000Z');
const EVENT = JSON.stringify({
  id: 'evt_1',
  type: 'order.paid',
  timestamp: '2026-12-03T09:59:59.000Z',
  data: { amount: 1200, name: 'Zoë' },
});

describe('webhook transformation sandbox', () => {
  let m: QuickJSWASMModule;
  const run = (source: string) => runTransform(m, source, EVENT, NOW);
  beforeAll(async () => {
    m = await transformEngine();
  });

  it('returns the body, headers, method and url a transformation builds from the event', () => {
    expect(
      run(
        '(e) => ({ body: { text: `${e.data.name} paid ${e.data.amount}` }, headers: { "X-Kind": e.type }, method: "PUT", url: "https://example.com/x" })',
      ),
    ).toEqual({
      kind: 'ok',
      body: '{"text":"Zoë paid 1200"}',
      headers: { 'x-kind': 'order.paid' },
      method: 'PUT',
      url: 'https://example.com/x',
    });
  });

  it('sends a string body as it is, and treats an empty result as no change', () => {
    expect(run('function handler(e) { return { body: "<amount>" + e.data.amount + "</amount>" }; }')).toEqual({
      kind: 'ok',
      body: '<amount>1200</amount>',
    });
    expect(run('(e) => {}')).toEqual({ kind: 'ok' });
    expect(run('(e) => ({})')).toEqual({ kind: 'ok' });
  });

  it('cancels the delivery when the transformation returns cancel: true', () => {
    expect(run('(e) => ({ cancel: e.data.amount > 1000 })')).toEqual({ kind: 'cancel' });
    expect(run('(e) => ({ cancel: e.data.amount > 5000 })')).toEqual({ kind: 'ok' });
  });

  it('fixes the clock at the attempt time, with no way back to the real one', () => {
    const r = run(
      '(e) => ({ body: [Date.now(), new Date().getTime(), new (new Date().constructor)().getTime(), new Date.prototype.constructor().getTime()].join() })',
    );
    expect(r).toEqual({ kind: 'ok', body: [NOW, NOW, NOW, NOW].join() });
  });

  it('stops an infinite loop at the time limit', () => {
    const t0 = performance.now();
    const r = run('(e) => { for (;;) {} }');
    expect(r).toEqual({ kind: 'error', message: `time limit of ${TRANSFORM_LIMITS.timeMs} ms exceeded` });
    // The limit is the engine's interrupt: well under a second even on a loaded box.
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('stops a memory bomb at the heap limit', () => {
    const r = run('(e) => { const a = []; for (;;) a.push("x".repeat(1024) + a.length); }');
    expect(r.kind).toBe('error');
    expect(r.kind === 'error' && r.message).toMatch(/out of memory|time limit/);
  });

  it('stops deep recursion at the stack limit without harming the host', () => {
    expect(run('(e) => { const f = (n) => f(n + 1) + 1; return f(0); }')).toEqual({
      kind: 'error',
      message: expect.stringMatching(/stack overflow/),
    });
    // The host and the engine still work afterwards.
    expect(run('(e) => ({ body: "ok" })')).toEqual({ kind: 'ok', body: 'ok' });
  });

  it('gives the code no way to the host: process, require, timers, network, import and the global constructor are absent', () => {
    const probe = `(e) => ({ body: JSON.stringify([
      typeof process, typeof require, typeof setTimeout, typeof setInterval, typeof fetch, typeof XMLHttpRequest,
      typeof globalThis.std, typeof globalThis.os, typeof Function('return this')().process,
      globalThis.constructor.constructor('return typeof process')(),
    ]) })`;
    const r = run(probe);
    expect(r).toEqual({ kind: 'ok', body: JSON.stringify(Array(10).fill('undefined')) });
  });

  it.each([
    ['process', '(e) => ({ body: String(process.pid) })', /ReferenceError: 'process' is not defined/],
    ['require', '(e) => ({ body: require("fs").readFileSync("/etc/passwd", "utf8") })', /ReferenceError: 'require' is not defined/],
    [
      'the global constructor',
      '(e) => ({ body: globalThis.constructor.constructor("return process")().pid })',
      /ReferenceError: 'process'/,
    ],
    ['Function("return this")', '(e) => ({ body: Function("return this")().process.env })', /TypeError/],
    ['import()', '(e) => import("fs")', /must not be async/],
    ['import.meta', '(e) => ({ body: import.meta.url })', /SyntaxError/],
    ['timers', '(e) => { setTimeout(() => {}, 1); return {}; }', /ReferenceError: 'setTimeout' is not defined/],
    ['the network', '(e) => { fetch("http://127.0.0.1:1/"); return {}; }', /ReferenceError: 'fetch' is not defined/],
  ])('ends a transformation that reaches for %s as a transform error', (_what, source, message) => {
    expect(run(source)).toEqual({ kind: 'error', message: expect.stringMatching(message) });
  });

  it('reports a syntax error, a throw, a non-function and a promise as transform errors', () => {
    expect(run('(e) => {')).toMatchObject({ kind: 'error', message: expect.stringMatching(/SyntaxError/) });
    expect(run('(e) => { throw new Error("no amount") }')).toEqual({ kind: 'error', message: 'Error: no amount' });
    expect(run('42')).toEqual({ kind: 'error', message: 'TypeError: the transformation must be a function of the event' });
    expect(run('async (e) => ({})')).toMatchObject({ kind: 'error', message: expect.stringMatching(/must not be async/) });
    expect(run('(e) => "text"')).toMatchObject({ kind: 'error', message: expect.stringMatching(/must return an object/) });
  });

  it('refuses bad results, naming the field and the rule', () => {
    expect(run('(e) => ({ headers: { "Webhook-Signature": "v1,forged" } })')).toEqual({
      kind: 'error',
      message: 'headers.Webhook-Signature: set by Herald, not by a transformation',
    });
    expect(run('(e) => ({ headers: { "bad name": "x" } })')).toEqual({
      kind: 'error',
      message: 'headers.bad name: not a valid header name',
    });
    expect(run('(e) => ({ headers: { "x-a": "1\\r\\nx-b: 2" } })')).toMatchObject({
      kind: 'error',
      message: expect.stringMatching(/^headers.x-a:/),
    });
    expect(run('(e) => ({ method: "GET" })')).toEqual({ kind: 'error', message: 'method: must be POST, PUT or PATCH' });
    expect(run('(e) => ({ cancel: "yes" })')).toEqual({ kind: 'error', message: 'cancel: must be a boolean' });
    expect(run(`(e) => ({ body: "x".repeat(${TRANSFORM_LIMITS.bodyBytes + 1}) })`)).toMatchObject({
      kind: 'error',
      message: expect.stringMatching(/^body: must be at most/),
    });
    expect(run('(e) => { JSON.stringify = () => "[1]"; return {}; }')).toEqual({
      kind: 'error',
      message: 'body: must be a string or a JSON value',
    });
  });

  it('starts every run afresh: nothing one event left in the sandbox is there for the next', () => {
    expect(run('(e) => { globalThis.seen = (globalThis.seen ?? 0) + 1; return { body: String(globalThis.seen) }; }')).toEqual({
      kind: 'ok',
      body: '1',
    });
    expect(run('(e) => { globalThis.seen = (globalThis.seen ?? 0) + 1; return { body: String(globalThis.seen) }; }')).toEqual({
      kind: 'ok',
      body: '1',
    });
  });
});
