/**
 * withStoreMeta (write-prep.ts): the stored form's element order and meta, and an own `__proto__`
 * element (JSON.parse makes one) kept as a plain element, as the object spread it replaced kept it.
 */
import { describe, expect, it } from 'vitest';
import type { Resource } from '@medplum/fhirtypes';
import { withStoreMeta } from '../../../src-main/fhir/write-prep';

describe('withStoreMeta', () => {
  it('puts resourceType, id and meta first, the other elements after in their order', () => {
    const resource = JSON.parse('{"active":true,"meta":{"versionId":"9","lastUpdated":"x","tag":[{"code":"t"}]},"resourceType":"Patient","id":"old","name":[{"family":"F"}]}') as Resource;
    const stored = withStoreMeta(resource, 'new', '2', '2026-01-01T00:00:00Z');
    expect(JSON.stringify(stored)).toBe(
      '{"resourceType":"Patient","id":"new","meta":{"tag":[{"code":"t"}],"versionId":"2","lastUpdated":"2026-01-01T00:00:00Z"},"active":true,"name":[{"family":"F"}]}',
    );
    expect(resource.meta?.versionId).toBe('9');
  });

  it('keeps an own __proto__ element as data, never as the prototype', () => {
    const resource = JSON.parse('{"resourceType":"Basic","__proto__":{"polluted":1},"code":{"text":"c"}}') as Resource;
    const stored = withStoreMeta(resource, 'b', '1', 'now') as unknown as Record<string, unknown>;
    expect(Object.getPrototypeOf(stored)).toBe(Object.prototype);
    expect(Object.keys(stored)).toEqual(['resourceType', 'id', 'meta', '__proto__', 'code']);
    expect(JSON.stringify(stored)).toBe('{"resourceType":"Basic","id":"b","meta":{"versionId":"1","lastUpdated":"now"},"__proto__":{"polluted":1},"code":{"text":"c"}}');
    expect((stored as { polluted?: unknown }).polluted).toBeUndefined();
  });
});
