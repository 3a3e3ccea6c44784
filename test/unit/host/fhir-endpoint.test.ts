/**
 * The Settings switch of the local FHIR endpoint through the app host (settings.update,
 * settings.fhirEndpoint, settings.newFhirToken): over the real vault services in a worker thread
 * (Electron, web mode), and in-process over the session services on a memory store (fast): off by default, on serves the unlocked vault with a bearer
 * token, a new token retires the old one, a taken port is an error state, lock stops it, the
 * token never reaches settings.json.
 */
import { promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FhirEndpointStatus } from '../../../src-main/api/contract';
import type { ApiHost } from '../../../src-main/api/host';
import type { Result } from '../../../src-main/api/result';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { createAppHost } from '../../../src-main/host/app-host';
import type { SessionFactories } from '../../../src-main/host/session-handle';
import { createSessionFromRepository } from '../../../src-main/services';

/** In-process sessions over one memory store per folder, kept across lock and unlock. */
const memoryStores = new Map<string, MemoryRepository>();
const memorySessions = async (): Promise<SessionFactories> => ({
  createVaultSession: async (folder) => {
    const repository = new MemoryRepository();
    memoryStores.set(folder, repository);
    return createSessionFromRepository(repository);
  },
  openVaultSession: async (folder) => {
    const repository = memoryStores.get(folder);
    if (!repository) throw new Error('No such test store');
    return createSessionFromRepository(repository);
  },
});

const PASSPHRASE = 'a long enough passphrase';
let root: string;
let workerFile: string;

/** The worker bundled as `npm run build:cli` does (see real-session.test.ts). */
async function buildWorker(): Promise<string> {
  const outfile = path.resolve('node_modules/.cache/hearth-tests', `store-worker-fhir-${process.pid}.mjs`);
  await build({
    entryPoints: [path.resolve('src-main/host/store-worker.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile,
    logLevel: 'silent',
  });
  return outfile;
}

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'hearth-fhir-endpoint-'));
  workerFile = await buildWorker();
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
  if (workerFile) await fs.rm(workerFile, { force: true });
});

async function value<T>(promise: Promise<Result<unknown>>): Promise<T> {
  const result = await promise;
  if (!result.ok) throw new Error(JSON.stringify(result.error));
  return result.value as T;
}

/** GET on the endpoint; `refused` when nothing listens. */
async function fhirGet(url: string, token: string | undefined): Promise<number | 'refused'> {
  try {
    const response = await fetch(url, { headers: token ? { Authorization: `Bearer ${token}`, Accept: 'application/fhir+json' } : {} });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 'refused';
  }
}

async function occupiedPort(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return { port: address.port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe.each(['worker', 'in-process'] as const)('local FHIR endpoint switch (%s isolation)', (isolation) => {
  let host: ApiHost;
  let configDir: string;

  beforeAll(() => {
    configDir = path.join(root, `config-${isolation}`);
    host = createAppHost({
      configDir,
      isolation,
      ...(isolation === 'worker'
        ? { sessionOptions: { kdfIterations: 1_000, allowWeakKdfForTests: true }, worker: { workerScript: { file: workerFile, viaTsx: false } } }
        : { sessionFactories: memorySessions }),
    });
  });

  afterAll(async () => {
    await host?.close();
  });

  const status = () => value<FhirEndpointStatus>(host.dispatch('settings.fhirEndpoint', {}));

  it('is off by default, serves the unlocked vault when on, renews its token, stops on lock and off', async () => {
    const vault = path.join(root, `vault-${isolation}`);
    expect(await status()).toEqual({ state: 'off', enabled: false, port: 0 });
    await value(host.dispatch('vault.create', { path: vault, passphrase: PASSPHRASE }));
    expect((await status()).state).toBe('off');

    await value(host.dispatch('settings.update', { fhirEndpoint: { enabled: true } }));
    const on = await status();
    expect(on).toMatchObject({ state: 'running', enabled: true, port: 0 });
    expect(on.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/fhir$/);
    expect(on.token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // The endpoint and the app share one store: a FHIR create is readable through the API.
    const created = await fetch(`${on.baseUrl}/Patient`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${on.token}`, 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Patient', gender: 'female' }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    expect(await value(host.dispatch('resources.read', { resourceType: 'Patient', id }))).toMatchObject({ gender: 'female' });
    expect(await fhirGet(`${on.baseUrl}/Patient/${id}`, undefined)).toBe(401);

    // The token is a secret: never in settings.json.
    const saved = await fs.readFile(path.join(configDir, 'settings.json'), 'utf8');
    expect(JSON.parse(saved)).toMatchObject({ fhirEndpoint: { enabled: true, port: 0 } });
    expect(saved).not.toContain(on.token);

    const renewed = await value<FhirEndpointStatus>(host.dispatch('settings.newFhirToken', {}));
    expect(renewed.state).toBe('running');
    expect(renewed.token).not.toBe(on.token);
    expect(renewed.baseUrl).toBe(on.baseUrl);
    expect(await fhirGet(`${renewed.baseUrl}/Patient/${id}`, on.token)).toBe(401);
    expect(await fhirGet(`${renewed.baseUrl}/Patient/${id}`, renewed.token)).toBe(200);

    await value(host.dispatch('vault.lock', {}));
    expect(await status()).toEqual({ state: 'locked', enabled: true, port: 0 });
    expect(await fhirGet(`${renewed.baseUrl}/Patient/${id}`, renewed.token)).toBe('refused');

    await value(host.dispatch('vault.unlock', { path: vault, passphrase: PASSPHRASE }));
    const again = await status();
    expect(again.state).toBe('running');
    expect(again.token).not.toBe(renewed.token);
    expect(await fhirGet(`${again.baseUrl}/Patient/${id}`, again.token)).toBe(200);

    await value(host.dispatch('settings.update', { fhirEndpoint: { enabled: false } }));
    expect(await status()).toEqual({ state: 'off', enabled: false, port: 0 });
    expect(await fhirGet(`${again.baseUrl}/Patient/${id}`, again.token)).toBe('refused');
    // Creating a vault and the first FHIR write (type definitions load) take seconds on a busy machine.
  }, 180_000);

  it('shows a taken port as an error state and recovers on another port', async () => {
    const taken = await occupiedPort();
    try {
      await value(host.dispatch('settings.update', { fhirEndpoint: { enabled: true, port: taken.port } }));
      const failed = await status();
      expect(failed).toMatchObject({ state: 'error', enabled: true, port: taken.port });
      expect(failed.error).toContain(`Port ${taken.port} is already in use`);
      expect(failed.token).toBeUndefined();
    } finally {
      await taken.close();
    }
    // The same port, now free: a port change (or re-applying it) starts the endpoint there.
    await value(host.dispatch('settings.update', { fhirEndpoint: { port: taken.port } }));
    const recovered = await status();
    expect(recovered).toMatchObject({ state: 'running', port: taken.port, baseUrl: `http://127.0.0.1:${taken.port}/fhir` });
    expect(await fhirGet(`${recovered.baseUrl}/Patient?_count=1`, recovered.token)).toBe(200);
    await value(host.dispatch('settings.update', { fhirEndpoint: { enabled: false, port: 0 } }));
  }, 60_000);

  it('refuses malformed switch settings (zod)', async () => {
    for (const fhirEndpoint of [{ port: 70_000 }, { port: -1 }, { enabled: 'yes' }, { token: 'x' }]) {
      const result = await host.dispatch('settings.update', { fhirEndpoint });
      expect(result.ok, JSON.stringify(fhirEndpoint)).toBe(false);
    }
  });
});
