/** The small parts of sync: URL policy, retry classification and backoff, reference rewriting, content equality, sealed secrets, the sync-record index. */
import { describe, expect, it } from 'vitest';
import { OperationOutcomeError } from '../../../src-main/fhir/outcome-error';
import { sameContent, SYNC_ORIGIN_SYSTEM, withoutServerMeta } from '../../../src-main/sync/content';
import { parseRetryAfter } from '../../../src-main/sync/fhir-kit-transport';
import { parseReference, referenceTargets, rewriteReferences } from '../../../src-main/sync/references';
import { backoffDelay, DEFAULT_RETRY, isRetryable, withRetry } from '../../../src-main/sync/retry';
import { createSecretBox, ephemeralSecretKey } from '../../../src-main/sync/secrets';
import { TransportError } from '../../../src-main/sync/transport';
import { checkServerUrl } from '../../../src-main/sync/url-policy';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import type { ResourceRepository } from '../../../src-main/fhir/repository';
import { conflictId, conflictOp, mapId, mapOp, stateOp, SyncStore } from '../../../src-main/sync/store';
import type { IdMapEntry } from '../../../src-main/sync/types';

describe('server URL policy', () => {
  it('takes https anywhere and http only to loopback', () => {
    expect(checkServerUrl('https://fhir.example.org/r4/')).toBe('https://fhir.example.org/r4');
    expect(checkServerUrl('http://127.0.0.1:8080/fhir')).toBe('http://127.0.0.1:8080/fhir');
    expect(checkServerUrl('http://localhost/fhir')).toBe('http://localhost/fhir');
    expect(checkServerUrl('http://[::1]:9/fhir')).toBe('http://[::1]:9/fhir');
    for (const bad of ['http://fhir.example.org/r4', 'http://10.0.0.5/fhir', 'ftp://x/y', 'not a url', 'https://u:p@x.org/fhir', 'https://x.org/fhir?a=1']) {
      expect(() => checkServerUrl(bad), bad).toThrow(OperationOutcomeError);
    }
  });
});

