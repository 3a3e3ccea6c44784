/**
 * Secrets never reach a log (docs/sync.md "Secrets"): test connection, push and pull with a bearer
 * token, basic credentials and SMART Backend Services, each also refused (a wrong secret), and the
 * CLI's `hearth server add` / `hearth sync push`, while everything written to console.*,
 * process.stdout and process.stderr is captured, with every `debug` namespace switched on (what
 * DEBUG=* would print, fhir-kit-client's request logs among them). No token, password, basic
 * header, private key, client assertion or issued access token may appear there, nor in the
 * reports, errors, OperationOutcomes, profile listings or CLI output.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format } from 'node:util';
import createDebug from 'debug';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { vaultCreate, type CliIo } from '../../../src-main/cli/commands';
import { serverCommand, syncCommand } from '../../../src-main/cli/sync-command';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { OperationOutcomeError } from '../../../src-main/fhir/outcome-error';
import type { SyncService } from '../../../src-main/sync/service';
import { startFhirServer, type FhirServer } from '../../../src-main/transport/fhir-server';
import { dataSet, seed, SYNC_TYPES, newService } from './fixtures';
import { startSmartServer, type SmartServer } from './smart-server';

const TOKEN = 'bearer-secret-7f3a9c1e5b';
const USER = 'ann';
const PASSWORD = 'basic-secret-pa55-q8z';
const BASIC = Buffer.from(`${USER}:${PASSWORD}`, 'utf8').toString('base64');

/** Everything written to the console, stdout and stderr while installed (nothing passes through). */
function captureOutput(): { text: () => string; restore: () => void } {
  const chunks: string[] = [];
  const spies = (['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((method) =>
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void chunks.push(format(...args))),
  );
  const streams = [process.stdout, process.stderr];
  const writes = streams.map((stream) => stream.write);
  for (const stream of streams) {
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const done = rest.find((r): r is () => void => typeof r === 'function');
      done?.();
      return true;
    }) as typeof stream.write;
  }
  return {
    text: () => chunks.join('\n'),
    restore: () => {
      for (const spy of spies) spy.mockRestore();
      streams.forEach((stream, i) => (stream.write = writes[i]!));
    },
  };
}

