/**
 * The host over the real services (src-main/services) and vault engine, in a worker thread:
 * the whole path Electron and the web mode use, with a weak KDF to stay fast.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HearthEvent, JobState } from '../../../src-main/api/contract';
import type { ApiHost } from '../../../src-main/api/host';
import type { Result } from '../../../src-main/api/result';
import { createAppHost } from '../../../src-main/host/app-host';

let root: string;
let host: ApiHost;
const events: HearthEvent[] = [];

/**
 * The worker bundled the way `npm run build:cli` does it (packages external), so this test runs
 * the production worker rather than the TypeScript sources through tsx. It is written under
 * node_modules/.cache so that its external packages (sql.js, zod...) resolve from the repo.
 */
async function buildWorker(): Promise<string> {
  const outfile = path.resolve('node_modules/.cache/hearth-tests', `store-worker-${process.pid}.mjs`);
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

let workerFile: string;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'hearth-real-host-'));
  workerFile = await buildWorker();
  host = createAppHost({
    configDir: path.join(root, 'config'),
    isolation: 'worker',
    sessionOptions: { kdfIterations: 1_000, allowWeakKdfForTests: true },
    worker: { workerScript: { file: workerFile, viaTsx: false } },
  });
  host.onEvent((e) => events.push(e));
});

afterAll(async () => {
  await host?.close();
  await fs.rm(root, { recursive: true, force: true });
  if (workerFile) await fs.rm(workerFile, { force: true });
});

async function value<T>(promise: Promise<Result<unknown>>): Promise<T> {
  const result = await promise;
  if (!result.ok) throw new Error(JSON.stringify(result.error));
  return result.value as T;
}

describe('app host over the real vault services (worker isolation)', () => {
  it('creates a vault, imports, locks, refuses a wrong passphrase and unlocks with the data intact', async () => {
    const vault = path.join(root, 'vault');
    expect(await value(host.dispatch('vault.probe', { path: vault }))).toMatchObject({ canCreate: true, isVault: false });
    await value(host.dispatch('vault.create', { path: vault, passphrase: 'a long enough passphrase' }));

    const ndjson = [
      JSON.stringify({ resourceType: 'Patient', id: 'p1', gender: 'female' }),
      JSON.stringify({ resourceType: 'Patient', id: 'p2', gender: 'male' }),
      '{ broken',
    ].join('\n');
    const { jobId } = await value<{ jobId: string }>(host.dispatch('import.start', { sources: [{ kind: 'text', name: 'patients.ndjson', text: ndjson }] }));
    const deadline = Date.now() + 30_000;
    let job: JobState;
    do {
      job = await value<JobState>(host.dispatch('jobs.get', { jobId }));
      if (job.status === 'succeeded' || job.status === 'failed') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    } while (Date.now() < deadline);
    expect(job, JSON.stringify(job)).toMatchObject({ status: 'succeeded' });
    expect(events.some((e) => e.type === 'job' && e.job.id === jobId)).toBe(true);
    expect(await value(host.dispatch('resources.counts', {}))).toEqual([{ resourceType: 'Patient', count: 2 }]);

    await value(host.dispatch('vault.lock', {}));
    expect(await value(host.dispatch('vault.probe', { path: vault }))).toMatchObject({ isVault: true });
    const wrong = await host.dispatch('vault.unlock', { path: vault, passphrase: 'not the passphrase' });
    expect(wrong).toMatchObject({ ok: false, error: { issue: [{ code: 'security' }] } });

    await value(host.dispatch('vault.unlock', { path: vault, passphrase: 'a long enough passphrase' }));
    expect(await value(host.dispatch('resources.read', { resourceType: 'Patient', id: 'p1' }))).toMatchObject({ gender: 'female' });
    // The review domain reaches the worker's services (validated there: a blank reviewer is refused).
    expect(await value(host.dispatch('review.queue', {}))).toEqual({ total: 0, offset: 0, items: [] });
    const blank = await host.dispatch('review.document', { documentId: 'n1', reviewer: '  ' });
    expect(blank.ok ? undefined : blank.error.issue[0]?.code).toBe('invalid');
    const status = await value(host.dispatch('vault.status', {}));
    expect(status).toMatchObject({ state: 'unlocked', vault: { path: vault }, recentVaults: [vault] });
  });
});
