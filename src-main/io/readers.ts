/**
 * Import readers: turn one file (a path, or a name plus text) into FHIR records with the 1-based
 * line where each starts. Understands a single FHIR JSON resource, a Bundle of any type, and
 * NDJSON (one resource per line, https://hl7.org/fhir/uv/bulkdata/). Record-level problems
 * become ImportRecordErrors; a file that is not FHIR at all gets one file-level `problem`.
 */
import { readFile, stat } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import type { ImportRecordError, ImportSource } from '../api/contract';
import { outcome } from '../api/result';
import { bundleEntryLines, findJsonSyntaxError, firstContentPosition, lineAt } from './json-lines';
import { isGzipFile } from './ndjson-stream';

/** Bundle.entry.request, as far as import uses it (bundle.html#transaction). */
export interface EntryRequest {
  method?: unknown;
  url?: unknown;
  ifNoneExist?: unknown;
  ifMatch?: unknown;
}

export interface SourceRecord {
  /** 1-based line where the record (resource, NDJSON line or Bundle entry) starts. */
  line: number;
  /** 0-based Bundle.entry position. */
  entryIndex?: number;
  /** The resource as parsed (checked later); absent for a Bundle entry without one (DELETE). */
  resource?: unknown;
  fullUrl?: string;
  request?: EntryRequest;
}

export type SourceFormat = 'resource' | 'bundle' | 'ndjson';

export interface SourceFile {
  /** The file name as given: a path or the name sent by the UI (never content). */
  file: string;
  bytes: number;
  format?: SourceFormat;
  /** Bundle.type when the file is a Bundle. */
  bundleType?: string;
  records: SourceRecord[];
  /** Records that could not be read (bad JSON line, entry without a resource...). */
  errors: ImportRecordError[];
  /** Set when the file as a whole is not FHIR (binary, not JSON, JSON without resourceType...). */
  problem?: string;
  /** Set when the file is skipped without being a failure (a JSON object with no resourceType, e.g. package.json). */
  notice?: string;
}

export function recordError(
  file: string,
  line: number,
  message: string,
  extra: { entryIndex?: number; resourceType?: string; code?: 'structure' | 'invalid' | 'value' | 'required' | 'not-supported' | 'conflict' } = {},
): ImportRecordError {
  const error: ImportRecordError = {
    file,
    line,
    message,
    outcome: outcome(extra.code ?? 'structure', message, { status: 400 }),
  };
  if (extra.entryIndex !== undefined) error.entryIndex = extra.entryIndex;
  if (extra.resourceType !== undefined) error.resourceType = extra.resourceType;
  return error;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A resourceType worth echoing in messages: shaped like a type name, never free text. */
export function shownResourceType(value: unknown): string | undefined {
  return typeof value === 'string' && /^[A-Za-z]{1,64}$/.test(value) ? value : undefined;
}

/** Decodes bytes as UTF-8 text, or explains why the file is not text. */
export function decodeText(bytes: Uint8Array): { text: string } | { problem: string } {
  const head = bytes.subarray(0, 8192);
  if (head.includes(0)) return { problem: 'not a text file (binary content)' };
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return { text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
  } catch {
    return { problem: 'not a UTF-8 text file' };
  }
}

function bundleFile(file: string, bytes: number, text: string, bundle: Record<string, unknown>): SourceFile {
  const result: SourceFile = { file, bytes, format: 'bundle', records: [], errors: [] };
  if (typeof bundle.type === 'string') result.bundleType = bundle.type;
  const entries = bundle.entry;
  if (entries === undefined) return result;
  if (!Array.isArray(entries)) {
    result.problem = 'Bundle.entry is not an array';
    return result;
  }
  const lines = bundleEntryLines(text);
  const fallbackLine = lineAt(text, firstContentPosition(text));
  entries.forEach((entry: unknown, entryIndex) => {
    const line = lines[entryIndex] ?? fallbackLine;
    if (!isObject(entry)) {
      result.errors.push(recordError(file, line, 'Bundle entry is not an object', { entryIndex }));
      return;
    }
    const record: SourceRecord = { line, entryIndex };
    if (typeof entry.fullUrl === 'string') record.fullUrl = entry.fullUrl;
    if (isObject(entry.request)) record.request = entry.request;
    if (entry.resource !== undefined) record.resource = entry.resource;
    result.records.push(record);
  });
  return result;
}

function ndjsonFile(file: string, bytes: number, text: string): SourceFile {
  const result: SourceFile = { file, bytes, format: 'ndjson', records: [], errors: [] };
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const lineText = raw.trim();
    if (lineText.length === 0) return;
    const line = index + 1;
    let value: unknown;
    try {
      value = JSON.parse(lineText);
    } catch {
      const syntax = findJsonSyntaxError(lineText);
      result.errors.push(recordError(file, line, `Not valid JSON: ${syntax.message}`));
      return;
    }
    result.records.push({ line, resource: value });
  });
  return result;
}

