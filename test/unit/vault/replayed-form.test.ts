/** vault.ts replayedForm: what replay reads back of a log entry, with or without the JSON text in between. */
import { describe, expect, it } from 'vitest';
import { replayedForm } from '../../../src-main/vault/vault';
import type { JsonObject } from '../../../src-main/vault/types';

const roundTrip = (entry: JsonObject): JsonObject => JSON.parse(JSON.stringify(entry)) as JsonObject;

describe('replayedForm', () => {
  it('equals the JSON round trip, keys in the same order, for flat and other entries', () => {
    const entries: JsonObject[] = [
      { op: 'put', type: 'Patient', id: 'p1', version: 3, lastUpdated: '2026-11-27T10:00:00.000Z', method: 'PUT', hash: 'abc', blob: 0 },
      { 2: 'two', b: true, 1: null, a: 1.5 },
      { nested: { deep: [1, 2] }, after: 'x' },
      { negativeZero: -0 },
      { notANumber: Number.NaN, infinite: Number.POSITIVE_INFINITY },
      { missing: undefined as unknown as JsonObject[string], kept: 'y' },
      JSON.parse('{"__proto__": "own", "x": 1}') as JsonObject,
    ];
    for (const entry of entries) {
      const replayed = replayedForm(entry);
      expect(replayed).toEqual(roundTrip(entry));
      expect(Object.keys(replayed)).toEqual(Object.keys(roundTrip(entry)));
      expect(JSON.stringify(replayed)).toBe(JSON.stringify(entry));
      expect(Object.getPrototypeOf(replayed)).toBe(Object.prototype);
      expect(replayed).not.toBe(entry);
    }
    expect(Object.is(replayedForm({ z: -0 }).z, 0)).toBe(true);
  });
});
