/**
 * NDJSON files on disk are read as a stream, line by line, so an export of any size imports in
 * bounded memory (https://hl7.org/fhir/uv/bulkdata/ writes one resource per line).
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { isAscii } from 'node:buffer';
import { StringDecoder } from 'node:string_decoder';

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

/** A line break as readline sees one with `crlfDelay: Infinity`: CRLF, LF, or a lone CR. */
const LINE_BREAK = /\r\n|\n|\r/g;

/**
 * A read's bytes as text, as a UTF-8 stream decoder gives them. ASCII, what FHIR NDJSON mostly
 * is, is decoded as Latin-1, which gives the same text for a fraction of the CPU of Node's UTF-8
 * decoder (docs/benchmarks.md, Import); a character left incomplete by the read before is then
 * ended as the decoder ends it (U+FFFD), since ASCII cannot complete it.
 */
function decode(read: Buffer, decoder: StringDecoder): string {
  if (!isAscii(read)) return decoder.write(read);
  const incomplete = decoder.end();
  const text = read.toString('latin1');
  return incomplete.length > 0 ? incomplete + text : text;
}

/** The lines of one read of a file (ndjsonLineBatches). */
export interface NdjsonLineBatch {
  /** 1-based number of the first line of `lines`. */
  firstLine: number;
  lines: string[];
  /** Bytes consumed so far (for progress). */
  bytesRead: number;
}

/**
 * Yields the lines of a file (CRLF, LF or CR; gunzipped when `gzip`), a batch per read of the
 * file: the lines that read completed. A damaged or truncated gzip stream throws after the last
 * line it could decompress. The file is read one 1 MiB chunk at a time, only as batches are taken
 * (readline reads ahead up to 1,024 lines, a gigabyte when lines are a megabyte each), so memory
 * holds one chunk and the line being read. Batches, and a search for LF alone when the text has
 * no CR, keep the cost per line low: this runs on the store's thread during an import.
 */
export async function* ndjsonLineBatches(path: string, gzip = false): AsyncGenerator<NdjsonLineBatch> {
  const stream = createReadStream(path, { highWaterMark: 1024 * 1024 });
  const gunzip = gzip ? createGunzip() : undefined;
  const bytes: AsyncIterable<Buffer> = gunzip ? stream.pipe(gunzip) : stream;
  // pipe() does not forward errors: a read error of the file must end the lines too.
  if (gunzip) stream.on('error', (error) => gunzip.destroy(error));
  const decoder = new StringDecoder('utf8');
  /** Lines yielded so far. */
  let line = 0;
  /** The start of a line whose end is still to be read; it holds no line break but a final CR. */
  let pending = '';
  let pendingEndsWithCr = false;
  const batch = (lines: string[]): NdjsonLineBatch => {
    if (line === 0) lines[0] = lines[0]!.replace(/^\uFEFF/, '');
    const first = line + 1;
    line += lines.length;
    return { firstLine: first, lines, bytesRead: stream.bytesRead };
  };
  try {
    for await (const read of bytes) {
      const chunk = decode(read, decoder);
      const lines: string[] = [];
      if (!pendingEndsWithCr && chunk.indexOf('\r') === -1) {
        // LF only: the first break can only be in the new chunk, so a long line is not searched again.
        const firstBreak = chunk.indexOf('\n');
        if (firstBreak === -1) {
          pending += chunk;
          continue;
        }
        const text = pending + chunk;
        let start = 0;
        for (let end = pending.length + firstBreak; end !== -1; end = text.indexOf('\n', start)) {
          lines.push(text.slice(start, end));
          start = end + 1;
        }
        pending = text.slice(start);
      } else {
        const text = pending + chunk;
        let start = 0;
        LINE_BREAK.lastIndex = 0;
        for (let found = LINE_BREAK.exec(text); found; found = LINE_BREAK.exec(text)) {
          // A CR at the end of the chunk may be the first half of a CRLF: decide with the next chunk.
          if (found[0] === '\r' && found.index === text.length - 1) break;
          lines.push(text.slice(start, found.index));
          start = found.index + found[0].length;
        }
        pending = text.slice(start);
        pendingEndsWithCr = pending.endsWith('\r');
      }
      if (lines.length > 0) yield batch(lines);
    }
    // What follows the last line break is a line too (with a truncated last character, if any); a
    // final CR ends the line before it.
    const rest = decoder.end();
    if (rest.length > 0) {
      pending += rest;
      pendingEndsWithCr = false;
    }
    if (pendingEndsWithCr) pending = pending.slice(0, -1);
    if (pending.length > 0) yield batch([pending]);
  } finally {
    stream.destroy();
    gunzip?.destroy();
  }
}

export interface NdjsonLine {
  /** 1-based line number. */
  line: number;
  text: string;
  /** Bytes consumed so far (for progress). */
  bytesRead: number;
}

/** The lines of ndjsonLineBatches one by one. */
export async function* ndjsonLines(path: string, gzip = false): AsyncGenerator<NdjsonLine> {
  for await (const { firstLine, lines, bytesRead } of ndjsonLineBatches(path, gzip)) {
    for (const [i, text] of lines.entries()) yield { line: firstLine + i, text, bytesRead };
  }
}
