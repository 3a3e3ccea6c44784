/**
 * Pull through FHIR Bulk Data `$export` (docs/sync.md "Pull"; https://hl7.org/fhir/uv/bulkdata/export.html)
 * when the server's CapabilityStatement offers it: kick-off with `Prefer: respond-async` and
 * `_since`, polling the Content-Location (202 with X-Progress, Retry-After honoured), the
 * completion manifest, then each NDJSON file streamed line by line into the same per-resource
 * write path as the paging pull (id map, conflicts, validation). A kick-off the server refuses
 * (4xx) falls back to paging; a cancelled export is DELETEd on the server, and so is a finished
 * one (the server may drop its files).
 */
import type { Bundle, CapabilityStatement, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { outcome } from '../api/result';
import { checkCancelled, type SyncContext } from './context';
import { parseRetryAfter } from './fhir-kit-transport';
import { sleep, withRetry } from './retry';
import { TransportError } from './transport';
import { historyEntryId } from './history';
import type { BulkExportProgress, PullReport } from './types';

export type BulkLevel = 'bulk-system' | 'bulk-patient' | 'bulk-group';

const EXPORT_DEF = /\/OperationDefinition\/(export|patient-export|group-export)(\|.*)?$/;
/** Resources handed to the write path at a time (one store transaction each). */
const BATCH = 100;
/** Polling without Retry-After: 1 s, doubling to 30 s. */
const POLL_FIRST_MS = 1000;
const POLL_MAX_MS = 30_000;
const ERROR_LIST_LIMIT = 100;

interface ManifestFile {
  type: string;
  url: string;
  count?: number;
}

/** The completion manifest (export.html#response---complete-status). */
export interface BulkManifest {
  transactionTime: string;
  request: string;
  requiresAccessToken: boolean;
  output: ManifestFile[];
  error: ManifestFile[];
  /** Bulk Data 2.0: NDJSON files of Bundles listing deleted resources. */
  deleted: ManifestFile[];
}

const offers = (operations: Array<{ name?: string; definition?: string }> | undefined): boolean =>
  (operations ?? []).some((op) => op.name === 'export' || EXPORT_DEF.test(op.definition ?? ''));

/**
 * Which $export the server offers (export.html#bulk-data-kick-off-request): system level when
 * declared on the server, else Group level when a group is asked for and Group declares it, else
 * Patient level (the Patient compartment). Undefined: none, pull pages.
 */
export function offeredExport(cs: CapabilityStatement, group?: string): { level: BulkLevel; path: string } | undefined {
  const rest = (cs.rest ?? []).find((r) => r.mode === 'server');
  if (!rest) return undefined;
  const system = (rest.operation ?? []).some((op) => op.name === 'export' || /\/OperationDefinition\/export(\|.*)?$/.test(op.definition ?? ''));
  if (system && group === undefined) return { level: 'bulk-system', path: '$export' };
  const resource = (type: string) => rest.resource?.find((r) => r.type === type);
  if (group !== undefined) {
    return offers(resource('Group')?.operation) ? { level: 'bulk-group', path: `Group/${encodeURIComponent(group)}/$export` } : undefined;
  }
  if (offers(resource('Patient')?.operation)) return { level: 'bulk-patient', path: 'Patient/$export' };
  return undefined;
}

function isOutcome(data: unknown): data is OperationOutcome {
  return typeof data === 'object' && data !== null && (data as { resourceType?: unknown }).resourceType === 'OperationOutcome';
}

/** A status >= 400 as a TransportError (retry.ts retries 429 and 5xx), with the server's OperationOutcome when it sent one. */
async function failure(response: Response, what: string): Promise<TransportError> {
  let data: unknown;
  try {
    data = JSON.parse(await response.text());
  } catch {
    data = undefined;
  }
  return new TransportError('http', `${what}: HTTP ${response.status}`, response.status, isOutcome(data) ? data : undefined, parseRetryAfter(response.headers.get('retry-after')));
}

function parseManifest(data: unknown): BulkManifest {
  const m = data as Partial<BulkManifest> | null;
  if (typeof m !== 'object' || m === null || typeof m.transactionTime !== 'string' || !Array.isArray(m.output)) {
    throw new TransportError('http', 'Bulk export: the completion manifest is not valid', 502);
  }
  const files = (list: unknown): ManifestFile[] =>
    (Array.isArray(list) ? list : []).filter((f): f is ManifestFile => typeof f === 'object' && f !== null && typeof (f as ManifestFile).type === 'string' && typeof (f as ManifestFile).url === 'string');
  return { transactionTime: m.transactionTime, request: String(m.request ?? ''), requiresAccessToken: m.requiresAccessToken === true, output: files(m.output), error: files(m.error), deleted: files(m.deleted) };
}

/** Lines of an NDJSON body as they arrive (never the whole file in memory). */
async function* lines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      yield buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
    }
  }
  buffer += decoder.decode();
  if (buffer) yield buffer;
}