describe('retry policy', () => {
  const http = (status: number, retryAfterMs?: number) => new TransportError('http', `HTTP ${status}`, status, undefined, retryAfterMs);
  it('retries timeouts, network failures, 429 and 5xx; never 400, 401, 403, 404, 409, 410, 412, 422', () => {
    for (const e of [new TransportError('timeout', 't'), new TransportError('network', 'n'), http(429), http(500), http(502), http(503), http(504)]) expect(isRetryable(e)).toBe(true);
    for (const s of [400, 401, 403, 404, 409, 410, 412, 422]) expect(isRetryable(http(s))).toBe(false);
    expect(isRetryable(new Error('x'))).toBe(false);
  });
  it('backs off exponentially with jitter, and follows Retry-After up to its cap', () => {
    const at = (random: number, attempt: number) => backoffDelay({ ...DEFAULT_RETRY, random: () => random }, attempt, http(503));
    expect(at(0, 0)).toBe(250);
    expect(at(0.999, 0)).toBeLessThan(500);
    expect(at(0, 3)).toBe(2000);
    expect(at(0, 20)).toBe(15000); // capped at maxDelayMs
    expect(backoffDelay(DEFAULT_RETRY, 0, http(429, 7000))).toBe(7000);
    expect(backoffDelay(DEFAULT_RETRY, 0, http(429, 10_000_000))).toBe(DEFAULT_RETRY.maxRetryAfterMs);
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(Date.now() + 5000).toUTCString())).toBeGreaterThan(3000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
  it('gives up after the attempts and returns the error; stops at once on a 4xx', async () => {
    let calls = 0;
    const policy = { ...DEFAULT_RETRY, attempts: 3, baseDelayMs: 1 };
    await expect(withRetry(async () => { calls++; throw http(500); }, policy, undefined, () => undefined)).rejects.toThrow('HTTP 500');
    expect(calls).toBe(3);
    calls = 0;
    await expect(withRetry(async () => { calls++; throw http(412); }, policy, undefined, () => undefined)).rejects.toThrow('HTTP 412');
    expect(calls).toBe(1);
  });
});

describe('references', () => {
  it('rewrites literal Type/id references, relative or on the base, and leaves the rest', () => {
    const r = {
      resourceType: 'Observation' as const,
      status: 'final' as const,
      code: { text: 'x' },
      subject: { reference: 'Patient/a' },
      encounter: { reference: 'https://srv.example/fhir/Encounter/e1/_history/2' },
      performer: [{ reference: '#prac' }, { reference: 'urn:uuid:0c3a1f8e-0000-4000-8000-000000000000' }, { reference: 'https://other.example/Practitioner/z' }],
    };
    expect(referenceTargets(r, 'https://srv.example/fhir').map((t) => `${t.resourceType}/${t.id}`)).toEqual(['Patient/a', 'Encounter/e1']);
    const out = rewriteReferences(r, (t) => `${t.resourceType}/${t.id}-x`, 'https://srv.example/fhir');
    expect(out.subject.reference).toBe('Patient/a-x');
    expect(out.encounter.reference).toBe('Encounter/e1-x');
    expect(out.performer.map((p) => p.reference)).toEqual(r.performer.map((p) => p.reference));
    expect(r.subject.reference).toBe('Patient/a'); // a copy
    expect(parseReference('patient/a')).toBeUndefined();
  });
});

describe('content equality', () => {
  it('ignores ids, server meta and origin tags, not content or other tags', () => {
    const a = { resourceType: 'Patient' as const, id: '1', meta: { versionId: '3', lastUpdated: '2020-01-01T00:00:00Z', tag: [{ system: SYNC_ORIGIN_SYSTEM, code: 'k:Patient/1' }] }, gender: 'male' as const };
    const b = { resourceType: 'Patient' as const, id: 'zz', gender: 'male' as const };
    expect(sameContent(a, b)).toBe(true);
    expect(withoutServerMeta(a).meta).toBeUndefined();
    expect(sameContent(a, { ...b, gender: 'female' })).toBe(false);
    expect(sameContent(a, { ...b, meta: { tag: [{ system: 'x', code: 'y' }] } })).toBe(false);
  });
});

describe('sealed secrets', () => {
  it('open only with the same key and binding', async () => {
    const box = createSecretBox(ephemeralSecretKey);
    const sealed = await box.seal('s3cret', 'profile-a');
    expect(JSON.stringify(sealed)).not.toContain('s3cret');
    expect(await box.open(sealed, 'profile-a')).toBe('s3cret');
    await expect(box.open(sealed, 'profile-b')).rejects.toThrow(OperationOutcomeError);
    await expect(createSecretBox(ephemeralSecretKey).open(sealed, 'profile-a')).rejects.toThrow(OperationOutcomeError);
  });
});

describe('sync-record index', () => {
  const entry = (localId: string, serverId: string, version = '1'): IdMapEntry => ({ resourceType: 'Patient', localId, serverId, serverVersion: version, localVersion: version, syncedAt: '2026-01-01T00:00:00Z' });

  it('is built by one scan of Basic, follows the store writes, and working copies stay out of it until written', async () => {
    const memory = new MemoryRepository();
    let basicScans = 0;
    const counted = new Proxy(memory, {
      get(target, prop) {
        if (prop === 'scan') {
          return (type: string, options: Parameters<ResourceRepository['scan']>[1]) => {
            if (type === 'Basic' && !options.after) basicScans++;
            return target.scan(type, options);
          };
        }
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    await new SyncStore(memory).write([mapOp('s', entry('a', 'A')), mapOp('t', entry('a', 'Z')), stateOp('s', { pullCursor: { Patient: '2026-01-01T00:00:00Z' } })]);

    const store = new SyncStore(counted, 1);
    const map = await store.idMap('s');
    expect(map.local('Patient', 'a')?.serverId).toBe('A');
    expect(map.localIdOf('Patient', 'A')).toBe('a');
    expect(map.localIdOf('Patient', 'Z')).toBeUndefined(); // another server's map
    // A working copy: its changes are its own until written.
    map.set(entry('b', 'B'));
    map.set(entry('a', 'A2', '2'));
    expect([map.localIdOf('Patient', 'A'), map.localIdOf('Patient', 'A2'), map.size]).toEqual([undefined, 'a', 2]);
    expect(await store.mappedCount('s')).toBe(1);
    expect((await store.idMap('s')).localIdOf('Patient', 'A')).toBe('a');

    await store.write([mapOp('s', map.local('Patient', 'a')!), mapOp('s', map.local('Patient', 'b')!), conflictOp('s', { resourceType: 'Patient', localId: 'b', serverId: 'B', kind: 'pull-both-changed', detectedAt: 'x', local: { resourceType: 'Patient', id: 'b' } })]);
    const after = await store.idMap('s');
    expect([after.localIdOf('Patient', 'A'), after.localIdOf('Patient', 'A2'), after.localIdOf('Patient', 'B')]).toEqual([undefined, 'a', 'b']);
    expect(await store.mappedCount('s')).toBe(2);
    expect([...(await store.conflictKeys('s'))]).toEqual(['Patient/b']);
    expect((await store.state('s')).pullCursor).toEqual({ Patient: '2026-01-01T00:00:00Z' });

    await store.deleteRecord(conflictId('s', 'Patient', 'b'));
    await store.write([{ kind: 'delete', resourceType: 'Basic', id: mapId('s', 'Patient', 'b') }]);
    expect(await store.conflicts('s')).toEqual([]);
    expect((await store.idMap('s')).localIdOf('Patient', 'B')).toBeUndefined();
    expect(basicScans).toBe(1);

    // A new store (a new session) reads the same from the vault.
    const fresh = new SyncStore(memory);
    expect([...(await fresh.idMap('s')).entries()].map((e) => [e.localId, e.serverId])).toEqual([['a', 'A2']]);
    expect(await fresh.mappedCount('t')).toBe(1);
    expect(await fresh.conflicts('s')).toEqual([]);
  });
});
