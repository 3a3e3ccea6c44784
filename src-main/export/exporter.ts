/**
 * Bulk export (hl7.org/fhir/uv/bulkdata/export.html): writes the vault's current resources to a
 * folder as Bulk Data NDJSON (one `Type.ndjson` per type and a `manifest.json`, as an $export
 * "complete" response) or as one FHIR collection Bundle (`bundle.json`).
 *
 * Filters: `_type` (types), `_since` (last updated at or after), and `patient` or a Group (the
 * Patient compartment of those patients, compartmentdefinition-patient.html; a Group's members
 * are its `Patient/...` member entities). Memory stays bounded: resources are read a page at a
 * time (a keyset scan for a whole type, never `_offset` over the store) and written as read.
 * A patient-filtered export remembers the `Type/id` of what it wrote (a resource linked to two
 * patients is written once), so its memory grows with the export, not with the vault.
 */
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Group, OperationOutcome as FhirOperationOutcome, Resource } from '@medplum/fhirtypes';
import type { ExportFile } from '../api/contract';
import { outcomeStatus } from '../api/result';
import { patientCompartment } from '../fhir/rest/everything';
import { fhirError, OperationOutcomeError } from '../fhir/outcome-error';
import type { ResourceRepository } from '../fhir/repository';
import { isResourceType } from '../fhir/resource-types';
import { parseInstantSpan } from '../fhir/instant';
import { FHIR_ID_PATTERN } from '../fhir/validation';
import type { ScanKey } from '../fhir/scan';

export type ExportFormat = 'ndjson' | 'bundle';

/** What the caller asks for; the same fields as the API's `export.start` and `hearth export`. */
export interface ExportRequest {
  outDir: string;
  format: ExportFormat;
  /** `_type`: only these resource types (default: every type in the vault). */
  types?: readonly string[];
  /** `_since`: FHIR instant; only resources last updated at or after it. */
  since?: string;
  /** Patient ids: only their Patient compartments. */
  patients?: readonly string[];
  /** A Group id: only the compartments of its Patient members. */
  group?: string;
}

export interface ExportProgress {
  /** Resources written so far. */
  done: number;
  /** Resources expected, when known (whole-type exports without `_since`). */
  total?: number;
  bytes: number;
  /** The type being written. */
  resourceType?: string;
}

/** One written file, as in the manifest's `output` (url relative to the output folder). */
export type ExportOutputFile = ExportFile;

export interface ExportResult {
  /** export.html#response---complete-status: the instant the export started. */
  transactionTime: string;
  outDir: string;
  format: ExportFormat;
  resources: number;
  bytes: number;
  output: ExportOutputFile[];
  /** Compartment links the engine could not follow (OperationOutcome lines in the error file). */
  errors: ExportOutputFile[];
  cancelled: boolean;
}

export interface ExportRunOptions extends ExportRequest {
  repository: ResourceRepository;
  signal?: AbortSignal;
  onProgress?: (progress: ExportProgress) => void;
  /** Resources per read (default 500, at most 1000). */
  pageSize?: number;
  now?: () => Date;
}

export const BUNDLE_FILE = 'bundle.json';
const MANIFEST_FILE = 'manifest.json';
/** In a subfolder: a folder import (without the manifest) must not read it as resources. */
const ERROR_FILE = 'error/OperationOutcome.ndjson';
/** Patients whose compartments one search covers (an OR list of references). */
const PATIENT_CHUNK = 50;

