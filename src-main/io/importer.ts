/**
 * Runs an import: reads each source, plans its writes and stores them in chunks (one durable
 * repository batch per chunk; a transaction Bundle through the REST code's runTransaction, one
 * atomic batch), reporting progress and stopping between chunks when cancelled (what was
 * committed stays committed). Within a file the next chunk is read, planned and prepared while
 * the one before is stored (submitIndependent).
 */
import { stat } from 'node:fs/promises';
import type { ImportCounts, ImportFileSummary, ImportRecordError, ImportSource } from '../api/contract';
import { describeOutcome } from '../api/result';
import { OperationOutcomeError } from '../fhir/outcome-error';
import { MIN_PIPELINED_BATCH } from '../fhir/fhir-repository';
import type { PlannedOutcome, PreparedNdjsonChunk, ResourceRepository, WriteOutcome } from '../fhir/repository';
import { bundleOf, planFile, recordAtEntry, transactionErrors, type PlannedWrite } from './import-plan';
import { runBatchEntry, runTransaction } from '../fhir/rest/bundle';
import { handleFhirRequest } from '../fhir/rest/handler';
import type { RestContext } from '../fhir/rest/interactions';
import type { FhirRequest, FhirResponse } from '../fhir/rest/types';
import { isLineError, readNdjsonLine } from './ndjson-prep';
import { isGzipFile, looksLikeNdjson, ndjsonLineBatches } from './ndjson-stream';
import { expandSourceFolders, type SyntheaCsvSource } from './source-folders';
import { syntheaCsvTables } from './synthea-csv';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { readSource, type SourceFile, type SourceRecord } from './readers';

export const DEFAULT_CHUNK_SIZE = 500;
/**
 * An NDJSON chunk also ends once its lines reach this many characters, so a file of large
 * resources (notes, Binary) holds a few of them at a time, not 500 (docs/import.md).
 */
export const DEFAULT_CHUNK_CHARS = 32 * 1024 * 1024;

export interface ImportProgressSnapshot {
  recordsDone: number;
  /** Records of the files read so far; final once `allFilesRead`. */
  recordsKnown: number;
  allFilesRead: boolean;
  bytesDone: number;
  bytesTotal: number;
  counts: ImportCounts;
  currentFile?: string;
}

export interface ImportRunOptions {
  repository: ResourceRepository;
  sources: readonly ImportSource[];
  signal?: AbortSignal;
  chunkSize?: number;
  /** Characters of NDJSON lines per chunk at most (a single longer line is a chunk of its own). */
  chunkChars?: number;
  onProgress?: (progress: ImportProgressSnapshot) => void;
}

export interface ImportRunResult extends ImportCounts {
  files: ImportFileSummary[];
  errors: ImportRecordError[];
  cancelled: boolean;
}

function emptyCounts(): ImportCounts {
  return { created: 0, updated: 0, unchanged: 0, failed: 0 };
}

async function sourceBytes(source: ImportSource | SyntheaCsvSource): Promise<number> {
  if (source.kind === 'text') return Buffer.byteLength(source.text);
  if (source.kind === 'synthea-csv') {
    const names = (await readdir(source.path).catch(() => [] as string[])).filter((name) => name.endsWith('.csv'));
    const sizes = await Promise.all(names.map((name) => stat(path.join(source.path, name)).then((s) => s.size, () => 0)));
    return sizes.reduce((a, b) => a + b, 0);
  }
  try {
    return (await stat(source.path)).size;
  } catch {
    return 0;
  }
}

/** Where a write's record is, for its error. */
interface WrittenRecord {
  line: number;
  entryIndex?: number;
  /** An NDJSON line's prepared write names its type `type`. */
  resourceType?: string;
  type?: string;
}

/** A chunk of NDJSON lines read and planned on the store's thread (no write-prep worker). */
interface FilePlanChunk {
  plan: { records: WrittenRecord[]; errors: ImportRecordError[] };
  writes: PlannedWrite[];
}

interface ChunkHooks {
  before?: () => void;
  after?: () => void;
}

