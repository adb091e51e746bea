// canonicalJson (src/lib/canonical-json.ts): the exact depth limit, for objects and arrays alike,
// and the values it leaves alone.
import { describe, expect, it } from 'vitest';
import { MAX_CANONICAL_DEPTH, canonicalJson } from '../../src/lib/canonical-json.ts';

const nestedObjects = (levels: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
};
const nestedArrays = (levels: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
};

describe('canonicalJson depth limit', () => {
  it('is 256 levels', () => {
    expect(MAX_CANONICAL_DEPTH).toBe(256);
  });

  it.each([
    ['objects', nestedObjects],
    ['arrays', nestedArrays],
  ])(
    'when %s nest exactly to the limit, then they serialise; one level more throws',
    (_kind, nest) => {
      expect(JSON.parse(canonicalJson(nest(MAX_CANONICAL_DEPTH)))).toEqual(
        nest(MAX_CANONICAL_DEPTH),
      );
      expect(() => canonicalJson(nest(MAX_CANONICAL_DEPTH + 1))).toThrow(
        new RangeError('canonicalJson: value nested deeper than 256 levels'),
      );
    },
  );

  it('counts objects and arrays together', () => {
    let value: unknown = 1;
    for (let i = 0; i <= MAX_CANONICAL_DEPTH; i++) value = i % 2 ? [value] : { a: value };
    expect(() => canonicalJson(value)).toThrow(RangeError);
  });
});

describe('canonicalJson values', () => {
  it('when given scalars, null or empty containers, then they are written as JSON writes them', () => {
    expect(canonicalJson(null)).toBe('null');
    expect(canonicalJson(0)).toBe('0');
    expect(canonicalJson('')).toBe('""');
    expect(canonicalJson(false)).toBe('false');
    expect(canonicalJson(undefined)).toBeUndefined();
    expect(canonicalJson({})).toBe('{}');
    expect(canonicalJson([])).toBe('[]');
  });

  it('keeps array order and sorts keys inside array items', () => {
    expect(canonicalJson([3, { b: 1, a: 2 }, 1])).toBe('[3,{"a":2,"b":1},1]');
  });

  it('writes a date nested anywhere as its ISO string', () => {
    expect(canonicalJson([{ at: new Date('2026-01-02T03:04:05.678Z') }])).toBe(
      '[{"at":"2026-01-02T03:04:05.678Z"}]',
    );
  });

  it('when two objects differ only in key order, then their canonical forms are equal', () => {
    expect(canonicalJson({ x: { b: [1, { d: 1, c: 2 }], a: null } })).toBe(
      canonicalJson({ x: { a: null, b: [1, { c: 2, d: 1 }] } }),
    );
  });
});