/** Reads one text as FHIR JSON, a Bundle or NDJSON. */
export function parseSourceText(file: string, text: string, bytes = Buffer.byteLength(text)): SourceFile {
  const empty: SourceFile = { file, bytes, records: [], errors: [] };
  const start = firstContentPosition(text);
  if (start === text.length) return { ...empty, problem: 'empty file' };
  if (text[start] !== '{') return { ...empty, problem: 'not a FHIR JSON or NDJSON file (does not start with "{")' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Not one JSON value: NDJSON when its first line is a JSON value of its own.
    const firstLine = text.slice(start, text.indexOf('\n', start) === -1 ? undefined : text.indexOf('\n', start));
    let firstLineIsJson = false;
    try {
      JSON.parse(firstLine);
      firstLineIsJson = true;
    } catch {
      firstLineIsJson = false;
    }
    if (firstLineIsJson || /\.(ndjson|jsonl)$/i.test(file)) return ndjsonFile(file, bytes, text);
    const syntax = findJsonSyntaxError(text);
    return { ...empty, problem: `not valid JSON (line ${syntax.line}: ${syntax.message})` };
  }
  if (!isObject(value)) return { ...empty, problem: 'not a FHIR resource (the JSON is not an object)' };
  if (typeof value.resourceType !== 'string') {
    // Some other JSON document (a package.json beside FHIR files): not a record, so no failure.
    return { ...empty, notice: NOT_FHIR_NOTICE };
  }
  if (value.resourceType === 'Bundle') return bundleFile(file, bytes, text, value);
  return { file, bytes, format: 'resource', records: [{ line: lineAt(text, start), resource: value }], errors: [] };
}

/** The notice of a JSON file that is an object without resourceType (docs/import.md). */
export const NOT_FHIR_NOTICE = 'not a FHIR resource (a JSON object with no resourceType), skipped';

/** A single gzipped JSON document is decompressed whole; past this, NDJSON (streamed) is the way. */
const MAX_GUNZIPPED_BYTES = 1024 * 1024 * 1024;
/** The largest file read whole (a JSON resource or Bundle): V8's longest string is about 512 M characters. */
const MAX_WHOLE_FILE_BYTES = 512 * 1024 * 1024;
const tooLargeProblem = `too large to read as one JSON document (over ${MAX_WHOLE_FILE_BYTES / 1024 / 1024} MB): split it, or use NDJSON (one resource per line), which streams`;

/** Reads a source given by path or by content. File-system failures become the file's problem. */
export async function readSource(source: ImportSource): Promise<SourceFile> {
  if (source.kind === 'text') return parseSourceText(source.name, source.text);
  let bytes: Uint8Array;
  try {
    // Refused before it is read: a file this large must not be loaded to be refused.
    const { size } = await stat(source.path);
    if (size > MAX_WHOLE_FILE_BYTES && !(await isGzipFile(source.path))) return { file: source.path, bytes: size, records: [], errors: [], problem: tooLargeProblem };
    bytes = await readFile(source.path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a folder, not a file' : `cannot read the file (${code ?? 'error'})`;
    return { file: source.path, bytes: 0, records: [], errors: [], problem: reason };
  }
  const fileBytes = bytes.length;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    // A gzipped JSON file that is not NDJSON (those are streamed): RFC 1952.
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: MAX_GUNZIPPED_BYTES });
    } catch (e) {
      const tooBig = (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || /buffer|too large/i.test((e as Error).message);
      const problem = tooBig ? `the gzip file expands to more than ${MAX_GUNZIPPED_BYTES / 1024 / 1024} MB: use NDJSON for files this large` : 'not a valid gzip file (truncated or damaged)';
      return { file: source.path, bytes: fileBytes, records: [], errors: [], problem };
    }
  }
  if (bytes.length > MAX_WHOLE_FILE_BYTES) {
    // Past this, V8 cannot hold the text as one string; NDJSON files of any size are streamed instead.
    return { file: source.path, bytes: fileBytes, records: [], errors: [], problem: tooLargeProblem };
  }
  const decoded = decodeText(bytes);
  if ('problem' in decoded) return { file: source.path, bytes: fileBytes, records: [], errors: [], problem: decoded.problem };
  return parseSourceText(source.path, decoded.text, fileBytes);
}
