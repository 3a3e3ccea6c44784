/**
 * The NLP processing queue in a session (services over a memory store and a vault): automatic
 * processing of new and edited notes, no self-triggering, no new version for an unchanged result,
 * the older-engine notice and re-run, cancel and resume, and the state derived from the store
 * after a restart.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Bundle, DocumentReference, Resource } from '@medplum/fhirtypes';
import type { HearthEvent, JobState, NlpQueueStatus } from '../../../../src-main/api/contract';
import type { Result } from '../../../../src-main/api/result';
import { MemoryRepository } from '../../../../src-main/fhir/memory-repository';
import { extensionsToEntities, readNlpStamp } from '../../../../src-main/nlp/results/extensions';
import type { NoteAnalyzer } from '../../../../src-main/nlp/results/processor';
import { createSessionFromRepository, createVaultSession, openVaultSession } from '../../../../src-main/services/vault-session';
import type { VaultSession } from '../../../../src-main/services/session-types';
import type { Entity } from '../../../../src-main/nlp/types';
import { analyzeForTest, noteWithText, testAnalyzer, TEST_VERSIONS } from './fixtures';

/** A resource as the API's loosely typed body (an object literal type, which has an implicit index signature). */
function body(resource: Resource): { resourceType: string; [key: string]: unknown } {
  return { ...resource };
}

function value<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(JSON.stringify(result.error));
  return result.value;
}

const sessions: VaultSession[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of sessions.splice(0)) await s.close();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

function memorySession(repository: MemoryRepository, analyzer: NoteAnalyzer): VaultSession {
  const session = createSessionFromRepository(repository, {}, { nlpAnalyzer: async () => analyzer });
  sessions.push(session);
  return session;
}

/**
 * Waits until the queue has no job and nothing waiting (or is paused). The bound is for a slow or
 * loaded machine (it returns as soon as the queue settles); it stays under the 60 s test timeout so
 * the status shows in the failure.
 */
async function settled(session: VaultSession, timeoutMs = 45_000): Promise<NlpQueueStatus> {
  return settledWith(async () => value(await session.services.nlp.status({})), timeoutMs);
}

