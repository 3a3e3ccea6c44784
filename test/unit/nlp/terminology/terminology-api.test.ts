import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobState } from '../../../../src-main/api/contract';
import type { Result } from '../../../../src-main/api/result';
import type { CliIo } from '../../../../src-main/cli/commands';
import { runCli } from '../../../../src-main/cli/hearth';
import { createVaultSession } from '../../../../src-main/services';
import type { VaultSession } from '../../../../src-main/services/session-types';
import { writeIcd10Release, writeRxNormTsv } from './fixtures';

function value<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`unexpected error: ${JSON.stringify(result.error)}`);
  return result.value;
}

async function waitForJob(session: VaultSession, jobId: string): Promise<JobState> {
  let job = value(await session.services.jobs.get({ jobId }));
  while (job.status === 'queued' || job.status === 'running') {
    await new Promise((resolve) => setTimeout(resolve, 10));
    job = value(await session.services.jobs.get({ jobId }));
  }
  return job;
}

describe('terminology.import / report / list (session services)', () => {
  let dir: string;
  let releases: string;
  let session: VaultSession;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-tapi-'));
    releases = path.join(dir, 'releases');
    await writeIcd10Release(path.join(releases, 'icd10cm'));
    await writeRxNormTsv(path.join(releases, 'rxnorm'));
    session = await createVaultSession(path.join(dir, 'vault'), 'a test passphrase', { kdfIterations: 1000, allowWeakKdfForTests: true });
  });
  afterAll(async () => {
    await session.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs the import as a job with progress, reports what it read, lists the packs; a second import changes nothing', async () => {
    const events: JobState[] = [];
    const off = session.onEvent((e) => {
      if (e.type === 'job') events.push(e.job);
    });
    const { jobId } = value(await session.services.terminology.import({ paths: [releases] }));
    const job = await waitForJob(session, jobId);
    off();
    expect(job).toMatchObject({ kind: 'terminology', status: 'succeeded' });
    expect(job.progress.bytesTotal).toBeGreaterThan(0);
    expect(events.some((e) => e.status === 'running')).toBe(true);

    const report = value(await session.services.terminology.report({ jobId }));
    expect(report.status).toBe('succeeded');
    expect(report.icd10).toMatchObject({ codes: 4, billable: 3, indexTermsJoined: 5, indexTermsDropped: 1, stored: 'created' });
    expect(report.rxnorm).toMatchObject({ concepts: 5, brandIngredientLinks: 1, stored: 'created' });

    const packs = value(await session.services.terminology.list({}));
    expect(packs.map((p) => p.version)).toEqual(['icd10cm-2026', 'rxnorm-partial']);

    const second = value(await session.services.terminology.import({ paths: [releases] }));
    expect((await waitForJob(session, second.jobId)).status).toBe('succeeded');
    const again = value(await session.services.terminology.report({ jobId: second.jobId }));
    expect([again.icd10?.stored, again.rxnorm?.stored]).toEqual(['unchanged', 'unchanged']);
  });

  it('stores nothing when the import is cancelled before its packs are written', async () => {
    const other = await createVaultSession(path.join(dir, 'vault-cancel'), 'a test passphrase', { kdfIterations: 1000, allowWeakKdfForTests: true });
    try {
      const { jobId } = value(await other.services.terminology.import({ paths: [releases] }));
      value(await other.services.jobs.cancel({ jobId }));
      expect((await waitForJob(other, jobId)).status).toBe('cancelled');
      expect(value(await other.services.terminology.list({}))).toEqual([]);
      expect(value(await other.services.terminology.report({ jobId })).status).toBe('cancelled');
    } finally {
      await other.close();
    }
  });

  it('fails the job with a clear outcome when no release is found, and refuses a report of another kind of job', async () => {
    const { jobId } = value(await session.services.terminology.import({ paths: [path.join(releases, 'icd10cm', 'icd10cm_index_2017.xml')] }));
    const job = await waitForJob(session, jobId);
    expect(job.status).toBe('failed');
    expect(job.error?.issue?.[0]?.diagnostics).toMatch(/No terminology release found/);
    const unknown = await session.services.terminology.report({ jobId: 'no-such-job' });
    expect(unknown.ok).toBe(false);
  });
});

describe('hearth terminology (CLI, in-process)', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-tcli-'));
    await writeIcd10Release(path.join(dir, 'releases'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('imports a release into a vault, prints what it read, then lists the pack', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      env: { HEARTH_PASSPHRASE: 'a cli test passphrase', NODE_ENV: 'test', HEARTH_TEST_KDF_ITERATIONS: '1000' },
    };
    const vault = path.join(dir, 'vault');
    expect(await runCli(['vault', 'create', vault], io, dir)).toBe(0);
    out.length = 0;
    expect(await runCli(['terminology', 'import', vault, path.join(dir, 'releases')], io, dir)).toBe(0);
    const text = out.join('');
    expect(text).toContain('ICD-10-CM icd10cm-2026 (created)');
    expect(text).toContain('codes: 4 (billable 3, headers 1)');
    expect(text).toMatch(/index terms \(FY2017 Alphabetic Index\): 7 read, 6 with a code, 5 joined, 1 dropped \(codes not in this release: 1\)/);
    out.length = 0;
    expect(await runCli(['terminology', 'list', vault], io, dir)).toBe(0);
    expect(out.join('')).toMatch(/^ICD10CM\ticd10cm-2026\t4 concepts\t/);
    await expect(runCli(['terminology', 'remove', vault], io, dir)).rejects.toThrow(/unknown terminology command/);
  });
});
