/**
 * The small parts of sync: URL policy, retry classification and backoff, reference rewriting, content equality, sealed secrets, the sync-record index;
 * and SMART Backend Services profiles saved as the Sync screen does (auth-profile.ts): the key as text or as a file the service reads, an edit
 * without the key (the sealed key is kept), refusals on the field they concern (`issue.expression`), never echoing a key.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { syncContract } from '../../../src-main/api/contract';
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
import type { IdMapEntry, ServerProfileInput } from '../../../src-main/sync/types';
import { newService } from './fixtures';

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

const dir = mkdtempSync(join(tmpdir(), 'hearth-smart-edit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pem = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const base = 'https://fhir.example.org/r4';

/** The refusal's expression and text, from the OperationOutcomeError a save throws. */
async function refusal(save: Promise<unknown>): Promise<{ expression: string[] | undefined; text: string }> {
  try {
    await save;
  } catch (e) {
    if (!(e instanceof OperationOutcomeError)) throw e;
    const issue = e.outcome.issue?.[0];
    return { expression: issue?.expression, text: issue?.diagnostics ?? '' };
  }
  throw new Error('the save was not refused');
}

describe('SMART Backend Services profiles from the form', () => {
  it('keeps the sealed key when an edit gives none, and replaces it when a new one is given', async () => {
    const sync = newService(new MemoryRepository());
    const input = (auth: Partial<Extract<ServerProfileInput['auth'], { kind: 'smart-backend' }>>): ServerProfileInput => ({
      name: 'lake',
      baseUrl: base,
      auth: { kind: 'smart-backend', clientId: 'hearth', ...auth },
    });
    expect(await refusal(sync.saveProfile(input({})))).toEqual({ expression: ['auth.privateKey'], text: 'A SMART Backend Services profile needs its private key' });
    await sync.saveProfile(input({ privateKey: pem }));
    const sealed = (await sync.store.profile('lake'))?.secret;
    expect(sealed).toBeDefined();

    const edited = await sync.saveProfile(input({ scope: 'system/Patient.rs', tokenUrl: 'https://auth.example.org/token' }));
    expect(edited.smart).toEqual({ clientId: 'hearth', scope: 'system/Patient.rs', alg: 'ES384', tokenUrl: 'https://auth.example.org/token' });
    expect((await sync.store.profile('lake'))?.secret).toEqual(sealed);
    // The kept key is still checked against a requested algorithm.
    expect((await refusal(sync.saveProfile(input({ alg: 'RS384' })))).expression).toEqual(['auth.privateKey']);

    const other = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    await sync.saveProfile(input({ privateKey: other }));
    expect((await sync.store.profile('lake'))?.secret).not.toEqual(sealed);
  });

  it('never reuses another kind of secret as a key', async () => {
    const sync = newService(new MemoryRepository());
    await sync.saveProfile({ name: 'lake', baseUrl: base, auth: { kind: 'bearer', token: 'a-bearer-token' } });
    expect((await refusal(sync.saveProfile({ name: 'lake', baseUrl: base, auth: { kind: 'smart-backend', clientId: 'hearth' } }))).expression).toEqual(['auth.privateKey']);
  });

  it('reads a picked key file, and names the file (never its content) when it is not a key', async () => {
    const sync = newService(new MemoryRepository());
    const keyFile = join(dir, 'client.pem');
    writeFileSync(keyFile, pem);
    const saved = await sync.saveProfile({ name: 'f', baseUrl: base, auth: { kind: 'smart-backend', clientId: 'hearth', privateKeyFile: keyFile } });
    expect(saved.smart?.alg).toBe('ES384');
    expect(JSON.stringify(await sync.listProfiles())).not.toContain('PRIVATE KEY');

    const notKey = join(dir, 'notes.txt');
    writeFileSync(notKey, 'Patient John Doe, hypertension');
    const bad = await refusal(sync.saveProfile({ name: 'g', baseUrl: base, auth: { kind: 'smart-backend', clientId: 'hearth', privateKeyFile: notKey } }));
    expect(bad.expression).toEqual(['auth.privateKeyFile']);
    expect(bad.text).not.toContain('John');
    expect((await refusal(sync.saveProfile({ name: 'g', baseUrl: base, auth: { kind: 'smart-backend', clientId: 'hearth', privateKeyFile: join(dir, 'missing.pem') } }))).text).toBe(
      'The key file missing.pem cannot be read (ENOENT)',
    );
    expect((await refusal(sync.saveProfile({ name: 'g', baseUrl: base, auth: { kind: 'smart-backend', clientId: 'hearth', privateKeyFile: 'client.pem' } }))).expression).toEqual([
      'auth.privateKeyFile',
    ]);
    expect((await refusal(sync.saveProfile({ name: 'g', baseUrl: base, auth: { kind: 'smart-backend', clientId: 'hearth', privateKey: pem, privateKeyFile: keyFile } }))).text).toBe(
      'Give the private key as text or as a file, not both',
    );
  });

  it('puts address refusals on their field', async () => {
    const sync = newService(new MemoryRepository());
    expect((await refusal(sync.saveProfile({ name: 'h', baseUrl: 'http://fhir.example.org', auth: { kind: 'none' } }))).expression).toEqual(['baseUrl']);
    const launch = await refusal(sync.saveProfile({ name: 'h', baseUrl: base, auth: { kind: 'smart-launch', clientId: 'app', authorizeUrl: 'http://auth.example.org/authorize' } }));
    expect(launch.expression).toEqual(['auth.authorizeUrl']);
  });

  it('the contract takes a backend profile with a key, a key file or neither', () => {
    const parse = (auth: Record<string, unknown>) => syncContract.saveServer.input.safeParse({ name: 'x', baseUrl: base, auth: { kind: 'smart-backend', clientId: 'c', ...auth } }).success;
    expect(parse({})).toBe(true);
    expect(parse({ privateKey: pem })).toBe(true);
    expect(parse({ privateKeyFile: '/keys/c.pem' })).toBe(true);
    expect(parse({ privateKey: '' })).toBe(false);
    expect(parse({ keyPath: '/keys/c.pem' })).toBe(false);
  });
});