function errorForWrite(file: string, record: WrittenRecord, o: NonNullable<ImportRecordError['outcome']>): ImportRecordError {
  const error: ImportRecordError = { file, line: record.line, message: describeOutcome(o), outcome: o };
  const resourceType = record.resourceType ?? record.type;
  if (resourceType !== undefined) error.resourceType = resourceType;
  if (record.entryIndex !== undefined) error.entryIndex = record.entryIndex;
  return error;
}

function tally(outcome: WriteOutcome | PlannedOutcome, counts: ImportCounts): void {
  switch (outcome.status) {
    case 'created':
      counts.created++;
      break;
    case 'updated':
    case 'deleted':
      counts.updated++;
      break;
    case 'unchanged':
      counts.unchanged++;
      break;
    default:
      counts.failed++;
  }
}

/** Everything one import run accumulates, shared by the whole-file and the streaming paths. */
class ImportRun {
  readonly result: ImportRunResult = { ...emptyCounts(), files: [], errors: [], cancelled: false };
  recordsDone = 0;
  recordsKnown = 0;
  /** Bytes of the files already finished. */
  bytesBefore = 0;
  allFilesRead = false;

  constructor(
    readonly options: ImportRunOptions,
    readonly bytesTotal: number,
    readonly chunkSize: number,
    readonly chunkChars: number,
  ) {}

  get aborted(): boolean {
    return this.options.signal?.aborted === true;
  }

  progress(currentFile: string | undefined, fileBytesDone: number): void {
    const { result } = this;
    this.options.onProgress?.({
      recordsDone: this.recordsDone,
      recordsKnown: this.recordsKnown,
      allFilesRead: this.allFilesRead,
      bytesDone: Math.min(this.bytesTotal, this.bytesBefore + fileBytesDone),
      bytesTotal: this.bytesTotal,
      counts: { created: result.created, updated: result.updated, unchanged: result.unchanged, failed: result.failed },
      ...(currentFile !== undefined ? { currentFile } : {}),
    });
  }

  addCounts(summary: ImportFileSummary, counts: Partial<ImportCounts>): void {
    for (const k of ['created', 'updated', 'unchanged', 'failed'] as const) {
      summary[k] += counts[k] ?? 0;
      this.result[k] += counts[k] ?? 0;
    }
  }

  /** Entries that only read (GET/HEAD of a batch or transaction): neither written nor failed. */
  addRead(summary: ImportFileSummary, read: number): void {
    if (read === 0) return;
    summary.read = (summary.read ?? 0) + read;
    this.result.read = (this.result.read ?? 0) + read;
  }

  /** Record errors of one file, in line order. */
  addErrors(summary: ImportFileSummary, errors: ImportRecordError[], countAsFailed = true): void {
    const sorted = [...errors].sort((a, b) => a.line - b.line);
    this.result.errors.push(...sorted);
    if (countAsFailed) this.addCounts(summary, { failed: errors.length });
  }

  /** The chunks being stored while the next one is read and planned, oldest first. */
  private inFlight: Array<Promise<void>> = [];
  /** Resolves once the latest chunk's write has been asked of the repository: writes keep chunk order. */
  private lastWriteCall: Promise<void> = Promise.resolve();

  /**
   * Independent writes of one chunk, pipelined: the chunk's batch starts now (the repository
   * prepares it on its write-prep worker while the chunk before commits) and this returns once the
   * chunk before is stored, so at most two are in flight (a cancel then stops after the chunk in
   * flight is stored too). Results are counted in chunk order:
   * `before` (the chunk's read and plan errors), the write results, then `after` (progress).
   * A failed store rejects here or in drain(); what was committed stays committed.
   */
  async submitIndependent(file: string, summary: ImportFileSummary, writes: PlannedWrite[], hooks: ChunkHooks = {}): Promise<void> {
    const records = writes.map((w): WrittenRecord => ({ line: w.record.line, resourceType: w.resourceType, ...(w.record.entryIndex !== undefined ? { entryIndex: w.record.entryIndex } : {}) }));
    await this.submit(file, summary, Promise.resolve({ plan: { records, errors: [] }, writes }), hooks, 2);
    // A small chunk is not prepared off the store's thread (MIN_PIPELINED_BATCH): nothing to overlap,
    // so it is stored before the next is read (and a cancel stops right after it).
    if (writes.length < MIN_PIPELINED_BATCH) await this.drain();
  }

