/**
 * SMART authorization for sync against a test server that checks what the specs require
 * (smart-server.ts): Backend Services (private_key_jwt assertion RS384 / ES384, token cached,
 * renewed after a 401), App Launch with PKCE through a loopback redirect (tokens sealed, refreshed
 * on expiry), and a custom CA bundle for an https server with a certificate from a test CA.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { connect as tlsConnect, type SecureContextOptions } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError } from '../../../src-main/cli/cli-error';
import { vaultCreate, type CliIo } from '../../../src-main/cli/commands';
import { serverCommand, syncCommand } from '../../../src-main/cli/sync-command';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { authorizeUrlToOpen } from '../../../src-main/electron/authorize-open';
import { OperationOutcomeError } from '../../../src-main/fhir/outcome-error';
import { keyThumbprint, loadPrivateKey } from '../../../src-main/sync/auth-smart';
import { createSecretBox, ephemeralSecretKey } from '../../../src-main/sync/secrets';
import { profileId } from '../../../src-main/sync/store';
import { parseCaBundle } from '../../../src-main/sync/tls';
import { startFhirServer } from '../../../src-main/transport/fhir-server';
import { dataSet, localResources, newService, seed, SYNC_TYPES } from './fixtures';
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

  // The first test pays for loading the validator: generous under a loaded machine.
  it('gets a token with an RS384 assertion, caches it, renews it once after a 401', { timeout: 180_000 }, async () => {
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

  it('hearth server add --smart-backend CLIENT_ID KEY_FILE --kid K, then hearth sync pull, on a real vault', { timeout: 120_000 }, async () => {
    const root = mkdtempSync(join(tmpdir(), 'hearth-smart-cli-'));
    try {
      const out: string[] = [];
      const io: CliIo = { out: (t) => out.push(t), err: () => undefined, env: { HEARTH_PASSPHRASE: 'a long enough passphrase', NODE_ENV: 'test', HEARTH_TEST_KDF_ITERATIONS: '1000' } };
      const dir = join(root, 'vault');
      await vaultCreate(dir, io);
      const keyFile = join(root, 'client.pem');
      writeFileSync(keyFile, rsa.privatePem);
      expect(await serverCommand(['add', dir, 'smart', server.baseUrl, keyFile], { smartBackend: 'rsa-client', kid: 'cli-kid', scope: 'system/Patient.rs' }, io)).toBe(0);
      expect(out.join('')).toMatch(/smart\t.*\tsmart-backend \(rsa-client\)[\s\S]*FHIR version: 4\.0\.1/);
      expect(server.assertions.at(-1)?.header.kid).toBe('cli-kid');
      expect(await syncCommand([dir, 'pull'], { server: 'smart', dryRun: false, all: false }, io)).toBe(0);
      expect(out.join('')).toMatch(/pulled: \d+ received/);
      await expect(serverCommand(['add', dir, 'x', server.baseUrl], { kid: 'k' }, io)).rejects.toThrow(CliError);
      await expect(serverCommand(['add', dir, 'x', server.baseUrl], { smartBackend: 'c' }, io)).rejects.toThrow(/CLIENT_ID and KEY_FILE/);
      await expect(serverCommand(['list', dir], { ca: keyFile }, io)).rejects.toThrow(/belong to "hearth server add"/);
      if (certificates) {
        // --ca stores the bundle's text; the list names the CA by its CN and end date.
        const caFile = join(root, 'ca.pem');
        writeFileSync(caFile, certificates.caPem);
        await serverCommand(['add', dir, 'hosp', server.baseUrl], { ca: caFile }, io);
        out.length = 0;
        expect(await serverCommand(['list', dir], {}, io)).toBe(0);
        expect(out.join('')).toMatch(/hosp\t\S+\tnone\tcustom CA: Hearth Test CA, expires \d{4}-\d{2}-\d{2}/);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
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

describe('SMART App Launch with PKCE', () => {
  let server: SmartServer;
  beforeAll(async () => {
    server = await startSmartServer({ launchClient: 'hearth-app' });
    server.resources.push(patient('p1', '2026-01-01T00:00:00.000Z'));
  });
  afterAll(() => server.close());

  it('signs in through the loopback redirect, seals the tokens, refreshes them on expiry', async () => {
    const repo = new MemoryRepository();
    let clock = new Date('2026-06-01T00:00:00.000Z');
    const secrets = createSecretBox(ephemeralSecretKey); // the vault's key: the same after a restart
    const sync = newService(repo, { now: () => clock, secrets });
    await sync.saveProfile({ name: 'l', baseUrl: server.baseUrl, auth: { kind: 'smart-launch', clientId: 'hearth-app' }, pullTypes: ['Patient'] });
    expect((await sync.authorization('l')).status).toBe('none');
    await expect(sync.pull('l')).rejects.toThrow(/needs a sign-in first/);

    const started = await sync.authorize('l');
    const { url, redirectUri } = started;
    expect(redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    // The desktop app opens exactly this request (the discovered endpoint's), nothing else.
    expect(started.authorizeEndpoint).toBe(server.authorizeUrl);
    expect(authorizeUrlToOpen({ ok: true, value: started })).toBe(url);
    const asked = new URL(url);
    expect(asked.origin + asked.pathname).toBe(server.authorizeUrl);
    expect(Object.fromEntries(asked.searchParams)).toMatchObject({ response_type: 'code', client_id: 'hearth-app', redirect_uri: redirectUri, aud: server.baseUrl, code_challenge_method: 'S256' });
    expect(asked.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // An answer with another state is refused and the listener keeps waiting.
    const forged = await fetch(`${redirectUri}?code=stolen&state=not-ours`);
    expect(forged.status).toBe(400);
    expect((await sync.authorization('l')).status).toBe('pending');

    // The "browser": the authorization server redirects to the loopback listener.
    const consent = await fetch(url, { redirect: 'manual' });
    expect(consent.status).toBe(302);
    const back = await fetch(consent.headers.get('location')!);
    expect(back.status).toBe(200);
    expect(await back.text()).toContain('Hearth is authorized');
    await expect.poll(async () => (await sync.authorization('l')).status).toBe('authorized');
    expect(server.grants.authorization_code).toBe(1);

    const record = JSON.stringify(await repo.read('Basic', profileId('l')));
    expect(record).toContain('hearth-app');
    expect(server.issuedTokens.length).toBe(2);
    for (const t of server.issuedTokens) expect(record).not.toContain(t);
    expect((await sync.pull('l')).created).toBe(1);

    // Two hours later the access token has expired: the refresh token renews it (rotated, sealed again).
    const sealedBefore = (await sync.store.profile('l'))?.tokens;
    clock = new Date(clock.getTime() + 2 * 3600_000);
    server.resources.push(patient('p2', '2026-06-01T01:00:00.000Z'));
    expect((await sync.pull('l')).created).toBe(1);
    expect(server.grants.refresh_token).toBe(1);
    const sealedAfter = (await sync.store.profile('l'))?.tokens;
    expect(sealedAfter?.ciphertext).not.toBe(sealedBefore?.ciphertext);
    expect(server.refused).toEqual([]);

    // A new service (the app restarted) opens the sealed tokens and pulls without signing in again.
    const again = newService(repo, { now: () => clock, secrets });
    expect((await again.pull('l')).received).toBeGreaterThan(0);
    expect(server.grants.refresh_token).toBe(1);
  });
});

/**
 * A CA and a server certificate for 127.0.0.1 from it, and a self-signed certificate for 127.0.0.1
 * (its own CA), made with openssl in a temporary folder (test-only keys, never stored).
 */