/** Checks a request before any job starts: a bad filter is the caller's error, not a failed export. */
export function checkExportRequest(request: ExportRequest): void {
  if (request.outDir.trim() === '') throw fhirError('invalid', 'The output folder is missing', 400, ['outDir']);
  for (const type of request.types ?? []) {
    if (!isResourceType(type)) {
      const shown = /^[A-Za-z]{1,64}$/.test(type) ? type : '(unreadable)';
      throw fhirError('invalid', `_type: unknown resource type "${shown}"`, 400, ['_type']);
    }
  }
  if (request.since !== undefined && !parseInstantSpan(request.since)) throw fhirError('invalid', '_since must be a FHIR instant', 400, ['_since']);
  if (request.patients !== undefined && request.group !== undefined) {
    throw fhirError('invalid', 'Give patients or a group, not both', 400, ['patient']);
  }
  for (const id of [...(request.patients ?? []), ...(request.group !== undefined ? [request.group] : [])]) {
    if (!FHIR_ID_PATTERN.test(id)) throw fhirError('invalid', 'A patient or group id is not a valid FHIR id', 400, ['patient']);
  }
}

/** The folder must be new or hold no export: an old manifest would describe other files. */
async function prepareFolder(outDir: string): Promise<void> {
  const existing = await readdir(outDir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [];
    throw e;
  });
  if (existing.some((name) => name.endsWith('.ndjson') || name === MANIFEST_FILE || name === BUNDLE_FILE)) {
    throw fhirError('conflict', `${outDir} already holds an export: choose an empty or new folder`, 409, ['outDir']);
  }
  await mkdir(outDir, { recursive: true });
}

/** A file written line by line with back-pressure, so a slow disk never piles lines up in memory. */
class LineFile {
  private readonly stream: WriteStream;
  bytes = 0;

  constructor(file: string) {
    this.stream = createWriteStream(file, { encoding: 'utf8' });
  }

  async write(text: string): Promise<void> {
    this.bytes += Buffer.byteLength(text);
    if (!this.stream.write(text)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    this.stream.end();
    await once(this.stream, 'finish');
  }
}

/** Where resources go: NDJSON files per type, or the entries of one collection Bundle. */
interface ExportSink {
  write(resource: Resource): Promise<void>;
  /** Closes the files; returns the output list. */
  finish(): Promise<ExportOutputFile[]>;
  bytes(): number;
}

function ndjsonSink(outDir: string): ExportSink {
  const counts = new Map<string, number>();
  let current: { type: string; file: LineFile } | undefined;
  let closedBytes = 0;
  const close = async (): Promise<void> => {
    if (!current) return;
    await current.file.close();
    closedBytes += current.file.bytes;
    current = undefined;
  };
  return {
    async write(resource) {
      const type = resource.resourceType;
      if (current?.type !== type) {
        // Types arrive one after another: a type seen again would overwrite its file.
        if (counts.has(type)) throw new Error(`export reached ${type} twice`);
        await close();
        current = { type, file: new LineFile(path.join(outDir, `${type}.ndjson`)) };
      }
      counts.set(type, (counts.get(type) ?? 0) + 1);
      await current.file.write(`${JSON.stringify(resource)}\n`);
    },
    async finish() {
      await close();
      return [...counts].map(([type, count]) => ({ type, url: `${type}.ndjson`, count }));
    },
    bytes: () => closedBytes + (current?.file.bytes ?? 0),
  };
}

function bundleSink(outDir: string, timestamp: string): ExportSink {
  const file = new LineFile(path.join(outDir, BUNDLE_FILE));
  let count = 0;
  let started = false;
  const start = async (): Promise<void> => {
    if (started) return;
    started = true;
    // One entry per line: the file stays readable and is written as it is read.
    await file.write(`{"resourceType":"Bundle","type":"collection","timestamp":${JSON.stringify(timestamp)},"entry":[`);
  };
  return {
    async write(resource) {
      await start();
      await file.write(`${count === 0 ? '\n' : ',\n'}${JSON.stringify({ resource })}`);
      count++;
    },
    async finish() {
      await start();
      await file.write(`\n]}\n`);
      await file.close();
      return [{ type: 'Bundle', url: BUNDLE_FILE, count }];
    },
    bytes: () => file.bytes,
  };
}

/** The Patient ids of a Group's active members (group.html: member.entity, member.inactive). */
async function groupPatients(repository: ResourceRepository, groupId: string): Promise<string[]> {
  const group = (await repository.read('Group', groupId)) as Group;
  const ids = new Set<string>();
  for (const member of group.member ?? []) {
    if (member.inactive === true) continue;
    const match = /^(?:.*\/)?Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/.*)?$/.exec(member.entity.reference ?? '');
    if (match) ids.add(match[1]!);
  }
  return [...ids];
}

