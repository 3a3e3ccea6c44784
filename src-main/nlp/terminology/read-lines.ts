/**
 * Streams a text file line by line (LF or CRLF) with the bytes read so far, in bounded memory:
 * release files are read once, start to end, never whole.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';

export interface LineProgress {
  /** Lines read so far in this file. */
  lines: number;
  bytesRead: number;
  bytesTotal: number;
}

export interface ReadLinesOptions {
  signal?: AbortSignal;
  /** Called every `progressEvery` lines and once at the end. */
  onProgress?: (progress: LineProgress) => void;
  progressEvery?: number;
}

/** Yields each line without its line break, numbered from 1. */
export async function* readLines(file: string, options: ReadLinesOptions = {}): AsyncGenerator<{ line: string; number: number }> {
  const bytesTotal = (await stat(file)).size;
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  const every = options.progressEvery ?? 5_000;
  let number = 0;
  try {
    for await (const line of lines) {
      number += 1;
      if (number % every === 0) {
        options.signal?.throwIfAborted();
        options.onProgress?.({ lines: number, bytesRead: stream.bytesRead, bytesTotal });
      }
      yield { line, number };
    }
    options.onProgress?.({ lines: number, bytesRead: bytesTotal, bytesTotal });
  } finally {
    lines.close();
    stream.destroy();
  }
}
