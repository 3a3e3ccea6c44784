import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Observation, Patient } from '@medplum/fhirtypes';
import type { HearthEvent, ImportSource, JobState } from '../../../src-main/api/contract';
import type { Result } from '../../../src-main/api/result';
import { createSessionFromRepository, createVaultSession, openVaultSession } from '../../../src-main/services';
import type { VaultSession } from '../../../src-main/services/session-types';
import { VaultError } from '../../../src-main/vault/types';
import { fixture, syntheaDir } from '../io/paths';

const weak = { kdfIterations: 1000, allowWeakKdfForTests: true };

function value<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`unexpected error: ${JSON.stringify(result.error)}`);
  return result.value;
}

/** Starts an import and waits for its job to end; returns the job's final state and the events seen. */
async function importAndWait(session: VaultSession, sources: ImportSource[]) {
  const events: JobState[] = [];
  const off = session.onEvent((e: HearthEvent) => {
    if (e.type === 'job') events.push(e.job);
  });
  const { jobId } = value(await session.services.import.start({ sources }));
  let job = value(await session.services.jobs.get({ jobId }));
  while (job.status === 'queued' || job.status === 'running') {
    await new Promise((resolve) => setTimeout(resolve, 10));
    job = value(await session.services.jobs.get({ jobId }));
  }
  off();
  return { job, events: events.filter((e) => e.id === jobId), report: value(await session.services.import.report({ jobId })) };
}