/** Polls `read` every 10 ms until the status has settled (as above) or `timeoutMs` has passed. */
async function settledWith(read: () => Promise<NlpQueueStatus>, timeoutMs = 45_000, done = isSettled): Promise<NlpQueueStatus> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const status = await read();
    if (done(status)) return status;
    if (Date.now() > until) throw new Error(`NLP queue did not settle: ${JSON.stringify(status)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function isSettled(status: NlpQueueStatus): boolean {
  return status.jobId === undefined && status.scanned && (status.pending === 0 || status.paused);
}

async function readNote(session: VaultSession, id: string): Promise<DocumentReference> {
  return value(await session.services.resources.read({ resourceType: 'DocumentReference', id })) as DocumentReference;
}

async function versionCount(session: VaultSession, id: string): Promise<number> {
  const bundle: Bundle = value(await session.services.resources.history({ resourceType: 'DocumentReference', id }));
  return bundle.entry?.length ?? 0;
}

describe('NLP processing queue', () => {
  it('processes the notes already stored when the session opens, then new ones, without re-triggering itself', async () => {
    const repository = new MemoryRepository();
    await repository.update(noteWithText('a', 'Hypertension.'));
    await repository.update(noteWithText('b', 'Denies chest pain.'));
    const analyzer = testAnalyzer();
    const session = memorySession(repository, analyzer);
    let status = await settled(session);
    expect(status).toMatchObject({ available: true, notes: 2, current: 2, pending: 0, outdated: 0, failed: 0, versions: TEST_VERSIONS });
    expect(extensionsToEntities(await readNote(session, 'a')).map((e) => e.ICD10CMConcepts?.[0]?.Code)).toEqual(['I10']);

    const created = value(await session.services.resources.create({ resource: body(noteWithText(undefined, 'Metformin 500 mg.')) }));
    status = await settled(session);
    expect(status.current).toBe(3);
    expect(analyzer.calls).toBe(3);
    // One version by the client, one with the result: the queue's own update did not queue the note again.
    expect(await versionCount(session, created.id!)).toBe(2);
    const search = value(await session.services.resources.search({ query: 'DocumentReference?nlp-rxnorm=6809' }));
    expect(search.entry?.map((e) => e.resource?.id)).toEqual([created.id]);
  });

  it('re-processes an edited text, and not an edit that keeps the text', async () => {
    const analyzer = testAnalyzer();
    const session = memorySession(new MemoryRepository(), analyzer);
    value(await session.services.resources.update({ resource: body(noteWithText('n', 'Hypertension.')) }));
    await settled(session);
    expect(analyzer.calls).toBe(1);

    const processed = await readNote(session, 'n');
    value(await session.services.resources.update({ resource: body({ ...processed, docStatus: 'final' }) }));
    await settled(session);
    expect(analyzer.calls).toBe(1);
    expect(await versionCount(session, 'n')).toBe(3);

    const edited = { ...(await readNote(session, 'n')), content: noteWithText('n', 'Diabetes now.').content };
    value(await session.services.resources.update({ resource: body(edited) }));
    await settled(session);
    expect(analyzer.calls).toBe(2);
    expect(extensionsToEntities(await readNote(session, 'n')).map((e) => e.Text)).toEqual(['Diabetes']);
  });

  it('reads a note kept in a Binary and records notes it cannot read as failed', async () => {
    const session = memorySession(new MemoryRepository(), testAnalyzer());
    value(await session.services.resources.update({ resource: { resourceType: 'Binary', id: 'bin1', contentType: 'text/plain; charset=iso-8859-1', data: Buffer.from('Caf\xe9 hypertension', 'latin1').toString('base64') } }));
    value(
      await session.services.resources.update({
        resource: { resourceType: 'DocumentReference', id: 'viaBinary', status: 'current', content: [{ attachment: { contentType: 'text/plain; charset=iso-8859-1', url: 'Binary/bin1' } }] },
      }),
    );
    value(
      await session.services.resources.update({
        resource: { resourceType: 'DocumentReference', id: 'pdf', status: 'current', content: [{ attachment: { contentType: 'application/pdf', url: 'Binary/none' } }] },
      }),
    );
    const status = await settled(session);
    expect(status).toMatchObject({ current: 2, failed: 1 });
    expect(status.errors).toEqual([{ id: 'pdf', message: expect.stringContaining('no text/plain') }]);
    const entity = extensionsToEntities(await readNote(session, 'viaBinary'))[0];
    // Offsets count UTF-16 units of the decoded text: "Café " is 5.
    expect(entity).toMatchObject({ Text: 'hypertension', BeginOffset: 5 });
    expect(readNlpStamp(await readNote(session, 'viaBinary'))?.source?.ref).toBe('Binary/bin1');
  });

  const binaryBackends: Array<[string, (analyzer: NoteAnalyzer) => Promise<VaultSession>]> = [
    ['memory', async (analyzer) => memorySession(new MemoryRepository(), analyzer)],
    [
      'vault',
      async (analyzer) => {
        const dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-nlp-binary-'));
        dirs.push(dir);
        const session = await createVaultSession(path.join(dir, 'vault'), 'pass phrase', { kdfIterations: 1000, allowWeakKdfForTests: true }, { nlpAnalyzer: async () => analyzer });
        sessions.push(session);
        return session;
      },
    ],
  ];
  const textBinary = (id: string, text: string) => ({ resourceType: 'Binary', id, contentType: 'text/plain', data: Buffer.from(text, 'utf8').toString('base64') });
  const binaryNote = (id: string, url: string) => ({ resourceType: 'DocumentReference', id, status: 'current', content: [{ attachment: { contentType: 'text/plain', url } }] });

  for (const [backend, open] of binaryBackends) {
    it(`re-processes a note when only its Binary changes, and fails it when the Binary is deleted (${backend})`, async () => {
      const analyzer = testAnalyzer();
      const session = await open(analyzer);
      value(await session.services.resources.update({ resource: textBinary('b1', 'Hypertension.') }));
      value(await session.services.resources.update({ resource: binaryNote('viaBinary', 'Binary/b1') }));
      // An absolute URL names the same Binary; a note whose Binary does not exist yet fails until it does.
      value(await session.services.resources.update({ resource: binaryNote('absolute', 'http://example.org/fhir/Binary/b2') }));
      value(await session.services.resources.update({ resource: body(noteWithText('inline', 'Diabetes.')) }));
      await settled(session);
      expect(extensionsToEntities(await readNote(session, 'viaBinary')).map((e) => e.Text)).toEqual(['Hypertension']);
      expect(readNlpStamp(await readNote(session, 'absolute'))).toMatchObject({ status: 'failed', message: 'Binary/b2 does not exist' });
      const callsBefore = analyzer.calls;
      const versionsBefore = await versionCount(session, 'viaBinary');

      value(await session.services.resources.update({ resource: textBinary('b1', 'Metformin 500 mg.') }));
      value(await session.services.resources.update({ resource: textBinary('b2', 'Denies chest pain.') }));
      let status = await settled(session);
      expect(extensionsToEntities(await readNote(session, 'viaBinary')).map((e) => e.Text)).toEqual(['Metformin']);
      expect(extensionsToEntities(await readNote(session, 'absolute')).map((e) => e.Text)).toEqual(['chest pain']);
      // Only the two notes of those Binaries were analysed again; the inline note was not touched.
      expect(analyzer.calls).toBe(callsBefore + 2);
      expect(await versionCount(session, 'viaBinary')).toBe(versionsBefore + 1);
      expect(status).toMatchObject({ notes: 3, current: 3, failed: 0 });

      value(await session.services.resources.delete({ resourceType: 'Binary', id: 'b1' }));
      status = await settled(session);
      const stamp = readNlpStamp(await readNote(session, 'viaBinary'));
      expect(stamp).toMatchObject({ status: 'failed', message: 'Binary/b1 does not exist' });
      expect(extensionsToEntities(await readNote(session, 'viaBinary'))).toEqual([]);
      expect(status).toMatchObject({ current: 3, failed: 1 });
      expect(analyzer.calls).toBe(callsBefore + 2);
    });
  }

  it('finds the notes of a changed Binary stored before the session opened (the scan indexes them), and forgets a note that no longer uses it', async () => {
    const repository = new MemoryRepository();
    await repository.update(textBinary('b1', 'Hypertension.') as Resource);
    await repository.update(binaryNote('n1', 'Binary/b1') as Resource);
    await repository.update(binaryNote('n2', 'Binary/b1') as Resource);
    const analyzer = testAnalyzer();
    const session = memorySession(repository, analyzer);
    await settled(session);
    expect(analyzer.calls).toBe(2);

    // n2 now keeps its text inline: a later change of b1 is not its business.
    const n2 = await readNote(session, 'n2');
    value(await session.services.resources.update({ resource: body({ ...n2, content: noteWithText('n2', 'Diabetes.').content }) }));
    await settled(session);
    expect(analyzer.calls).toBe(3);
    value(await session.services.resources.update({ resource: textBinary('b1', 'Metformin.') }));
    await settled(session);
    expect(analyzer.calls).toBe(4);
    expect(extensionsToEntities(await readNote(session, 'n1')).map((e) => e.Text)).toEqual(['Metformin']);
    expect(extensionsToEntities(await readNote(session, 'n2')).map((e) => e.Text)).toEqual(['Diabetes']);
  });

  it('reports notes processed by an older engine and re-runs them on request; unchanged results make no version', async () => {
    const repository = new MemoryRepository();
    const first = memorySession(repository, testAnalyzer());
    const seeds: Array<[string, string]> = [['a', 'Hypertension.'], ['b', 'Diabetes.'], ['c', 'Abdomen.']];
    for (const [id, text] of seeds) {
      value(await first.services.resources.update({ resource: body(noteWithText(id, text)) }));
    }
    await settled(first);
    await first.close();

    // Restarted with a newer lexicon: nothing is redone on its own, the notice says why.
    const newer = testAnalyzer({ ...TEST_VERSIONS, lexicon: 'test-lexicon-2' });
    const second = memorySession(repository, newer);
    let status = await settled(second);
    expect(status).toMatchObject({ notes: 3, current: 0, outdated: 3, pending: 0 });
    expect(status.notice).toBe('3 notes were processed by an older engine, lexicon or terminology pack');
    expect(newer.calls).toBe(0);

    value(await second.services.nlp.rerun({ scope: 'outdated' }));
    status = await settled(second);
    expect(status).toMatchObject({ current: 3, outdated: 0 });
    expect(status.notice).toBeUndefined();
    expect(newer.calls).toBe(3);
    expect(readNlpStamp(await readNote(second, 'a'))?.versions.lexicon).toBe('test-lexicon-2');
    expect(await versionCount(second, 'a')).toBe(3);

    // Re-running everything with the same engine gives the same results: no new version.
    value(await second.services.nlp.rerun({ scope: 'all' }));
    await settled(second);
    expect(newer.calls).toBe(6);
    expect(await versionCount(second, 'a')).toBe(3);
  });

  it('reports progress, can be cancelled (pausing automatic processing) and resumes with nlp.start', async () => {
    // The first batch (16 notes) goes through; later notes wait for `release`.
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let calls = 0;
    const slow: NoteAnalyzer = {
      versions: TEST_VERSIONS,
      async analyze(text: string): Promise<Entity[]> {
        if (++calls > 16) await gate;
        return analyzeForTest(text);
      },
    };
    const repository = new MemoryRepository();
    for (let i = 0; i < 40; i++) await repository.update(noteWithText(`n${i}`, `Note ${i}: hypertension.`));
    const session = createSessionFromRepository(repository, {}, { nlpAnalyzer: async () => slow });
    sessions.push(session);
    const jobs: JobState[] = [];
    const statuses: NlpQueueStatus[] = [];
    session.onEvent((event: HearthEvent) => {
      if (event.type === 'job' && event.job.kind === 'nlp') jobs.push(event.job);
      if (event.type === 'nlp') statuses.push(event.status);
    });
    while (calls <= 16) await new Promise((r) => setTimeout(r, 5));
    const during = value(await session.services.nlp.status({}));
    expect(during.jobId).toBeDefined();
    const cancelled = value(await session.services.nlp.cancel({}));
    expect(cancelled.paused).toBe(true);
    release();
    let status = await settled(session);
    expect(status.paused).toBe(true);
    expect(status.current).toBeGreaterThan(0);
    expect(status.pending).toBeGreaterThan(0);
    expect(jobs.some((j) => j.status === 'cancelled')).toBe(true);
    // Events are throttled: some batch count of the 40 notes, stopped before the end.
    const progress = jobs.find((j) => j.progress.total !== undefined);
    expect(progress?.progress.total).toBe(40);
    expect([16, 32]).toContain(progress?.progress.done);
    expect(progress?.progress.message).toMatch(/^Processed (16|32) of 40 notes$/);
    // Status events are throttled (at most one per 200 ms, the latest last).
    await vi.waitFor(() => expect(statuses.at(-1)?.paused).toBe(true), { timeout: 20_000 });

    // Paused: a new note waits.
    value(await session.services.resources.update({ resource: body(noteWithText('late', 'Diabetes.')) }));
    await new Promise((r) => setTimeout(r, 20));
    expect(value(await session.services.nlp.status({})).jobId).toBeUndefined();

    value(await session.services.nlp.start({}));
    status = await settled(session);
    expect(status).toMatchObject({ paused: false, current: 41, pending: 0 });
  });

  it('gives way to an import queued behind it', async () => {
    const repository = new MemoryRepository();
    for (let i = 0; i < 64; i++) await repository.update(noteWithText(`n${i}`, 'Hypertension.'));
    let calls = 0;
    const analyzer: NoteAnalyzer = {
      versions: TEST_VERSIONS,
      async analyze(text) {
        calls++;
        await new Promise((r) => setTimeout(r, 10));
        return analyzeForTest(text);
      },
    };
    const session = memorySession(repository, analyzer);
    const order: string[] = [];
    session.onEvent((event) => {
      if (event.type === 'job' && (event.job.status === 'succeeded' || event.job.status === 'cancelled')) order.push(event.job.kind);
    });
    // The import is queued while the first batch (16 of 64 notes) is being analysed.
    while (calls === 0) await new Promise((r) => setTimeout(r, 1));
    const patient = JSON.stringify({ resourceType: 'Patient', id: 'p1' });
    const { jobId } = value(await session.services.import.start({ sources: [{ kind: 'text', name: 'p.ndjson', text: patient }] }));
    await settled(session);
    expect(calls).toBe(64);
    // The NLP job stopped for the import, which finished before the queue's next job.
    expect(order.indexOf('import')).toBeGreaterThanOrEqual(0);
    expect(order[0]).toBe('nlp');
    expect(order.lastIndexOf('nlp')).toBeGreaterThan(order.indexOf('import'));
    expect(value(await session.services.import.report({ jobId })).created).toBe(1);
  });

  it('answers available: false without an engine, and processes nothing', async () => {
    const session = createSessionFromRepository(new MemoryRepository());
    sessions.push(session);
    value(await session.services.resources.update({ resource: body(noteWithText('a', 'Hypertension.')) }));
    const status = value(await session.services.nlp.status({}));
    expect(status.available).toBe(false);
    expect(status.jobId).toBeUndefined();
    expect(readNlpStamp(await readNote(session, 'a'))).toBeUndefined();
  });

  it('resumes after a restart on a vault: what was left is derived from the store', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-nlp-queue-'));
    dirs.push(dir);
    const vaultPath = path.join(dir, 'vault');
    const options = { kdfIterations: 1000, allowWeakKdfForTests: true };
    const first = await createVaultSession(vaultPath, 'pass phrase', options, {});
    for (let i = 0; i < 5; i++) value(await first.services.resources.update({ resource: body(noteWithText(`n${i}`, 'Hypertension and diabetes.')) }));
    await first.close();

    const analyzer = testAnalyzer();
    const second = await openVaultSession(vaultPath, 'pass phrase', options, { nlpAnalyzer: async () => analyzer });
    sessions.push(second);
    const status = await settled(second);
    expect(status).toMatchObject({ notes: 5, current: 5 });
    const found = value(await second.services.resources.search({ query: 'DocumentReference?nlp-icd10cm=I10&nlp-score=ge0.99&_count=10' }));
    expect(found.entry).toHaveLength(5);
  });
});

describe('NLP jobs and the idle auto-lock', () => {
  it('a running NLP job does not count as a running job (the queue resumes after a lock)', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    // The job runs once the engine is asked about the note (awaited, not polled for a while).
    let entered: () => void = () => undefined;
    const analysing = new Promise<void>((r) => (entered = r));
    const held: NoteAnalyzer = {
      versions: TEST_VERSIONS,
      async analyze(text) {
        entered();
        await gate;
        return analyzeForTest(text);
      },
    };
    const repository = new MemoryRepository();
    await repository.update(noteWithText('a', 'Hypertension.'));
    const session = memorySession(repository, held);
    await analysing;
    expect(value(await session.services.nlp.status({})).jobId).toBeDefined();
    expect(session.hasRunningJobs()).toBe(false);
    const patient = JSON.stringify({ resourceType: 'Patient', id: 'p1' });
    value(await session.services.import.start({ sources: [{ kind: 'text', name: 'p.ndjson', text: patient }] }));
    expect(session.hasRunningJobs()).toBe(true);
    release();
    await settled(session);
  });
});

describe('NlpQueue.engineChanged', () => {
  it('lets the running batch finish with the old engine, then starts the new one and reports the older results', async () => {
    const { NlpQueue } = await import('../../../../src-main/nlp/results/queue');
    const { JobManager } = await import('../../../../src-main/jobs/job-manager');
    const repository = new MemoryRepository();
    for (let i = 0; i < 20; i++) await repository.update(noteWithText(`n${i}`, 'Hypertension.'));
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let closedWhileBusy = false;
    let busy = 0;
    let starts = 0;
    const start = async (): Promise<NoteAnalyzer> => {
      const generation = ++starts;
      return {
        versions: { ...TEST_VERSIONS, packs: [`pack-${generation}`] },
        async analyze(text) {
          busy++;
          if (generation === 1) await gate;
          busy--;
          return analyzeForTest(text);
        },
        async close() {
          if (busy > 0) closedWhileBusy = true;
        },
      };
    };
    const jobs = new JobManager({ onEvent: () => undefined });
    const queue = new NlpQueue({ repository, jobs, analyzer: start });
    queue.open();
    while (busy === 0) await new Promise((r) => setTimeout(r, 5));
    const changed = queue.engineChanged();
    release();
    await changed;
    const status = await settledWith(async () => queue.status(), 45_000, (st) => st.jobId === undefined && st.scanned && st.pending === 0);
    expect(closedWhileBusy).toBe(false);
    expect(starts).toBe(2);
    expect(status.versions?.packs).toEqual(['pack-2']);
    // The first batch (16) was stored by the old engine: outdated now; the rest by the new one.
    expect(status).toMatchObject({ notes: 20, outdated: 16, current: 4, pending: 0, failed: 0 });
    await queue.close();
  });
});

describe('NlpQueue start and cancel', () => {
  it('starts paused when asked, processes on start, and counts the notes it analysed and the failures', async () => {
    const repository = new MemoryRepository();
    await repository.update(noteWithText('a', 'Hypertension.'));
    await repository.update({ resourceType: 'DocumentReference', id: 'pdf', status: 'current', content: [{ attachment: { contentType: 'application/pdf', url: 'Binary/x' } }] });
    const analyzer = testAnalyzer();
    const session = createSessionFromRepository(repository, {}, { nlpAnalyzer: async () => analyzer, nlpStartPaused: true });
    sessions.push(session);
    await new Promise((r) => setTimeout(r, 50));
    let status = value(await session.services.nlp.status({}));
    expect(status).toMatchObject({ paused: true, scanned: false, processed: { notes: 0, failed: 0 } });
    expect(status.jobId).toBeUndefined();
    expect(analyzer.calls).toBe(0);

    value(await session.services.nlp.start({}));
    status = await settled(session);
    expect(status).toMatchObject({ paused: false, current: 2, failed: 1, processed: { notes: 2, failed: 1 } });
    expect(analyzer.calls).toBe(1);
  });

  it('forgets its job when it is cancelled while still queued behind another job, and resumes on start', async () => {
    const { NlpQueue } = await import('../../../../src-main/nlp/results/queue');
    const { JobManager } = await import('../../../../src-main/jobs/job-manager');
    const repository = new MemoryRepository();
    await repository.update(noteWithText('a', 'Hypertension.'));
    const jobs = new JobManager({ onEvent: () => undefined });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    jobs.start('import', 'Holding', async () => {
      await gate;
      return {};
    });
    const queue = new NlpQueue({ repository, jobs, analyzer: async () => testAnalyzer() });
    queue.open();
    const queuedJob = queue.status().jobId;
    expect(jobs.get(queuedJob!)?.status).toBe('queued');
    expect(queue.cancel().jobId).toBeUndefined();
    expect(jobs.get(queuedJob!)?.status).toBe('cancelled');
    release();
    queue.start();
    await settledWith(async () => queue.status(), 45_000, (st) => st.jobId === undefined && st.current >= 1);
    expect(queue.status()).toMatchObject({ current: 1, pending: 0, processed: { notes: 1, failed: 0 } });
    await queue.close();
  });
});
