/**
 * SMART authorization for sync against a test server that checks what the specs require
 * (smart-server.ts): Backend Services (private_key_jwt assertion RS384 / ES384, token cached,
 * renewed after a 401), App Launch with PKCE through a loopback redirect (tokens sealed, refreshed
 * on expiry), and a custom CA bundle for an https server with a certificate from a test CA.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { OperationOutcomeError } from '../../../src-main/fhir/outcome-error';
import { keyThumbprint, loadPrivateKey } from '../../../src-main/sync/auth-smart';
import { profileId } from '../../../src-main/sync/store';
import { newService } from './fixtures';
import { startSmartServer, type SmartServer } from './smart-server';

const patient = (id: string, lastUpdated: string): Patient => ({ resourceType: 'Patient', id, meta: { versionId: '1', lastUpdated }, name: [{ family: `F${id}` }] });

function pair(kind: 'rsa' | 'ec'): { privatePem: string; publicKey: KeyObject } {
  const { privateKey, publicKey } = kind === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-384' });
  return { privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), publicKey };
}

describe('SMART Backend Services', () => {
  const rsa = pair('rsa');
  const ec = pair('ec');
  let server: SmartServer;
  beforeAll(async () => {
    server = await startSmartServer({ backendClients: new Map([['rsa-client', rsa.publicKey], ['ec-client', ec.publicKey]]) });
    server.resources.push(patient('p1', '2026-01-01T00:00:00.000Z'), patient('p2', '2026-01-02T00:00:00.000Z'));
  });
  afterAll(() => server.close());

  it('gets a token with an RS384 assertion, caches it, renews it once after a 401', async () => {
    const repo = new MemoryRepository();
    const sync = newService(repo);
    const listed = await sync.saveProfile({ name: 'b', baseUrl: server.baseUrl, auth: { kind: 'smart-backend', clientId: 'rsa-client', privateKey: rsa.privatePem }, pullTypes: ['Patient'] });
    expect(listed.auth).toBe('smart-backend');
    expect(listed.smart).toEqual({ clientId: 'rsa-client', scope: 'system/*.read system/*.write', alg: 'RS384' });
    expect(JSON.stringify(listed)).not.toContain('PRIVATE KEY');
    // The key is sealed in the vault's record: not in clear.
    const record = JSON.stringify(await repo.read('Basic', profileId('b')));
    expect(record).toContain('rsa-client');
    expect(record).not.toContain('PRIVATE KEY');

    const first = await sync.pull('b');
    expect(first.created).toBe(2);
    expect(server.grants.client_credentials).toBe(1);
    const [assertion] = server.assertions;
    expect(assertion?.header).toMatchObject({ alg: 'RS384', typ: 'JWT', kid: keyThumbprint(loadPrivateKey(rsa.privatePem)) });
    expect(assertion?.claims).toMatchObject({ iss: 'rsa-client', sub: 'rsa-client', aud: server.tokenUrl });

    // Cached: a second pull asks for no new token.
    await sync.pull('b');
    expect(server.grants.client_credentials).toBe(1);
    // Revoked on the server: the 401 renews the token once and the pull goes on.
    server.revokeAccessTokens();
    server.resources.push(patient('p3', '2026-01-03T00:00:00.000Z'));
    const third = await sync.pull('b');
    expect(third.created).toBe(1);
    expect(server.grants.client_credentials).toBe(2);
    expect(server.refused).toEqual([]);
  });

  it('signs ES384 with a P-384 JWK and a given kid; a fresh jti each time', async () => {
    const sync = newService();
    const jwk = JSON.stringify(loadPrivateKey(ec.privatePem).export({ format: 'jwk' }));
    await sync.saveProfile({ name: 'e', baseUrl: server.baseUrl, auth: { kind: 'smart-backend', clientId: 'ec-client', privateKey: jwk, keyId: 'k-1', tokenUrl: server.tokenUrl, scope: 'system/Patient.rs' }, pullTypes: ['Patient'] });
    const before = server.assertions.length;
    expect((await sync.testConnection('e')).problems).toEqual([]);
    await sync.pull('e');
    const mine = server.assertions.slice(before);
    expect(mine.map((a) => a.header.alg)).toEqual(['ES384']);
    expect(mine[0]?.header.kid).toBe('k-1');
    const jtis = server.assertions.map((a) => a.claims.jti);
    expect(new Set(jtis).size).toBe(jtis.length);
  });

  it('refuses keys SMART does not allow and unknown clients, with OperationOutcomes', async () => {
    const sync = newService();
    const weak = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    for (const privateKey of [weak, 'not a key', rsa.publicKey.export({ format: 'pem', type: 'spki' }).toString()]) {
      await expect(sync.saveProfile({ name: 'x', baseUrl: server.baseUrl, auth: { kind: 'smart-backend', clientId: 'c', privateKey } })).rejects.toThrow(OperationOutcomeError);
    }
    await expect(sync.saveProfile({ name: 'x', baseUrl: server.baseUrl, auth: { kind: 'smart-backend', clientId: 'c', privateKey: rsa.privatePem, alg: 'ES384' } })).rejects.toThrow(/signs RS384/);
    await sync.saveProfile({ name: 'x', baseUrl: server.baseUrl, auth: { kind: 'smart-backend', clientId: 'stranger', privateKey: rsa.privatePem }, pullTypes: ['Patient'] });
    const report = await sync.testConnection('x');
    expect(report.problems.join()).toMatch(/token: HTTP 400 \(invalid_client\)/);
  });
});