  /**
   * An NDJSON chunk prepared on the write-prep worker (repository.prepareNdjson: its lines parsed,
   * checked, validated and indexed there) and stored with writePrepared once the chunk before has
   * been asked to: at most three in flight (one preparing, one applying, one syncing), so this
   * returns once the second chunk before is stored. `fallback` reads the lines on this thread if
   * the worker fails on the way.
   */
  async submitPrepared(file: string, summary: ImportFileSummary, prepared: Promise<PreparedNdjsonChunk>, fallback: () => FilePlanChunk, hooks: ChunkHooks = {}): Promise<void> {
    await this.submit(file, summary, prepared.catch(fallback), hooks, 3);
  }

  /**
   * One chunk into the pipeline: its write is asked of the repository once `chunk` is ready and
   * the chunk before has asked for its own (so the repository commits chunks in file order), not
   * when that one is stored (so they overlap); the results are counted in chunk order. Returns once
   * fewer than `inFlight` chunks remain in flight.
   */
  private async submit(file: string, summary: ImportFileSummary, chunk: Promise<PreparedNdjsonChunk | FilePlanChunk>, hooks: ChunkHooks, inFlight: number): Promise<void> {
    const repository = this.options.repository;
    const previous = this.inFlight.at(-1);
    const previousCall = this.lastWriteCall;
    let called = (): void => undefined;
    this.lastWriteCall = new Promise<void>((resolve) => (called = resolve));
    const outcomes = (async (): Promise<ReadonlyArray<WriteOutcome | PlannedOutcome>> => {
      let writing: Promise<ReadonlyArray<WriteOutcome | PlannedOutcome>>;
      try {
        const c = await chunk;
        await previousCall;
        if ('plan' in c) writing = c.writes.length > 0 ? repository.writeBatch(c.writes.map((w) => w.op)) : Promise.resolve([]);
        else writing = c.writes.length > 0 && repository.writePrepared ? repository.writePrepared(c.writes) : Promise.resolve([]);
      } finally {
        called();
      }
      return writing;
    })();
    // Awaited below or by the next submit/drain; a failure must not also surface as unhandled.
    outcomes.catch(() => undefined);
    const storing = (async () => {
      if (previous) await previous;
      const done = await outcomes;
      const c = await chunk;
      const { records, errors } = 'plan' in c ? c.plan : { records: c.writes, errors: c.errors };
      if (errors.length > 0) this.addErrors(summary, errors);
      hooks.before?.();
      this.countWrites(file, summary, records, done);
      hooks.after?.();
    })();
    storing.catch(() => undefined);
    this.inFlight.push(storing);
    while (this.inFlight.length >= inFlight) await this.inFlight.shift();
  }

  /** Waits for the chunks still being stored. */
  async drain(): Promise<void> {
    while (this.inFlight.length > 0) await this.inFlight.shift();
  }

  /** Counts one stored chunk of independent writes; per-record failures are listed. */
  private countWrites(file: string, summary: ImportFileSummary, records: readonly WrittenRecord[], outcomes: ReadonlyArray<WriteOutcome | PlannedOutcome>): void {
    if (records.length === 0) return;
    const counts = emptyCounts();
    const errors: ImportRecordError[] = [];
    outcomes.forEach((o, i) => {
      tally(o, counts);
      if (o.status === 'failed') errors.push(errorForWrite(file, records[i]!, o.outcome));
    });
    this.addCounts(summary, counts);
    this.addErrors(summary, errors, false);
  }
}

