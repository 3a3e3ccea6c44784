/**
 * NDJSON files on disk are read as a stream, line by line, so an export of any size imports in
 * bounded memory (https://hl7.org/fhir/uv/bulkdata/ writes one resource per line).
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';

const SNIFF_BYTES = 256 * 1024;

/**
 * True when the file looks like NDJSON: no NUL bytes, a first line that is a JSON object of its
 * own, and more content after it. Anything else goes to the whole-file reader (which also gives
 * the precise problem for files that are not FHIR).
 */
export async function looksLikeNdjson(path: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return false;
  }
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    const head = buffer.subarray(0, bytesRead);
    if (head.includes(0)) return false;
    const newline = head.indexOf(10);
    if (newline === -1) return false;
    const firstLine = head.subarray(0, newline).toString('utf8').replace(/^\uFEFF/, '').trim();
    if (!firstLine.startsWith('{')) return false;
    try {
      JSON.parse(firstLine);
    } catch {
      return false;
    }
    return /\S/.test(head.subarray(newline + 1).toString('utf8'));
  } finally {
    await handle.close();
  }
}

export interface NdjsonLine {
  /** 1-based line number. */
  line: number;
  text: string;
  /** Bytes consumed so far (for progress). */
  bytesRead: number;
}

/** Yields the lines of a file (CRLF or LF), with their numbers. */
export async function* ndjsonLines(path: string): AsyncGenerator<NdjsonLine> {
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1024 * 1024 });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of lines) {
      line++;
      yield { line, text: line === 1 ? text.replace(/^\uFEFF/, '') : text, bytesRead: stream.bytesRead };
    }
  } finally {
    lines.close();
    stream.destroy();
  }
}
