/**
 * Pull through FHIR Bulk Data `$export` (docs/sync.md "Pull"; https://hl7.org/fhir/uv/bulkdata/export.html)
 * when the server's CapabilityStatement offers it: kick-off with `Prefer: respond-async` and
 * `_since`, polling the Content-Location (202 with X-Progress, Retry-After honoured), the
 * completion manifest, then each NDJSON file streamed line by line into the same per-resource
 * write path as the paging pull (id map, conflicts, validation). A kick-off the server refuses
 * (4xx) falls back to paging; a cancelled export is DELETEd on the server, and so is a finished
 * one (the server may drop its files).
 */
import type { CapabilityStatement, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { outcome } from '../api/result';
import { checkCancelled, type SyncContext } from './context';
import { parseRetryAfter } from './fhir-kit-transport';
import { sleep, withRetry } from './retry';
import { TransportError } from './transport';
import type { PullReport } from './types';

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
  return { transactionTime: m.transactionTime, request: String(m.request ?? ''), requiresAccessToken: m.requiresAccessToken === true, output: files(m.output), error: files(m.error) };
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
  /** The paging pull's write path for one batch of one type (map, conflicts, validation; the cursor is not moved). */
  write: (resourceType: string, resources: Resource[]) => Promise<void>;
}

/**
 * Runs one export. Returns the manifest's transactionTime (the next `_since`), or undefined when
 * the server offers no export or refused the kick-off (the caller pages instead).
 */
export async function bulkPull(ctx: SyncContext, cs: CapabilityStatement, options: BulkPullOptions): Promise<{ transactionTime: string; level: BulkLevel } | undefined> {
  const { transport, signal, report } = { ...ctx, report: options.report };
  const raw = transport.raw?.bind(transport);
  const offer = offeredExport(cs, options.group);
  if (!raw || !offer || options.types.length === 0) return undefined;
  const retry = <T>(fn: () => Promise<T>): Promise<T> => withRetry(fn, ctx.retry, signal, () => report.retries++);

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

  const cancelOnServer = async (): Promise<void> => {
    // Best effort (export.html#bulk-data-delete-request): the server may free the job and its files.
    try {
      const r = await raw(location, { method: 'DELETE' });
      await r.body?.cancel();
    } catch {
      /* the export stays on the server until it expires */
    }
  };

  try {
    // Poll until the manifest (export.html#bulk-data-status-request).
    let wait = POLL_FIRST_MS;
    let manifest: BulkManifest | undefined;
    while (!manifest) {
      checkCancelled(signal);
      const r = await retry(async () => {
        const answer = await raw(location, { method: 'GET', headers: { accept: 'application/json' } }, signal);
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
      manifest = parseManifest(await r.json());
    }

    const wanted = new Set(options.types);
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
    for (const file of manifest.output) {
      if (!wanted.has(file.type)) continue;
      checkCancelled(signal);
      // A file broken off is read again from its start: resources already written are recognised (same version).
      await retry(async () => {
        const r = await raw(file.url, { method: 'GET', headers: { accept: 'application/fhir+ndjson' }, credentials: manifest.requiresAccessToken }, signal);
        if (r.status >= 400 || !r.body) throw await failure(r, `Bulk export file (${file.type})`);
        let batch: Resource[] = [];
        let lineNo = 0;
        for await (const line of lines(r.body)) {
          lineNo++;
          if (!line.trim()) continue;
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
            await options.write(file.type, batch);
            batch = [];
            ctx.onProgress?.({ done: report.received, message: `Bulk export: ${file.type}` });
          }
        }
        if (batch.length > 0) await options.write(file.type, batch);
      });
      ctx.onProgress?.({ done: report.received, message: `Bulk export: ${file.type} done` });
    }
    await cancelOnServer();
    return { transactionTime: manifest.transactionTime, level: offer.level };
  } catch (e) {
    await cancelOnServer();
    throw e;
  }
}