describe('vault session services, end to end', () => {
  let dir: string;
  let folder: string;
  let session: VaultSession;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-session-'));
    folder = path.join(dir, 'vault');
    session = await createVaultSession(folder, 'first passphrase', weak);
  });
  afterAll(async () => {
    await session.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('imports a transaction bundle (Synthea when present) and serves counts, read and history', async () => {
    const synthea = existsSync(syntheaDir) ? readdirSync(syntheaDir).filter((f) => f.endsWith('.json')).sort()[0] : undefined;
    if (!synthea) console.warn('../shared/data/synthea/r4-bundles not found: importing the small fixture instead');
    const file = synthea ? path.join(syntheaDir, synthea) : fixture('transaction-small.json');
    const entries = (JSON.parse(readFileSync(file, 'utf8')) as { entry: unknown[] }).entry.length;

    const { job, events, report } = await importAndWait(session, [{ kind: 'path', path: file }]);
    expect(job.status).toBe('succeeded');
    expect(job.counts).toEqual({ created: entries, updated: 0, unchanged: 0, failed: 0 });
    expect(report).toMatchObject({ status: 'succeeded', created: entries, failed: 0, errors: [] });
    expect(report.files[0]).toMatchObject({ file, records: entries, created: entries });
    expect(events.at(-1)?.status).toBe('succeeded');
    expect(events.at(-1)?.progress.bytesDone).toBe(events.at(-1)?.progress.bytesTotal);

    const counts = value(await session.services.resources.counts({}));
    expect(counts.reduce((sum, c) => sum + c.count, 0)).toBe(entries);
    const patients = value(await session.services.resources.list({ resourceType: 'Patient', offset: 0, count: 10 }));
    expect(patients.total).toBe(1);
    const patient = patients.resources[0] as Patient;
    expect(value(await session.services.resources.read({ resourceType: 'Patient', id: patient.id! }))).toEqual(patient);

    const observations = value(await session.services.resources.search({ query: 'Observation?_count=5' }));
    expect(observations.entry).toHaveLength(Math.min(5, counts.find((c) => c.resourceType === 'Observation')?.count ?? 0));
    for (const entry of observations.entry ?? []) {
      expect((entry.resource as Observation).subject?.reference).toBe(`Patient/${patient.id}`);
    }

    const updated = value(
      await session.services.resources.update({ resource: { ...patient, gender: 'unknown' }, ifMatch: patient.meta!.versionId! }),
    );
    expect(updated.meta?.versionId).toBe('2');
    const history = value(await session.services.resources.history({ resourceType: 'Patient', id: patient.id! }));
    expect(history.entry?.map((e) => e.response?.etag)).toEqual(['W/"2"', 'W/"1"']);
    const stale = await session.services.resources.update({ resource: { ...patient }, ifMatch: '1' });
    expect(stale.ok).toBe(false);
    if (!stale.ok) expect(stale.error.issue[0]?.code).toBe('conflict');
  });

  it('reports bad records with their lines and imports the good ones', async () => {
    const { job, report } = await importAndWait(session, [
      { kind: 'path', path: fixture('batch-mixed.json') },
      { kind: 'path', path: fixture('observations.ndjson') },
      { kind: 'path', path: fixture('transaction-bad.json') },
      { kind: 'path', path: fixture('not-fhir.hl7') },
    ]);
    expect(job.status).toBe('succeeded');
    expect(report.files.map((f) => [path.basename(f.file), f.created, f.failed, f.problem ?? null])).toEqual([
      // Its GET entry runs and counts as read (docs/import.md), not as a failure.
      ['batch-mixed.json', 2, 1, null],
      ['observations.ndjson', 3, 2, null],
      ['transaction-bad.json', 0, 3, null],
      ['not-fhir.hl7', 0, 0, 'not a FHIR JSON or NDJSON file (does not start with "{")'],
    ]);
    expect(report.errors.map((e) => `${path.basename(e.file)}:${e.line}`)).toEqual([
      'batch-mixed.json:9',
      'observations.ndjson:3',
      'observations.ndjson:5',
      'transaction-bad.json:10',
      'transaction-bad.json:14',
    ]);
    expect(report.read).toBe(1);
    expect(value(await session.services.resources.read({ resourceType: 'Observation', id: 'nd-5' })).id).toBe('nd-5');
    const missing = await session.services.resources.read({ resourceType: 'Patient', id: 'x1' });
    expect(missing.ok).toBe(false);
  });

  it('cancels an import between chunks; committed chunks stay', async () => {
    const cancelDir = path.join(dir, 'cancel');
    const chunked = await createVaultSession(cancelDir, 'pass', { ...weak, importChunkSize: 25 });
    try {
      // The poll below must see the first chunk and cancel before the last one: 800 chunks of 25
      // leave that margin on any machine (80 chunks, as before, took ~100 ms on a fast one); the
      // cancel stops it after the first few, so the size costs only the text (1 MB, parsed once).
      const records = 20_000;
      const text = Array.from({ length: records }, (_, i) => JSON.stringify({ resourceType: 'Basic', id: `b${i}`, code: { text: 'x' } })).join('\n');
      const { jobId } = value(await chunked.services.import.start({ sources: [{ kind: 'text', name: 'many.ndjson', text }] }));
      let job = value(await chunked.services.jobs.get({ jobId }));
      while (job.progress.done === 0 && job.status !== 'succeeded') {
        await new Promise((resolve) => setTimeout(resolve, 2));
        job = value(await chunked.services.jobs.get({ jobId }));
      }
      value(await chunked.services.jobs.cancel({ jobId }));
      while (job.status === 'running' || job.status === 'queued') {
        await new Promise((resolve) => setTimeout(resolve, 5));
        job = value(await chunked.services.jobs.get({ jobId }));
      }
      expect(job.status).toBe('cancelled');
      const created = job.counts?.created ?? 0;
      expect(created).toBeGreaterThan(0);
      expect(created).toBeLessThan(records);
      expect(created % 25).toBe(0);
      expect(value(await chunked.services.resources.counts({}))).toEqual([{ resourceType: 'Basic', count: created }]);
      expect(value(await chunked.services.import.report({ jobId })).status).toBe('cancelled');
      expect(chunked.hasRunningJobs()).toBe(false);
    } finally {
      await chunked.close();
    }
  });

  it('verifies, changes the passphrase, and reopens with the new one only', async () => {
    const report = value(await session.services.vault.verify({}));
    expect(report.ok).toBe(true);
    expect(report.resources).toBeGreaterThan(0);
    const wrong = await session.services.vault.changePassphrase({ currentPassphrase: 'nope', newPassphrase: 'second passphrase' });
    expect(wrong.ok).toBe(false);
    if (!wrong.ok) expect(wrong.error.issue[0]?.code).toBe('security');
    value(await session.services.vault.changePassphrase({ currentPassphrase: 'first passphrase', newPassphrase: 'second passphrase' }));
    const counts = value(await session.services.resources.counts({}));
    await session.close();

    await expect(openVaultSession(folder, 'first passphrase', weak)).rejects.toBeInstanceOf(VaultError);
    session = await openVaultSession(folder, 'second passphrase', weak);
    expect(value(await session.services.resources.counts({}))).toEqual(counts);
  });
});

describe('session over the memory repository', () => {
  it('serves resources and says verify is not supported', async () => {
    const session = createSessionFromRepository();
    const created = value(await session.services.resources.create({ resource: { resourceType: 'Patient', gender: 'female' } }));
    expect(value(await session.services.resources.search({ query: `/Patient?_id=${created.id}` })).total).toBe(1);
    const bad = await session.services.resources.search({ query: 'Patient?colour=x' });
    expect(bad.ok).toBe(false);
    const badType = await session.services.resources.search({ query: '?x=1' });
    expect(badType.ok).toBe(false);
    expect((await session.services.vault.verify({})).ok).toBe(false);
    expect(value(await session.services.resources.types({}))).toContain('Observation');
    await session.close();
  });
});
