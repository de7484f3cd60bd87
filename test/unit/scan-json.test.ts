import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanJson } from '../../src/json/scan-json.js';
import { jsonObjectText, jsonValueText } from '../support/json-text-arbitrary.js';

const parses = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

describe('scanJson', () => {
  it('accepts exactly what JSON.parse accepts (property, near-JSON noise)', () => {
    const token = fc.constantFrom(
      '{',
      '}',
      '[',
      ']',
      ',',
      ':',
      '"',
      '\\',
      '\\u',
      '00',
      'e',
      'E',
      '+',
      '-',
      '.',
      '0',
      '7',
      'true',
      'fals',
      'null',
      ' ',
      '\n',
      '\u0001',
      '\ufeff',
      'x',
      '"a"',
      '1.',
      '01',
    );
    const noise = fc.array(token, { maxLength: 16 }).map((t) => t.join(''));
    const mutated = fc.tuple(jsonValueText, fc.nat(), fc.nat(3), token).map(([t, at, cut, ins]) => {
      const p = at % (t.length + 1);
      return t.slice(0, p) + ins + t.slice(p + cut);
    });
    fc.assert(
      fc.property(fc.oneof(noise, mutated, jsonValueText), (text) => {
        expect(scanJson(text, { maxDepth: 1000 }).ok).toBe(parses(text));
      }),
      { numRuns: 3000 },
    );
  });

  it('finds the exact text of a member, whatever surrounds it; the last of two wins, as in JSON.parse', () => {
    fc.assert(
      fc.property(jsonObjectText, jsonValueText, fc.constantFrom('', ' ', '\n\t'), fc.boolean(), (data, other, ws, twice) => {
        const body = `{${ws}"type"${ws}:${ws}${other},${twice ? `"data":${other},` : ''}${ws}"data"${ws}:${ws}${data}${ws},"z":[${other}]${ws}}`;
        const r = scanJson(body, { maxDepth: 100, capture: ['data'] });
        expect(r.ok).toBe(true);
        if (!r.ok || !r.captured) throw new Error('not captured');
        expect(body.slice(r.captured.start, r.captured.end)).toBe(data);
      }),
      { numRuns: 500 },
    );
  });

  it('captures a member inside a batch body by its index', () => {
    const body = '{"0":{"data":{"a":1}},"1":{"data":[1.0, 2]}}';
    const r = scanJson(body, { maxDepth: 10, capture: ['1', 'data'] });
    expect(r.ok && r.captured && body.slice(r.captured.start, r.captured.end)).toBe('[1.0, 2]');
    expect(scanJson(body, { maxDepth: 10, capture: ['2', 'data'] })).toEqual({ ok: true, captured: null });
  });

  it('stops at maxDepth without recursion, even a million levels deep', () => {
    const n = 1_000_000;
    expect(scanJson('['.repeat(n) + ']'.repeat(n), { maxDepth: 64 })).toEqual({ ok: false, kind: 'depth', path: Array(64).fill(0) });
    expect(scanJson('{"a":'.repeat(65) + '1' + '}'.repeat(65), { maxDepth: 64 })).toMatchObject({
      kind: 'depth',
      path: Array(64).fill('a'),
    });
    expect(scanJson('{"a":'.repeat(64) + '1' + '}'.repeat(64), { maxDepth: 64 }).ok).toBe(true);
    expect(scanJson('[[]]', { maxDepth: 2 }).ok).toBe(true);
    expect(scanJson('[[[]]]', { maxDepth: 2 }).ok).toBe(false);
  });

  it('applies the string rule to decoded strings and member names, with their path', () => {
    const noX = (s: string) => (s.includes('x') ? 'no x' : null);
    expect(scanJson('{"a":[1,"\\u0078"]}', { maxDepth: 9, checkString: noX })).toEqual({
      ok: false,
      kind: 'string',
      path: ['a', 1],
      rule: 'no x',
    });
    expect(scanJson('{"a":{"b":1,"\\u0078y":2}}', { maxDepth: 9, checkString: noX })).toEqual({
      ok: false,
      kind: 'string',
      path: ['a'],
      rule: 'no x',
      key: 'xy',
    });
    expect(scanJson('{"a":"ok"}', { maxDepth: 9, checkString: noX }).ok).toBe(true);
  });

  it('refuses duplicate member names after decoding, only when asked', () => {
    expect(scanJson('{"o":{"a":1,"\\u0061":2}}', { maxDepth: 9, rejectDuplicateKeys: true })).toEqual({
      ok: false,
      kind: 'duplicate',
      path: ['o'],
      key: 'a',
    });
    expect(scanJson('{"__proto__":1,"__proto__":2}', { maxDepth: 9, rejectDuplicateKeys: true })).toMatchObject({
      kind: 'duplicate',
      key: '__proto__',
    });
    expect(scanJson('{"a":1,"a":2}', { maxDepth: 9 }).ok).toBe(true);
    expect(scanJson('[{"a":1},{"a":2}]', { maxDepth: 9, rejectDuplicateKeys: true }).ok).toBe(true);
  });

  it('relies on JSON.parse being iterative: a 100,000-deep body parses (only re-serialising it overflowed)', () => {
    const n = 100_000;
    const deep = JSON.parse('{"a":'.repeat(n) + '1' + '}'.repeat(n)) as unknown;
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
  });
});
