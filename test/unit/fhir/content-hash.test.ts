/**
 * The content hash (src-main/fhir/content-hash.ts) is stored with every version and compared on
 * import ("unchanged"): its canonical text must stay what it always was. Checked against a plain
 * implementation of its rules, and against a digest pinned when the rules were first written down.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Resource } from '@medplum/fhirtypes';
import { contentHash } from '../../../src-main/fhir/content-hash';
import { corpusResources } from '../../bench/fhir/corpus';

/** The rules, written plainly (content-hash.ts's module comment). */
function referenceCanonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(referenceCanonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    return `{${keys
      .filter((k) => record[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${referenceCanonical(record[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

function referenceHash(resource: Resource): string {
  const { meta, ...rest } = resource as Resource & { meta?: Record<string, unknown> };
  let comparable: Record<string, unknown> = rest;
  if (meta) {
    const { versionId: _v, lastUpdated: _l, ...otherMeta } = meta;
    if (Object.keys(otherMeta).length > 0) comparable = { ...rest, meta: otherMeta };
  }
  return createHash('sha256').update(referenceCanonical(comparable)).digest('base64url');
}

const odd = (value: unknown): Resource => value as Resource;

function withHole(items: unknown[], at: number): unknown[] {
  delete items[at];
  return items;
}

describe('contentHash', () => {
  it('is the digest it always was', () => {
    const patient = odd({
      resourceType: 'Patient',
      id: 'p1',
      meta: { versionId: '3', lastUpdated: '2020-01-01T00:00:00Z', tag: [{ code: 'x' }] },
      name: [{ family: 'Ünïcode', given: ['A', 'B'] }],
      active: true,
      birthDate: '1970-01-01',
    });
    expect(contentHash(patient)).toBe('M0kCnD2f69lIqeXqFpcVyJnTXFp0miv-O7haeP2xhQI');
  });

  it('follows the rules on the bench corpus and on odd shapes', () => {
    const samples: Resource[] = [
      ...corpusResources(300),
      odd({ resourceType: 'Basic', id: 'a', meta: { versionId: '1', lastUpdated: 'x' } }),
      odd({ resourceType: 'Basic', id: 'a', meta: { versionId: '1', source: undefined } }),
      odd({ resourceType: 'Basic', id: 'a', meta: { source: 'http://s', security: [] }, extension: [{ url: 'u', meta: { versionId: 'kept' } }] }),
      odd({ resourceType: 'Basic', meta: null, b: 'x' }),
      odd({ resourceType: 'Basic', meta: 'ab', b: 'x' }),
      odd({ resourceType: 'Basic', meta: ['m'], b: 'x' }),
      odd({ resourceType: 'Basic', meta: 5 }),
      odd({ resourceType: 'Basic', z: 1, a: undefined, é: 'accent', Z: 'upper', _a: [null, 1.5e300, -0], 'q"k': 'quote\n\u2028' }),
      odd({ resourceType: 'Basic', list: withHole([1, undefined, 'hole', () => 1, { y: 2, x: [] }], 2), f: () => 1, n: Number.NaN }),
      odd({ resourceType: 'Basic', nested: { b: { d: 1, c: 2 }, a: [{}] }, date: new Date(0) }),
      // More keys than the insertion sort takes (content-hash.ts sortKeys), in a scrambled order.
      odd(Object.fromEntries([['resourceType', 'Basic'], ...Array.from({ length: 40 }, (_, i) => [`k${(i * 17) % 40}${i % 3 === 0 ? 'é' : 'A'}`, i])])),
    ];
    for (const resource of samples) expect(contentHash(resource)).toBe(referenceHash(resource));
  });

  it('writes every kind of character as JSON.stringify does (the UTF-8 writer: escapes, 2-4 byte forms, lone surrogates)', () => {
    const ascii = String.fromCharCode(...Array.from({ length: 128 }, (_, i) => i));
    const wide = ['\u0080é\u07ff', '\u0800€\uffff\u2028\u2029', '😀a\ud83d\ude00', 'lone \ud800 high', 'lone \udfff low', 'high at end \udbff', '\udc00\ud800 reversed pair'];
    const samples: Resource[] = [
      odd({ resourceType: 'Basic', id: 'chars', text: ascii, wide, [ascii.slice(1, 40)]: wide[4], 'ké\ud800y': { [wide[2]!]: ascii } }),
      odd({ resourceType: 'Basic', numbers: [0, -0, 1, -1.5, 0.1, 1e21, 1e-7, 123456789.125, Number.MAX_SAFE_INTEGER, Number.POSITIVE_INFINITY, Number.NaN], flags: [true, false, null], deep: [[[[]]], [{}], ''] }),
      odd({ resourceType: 'Basic', meta: { versionId: '1', lastUpdated: 'x', tag: [{ display: wide[0] }] } }),
      // An own __proto__ element, as JSON.parse makes one.
      odd(JSON.parse('{"resourceType":"Basic","__proto__":{"b":1,"a":[2]},"z":"\\u0001"}')),
      // Larger than the writer's first buffer (64 KiB), then a small one that reuses it.
      odd({ resourceType: 'Basic', big: Array.from({ length: 3000 }, (_, i) => ({ text: `${wide[i % wide.length]}${i}`, value: i / 7 })) }),
      odd({ resourceType: 'Basic', small: 'after' }),
    ];
    for (const resource of samples) expect(contentHash(resource)).toBe(referenceHash(resource));
  });

  it('ignores key order, the store meta values and undefined keys; sees every other change', () => {
    const base = odd({ resourceType: 'Observation', id: 'o', status: 'final', code: { text: 't', coding: [{ code: 'c', system: 's' }] } });
    const reordered = odd({ code: { coding: [{ system: 's', code: 'c' }], text: 't' }, status: 'final', id: 'o', resourceType: 'Observation', note: undefined });
    const stored = odd({ ...base, meta: { versionId: '9', lastUpdated: '2026-01-01T00:00:00Z' } });
    expect(contentHash(reordered)).toBe(contentHash(base));
    expect(contentHash(stored)).toBe(contentHash(base));
    expect(contentHash(odd({ ...base, status: 'amended' }))).not.toBe(contentHash(base));
    expect(contentHash(odd({ ...base, meta: { source: 'x' } }))).not.toBe(contentHash(base));
  });
});