/** A file read whole: a resource, a Bundle (transactions all or nothing), NDJSON sent as text. */
async function importWholeFile(run: ImportRun, source: ImportSource, sizeHint: number): Promise<void> {
  const file = await readSource(source);
  const summary: ImportFileSummary = { file: file.file, records: file.records.length + file.errors.length, ...emptyCounts() };
  run.result.files.push(summary);
  run.recordsKnown += summary.records;
  const fileBytes = sizeHint || file.bytes;
  if (file.notice !== undefined) summary.notice = file.notice;
  if (file.problem !== undefined) {
    summary.problem = file.problem;
    run.bytesBefore += fileBytes;
    run.progress(file.file, 0);
    return;
  }
  if (file.bundleType === 'transaction') {
    await importTransaction(run, file, summary);
    run.recordsDone += summary.records;
    run.bytesBefore += fileBytes;
    run.progress(file.file, 0);
    return;
  }
  const plan = planFile(file);
  const recordErrors = [...file.errors, ...plan.errors];
  const writes = plan.writes;

  run.addErrors(summary, recordErrors);
  run.recordsDone += recordErrors.length;
  let doneInFile = recordErrors.length;
  const totalInFile = Math.max(1, summary.records);
  for (let start = 0; start < writes.length; start += run.chunkSize) {
    if (run.aborted) {
      await run.drain();
      run.result.cancelled = true;
      return;
    }
    const chunk = writes.slice(start, start + run.chunkSize);
    await run.submitIndependent(file.file, summary, chunk, {
      after: () => {
        run.recordsDone += chunk.length;
        doneInFile += chunk.length;
        run.progress(file.file, Math.round((fileBytes * doneInFile) / totalInFile));
      },
    });
  }
  await run.drain();
  if (plan.dispatched.length > 0) {
    await importDispatched(run, file, summary, plan.dispatched);
    run.recordsDone += plan.dispatched.length;
  }
  run.bytesBefore += fileBytes;
  run.progress(file.file, 0);
}

/** Base URL of the REST requests an import makes: only echoed in answers it does not keep. */
const IMPORT_BASE_URL = 'urn:hearth:import';

function restFor(repository: ResourceRepository): { ctx: RestContext; dispatch: (request: FhirRequest) => Promise<FhirResponse>; outer: FhirRequest } {
  const options = { baseUrl: IMPORT_BASE_URL };
  return {
    ctx: { repo: repository, options, foreignUrlsRelative: true },
    dispatch: (request) => handleFhirRequest(repository, request, options),
    outer: { method: 'POST', path: '/', headers: {} },
  };
}

function errorAt(file: SourceFile, record: SourceRecord | undefined, outcome: NonNullable<ImportRecordError['outcome']>): ImportRecordError {
  const error: ImportRecordError = { file: file.file, line: record?.line ?? 1, message: describeOutcome(outcome), outcome };
  if (record?.entryIndex !== undefined) error.entryIndex = record.entryIndex;
  const type = (record?.resource as { resourceType?: unknown } | undefined)?.resourceType;
  if (typeof type === 'string' && /^[A-Z][A-Za-z]{1,63}$/.test(type)) error.resourceType = type;
  return error;
}

/**
 * A transaction Bundle, all or nothing, with the REST endpoint's semantics (fhir/rest/bundle.ts,
 * runTransaction: conditional create/update/delete, conditional references, GET entries after the
 * commit), except that a PUT of unchanged content makes no new version. Entries that are bad on
 * their own are all listed first; otherwise the transaction's first failure fails the Bundle.
 */
async function importTransaction(run: ImportRun, file: SourceFile, summary: ImportFileSummary): Promise<void> {
  const errors = [...file.errors, ...transactionErrors(file)];
  if (errors.length === 0) {
    const { ctx, dispatch, outer } = restFor(run.options.repository);
    try {
      const results = await runTransaction(ctx, outer, bundleOf(file), dispatch, { skipUnchanged: true });
      const counts = emptyCounts();
      let read = 0;
      for (const result of results) {
        if (result.kind === 'write') tally(result.outcome, counts);
        else if (result.kind === 'read') read++;
        else counts.unchanged++;
      }
      run.addCounts(summary, counts);
      run.addRead(summary, read);
      return;
    } catch (e) {
      if (!(e instanceof OperationOutcomeError)) throw e;
      errors.push(errorAt(file, recordAtEntry(file, e.outcome.issue[0]?.expression), e.outcome));
    }
  }
  run.addErrors(summary, errors, false);
  run.addCounts(summary, { failed: summary.records });
}