export interface BulkPullOptions {
  types: string[];
  /** `_since` (export.html#query-parameters): the oldest pull cursor; absent: everything. */
  since?: string;
  group?: string;
  report: PullReport;
  /** The paging pull's write path for one batch of one type (map, conflicts, validation; the cursor is not moved). It persists the sync state with the batch. */
  write: (resourceType: string, resources: Resource[]) => Promise<void>;
  /** Server deletions a manifest lists in its `deleted` files (Bulk Data 2.0): ids of one type. */
  deleted: (resourceType: string, serverIds: string[]) => Promise<void>;
  /** The export in progress as the vault's sync state holds it, and how to change it (`persist`: a store transaction now; else it goes with the next `write`). */
  progress: { current(): BulkExportProgress | undefined; save(progress: BulkExportProgress | undefined, persist: boolean): Promise<void> };
  /** Every file is in: move the cursors to `transactionTime` and forget the export, in one store transaction. */
  finish: (transactionTime: string) => Promise<void>;
}

const sameRequest = (job: BulkExportProgress, types: string[], since: string | undefined, level: BulkLevel, group: string | undefined): boolean =>
  job.level === level && job.group === group && job.since === since && job.types.join(',') === types.join(',');

/** The status URL or a file is gone (the export expired on the server): a resumed export starts again. */
const isGone = (e: unknown): boolean => e instanceof TransportError && (e.status === 404 || e.status === 410);

/**
 * Runs one export, or resumes the one the vault's sync state holds (docs/sync.md "Pull", Bulk
 * Data): no new kick-off, polling the same status URL, the files already imported skipped, the file
 * being imported read again past the lines already written. Returns undefined when the server offers
 * no export or refused the kick-off (the caller pages instead).
 */
