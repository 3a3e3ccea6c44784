/**
 * The Hearth engine phase: a real encrypted vault on disk (production KDF), the vault repository
 * with every search parameter indexed at write time, writes and searches through the transport-free
 * REST handler (src-main/fhir/rest), exactly as the local FHIR endpoint runs them minus the socket.
 */
import path from 'node:path';
import { type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import type { Bundle } from '@medplum/fhirtypes';
import { fhirProjector } from '../../../src-main/fhir/fhir-projector';
import { handleFhirRequest } from '../../../src-main/fhir/rest/handler';
import type { FhirResponse } from '../../../src-main/fhir/rest/types';
import { createVaultRepository } from '../../../src-main/fhir/vault-repository';
import { WritePrepPool } from '../../../src-main/fhir/write-prep-pool';
import { createVault } from '../../../src-main/vault';
import type { BenchQuery } from './queries';
import { folderBytes, PhasePeak } from './measure';
import { type BundleText, runQueryMix, type QueryMixResult, type WriteResult, writeBundles } from './phases';

const PASSPHRASE = 'benchmark passphrase, not a secret';
const REST = { baseUrl: 'http://127.0.0.1:0/fhir' };
const HEADERS = { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' };

export interface EngineResult {
  write: WriteResult;
  queries: QueryMixResult;
  peakRssMb: number;
  peakMethod: string;
  vaultBytes: number;
  createVaultMs: number;
  /** `vault.close()` after the queries (a final snapshot): work the per-Bundle write times do not include. */
  closeMs: number;
  /** Transaction Bundles in flight during the writes (1: one after the other, no write-prep worker). */
  pipelineDepth: number;
  /** Starting the write-prep worker until it had loaded its definitions (before the timed writes). */
  prepWorkerStartMs: number;
  /**
   * A snapshot taken between the writes and the queries (it also waits for a background one still
   * running), so that the query mix does not run beside a multi-second index export.
   */
  settleMs: number;
  /**
   * Index pages written to and read back from the paged index file during the writes (0 while the
   * index stays in memory: it is paged from HEARTH_INDEX_PAGED_FROM_MB, default 256 MiB).
   */
  pagesOutDuringWrites: number;
  pagesInDuringWrites: number;
  /**
   * Per query label, each run of the mix (the untimed first run included): its milliseconds and
   * the index pages read back from the paged file during it (a cache miss costs ~21 µs a page).
   */
  queryRuns: Map<string, QueryRun[]>;
}

function entriesOf(response: FhirResponse): Bundle['entry'] {
  return response.body?.resourceType === 'Bundle' ? response.body.entry : undefined;
}

export async function runEngine(
  size: number,
  folder: string,
  bundles: () => Iterable<BundleText>,
  queries: readonly BenchQuery[],
  rounds: number,
  pipelineDepth = 1,
): Promise<EngineResult> {
  const peak = new PhasePeak();
  peak.start();
  const dir = path.join(folder, `vault-${size}`);
  const createStarted = performance.now();
  const vault = await createVault(dir, PASSPHRASE, { projector: fhirProjector });
  const createVaultMs = performance.now() - createStarted;
  let pool: WritePrepPool | undefined;
  let prepWorkerStartMs = 0;
  if (pipelineDepth > 1) {
    const started = performance.now();
    pool = new WritePrepPool();
    pool.start();
    while (!pool.ready) {
      if (performance.now() - started > 120_000) throw new Error('the write-prep worker did not start');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    prepWorkerStartMs = performance.now() - started;
  }
  const repo = createVaultRepository(vault, pool ? { preparer: pool } : {});
  try {
    const write = await writeBundles(size, bundles, peak, async (body, entries) => {
      // return=minimal: a bulk loader needs each entry's status and Location, not the echoed resources.
      const response = await handleFhirRequest(repo, { method: 'POST', path: '/', headers: { ...HEADERS, prefer: 'return=minimal' }, body }, REST);
      if (response.status !== 200) throw new Error(`transaction answered ${response.status}: ${issueText(response)}`);
      const answered = entriesOf(response) ?? [];
      const created = answered.filter((entry) => entry.response?.status.startsWith('201')).length;
      if (answered.length !== entries || created !== entries) throw new Error(`transaction stored ${created} of ${entries} entries`);
    }, pipelineDepth);
    const paging = vault.indexPaging();
    await pool?.close();
    const settleStarted = performance.now();
    await vault.snapshot();
    const settleMs = performance.now() - settleStarted;
    const queryRuns = new Map<string, QueryRun[]>();
    const gcPauses = watchGcPauses();
    const mix = await runQueryMix(queries, rounds, peak, async (query) => {
      const pagesBefore = vault.indexPaging()?.pagesIn ?? 0;
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      const response = await handleFhirRequest(repo, { method: 'GET', path: `/${query.resourceType}`, query: query.query, headers: HEADERS }, REST);
      const ended = performance.now();
      const cpu = process.cpuUsage(cpuBefore);
      if (response.status !== 200) throw new Error(`${response.status}: ${issueText(response)}`);
      const runs = queryRuns.get(query.label) ?? [];
      runs.push({ ms: ended - started, pagesIn: (vault.indexPaging()?.pagesIn ?? 0) - pagesBefore, cpuMs: (cpu.user + cpu.system) / 1000, started, ended, gcMs: 0, gcKinds: '' });
      queryRuns.set(query.label, runs);
      const entries = entriesOf(response) ?? [];
      return { matches: entries.filter((entry) => entry.search?.mode !== 'include').length, included: entries.filter((entry) => entry.search?.mode === 'include').length };
    });
    await gcPauses.stop(queryRuns);
    const closeStarted = performance.now();
    await vault.close();
    const closeMs = performance.now() - closeStarted;
    const measured = peak.stop();
    return { write, queries: mix, peakRssMb: measured.peakMb, peakMethod: measured.method, vaultBytes: folderBytes(dir), createVaultMs, closeMs, settleMs, pipelineDepth, prepWorkerStartMs, pagesOutDuringWrites: paging?.pagesOut ?? 0, pagesInDuringWrites: paging?.pagesIn ?? 0, queryRuns };
  } catch (error) {
    peak.stop();
    await pool?.close();
    await vault.close().catch(() => undefined);
    throw error;
  }
}

/** One timed or first run of a query in the mix, with what else happened on the process meanwhile. */
export interface QueryRun {
  ms: number;
  /** Index pages read back from the paged file during the run. */
  pagesIn: number;
  /** The whole process's CPU during the run (all threads): far above `ms` means other threads ran too. */
  cpuMs: number;
  started: number;
  ended: number;
  /** Main-isolate GC pauses overlapping the run (PerformanceObserver 'gc'), and their kinds. */
  gcMs: number;
  gcKinds: string;
}

const GC_KINDS: Record<number, string> = { 1: 'major', 2: 'minor', 4: 'incremental', 8: 'weakcb' };

/**
 * Records the main isolate's GC pauses so that a slow query sample can be told apart: a pause
 * inside it, or the query's own work. The observer's entries arrive asynchronously; stop() waits
 * a turn for the last ones, then charges each run with the pauses that overlap it.
 */
function watchGcPauses(): { stop(runs: Map<string, QueryRun[]>): Promise<void> } {
  const pauses: Array<{ start: number; end: number; kind: string }> = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const detail = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail;
      pauses.push({ start: entry.startTime, end: entry.startTime + entry.duration, kind: GC_KINDS[detail?.kind ?? 0] ?? 'other' });
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    async stop(runs) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      observer.disconnect();
      for (const list of runs.values()) {
        for (const run of list) {
          const overlapping = pauses.filter((pause) => pause.end > run.started && pause.start < run.ended);
          run.gcMs = overlapping.reduce((sum, pause) => sum + Math.min(pause.end, run.ended) - Math.max(pause.start, run.started), 0);
          run.gcKinds = overlapping.map((pause) => `${pause.kind} ${(pause.end - pause.start).toFixed(1)}`).join(' + ');
        }
      }
    },
  };
}

/** The outcome's diagnostics only: no resource content reaches the console. */
function issueText(response: FhirResponse): string {
  const body = response.body;
  if (body?.resourceType !== 'OperationOutcome') return '(no OperationOutcome)';
  return (body.issue ?? []).map((issue) => `${issue.code}: ${issue.diagnostics ?? ''}`).join('; ').slice(0, 500);
}
