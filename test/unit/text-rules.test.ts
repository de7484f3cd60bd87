import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatPath } from '../../src/api/field-path.js';
import { findUnstorableText } from '../../src/api/storable-input.js';
import { freeText, idText, nameText } from '../../src/api/text-fields.js';
import { textViolation } from '../../src/api/text-rules.js';

describe('textViolation', () => {
  it.each([
    ['plain', 'storable', null],
    ['a\u0000b', 'storable', 'must not contain NUL (U+0000 at 1)'],
    ['\ud800', 'storable', 'must not contain a lone UTF-16 surrogate (U+D800 at 0)'],
    ['x\udc00', 'storable', 'must not contain a lone UTF-16 surrogate (U+DC00 at 1)'],
    ['\ud83d\ude00 \u{10ffff}', 'name', null],
    ['\u001b[31m', 'storable', null],
    ['\u001b[31m', 'name', 'must not contain control characters (U+001B at 0)'],
    ['a\u007f', 'name', 'must not contain control characters (U+007F at 1)'],
    ['a\u0085', 'name', 'must not contain control characters (U+0085 at 1)'],
    ['tab\there', 'name', 'must not contain control characters (U+0009 at 3)'],
    ['tab\there\nnewline', 'free', null],
    ['cr\r\n', 'free', 'must not contain control characters other than tab and newline (U+000D at 2)'],
    ['bell\u0007', 'free', 'must not contain control characters other than tab and newline (U+0007 at 4)'],
    ['nul\u0000', 'free', 'must not contain NUL (U+0000 at 3)'],
  ] as const)('%j as %s → %s', (s, kind, expected) => {
    expect(textViolation(s, kind)).toBe(expected);
  });

  it('accepts exactly the well-formed strings without the kind’s control characters (property)', () => {
    const unit = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 3 }),
      fc.constantFrom('\u0000', '\u0007', '\t', '\n', '\r', '\u001b', '\u007f', '\u009f', '\ud800', '\udfff', '😀'),
    );
    fc.assert(
      fc.property(
        fc.array(unit, { maxLength: 8 }).map((a) => a.join('')),
        (s) => {
          const wellFormed = Buffer.from(s, 'utf8').toString('utf8') === s; // lone surrogates become U+FFFD
          expect(textViolation(s, 'storable') === null).toBe(wellFormed && !s.includes('\u0000'));
          expect(textViolation(s, 'name') === null).toBe(wellFormed && !/\p{Cc}/u.test(s));
          expect(textViolation(s, 'free') === null).toBe(wellFormed && !/(?![\t\n])\p{Cc}/u.test(s));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('zod text fields', () => {
  it('nameText trims, bounds and refuses control characters; idText never trims; freeText allows tab and newline', () => {
    expect(nameText(5).parse('  ab ')).toBe('ab');
    expect(nameText(5).safeParse('a\u001bb').error?.issues[0]?.message).toBe('must not contain control characters (U+001B at 1)');
    expect(nameText(5).safeParse('   ').error?.issues[0]?.message).toBe('must be 1–5 characters');
    expect(idText(9).parse(' id ')).toBe(' id ');
    expect(idText(9).safeParse('i\nd').success).toBe(false);
    expect(freeText(20).parse('a\n\tb')).toBe('a\n\tb');
    expect(freeText(20).safeParse('a\r').success).toBe(false);
  });
});

describe('findUnstorableText', () => {
  it('finds NUL or a lone surrogate in any string or key, at any depth, first in document order', () => {
    expect(findUnstorableText({ a: [1, { b: 'ok' }, 'x\u0000'], c: '\ud800' })).toEqual({
      path: ['a', 2],
      rule: 'must not contain NUL (U+0000 at 1)',
    });
    expect(findUnstorableText({ a: { 'k\ud800': 1 } })).toEqual({
      path: ['a'],
      rule: 'must not contain a lone UTF-16 surrogate (U+D800 at 1)',
      key: 'k\ud800',
    });
    expect(findUnstorableText(JSON.parse('{"__proto__":{"s":"\\u0000"}}'))).toMatchObject({ path: ['__proto__', 's'] });
    expect(findUnstorableText({ fine: ['\u001b', '😀', 1, null, true] })).toBeNull();
  });

  it('walks 100,000 levels and cycles without recursion', () => {
    let deep: unknown = 'end\u0000';
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    expect(findUnstorableText(deep)?.path).toHaveLength(100_000);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(findUnstorableText(cyclic)).toBeNull();
  });
});

describe('formatPath', () => {
  it('reads like a zod path, quotes odd segments and cuts deep paths', () => {
    expect(formatPath([])).toBe('input');
    expect(formatPath(['data', 'items', 0, 'X-Custom'])).toBe('data.items.0.X-Custom');
    expect(formatPath(['data', 'a.b', '\u001b[2J'])).toBe('data["a.b"]["\\u001b[2J"]');
    expect(formatPath(Array(10).fill('a'))).toBe('a.a.a.a.a.a.a.a…');
  });
});
