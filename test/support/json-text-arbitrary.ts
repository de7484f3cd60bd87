import fc from 'fast-check';

/**
 * JSON *text* (not values) that a JS round trip would change: number spellings (big integers,
 * `1.0`, `1e400`, `-0`), every escape form, astral characters literal or as surrogate-pair
 * escapes, `__proto__` keys, arbitrary key order and whitespace. Never NUL, never a lone
 * surrogate, never a duplicate key: those are refused, and this generates what is accepted.
 */

const ws = fc.constantFrom('', '', '', '', ' ', '\n  ', '\t', '\r\n');

export const numberText = fc.oneof(
  fc.constantFrom(
    '0',
    '-0',
    '1.0',
    '1e400',
    '-1e400',
    '1E+2',
    '2.50',
    '0.1e-7',
    '12345678901234567890123',
    '-9007199254740993',
    '1e-400',
    '100e0',
  ),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
);

const codePoint = fc.oneof(
  fc.integer({ min: 0x20, max: 0x7e }),
  fc.integer({ min: 0x01, max: 0x1f }),
  fc.integer({ min: 0x80, max: 0xd7ff }),
  fc.integer({ min: 0xe000, max: 0xffff }),
  fc.integer({ min: 0x10000, max: 0x10ffff }),
);

const SHORT: Record<number, string> = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' };
const u = (unit: number, upper: boolean) => {
  const hex = unit.toString(16).padStart(4, '0');
  return `\\u${upper ? hex.toUpperCase() : hex}`;
};

/** One code point as JSON string content, literal or escaped. */
function encode(cp: number, escaped: boolean, upper: boolean): string {
  if (cp === 0x22) return escaped ? u(cp, upper) : '\\"';
  if (cp === 0x5c) return escaped ? u(cp, upper) : '\\\\';
  if (cp === 0x2f && escaped) return '\\/';
  if (cp < 0x20) return escaped || !SHORT[cp] ? u(cp, upper) : SHORT[cp]!;
  const s = String.fromCodePoint(cp);
  if (!escaped) return s;
  return [...Array(s.length).keys()].map((i) => u(s.charCodeAt(i), upper)).join('');
}

export const stringText = fc
  .array(fc.tuple(codePoint, fc.boolean(), fc.boolean()), { maxLength: 12 })
  .map((parts) => `"${parts.map(([cp, escaped, upper]) => encode(cp, escaped, upper)).join('')}"`);

const keyText = fc.oneof(
  stringText,
  fc.constantFrom('"__proto__"', '"constructor"', '"assetId"', '"n"', '"a"', '"z"', '"__proto\\u005f_"'),
);

const { value, object } = fc.letrec((tie) => ({
  value: fc.oneof(
    { maxDepth: 4, depthIdentifier: 'json' },
    numberText,
    stringText,
    fc.constantFrom('true', 'false', 'null'),
    tie('array'),
    tie('object'),
  ),
  array: fc
    .array(fc.tuple(ws, tie('value') as fc.Arbitrary<string>, ws), { maxLength: 4, depthIdentifier: 'json' })
    .map((items) => `[${items.map(([a, v, b]) => a + v + b).join(',')}]`),
  object: fc
    .uniqueArray(fc.tuple(keyText, tie('value') as fc.Arbitrary<string>, ws, ws, ws, ws), {
      selector: ([k]) => JSON.parse(k) as string,
      maxLength: 5,
      depthIdentifier: 'json',
    })
    .map((members) => `{${members.map(([k, v, a, b, c, d]) => `${a}${k}${b}:${c}${v}${d}`).join(',')}}`),
}));

/** Any accepted JSON value, as text. */
export const jsonValueText = value as fc.Arbitrary<string>;
/** Any accepted JSON object, as text (what `events.publish` takes as `data`). */
export const jsonObjectText = object as fc.Arbitrary<string>;