export async function bulkPull(ctx: SyncContext, cs: CapabilityStatement, options: BulkPullOptions): Promise<{ transactionTime: string; level: BulkLevel; resumed: boolean } | undefined> {
  const { transport, signal, report } = { ...ctx, report: options.report };
  const raw = transport.raw?.bind(transport);
  const offer = offeredExport(cs, options.group);
  if (!raw || !offer || options.types.length === 0) return undefined;
  const retry = <T>(fn: () => Promise<T>): Promise<T> => withRetry(fn, ctx.retry, signal, () => report.retries++);

  const deleteOnServer = async (location: string): Promise<void> => {
    // Best effort (export.html#bulk-data-delete-request): the server may free the job and its files.
    try {
      const r = await raw(location, { method: 'DELETE' });
      await r.body?.cancel();
    } catch {
      /* the export stays on the server until it expires */
    }
  };

  let job = options.progress.current();
  if (job && !sameRequest(job, options.types, options.since, offer.level, options.group)) {
    // Another export than this pull asks for (types or cursors changed since): dropped.
    await deleteOnServer(job.statusUrl);
    await options.progress.save(undefined, true);
    job = undefined;
  }
  const resumed = job !== undefined;
  if (!job) {
    const query = new URLSearchParams({ _type: options.types.join(',') });
    if (options.since) query.set('_since', options.since);
    const kickoff = await retry(async () => {
      const r = await raw(`${transport.baseUrl}/${offer.path}?${query.toString()}`, { method: 'GET', headers: { accept: 'application/fhir+json', prefer: 'respond-async' } }, signal);
      if (r.status === 429 || r.status >= 500) throw await failure(r, 'Bulk export kick-off');
      return r;
    });
    const location = kickoff.headers.get('content-location');
    await kickoff.body?.cancel();
    if (kickoff.status !== 202 || !location) {
      ctx.onProgress?.({ done: report.received, message: `The server refused the bulk export (HTTP ${kickoff.status}); pulling page by page` });
      return undefined;
    }
    // Persisted before anything else: a crash from here on resumes this export.
    job = { statusUrl: location, types: options.types, ...(options.since ? { since: options.since } : {}), level: offer.level, ...(options.group !== undefined ? { group: options.group } : {}), kickedOffAt: ctx.now().toISOString(), done: [] };
    await options.progress.save(job, true);
  } else ctx.onProgress?.({ done: report.received, message: 'Bulk export: resuming the export in progress' });

  let current: BulkExportProgress = job;
  const save = async (next: BulkExportProgress, persist: boolean): Promise<void> => {
    current = next;
    await options.progress.save(next, persist);
  };

  try {
    // Poll until the manifest (export.html#bulk-data-status-request).
    let wait = POLL_FIRST_MS;
    while (!current.manifest) {
      checkCancelled(signal);
      const r = await retry(async () => {
        const answer = await raw(current.statusUrl, { method: 'GET', headers: { accept: 'application/json' } }, signal);
        if (answer.status >= 400) throw await failure(answer, 'Bulk export status');
        return answer;
      });
      if (r.status === 202) {
        await r.body?.cancel();
        const progress = r.headers.get('x-progress');
        ctx.onProgress?.({ done: report.received, message: `Bulk export on the server${progress ? `: ${progress.slice(0, 100)}` : ''}` });
        const after = parseRetryAfter(r.headers.get('retry-after'));
        await sleep(Math.min(after ?? wait, ctx.retry.maxRetryAfterMs), signal);
        wait = Math.min(wait * 2, POLL_MAX_MS);
        continue;
      }
      const m = parseManifest(await r.json());
      const strip = (files: ManifestFile[]) => files.map((f) => ({ type: f.type, url: f.url }));
      await save({ ...current, manifest: { transactionTime: m.transactionTime, requiresAccessToken: m.requiresAccessToken, output: strip(m.output), error: strip(m.error), ...(m.deleted.length > 0 ? { deleted: strip(m.deleted) } : {}) } }, true);
    }
    const manifest = current.manifest!;

    const wanted = new Set(options.types);
    if (!current.errorsReported) {
      let errors = 0;
      for (const file of manifest.error) {
        await retry(async () => {
          const r = await raw(file.url, { method: 'GET', headers: { accept: 'application/fhir+ndjson' }, credentials: manifest.requiresAccessToken }, signal);
          if (r.status >= 400 || !r.body) throw await failure(r, 'Bulk export error file');
          for await (const line of lines(r.body)) {
            if (!line.trim() || errors >= ERROR_LIST_LIMIT) continue;
            errors++;
            let issue: unknown;
            try {
              issue = JSON.parse(line);
            } catch {
              issue = undefined;
            }
            report.failed.push({ resourceType: 'OperationOutcome', id: '', outcome: isOutcome(issue) ? issue : outcome('exception', 'The server reported an export error it did not describe') });
          }
        });
      }
      await save({ ...current, errorsReported: true }, false);
    }
    for (const file of manifest.output) {
      if (!wanted.has(file.type) || current.done.includes(file.url)) continue;
      checkCancelled(signal);
      // A file broken off (or a crash) is read again from its start, past the lines already written.
      await retry(async () => {
        const skip = current.partial?.url === file.url ? current.partial.lines : 0;
        const r = await raw(file.url, { method: 'GET', headers: { accept: 'application/fhir+ndjson' }, credentials: manifest.requiresAccessToken }, signal);
        if (r.status >= 400 || !r.body) throw await failure(r, `Bulk export file (${file.type})`);
        let batch: Resource[] = [];
        let lineNo = 0;
        for await (const line of lines(r.body)) {
          lineNo++;
          if (lineNo <= skip || !line.trim()) continue;
          let resource: Resource;
          try {
            resource = JSON.parse(line) as Resource;
          } catch {
            report.failed.push({ resourceType: file.type, id: `line ${lineNo}`, outcome: outcome('structure', `Line ${lineNo} of the ${file.type} export file is not JSON`) });
            continue;
          }
          // A file holds one type (export.html#file-format); anything else in it is not what was asked for.
          if (resource.resourceType !== file.type) continue;
          batch.push(resource);
          if (batch.length >= BATCH) {
            checkCancelled(signal);
            // The position goes into the vault with the batch's map entries (one store transaction).
            await save({ ...current, partial: { url: file.url, lines: lineNo } }, false);
            await options.write(file.type, batch);
            batch = [];
            ctx.onProgress?.({ done: report.received, message: `Bulk export: ${file.type}` });
          }
        }
        const done: BulkExportProgress = { ...current, done: [...current.done, file.url] };
        delete done.partial;
        await save(done, batch.length === 0);
        if (batch.length > 0) await options.write(file.type, batch);
      });
      ctx.onProgress?.({ done: report.received, message: `Bulk export: ${file.type} done` });
    }
    // Bulk Data 2.0: resources deleted since `_since`, as transaction Bundles of DELETE entries (export.html#response---complete-status).
    for (const file of manifest.deleted ?? []) {
      if (current.done.includes(file.url)) continue;
      checkCancelled(signal);
      const ids = new Map<string, string[]>();
      await retry(async () => {
        ids.clear();
        const r = await raw(file.url, { method: 'GET', headers: { accept: 'application/fhir+ndjson' }, credentials: manifest.requiresAccessToken }, signal);
        if (r.status >= 400 || !r.body) throw await failure(r, 'Bulk export deleted file');
        for await (const line of lines(r.body)) {
          if (!line.trim()) continue;
          let bundle: Bundle | undefined;
          try {
            bundle = JSON.parse(line) as Bundle;
          } catch {
            bundle = undefined;
          }
          for (const entry of bundle?.resourceType === 'Bundle' ? (bundle.entry ?? []) : []) {
            if (entry.request?.method !== 'DELETE') continue;
            const type = entry.request.url?.split('/').at(-2);
            if (!type || !wanted.has(type)) continue;
            const id = historyEntryId(type, entry);
            if (id === undefined) continue;
            let list = ids.get(type);
            if (!list) ids.set(type, (list = []));
            list.push(id);
          }
        }
      });
      for (const [type, list] of ids) for (let i = 0; i < list.length; i += BATCH) await options.deleted(type, list.slice(i, i + BATCH));
      await save({ ...current, done: [...current.done, file.url] }, true);
    }
    await options.finish(manifest.transactionTime);
    await deleteOnServer(current.statusUrl);
    return { transactionTime: manifest.transactionTime, level: offer.level, resumed };
  } catch (e) {
    if (signal?.aborted) {
      // Cancelled: the export is given up, here and on the server.
      await deleteOnServer(current.statusUrl);
      await options.progress.save(undefined, true);
      throw e;
    }
    if (isGone(e)) {
      // Expired on the server (status URL or a file gone): started again once, from the kick-off.
      await options.progress.save(undefined, true);
      if (resumed) return bulkPull(ctx, cs, options);
      throw e;
    }
    if (e instanceof TransportError && e.status !== undefined && e.status >= 400 && e.status < 500 && e.status !== 429) {
      // The export failed on the server (export.html#response---error-status): nothing to resume.
      await deleteOnServer(current.statusUrl);
      await options.progress.save(undefined, true);
    }
    // Otherwise (the network, 5xx past the retries, a crash) the vault keeps the export: the next pull resumes it.
    throw e;
  }
}