/**
 * The batch entries the chunks do not write (GET, conditional PUT/DELETE, PATCH...), one by one
 * through the REST code like the endpoint's batch (runBatchEntry): a read counts as read, a failure
 * is that entry's error, a write as created (201), unchanged (a conditional create that matched) or
 * updated.
 */
async function importDispatched(run: ImportRun, file: SourceFile, summary: ImportFileSummary, records: SourceRecord[]): Promise<void> {
  const { ctx, dispatch, outer } = restFor(run.options.repository);
  const counts = emptyCounts();
  const errors: ImportRecordError[] = [];
  let read = 0;
  for (const record of records) {
    const entry = bundleOf({ ...file, records: [record] }).entry![0]!;
    const method = record.request?.method;
    const response = await runBatchEntry(ctx, outer, entry, record.entryIndex ?? 0, dispatch);
    if (method === 'GET' || method === 'HEAD') read++;
    else if (response.status >= 400) {
      counts.failed++;
      const body = response.body;
      const outcome = body?.resourceType === 'OperationOutcome' ? (body as NonNullable<ImportRecordError['outcome']>) : undefined;
      errors.push(errorAt(file, record, outcome ?? { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'processing', diagnostics: `HTTP ${response.status}` }] }));
    } else if (response.status === 201) counts.created++;
    // A conditional create whose condition matched (http.html#ccreate) stores nothing.
    else if (method === 'POST') counts.unchanged++;
    else counts.updated++;
  }
  run.addCounts(summary, counts);
  run.addRead(summary, read);
  run.addErrors(summary, errors, false);
}

/**
 * An NDJSON file on disk (gzipped or not), streamed: one batch per chunk of lines, in bounded
 * memory. A file that breaks off (a truncated gzip, a read error) keeps the records read before
 * the break and gets a file-level problem saying where it stopped.
 */
