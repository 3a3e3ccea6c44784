/**
 * An NDJSON import chunk from line texts to prepared writes: each line parsed, checked as a
 * resource (import-plan.ts planStoredResource) and prepared by the caller's `prepare` (the
 * write-prep worker's, which packs each write's index rows as it goes: fhir/write-prep-worker.ts). The write-prep worker runs it for the importer's
 * chunks, so the store's thread never parses a line (io/importer.ts); without the worker the
 * importer reads each line with readNdjsonLine on its own thread.
 */
import type { ImportRecordError } from '../api/contract';
import type { NdjsonLines, PreparedLineWrite, PreparedNdjsonChunk } from '../fhir/repository';
import type { PrepareInput, PreparedWrite } from '../fhir/write-prep';
import { planStoredResource } from './import-plan';
import { findJsonSyntaxError } from './json-lines';
import { recordError, type SourceRecord } from './readers';

/** One NDJSON line as a record, or its error (`Not valid JSON: ...` with the position). */
export function readNdjsonLine(file: string, line: number, text: string): SourceRecord | ImportRecordError {
  const trimmed = text.trim();
  try {
    return { line, resource: JSON.parse(trimmed) };
  } catch {
    return recordError(file, line, `Not valid JSON: ${findJsonSyntaxError(trimmed).message}`);
  }
}

/** Whether readNdjsonLine gave an error. */
export function isLineError(record: SourceRecord | ImportRecordError): record is ImportRecordError {
  return 'outcome' in record;
}

/** The chunk's lines planned and prepared with `prepare`, in line order. */
export function prepareNdjsonChunk(chunk: NdjsonLines, prepare: (input: PrepareInput) => PreparedWrite): PreparedNdjsonChunk {
  const writes: PreparedLineWrite[] = [];
  const errors: ImportRecordError[] = [];
  chunk.lines.forEach((text, i) => {
    const line = chunk.lineNumbers[i] ?? 0;
    const record = readNdjsonLine(chunk.file, line, text);
    if (isLineError(record)) {
      errors.push(record);
      return;
    }
    const planned = planStoredResource(chunk, record);
    if (!('op' in planned)) {
      errors.push(planned);
      return;
    }
    const op = planned.op;
    const id = op.kind === 'create' ? (op.assignedId ?? '') : (op.resource.id ?? '');
    const write: PreparedLineWrite = { line, kind: op.kind, type: planned.resourceType, id, prepared: prepare({ resource: op.resource, kind: op.kind, id }) };
    if (op.kind === 'update' && op.skipUnchanged) write.skipUnchanged = true;
    writes.push(write);
  });
  return { writes, errors };
}