/** A loopback front that takes basic credentials and passes the request on with the endpoint's bearer token. */
async function basicFront(target: string): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const upstream = new URL(target);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.headers.authorization !== `Basic ${BASIC}`) {
      res.writeHead(401, { 'content-type': 'application/fhir+json', 'www-authenticate': 'Basic' });
      res.end(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login', diagnostics: 'Wrong user or password' }] }));
      return;
    }
    const forward = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host, authorization: `Bearer ${TOKEN}` } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}${upstream.pathname}`,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

/** What a failed call leaves: its message and OperationOutcome. */
async function failure(run: Promise<unknown>): Promise<string> {
  const e = await run.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(e).toBeInstanceOf(Error);
  return `${(e as Error).message} ${e instanceof OperationOutcomeError ? JSON.stringify(e.outcome) : ''}`;
}

describe('secrets in logs', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privatePem = rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  let endpoint: FhirServer;
  let smart: SmartServer;
  const previousDebug = createDebug.disable();
  beforeAll(async () => {
    endpoint = await startFhirServer({ repo: new MemoryRepository(), port: 0, token: TOKEN, warmCapabilities: false });
    smart = await startSmartServer({ backendClients: new Map([['smart-client', rsa.publicKey]]) });
  });
  afterAll(async () => {
    createDebug.enable(previousDebug);
    await endpoint.close();
    await smart.close();
  });

  it('appear in no console, stdout, stderr or debug output, report, error or CLI output: bearer, basic, SMART', { timeout: 120_000 }, async () => {
    const front = await basicFront(endpoint.baseUrl);
    const root = mkdtempSync(join(tmpdir(), 'hearth-secrets-'));
    // The token requests: the client assertions sent and the access tokens issued.
    const assertions: string[] = [];
    const accessTokens: string[] = [];
    const realFetch = globalThis.fetch;
    const fetchSpy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const body = init?.body;
      const form = body instanceof URLSearchParams ? body : typeof body === 'string' ? new URLSearchParams(body) : undefined;
      const assertion = form?.get('client_assertion');
      if (assertion) assertions.push(assertion);
      const response = await realFetch(input, init);
      if (assertion) {
        const token = ((await response.clone().json()) as { access_token?: unknown }).access_token;
        if (typeof token === 'string') accessTokens.push(token);
      }
      return response;
    });
    const seen: string[] = [];
    const capture = captureOutput();
    createDebug.enable('*');
    try {
      // The capture sees debug output (the control: were the libraries to log, it would be caught).
      createDebug('hearth:secrets-test')('control line');

      const local = new MemoryRepository();
      await seed(local, dataSet(1));
      const run = async (sync: SyncService, name: string, pushes: boolean): Promise<void> => {
        seen.push(JSON.stringify(await sync.testConnection(name)));
        if (pushes) seen.push(JSON.stringify(await sync.push(name, { mode: 'all' })));
        seen.push(JSON.stringify(await sync.pull(name)));
        seen.push(JSON.stringify(await sync.listProfiles()), JSON.stringify(await sync.status(name)));
      };
      const sync = newService(local);
      await sync.saveProfile({ name: 'bearer', baseUrl: endpoint.baseUrl, auth: { kind: 'bearer', token: TOKEN }, pullTypes: SYNC_TYPES });
      await run(sync, 'bearer', true);
      await sync.saveProfile({ name: 'basic', baseUrl: front.baseUrl, auth: { kind: 'basic', user: USER, password: PASSWORD }, pullTypes: SYNC_TYPES });
      await run(sync, 'basic', true);
      await sync.saveProfile({ name: 'smart', baseUrl: smart.baseUrl, auth: { kind: 'smart-backend', clientId: 'smart-client', privateKey: privatePem }, pullTypes: ['Patient'] });
      await run(sync, 'smart', false);
      expect(assertions.length).toBeGreaterThan(0);
      expect(accessTokens.length).toBeGreaterThan(0);

      // Refused: a wrong token, a wrong password, an unknown SMART client. The errors name no secret.
      await sync.saveProfile({ name: 'bearer-bad', baseUrl: endpoint.baseUrl, auth: { kind: 'bearer', token: `${TOKEN}-old` }, pullTypes: SYNC_TYPES });
      seen.push(JSON.stringify(await sync.testConnection('bearer-bad')), await failure(sync.push('bearer-bad', { mode: 'all' })));
      await sync.saveProfile({ name: 'basic-bad', baseUrl: front.baseUrl, auth: { kind: 'basic', user: USER, password: `${PASSWORD}-old` }, pullTypes: SYNC_TYPES });
      seen.push(JSON.stringify(await sync.testConnection('basic-bad')), await failure(sync.pull('basic-bad')));
      await sync.saveProfile({ name: 'smart-bad', baseUrl: smart.baseUrl, auth: { kind: 'smart-backend', clientId: 'stranger', privateKey: privatePem }, pullTypes: ['Patient'] });
      seen.push(JSON.stringify(await sync.testConnection('smart-bad')), await failure(sync.pull('smart-bad')));

      // The CLI: server add with each kind of secret, a push, a refused push.
      const io: CliIo = { out: (t) => void seen.push(t), err: (t) => void seen.push(t), env: { HEARTH_PASSPHRASE: 'a long enough passphrase', NODE_ENV: 'test', HEARTH_TEST_KDF_ITERATIONS: '1000' } };
      const dir = join(root, 'vault');
      await vaultCreate(dir, io);
      const keyFile = join(root, 'client.pem');
      writeFileSync(keyFile, privatePem);
      expect(await serverCommand(['add', dir, 'bearer', endpoint.baseUrl], { bearer: TOKEN }, io)).toBe(0);
      expect(await serverCommand(['add', dir, 'basic', front.baseUrl], { basic: `${USER}:${PASSWORD}` }, io)).toBe(0);
      expect(await serverCommand(['add', dir, 'smart', smart.baseUrl, keyFile], { smartBackend: 'smart-client' }, io)).toBe(0);
      expect(await serverCommand(['list', dir], {}, io)).toBe(0);
      expect(await syncCommand([dir, 'push'], { server: 'basic', dryRun: false, all: false }, io)).toBe(0);
      expect(await serverCommand(['add', dir, 'wrong', endpoint.baseUrl], { bearer: `${TOKEN}-old` }, io)).toBe(0);
      seen.push(await failure(syncCommand([dir, 'push'], { server: 'wrong', dryRun: false, all: false }, io)));
    } finally {
      createDebug.disable();
      capture.restore();
      fetchSpy.mockRestore();
      await front.close();
      rmSync(root, { recursive: true, force: true });
    }
    const logged = capture.text();
    expect(logged).toContain('control line');
    const everything = `${logged}\n${seen.join('\n')}`;
    // What was done is there (the haystack is not empty): the profiles by name, the CLI's reports.
    expect(everything).toMatch(/pushed: /);
    expect(everything).toContain('smart-client');
    const keyLines = privatePem.split('\n').filter((line) => line.length > 20 && !line.startsWith('-----'));
    const secrets = [TOKEN, PASSWORD, BASIC, ...keyLines, ...assertions, ...assertions.map((a) => a.split('.')[2]!), ...accessTokens];
    secrets.forEach((secret, i) => expect(everything.includes(secret), `secret #${i} of ${secrets.length} was written out`).toBe(false));
  });
});