async function importNdjsonStream(run: ImportRun, filePath: string, fileBytes: number, gzip: boolean): Promise<void> {
  const summary: ImportFileSummary = { file: filePath, records: 0, ...emptyCounts() };
  run.result.files.push(summary);
  const repository = run.options.repository;
  let lines: string[] = [];
  let lineNumbers: number[] = [];
  let chunkChars = 0;
  // The record total of a stream is known only at its end.
  const lastFile = run.allFilesRead;
  run.allFilesRead = false;
  const flush = async (bytesRead: number) => {
    const chunk = { file: filePath, lines, lineNumbers };
    const read = lines.length;
    lines = [];
    lineNumbers = [];
    chunkChars = 0;
    const hooks: ChunkHooks = {
      after: () => {
        run.recordsDone += read;
        run.progress(filePath, bytesRead);
      },
    };
    // On the write-prep worker when there is one: this thread never parses the lines.
    const prepared = read > 0 && repository.writePrepared ? (repository.prepareNdjson?.(chunk) ?? null) : null;
    if (prepared) {
      await run.submitPrepared(filePath, summary, prepared, () => planLines(chunk), hooks);
      return;
    }
    // The next chunk is read and planned while this one is stored.
    const { plan, writes } = planLines(chunk);
    await run.submitIndependent(filePath, summary, writes, { before: () => run.addErrors(summary, plan.errors), ...hooks });
  };
  let lastLine = 0;
  try {
    for await (const batch of ndjsonLineBatches(filePath, gzip)) {
      for (const [i, text] of batch.lines.entries()) {
        const line = batch.firstLine + i;
        lastLine = line;
        if (isBlank(text)) continue;
        summary.records++;
        run.recordsKnown++;
        lines.push(text);
        lineNumbers.push(line);
        chunkChars += text.length;
        if (lines.length >= run.chunkSize || chunkChars >= run.chunkChars) {
          await flush(batch.bytesRead);
          if (run.aborted) {
            await run.drain();
            run.result.cancelled = true;
            return;
          }
        }
      }
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    summary.problem = gzip
      ? `the gzip file is truncated or damaged: it stops after line ${lastLine} (the lines before it were imported)`
      : `the file could not be read to the end (${code ?? 'read error'}) after line ${lastLine} (the lines before it were imported)`;
  }
  run.allFilesRead = lastFile;
  await flush(fileBytes);
  await run.drain();
  run.bytesBefore += fileBytes;
}

/** True when a line holds only white space (JSON's, and what trim() removes). */
function isBlank(text: string): boolean {
  const first = text.charCodeAt(0);
  // Most lines start with `{`: no need to look further.
  if (first === 123) return false;
  return text.trim().length === 0;
}

/** An NDJSON chunk's lines read and planned on this thread (no write-prep worker, or it failed). */
function planLines(chunk: { file: string; lines: readonly string[]; lineNumbers: readonly number[] }): FilePlanChunk {
  const records: SourceRecord[] = [];
  const errors: ImportRecordError[] = [];
  chunk.lines.forEach((text, i) => {
    const record = readNdjsonLine(chunk.file, chunk.lineNumbers[i] ?? 0, text);
    if (isLineError(record)) errors.push(record);
    else records.push(record);
  });
  const plan = planFile({ file: chunk.file, bytes: 0, format: 'ndjson', records, errors: [] });
  const writes = plan.writes;
  return {
    plan: { records: writes.map((w) => ({ line: w.record.line, resourceType: w.resourceType })), errors: [...errors, ...plan.errors] },
    writes,
  };
}

/** A Synthea CSV folder: each table converted to resources (synthea-csv.ts) and written in chunks. */
async function importSyntheaCsv(run: ImportRun, folder: string): Promise<void> {
  const lastFile = run.allFilesRead;
  run.allFilesRead = false;
  for await (const table of syntheaCsvTables(folder)) {
    const summary: ImportFileSummary = { file: table.file, records: table.resources.length, ...emptyCounts() };
    run.result.files.push(summary);
    run.recordsKnown += summary.records;
    if (table.problem !== undefined) {
      summary.problem = table.problem;
      continue;
    }
    const fileBytes = await stat(table.file).then((s) => s.size, () => 0);
    const plan = planFile({ file: table.file, bytes: fileBytes, format: 'ndjson', records: table.resources, errors: [] });
    run.addErrors(summary, plan.errors);
    run.recordsDone += plan.errors.length;
    let done = plan.errors.length;
    for (let start = 0; start < plan.writes.length; start += run.chunkSize) {
      if (run.aborted) {
        await run.drain();
        run.result.cancelled = true;
        return;
      }
      const chunk = plan.writes.slice(start, start + run.chunkSize);
      await run.submitIndependent(table.file, summary, chunk, {
        after: () => {
          run.recordsDone += chunk.length;
          done += chunk.length;
          run.progress(table.file, Math.round((fileBytes * done) / Math.max(1, summary.records)));
        },
      });
    }
    await run.drain();
    run.bytesBefore += fileBytes;
    run.progress(table.file, 0);
  }
  run.allFilesRead = lastFile;
}

export async function runImport(options: ImportRunOptions): Promise<ImportRunResult> {
  // Folders become their files (a Bulk Data manifest's list, or the FHIR files they hold).
  const expanded = await expandSourceFolders(options.sources);
  const sources = expanded.sources;
  const sizes = await Promise.all(sources.map(sourceBytes));
  const run = new ImportRun(
    options,
    sizes.reduce((a, b) => a + b, 0),
    Math.max(1, options.chunkSize ?? DEFAULT_CHUNK_SIZE),
    Math.max(1, options.chunkChars ?? DEFAULT_CHUNK_CHARS),
  );
  for (const { file, problem } of expanded.problems) run.result.files.push({ file, records: 0, ...emptyCounts(), problem });
  for (const [index, source] of sources.entries()) {
    if (run.aborted) {
      run.result.cancelled = true;
      break;
    }
    run.allFilesRead = index === sources.length - 1;
    const size = sizes[index] ?? 0;
    if (source.kind === 'synthea-csv') {
      await importSyntheaCsv(run, source.path);
    } else if (source.kind === 'path' && (await looksLikeNdjson(source.path))) {
      await importNdjsonStream(run, source.path, size, await isGzipFile(source.path));
    } else {
      await importWholeFile(run, source, size);
    }
    if (run.result.cancelled) break;
  }
  return run.result;
}
