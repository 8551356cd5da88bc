import fc from 'fast-check';
import { jsonDeeperThan } from '../../src/plugins/app/body-parsing.js';

/** Nesting depth of a parsed JSON value: a scalar is 0, `[]` and `{}` are 1. */
function depth(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depth));
  if (value !== null && typeof value === 'object') return 1 + Math.max(0, ...Object.values(value).map(depth));
  return 0;
}

describe('jsonDeeperThan (the body parser depth check)', () => {
  it('agrees with the depth of the parsed value for any JSON text, brackets and escapes inside strings included', () => {
    const text = fc.string({ unit: fc.constantFrom('[', ']', '{', '}', '"', '\\', 'a', ':', ','), maxLength: 12 });
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8, stringUnit: 'grapheme' }), fc.integer({ min: 0, max: 8 }), text, (value, limit, tricky) => {
        const json = JSON.stringify([tricky, value]);
        expect(jsonDeeperThan(json, limit)).toBe(depth([tricky, value]) > limit);
      }),
      { numRuns: 1000 },
    );
  });

  it('stops at the first level past the limit', () => {
    expect(jsonDeeperThan('['.repeat(33), 32)).toBe(true);
    expect(jsonDeeperThan(`${'['.repeat(32)}${']'.repeat(32)}`, 32)).toBe(false);
    expect(jsonDeeperThan('"\\"[[[["', 0)).toBe(false);
  });
});
