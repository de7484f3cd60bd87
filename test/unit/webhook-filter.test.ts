import { describe, expect, it } from 'vitest';
import { FilterError, compileFilter } from '../../src/delivery/webhook-filter.js';

function issueOf(filter: unknown) {
  try {
    compileFilter(filter);
  } catch (e) {
    if (e instanceof FilterError) return e.issue;
    throw e;
  }
  throw new Error('the filter compiled');
}

describe('webhook filter compilation', () => {
  it('writes every leaf as an exists() test, so a negation is exact', () => {
    expect(compileFilter({ 'data.amount': { $ne: 5 } })).toBe('!exists($."data"."amount" ? (@ == 5))');
    expect(compileFilter({ type: 'order.paid' })).toBe('exists($."type" ? (@ == "order.paid"))');
  });

  it('joins several keys of one object with && and keeps $or and $not', () => {
    expect(compileFilter({ $or: [{ 'data.a': 1 }, { $not: { 'data.b': { $exists: true } } }], 'data.c': { $gt: -2 } })).toBe(
      '((exists($."data"."a" ? (@ == 1)) || !(exists($."data"."b"))) && exists($."data"."c" ? (@ > (-2))))',
    );
  });

  it('writes a $decimal value as the exact digits given', () => {
    expect(compileFilter({ 'data.n': { $gte: { $decimal: '9007199254740993' } } })).toBe('exists($."data"."n" ? (@ >= 9007199254740993))');
  });

  it('quotes path segments and strings, so a quote in them cannot end the literal', () => {
    expect(compileFilter({ 'data.a"b': 'x"||true' })).toBe('exists($."data"."a\\"b" ? (@ == "x\\"||true"))');
  });

  it.each([
    [{ amount: 1 }, 'amount', 'a path starts with `data`'],
    [{ 'data.a': { $gt: true } }, 'data.a.$gt', 'takes a number or a string'],
    [{ 'data.a': { $in: [] } }, 'data.a.$in', 'takes a list of 1–100 values'],
    [{ 'data.a': { $regex: 'x' } }, 'data.a.$regex', 'is not an operator'],
    [{ 'data.a': { b: 1 } }, 'data.a.b', 'is not an operator'],
    [{ 'data.a': [1, 2] }, 'data.a', 'must be a string, number, boolean or null'],
    [{ 'data.a': Number('9007199254740993') }, 'data.a', 'from 2^53 to 10^21'],
    [{ 'data.a': { $decimal: '1e' } }, 'data.a.$decimal', 'must be a decimal number'],
    [{ 'data.a': { $exists: 1 } }, 'data.a.$exists', 'takes true or false'],
    [{ $and: [{ 'data.a': 1 }, { 'data..b': 1 }] }, '$and.1.data..b', 'none empty'],
    [{ $or: {} }, '$or', 'takes a list of 1–64 filters'],
    [{ $where: 'x' }, '$where', 'is not an operator here'],
    [{}, '', 'at least one condition'],
    [{ 'data.s': 'a\u0000b' }, 'data.s', 'without NUL'],
    [{ 'data.s': '\ud800' }, 'data.s', 'well-formed Unicode'],
  ])('refuses %j at %s: %s', (filter, path, message) => {
    const issue = issueOf(filter);
    expect(issue.path).toBe(path);
    expect(issue.message).toContain(message);
  });

  it('refuses a filter nested deeper than 8 levels', () => {
    let f: Record<string, unknown> = { 'data.a': 1 };
    for (let i = 0; i < 8; i++) f = { $not: f };
    expect(issueOf(f).message).toContain('deeper than 8');
  });

  it('refuses more than 64 conditions and more than 4096 bytes', () => {
    expect(issueOf({ $and: Array.from({ length: 64 }, (_, i) => ({ [`data.k${i}`]: i, 'data.z': 0 })) }).message).toContain(
      'at most 64 conditions',
    );
    expect(issueOf({ 'data.a': 'x'.repeat(5000) }).message).toContain('4096 bytes');
  });
});