function makeCertificates(): { caPem: string; key: string; cert: string; selfKey: string; selfCert: string } | undefined {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'hearth-ca-'));
  try {
    const run = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=Hearth Test CA');
    run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'srv.key', '-out', 'srv.csr', '-subj', '/CN=127.0.0.1');
    writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
    run('x509', '-req', '-in', 'srv.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'srv.pem', '-days', '1', '-extfile', 'ext.cnf');
    run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'self.key', '-out', 'self.pem', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1');
    const read = (file: string): string => readFileSync(join(dir, file), 'utf8');
    return { caPem: read('ca.pem'), key: read('srv.key'), cert: read('srv.pem'), selfKey: read('self.key'), selfCert: read('self.pem') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const certificates = makeCertificates();
if (!certificates) console.warn('openssl is not on this machine: the custom CA test is skipped');

describe.skipIf(!certificates)('custom CA bundle', () => {
  const rsa = pair('rsa');
  let server: SmartServer;
  beforeAll(async () => {
    server = await startSmartServer({ tls: { key: certificates!.key, cert: certificates!.cert }, backendClients: new Map([['c', rsa.publicKey]]) });
    server.resources.push(patient('p1', '2026-01-01T00:00:00.000Z'));
  });
  afterAll(() => server.close());

  it('trusts the bundle for that profile only (FHIR and token endpoint), never skips verification', async () => {
    const sync = newService();
    const auth = { kind: 'smart-backend' as const, clientId: 'c', privateKey: rsa.privatePem };
    await sync.saveProfile({ name: 'plain', baseUrl: server.baseUrl, auth, pullTypes: ['Patient'] });
    expect((await sync.testConnection('plain')).problems.join()).toMatch(/UNABLE_TO_VERIFY|self.signed|certificate/i);

    const saved = await sync.saveProfile({ name: 'hospital', baseUrl: server.baseUrl, auth, pullTypes: ['Patient'], caBundle: certificates!.caPem });
    expect(saved.customCa).toBe(true);
    expect((await sync.testConnection('hospital')).problems).toEqual([]);
    expect((await sync.pull('hospital')).created).toBe(1);
    // Still refused for the profile without the bundle (the trust is per profile, not process-wide).
    expect((await sync.testConnection('plain')).problems.length).toBeGreaterThan(0);
    // Kept on a save that does not mention it; removed with null.
    expect((await sync.saveProfile({ name: 'hospital', baseUrl: server.baseUrl, auth })).customCa).toBe(true);
    expect((await sync.saveProfile({ name: 'hospital', baseUrl: server.baseUrl, auth, caBundle: null })).customCa).toBeUndefined();

    expect(parseCaBundle(certificates!.caPem)[0]?.subject).toContain('Hearth Test CA');
    await expect(sync.saveProfile({ name: 'bad', baseUrl: server.baseUrl, auth, caBundle: 'no certificate here' })).rejects.toThrow(/holds no PEM certificate/);
    await expect(sync.saveProfile({ name: 'bad', baseUrl: server.baseUrl, auth, caBundle: `${certificates!.caPem}\n${certificates!.key}` })).rejects.toThrow(/private key/);
    // Refusals name the form field; a certificate past its end date is refused (the test CA lives one day).
    const refusal = await sync.saveProfile({ name: 'bad', baseUrl: server.baseUrl, auth, caBundle: 'MIIB not PEM' }).catch((e: unknown) => e);
    expect(refusal instanceof OperationOutcomeError && refusal.outcome.issue?.[0]?.expression).toEqual(['caBundle']);
    const later = newService(new MemoryRepository(), { now: () => new Date(Date.now() + 3 * 86_400_000) });
    await expect(later.saveProfile({ name: 'late', baseUrl: server.baseUrl, auth, caBundle: certificates!.caPem })).rejects.toThrow(/\(Hearth Test CA\) expired on/);
  });

  it('reaches a server with a self-signed certificate only with it as the bundle: test connection, push and pull', { timeout: 180_000 }, async () => {
    const TOKEN = 'self-signed-test-token';
    const serverRepo = new MemoryRepository();
    const endpoint = await startFhirServer({ repo: serverRepo, port: 0, token: TOKEN, warmCapabilities: false });
    const front = await httpsFront(certificates!.selfKey, certificates!.selfCert, endpoint.baseUrl);
    try {
      const local = new MemoryRepository();
      await seed(local, dataSet(1));
      const sync = newService(local);
      const auth = { kind: 'bearer' as const, token: TOKEN };
      await sync.saveProfile({ name: 'self', baseUrl: front.baseUrl, auth, pullTypes: SYNC_TYPES });
      // Without the bundle: the certificate is refused by every request, and nothing reaches the server.
      expect((await sync.testConnection('self')).problems.join()).toMatch(/self.signed|DEPTH_ZERO|certificate/i);
      await expect(sync.push('self', { mode: 'changed' })).rejects.toThrow(/self.signed|DEPTH_ZERO|certificate|fetch failed/i);
      await expect(sync.pull('self')).rejects.toThrow(/self.signed|DEPTH_ZERO|certificate|fetch failed/i);
      expect(await localResources(serverRepo)).toEqual([]);

      const saved = await sync.saveProfile({ name: 'self', baseUrl: front.baseUrl, auth, caBundle: certificates!.selfCert });
      expect(saved.ca).toEqual([{ subject: 'CN=127.0.0.1', commonName: '127.0.0.1', validTo: expect.stringMatching(/^\d{4}-/) }]);
      expect((await sync.testConnection('self')).problems).toEqual([]);
      expect(await sync.push('self', { mode: 'changed' })).toMatchObject({ planned: 5, created: 5, failed: [] });
      expect(await localResources(serverRepo)).toHaveLength(5);
      // Another vault pulls them through the same certificate.
      const other = newService(new MemoryRepository());
      await other.saveProfile({ name: 'self', baseUrl: front.baseUrl, auth, pullTypes: SYNC_TYPES, caBundle: certificates!.selfCert });
      expect(await other.pull('self')).toMatchObject({ created: 5, failed: [] });
    } finally {
      await front.close();
      await endpoint.close();
    }
  });
  it('refuses a server that offers only TLS 1.1: test connection, push and pull fail saying so, nothing sent', { timeout: 60_000 }, async () => {
    const TOKEN = 'tls11-test-token';
    const serverRepo = new MemoryRepository();
    const endpoint = await startFhirServer({ repo: serverRepo, port: 0, token: TOKEN, warmCapabilities: false });
    // OpenSSL 3 allows TLS 1.1 only at security level 0; the server offers nothing newer.
    const old = { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' } as const;
    const front = await httpsFront(certificates!.selfKey, certificates!.selfCert, endpoint.baseUrl, old);
    try {
      // The server does speak TLS 1.1 to a client that allows it (so the refusal below is the client's floor).
      const port = Number(new URL(front.baseUrl).port);
      const protocol = await new Promise<string | null>((resolve, reject) => {
        const socket = tlsConnect({ host: '127.0.0.1', port, ca: certificates!.selfCert, ...old }, () => {
          resolve(socket.getProtocol());
          socket.end();
        });
        socket.on('error', reject);
      });
      expect(protocol).toBe('TLSv1.1');

      const local = new MemoryRepository();
      await seed(local, dataSet(1));
      const sync = newService(local);
      // With the certificate trusted (the bundle), only the protocol version stands in the way.
      await sync.saveProfile({ name: 'old', baseUrl: front.baseUrl, auth: { kind: 'bearer', token: TOKEN }, pullTypes: SYNC_TYPES, caBundle: certificates!.selfCert });
      const problems = (await sync.testConnection('old')).problems.join(' ');
      expect(problems).toMatch(/TLS 1\.2/);
      await expect(sync.push('old', { mode: 'changed' })).rejects.toThrow(/TLS 1\.2/);
      await expect(sync.pull('old')).rejects.toThrow(/TLS 1\.2/);
      expect(await localResources(serverRepo)).toEqual([]);
      // Without a bundle (the system roots, Node's own TLS 1.2 floor) it is refused as well.
      await sync.saveProfile({ name: 'old', baseUrl: front.baseUrl, auth: { kind: 'bearer', token: TOKEN }, caBundle: null });
      expect((await sync.testConnection('old')).problems.length).toBeGreaterThan(0);
    } finally {
      await front.close();
      await endpoint.close();
    }
  });
});

/** An https front with `cert` for an http endpoint on this machine (what a hospital's TLS terminator does); the Host header is the endpoint's. */
async function httpsFront(key: string, cert: string, target: string, tls: SecureContextOptions = {}): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const upstream = new URL(target);
  const server = createHttpsServer({ key, cert, ...tls }, (req, res) => {
    const request = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    request.on('error', () => res.destroy());
    req.pipe(request);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `https://127.0.0.1:${port}${upstream.pathname}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
