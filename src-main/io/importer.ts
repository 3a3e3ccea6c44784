/**
 * Runs an import: reads each source, plans its writes and stores them in chunks (one durable
 * repository batch per chunk; one atomic batch per transaction Bundle), reporting progress and
 * stopping between chunks when cancelled (what was committed stays committed).
 */
import { stat } from 'node:fs/promises';
import type { ImportCounts, ImportFileSummary, ImportRecordError, ImportSource } from '../api/contract';
import { describeOutcome } from '../api/result';
import { OperationOutcomeError } from '../fhir/outcome-error';
import type { ResourceRepository, WriteOutcome } from '../fhir/repository';
import { planFile, retarget, type FilePlan, type PlannedWrite } from './import-plan';
import { readSource, recordError } from './readers';

export const DEFAULT_CHUNK_SIZE = 500;

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

async function sourceBytes(source: ImportSource): Promise<number> {
  if (source.kind === 'text') return Buffer.byteLength(source.text);
  try {
    return (await stat(source.path)).size;
  } catch {
    return 0;
  }
}

function errorForWrite(file: string, write: PlannedWrite, o: NonNullable<ImportRecordError['outcome']>): ImportRecordError {
  const error: ImportRecordError = { file, line: write.record.line, message: describeOutcome(o), outcome: o, resourceType: write.resourceType };
  if (write.record.entryIndex !== undefined) error.entryIndex = write.record.entryIndex;
  return error;
}

/** Resolves `ifNoneExist` with the repository's search; conditions it cannot evaluate create anyway. */
async function resolveConditionalCreates(
  repository: ResourceRepository,
  file: string,
  plan: FilePlan,
): Promise<Set<PlannedWrite>> {
  const satisfied = new Set<PlannedWrite>();
  for (const conditional of plan.conditional) {
    let matches: string[];
    try {
      const params = new URLSearchParams(conditional.query);
      params.set('_count', '2');
      const bundle = await repository.search(conditional.resourceType, params);
      matches = (bundle.entry ?? []).map((e) => e.resource?.id ?? '');
    } catch (e) {
      // The minimal search cannot evaluate this condition (e.g. `identifier`): create, as if none existed.
      if (e instanceof OperationOutcomeError && e.outcome.issue[0]?.code === 'not-supported') continue;
      throw e;
    }
    if (matches.length === 1) {
      satisfied.add(conditional.write);
      // References were already rewritten to the id this create would have had: point them at the match.
      const op = conditional.write.op;
      if (op.kind === 'create' && op.assignedId) {
        retarget(plan, `${conditional.resourceType}/${op.assignedId}`, `${conditional.resourceType}/${matches[0]}`);
      }
    } else if (matches.length > 1) {
      plan.errors.push(
        recordError(file, conditional.write.record.line, 'ifNoneExist matches more than one resource', {
          ...(conditional.write.record.entryIndex !== undefined ? { entryIndex: conditional.write.record.entryIndex } : {}),
          resourceType: conditional.resourceType,
          code: 'conflict',
        }),
      );
      satisfied.add(conditional.write);
    }
  }
  return satisfied;
}

function tally(outcome: WriteOutcome, counts: ImportCounts): void {
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

export async function runImport(options: ImportRunOptions): Promise<ImportRunResult> {
  const { repository, sources, signal } = options;
  const chunkSize = Math.max(1, options.chunkSize ?? DEFAULT_CHUNK_SIZE);
  const result: ImportRunResult = { ...emptyCounts(), files: [], errors: [], cancelled: false };
  const sizes = await Promise.all(sources.map(sourceBytes));
  const bytesTotal = sizes.reduce((a, b) => a + b, 0);
  let bytesBefore = 0;
  let recordsDone = 0;
  let recordsKnown = 0;
  const progress = (currentFile: string | undefined, fileBytesDone: number, allFilesRead: boolean) => {
    options.onProgress?.({
      recordsDone,
      recordsKnown,
      allFilesRead,
      bytesDone: bytesBefore + fileBytesDone,
      bytesTotal,
      counts: { created: result.created, updated: result.updated, unchanged: result.unchanged, failed: result.failed },
      ...(currentFile !== undefined ? { currentFile } : {}),
    });
  };
  const addCounts = (summary: ImportFileSummary, counts: ImportCounts) => {
    for (const k of ['created', 'updated', 'unchanged', 'failed'] as const) {
      summary[k] += counts[k];
      result[k] += counts[k];
    }
  };

  for (const [index, source] of sources.entries()) {
    if (signal?.aborted) {
      result.cancelled = true;
      break;
    }
    const isLast = index === sources.length - 1;
    const file = await readSource(source);
    const summary: ImportFileSummary = { file: file.file, records: file.records.length + file.errors.length, ...emptyCounts() };
    result.files.push(summary);
    recordsKnown += summary.records;
    if (file.problem !== undefined) {
      summary.problem = file.problem;
      bytesBefore += sizes[index] ?? 0;
      progress(file.file, 0, isLast);
      continue;
    }
    const plan = planFile(file);
    const satisfied = await resolveConditionalCreates(repository, file.file, plan);
    plan.errors.unshift(...file.errors);
    const writes = plan.writes.filter((w) => !satisfied.has(w));
    const recordErrors = plan.errors;
    const fileBytes = sizes[index] ?? file.bytes;
    const totalInFile = Math.max(1, summary.records);

    if (plan.atomic) {
      // http.html#transaction: one bad entry fails the whole Bundle; every bad entry is listed.
      if (recordErrors.length === 0) {
        const outcomes = await repository.writeBatch(writes.map((w) => w.op), { atomic: true });
        const counts = emptyCounts();
        outcomes.forEach((o, i) => {
          tally(o, counts);
          if (o.status === 'failed') result.errors.push(errorForWrite(file.file, writes[i]!, o.outcome));
        });
        if (counts.failed > 0) {
          addCounts(summary, { ...emptyCounts(), failed: summary.records });
        } else {
          counts.unchanged += satisfied.size;
          addCounts(summary, counts);
        }
      } else {
        result.errors.push(...recordErrors);
        addCounts(summary, { ...emptyCounts(), failed: summary.records });
      }
      recordsDone += summary.records;
      bytesBefore += fileBytes;
      progress(file.file, 0, isLast);
      continue;
    }

    result.errors.push(...recordErrors);
    addCounts(summary, { ...emptyCounts(), failed: recordErrors.length, unchanged: satisfied.size });
    recordsDone += recordErrors.length + satisfied.size;
    let doneInFile = recordErrors.length + satisfied.size;
    for (let start = 0; start < writes.length; start += chunkSize) {
      if (signal?.aborted) {
        result.cancelled = true;
        break;
      }
      const chunk = writes.slice(start, start + chunkSize);
      const outcomes = await repository.writeBatch(chunk.map((w) => w.op));
      const counts = emptyCounts();
      outcomes.forEach((o, i) => {
        tally(o, counts);
        if (o.status === 'failed') result.errors.push(errorForWrite(file.file, chunk[i]!, o.outcome));
      });
      addCounts(summary, counts);
      recordsDone += chunk.length;
      doneInFile += chunk.length;
      progress(file.file, Math.round((fileBytes * doneInFile) / totalInFile), isLast);
    }
    if (result.cancelled) break;
    bytesBefore += fileBytes;
    progress(file.file, 0, isLast);
  }
  return result;
}