/** Runs one export; resolves with what was written (or how far it got when cancelled). */
export async function runExport(options: ExportRunOptions): Promise<ExportResult> {
  checkExportRequest(options);
  const { repository, signal } = options;
  const pageSize = Math.min(1000, Math.max(1, options.pageSize ?? 500));
  const transactionTime = (options.now?.() ?? new Date()).toISOString();
  const patientIds = options.group !== undefined ? await groupPatients(repository, options.group) : options.patients;
  await prepareFolder(options.outDir);

  const sink = options.format === 'bundle' ? bundleSink(options.outDir, transactionTime) : ndjsonSink(options.outDir);
  const problems: FhirOperationOutcome[] = [];
  let done = 0;
  let total: number | undefined;
  let cancelled = false;
  let currentType: string | undefined;
  const report = (): void =>
    options.onProgress?.({ done, bytes: sink.bytes(), ...(total !== undefined ? { total } : {}), ...(currentType ? { resourceType: currentType } : {}) });
  const stop = (): boolean => {
    if (signal?.aborted) cancelled = true;
    return cancelled;
  };
  const emit = async (resource: Resource): Promise<void> => {
    await sink.write(resource);
    done++;
  };

  if (patientIds === undefined) {
    const counts = await repository.counts();
    const wanted = options.types ? new Set(options.types) : undefined;
    const types = counts.filter((c) => !wanted || wanted.has(c.resourceType));
    if (options.since === undefined) total = types.reduce((sum, c) => sum + c.count, 0);
    for (const { resourceType } of types) {
      currentType = resourceType;
      let after: ScanKey | undefined;
      do {
        if (stop()) break;
        const page = await repository.scan(resourceType, {
          limit: pageSize,
          ...(options.since !== undefined ? { since: options.since } : {}),
          ...(after ? { after } : {}),
        });
        for (const resource of page.resources) await emit(resource);
        after = page.next;
        report();
        // The memory store never waits on I/O: let a cancel or another call in between pages.
        await new Promise<void>((resolve) => setImmediate(resolve));
      } while (after);
      if (cancelled) break;
    }
  } else {
    await exportCompartments(repository, patientIds, options, pageSize, {
      emit,
      stop,
      problem: (outcome) => problems.push(outcome),
      onType: (type) => {
        currentType = type;
      },
      report,
    });
  }

  const output = await sink.finish();
  const errors: ExportOutputFile[] = [];
  if (problems.length > 0) {
    await mkdir(path.join(options.outDir, path.dirname(ERROR_FILE)), { recursive: true });
    await writeFile(path.join(options.outDir, ERROR_FILE), problems.map((p) => `${JSON.stringify(p)}\n`).join(''), 'utf8');
    errors.push({ type: 'OperationOutcome', url: ERROR_FILE, count: problems.length });
  }
  report();
  // A cancelled export leaves its files but no manifest: a manifest would claim a complete export.
  if (!cancelled && options.format === 'ndjson') {
    const manifest = {
      transactionTime,
      request: describeRequest(options),
      requiresAccessToken: false,
      output,
      error: errors,
    };
    await writeFile(path.join(options.outDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
  }
  return { transactionTime, outDir: options.outDir, format: options.format, resources: done, bytes: sink.bytes(), output, errors, cancelled };
}

interface CompartmentCallbacks {
  emit(resource: Resource): Promise<void>;
  stop(): boolean;
  problem(outcome: FhirOperationOutcome): void;
  onType(type: string): void;
  report(): void;
}

/**
 * The Patient compartments of `patientIds`: the patients themselves, then each compartment type
 * through its compartment parameters, PATIENT_CHUNK patients per search, a search page at a time.
 * `_offset` paging here runs over the selected patients' resources, not over the store.
 */
async function exportCompartments(
  repository: ResourceRepository,
  patientIds: readonly string[],
  options: ExportRunOptions,
  pageSize: number,
  callbacks: CompartmentCallbacks,
): Promise<void> {
  const wanted = options.types ? new Set(options.types) : undefined;
  const since = options.since !== undefined ? [['_lastUpdated', `ge${options.since}`] as const] : [];
  const chunks: string[][] = [];
  for (let i = 0; i < patientIds.length; i += PATIENT_CHUNK) chunks.push(patientIds.slice(i, i + PATIENT_CHUNK));

  if (!wanted || wanted.has('Patient')) {
    callbacks.onType('Patient');
    for (const chunk of chunks) {
      if (callbacks.stop()) return;
      await searchAll(repository, 'Patient', [['_id', chunk.join(',')], ...since], pageSize, callbacks, new Set());
    }
  }
  for (const member of patientCompartment()) {
    if (member.code === 'Patient' || (wanted && !wanted.has(member.code))) continue;
    callbacks.onType(member.code);
    // A resource can reach the compartment through several parameters or patients: write it once.
    const written = new Set<string>();
    for (const param of member.param) {
      for (const chunk of chunks) {
        if (callbacks.stop()) return;
        const references = chunk.map((id) => `Patient/${id}`).join(',');
        try {
          await searchAll(repository, member.code, [[param, references], ...since], pageSize, callbacks, written);
        } catch (e) {
          // A compartment parameter the engine cannot search: said in the error file, never silently dropped.
          if (e instanceof OperationOutcomeError && outcomeStatus(e.outcome) === 400) {
            callbacks.problem({
              resourceType: 'OperationOutcome',
              issue: [{ severity: 'warning', code: 'not-supported', diagnostics: `${member.code}.${param} could not be searched: its resources linked only that way are not exported` }],
            });
            break;
          }
          throw e;
        }
      }
    }
  }
}

async function searchAll(
  repository: ResourceRepository,
  resourceType: string,
  params: ReadonlyArray<readonly [string, string]>,
  pageSize: number,
  callbacks: CompartmentCallbacks,
  written: Set<string>,
): Promise<void> {
  for (let offset = 0; ; offset += pageSize) {
    if (callbacks.stop()) return;
    const bundle = await repository.search(resourceType, [...params, ['_count', String(pageSize)], ['_offset', String(offset)], ['_total', 'none']]);
    for (const entry of bundle.entry ?? []) {
      const resource = entry.resource;
      if (!resource || entry.search?.mode !== 'match' || resource.resourceType !== resourceType) continue;
      const key = `${resource.resourceType}/${resource.id ?? ''}`;
      if (written.has(key)) continue;
      written.add(key);
      await callbacks.emit(resource);
    }
    callbacks.report();
    if (!bundle.link?.some((l) => l.relation === 'next')) return;
  }
}

/** The manifest's `request`: the equivalent $export URL (export.html#query-parameters). */
function describeRequest(request: ExportRequest): string {
  const params = new URLSearchParams();
  params.set('_outputFormat', 'application/fhir+ndjson');
  if (request.types) params.set('_type', request.types.join(','));
  if (request.since !== undefined) params.set('_since', request.since);
  if (request.patients) params.set('patient', request.patients.map((id) => `Patient/${id}`).join(','));
  const base = request.group !== undefined ? `Group/${request.group}/$export` : request.patients ? 'Patient/$export' : '$export';
  const query = params.toString().replace(/%2C/g, ',').replace(/%2F/g, '/').replace(/%24/g, '$');
  return `${base}?${query}`;
}
