/**
 * NDJSON files on disk are read as a stream, line by line, so an export of any size imports in
 * bounded memory (https://hl7.org/fhir/uv/bulkdata/ writes one resource per line).
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';

const SNIFF_BYTES = 256 * 1024;
/** The names of NDJSON files (Bulk Data writes `.ndjson`), gzipped or not. */
const NDJSON_NAME = /\.(ndjson|jsonl)(\.gz)?$/i;

/**
 * True when the file looks like NDJSON: no NUL bytes, a first line that is a JSON object of its
 * own, and more content after it. Anything else goes to the whole-file reader (which also gives
 * the precise problem for files that are not FHIR).
 */
/** True when the file starts with the gzip magic bytes (RFC 1952 §2.3.1). */
export async function isGzipFile(path: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return false;
  }
  try {
    const magic = Buffer.alloc(2);
    const { bytesRead } = await handle.read(magic, 0, 2, 0);
    return bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/** The first bytes of the file's content (decompressed when gzipped). */
async function headOf(path: string, gzip: boolean): Promise<Buffer> {
  if (!gzip) {
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(SNIFF_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }
  const chunks: Buffer[] = [];
  let length = 0;
  const source = createReadStream(path);
  const gunzip = createGunzip();
  try {
    for await (const chunk of source.pipe(gunzip)) {
      chunks.push(chunk as Buffer);
      length += (chunk as Buffer).length;
      if (length >= SNIFF_BYTES) break;
    }
  } catch {
    // A damaged gzip: what decompressed so far decides; the stream reports the damage later.
  } finally {
    source.destroy();
    gunzip.destroy();
  }
  return Buffer.concat(chunks).subarray(0, SNIFF_BYTES);
}

/**
 * True when the file looks like NDJSON (gzipped or not): no NUL bytes, a first line that is a
 * JSON object of its own, and more content after it. Anything else goes to the whole-file reader
 * (which also gives the precise problem for files that are not FHIR).
 */
export async function looksLikeNdjson(path: string): Promise<boolean> {
  let head: Buffer;
  try {
    head = await headOf(path, await isGzipFile(path));
  } catch {
    return false;
  }
  if (head.includes(0)) return false;
  const newline = head.indexOf(10);
  // A first line longer than the sniffed head (a large Binary or note): the name decides, since a
  // single-line JSON document looks the same.
  if (newline === -1) return head.length === SNIFF_BYTES && head.toString('utf8').trimStart().replace(/^\uFEFF/, '').startsWith('{') && NDJSON_NAME.test(path);
  const firstLine = head.subarray(0, newline).toString('utf8').replace(/^\uFEFF/, '').trim();
  if (!firstLine.startsWith('{')) return false;
  try {
    JSON.parse(firstLine);
  } catch {
    return false;
  }
  return /\S/.test(head.subarray(newline + 1).toString('utf8'));
}

export interface NdjsonLine {
  /** 1-based line number. */
  line: number;
  text: string;
  /** Bytes consumed so far (for progress). */
  bytesRead: number;
}

/** A line break as readline sees one with `crlfDelay: Infinity`: CRLF, LF, or a lone CR. */
const LINE_BREAK = /\r\n|\n|\r/g;

/**
 * Yields the lines of a file (CRLF, LF or CR; gunzipped when `gzip`), with their numbers. A damaged
 * or truncated gzip stream throws after the last line it could decompress. The file is read one
 * 1 MiB chunk at a time, only as lines are taken (readline reads ahead up to 1,024 lines, a
 * gigabyte when lines are a megabyte each), so memory holds one chunk and the line being read.
 */
export async function* ndjsonLines(path: string, gzip = false): AsyncGenerator<NdjsonLine> {
  const stream = createReadStream(path, { highWaterMark: 1024 * 1024 });
  const gunzip = gzip ? createGunzip() : undefined;
  const decoded = (gunzip ? stream.pipe(gunzip) : stream).setEncoding('utf8');
  // pipe() does not forward errors: a read error of the file must end the lines too.
  if (gunzip) stream.on('error', (error) => gunzip.destroy(error));
  let line = 0;
  let pending = '';
  const next = (text: string) => {
    line++;
    return { line, text: line === 1 ? text.replace(/^\uFEFF/, '') : text, bytesRead: stream.bytesRead };
  };
  try {
    for await (const chunk of decoded) {
      pending += chunk as string;
      let start = 0;
      LINE_BREAK.lastIndex = 0;
      for (let found = LINE_BREAK.exec(pending); found; found = LINE_BREAK.exec(pending)) {
        // A CR at the end of the chunk may be the first half of a CRLF: decide with the next chunk.
        if (found[0] === '\r' && found.index === pending.length - 1) break;
        yield next(pending.slice(start, found.index));
        start = found.index + found[0].length;
      }
      pending = pending.slice(start);
    }
    // What follows the last line break is a line too; a final CR ends the line before it.
    if (pending.endsWith('\r')) pending = pending.slice(0, -1);
    if (pending.length > 0) yield next(pending);
  } finally {
    stream.destroy();
    gunzip?.destroy();
  }
}
