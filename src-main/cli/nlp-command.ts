/**
 * `hearth nlp [FILE...|-] [--spans] [--terminology DIR]`: the NLP engine on JSONL or plain text,
 * writing JSONL in Amazon Comprehend Medical's shape (DetectEntitiesV2 + InferICD10CM +
 * InferRxNorm in one entity list; ../shared/docs/reference-shapes.md).
 *
 * - A `.jsonl`, `.ndjson` or `.json` file, and standard input whose first non-blank character is
 *   `{`, are JSONL: one `{"id", "text"}` per line (`--spans`: `{"id", "text", "spans": [{"begin",
 *   "end"}]}`). Any other file is one plain-text note whose id is its file name.
 * - Output: one line per input line, in input order, with the input's id:
 *   `{"id", "Entities": [...], "ModelVersion"}`, or `{"id", "error"}` for a line that cannot be read
 *   (bad JSON, no text, a span outside the text); the other lines go on. Exit code 2 when a line
 *   failed.
 * - Lines are analysed in parallel in worker threads, at most IN_FLIGHT at a time, and written back
 *   in input order, so memory stays bounded on inputs of any length.
 */
import { createReadStream, existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import type { NlpEngineInit } from '../nlp/engine';
import { readTerminologyFolder, readTerminologyFromVault, type TerminologyPacks } from '../nlp/terminology';
import type { Entity, TargetSpan } from '../nlp/types';
import { NlpWorkerPool, type AsyncNlpEngine } from '../nlp/worker-pool';
import { CliError, oneLine } from './cli-error';
import { withSession, type CliIo } from './commands';

export const NLP_USAGE = 'hearth nlp [FILE...|-] [--spans] [--terminology DIR]';

/** Lines being analysed at once: enough to keep every worker busy, few enough to bound memory. */
const IN_FLIGHT = 64;
/** A JSONL line longer than this is refused (its note would be 64 MB of text). */
const MAX_LINE_CHARS = 64 * 1024 * 1024;

export interface NlpCommandOptions {
  files: string[];
  spans: boolean;
  /** --terminology: a vault (its stored packs) or a folder of official release files. */
  terminology?: string;
  /** Standard input (tests pass their own). */
  stdin?: NodeJS.ReadableStream;
  /** Worker threads (tests use 1). */
  workers?: number;
}

/** One input record, or why its line could not be read. */
export type NlpInput =
  | { id: string | number | null; text: string; spans?: TargetSpan[] }
  | { id: string | number | null; error: string };

type Source = { kind: 'jsonl'; name: string; lines: AsyncIterable<string> } | { kind: 'text'; name: string; file: string };

function isId(value: unknown): value is string | number {
  return (typeof value === 'string' && value !== '') || (typeof value === 'number' && Number.isFinite(value));
}

/** Reads one JSONL line into an input record (exported for tests). */
export function parseNlpLine(line: string, lineNumber: number, withSpans: boolean): NlpInput {
  if (line.length > MAX_LINE_CHARS) return { id: null, error: `line ${lineNumber} is longer than ${MAX_LINE_CHARS} characters` };
  if (line.trim() === '') return { id: null, error: `line ${lineNumber} is empty` };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    return { id: null, error: `line ${lineNumber} is not JSON (${oneLine(e instanceof Error ? e.message : String(e)).slice(0, 120)})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { id: null, error: `line ${lineNumber} is not a JSON object` };
  const record = value as Record<string, unknown>;
  const id = isId(record['id']) ? record['id'] : null;
  if (id === null) return { id: null, error: `line ${lineNumber} has no "id" (a non-empty string or a number)` };
  const text = record['text'];
  if (typeof text !== 'string') return { id, error: `line ${lineNumber}: "text" must be a string` };
  if (!withSpans) return { id, text };
  const spans = record['spans'];
  if (!Array.isArray(spans)) return { id, error: `line ${lineNumber}: "spans" must be an array of {"begin", "end"} (--spans)` };
  const targets: TargetSpan[] = [];
  for (const [index, span] of spans.entries()) {
    const begin = typeof span === 'object' && span !== null ? (span as Record<string, unknown>)['begin'] : undefined;
    const end = typeof span === 'object' && span !== null ? (span as Record<string, unknown>)['end'] : undefined;
    if (!Number.isInteger(begin) || !Number.isInteger(end)) return { id, error: `line ${lineNumber}: spans[${index}] needs integer "begin" and "end"` };
    const b = begin as number;
    const e = end as number;
    if (b < 0 || e > text.length || b >= e) return { id, error: `line ${lineNumber}: spans[${index}] [${b}, ${e}) is not inside the text (0 to ${text.length}) or is empty` };
    targets.push({ begin: b, end: e });
  }
  return { id, text, spans: targets };
}

async function* stdinLines(rest: AsyncIterable<unknown>, first: string): AsyncIterable<string> {
  const lines = createInterface({ input: Readable.from(prepend(first, rest)), crlfDelay: Infinity });
  for await (const line of lines) yield line;
}

async function* prepend(first: string, rest: AsyncIterable<unknown>): AsyncIterable<string> {
  if (first !== '') yield first;
  for await (const chunk of rest) yield typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
}

/** Standard input is JSONL when its first non-blank character is `{`, else one plain-text note. */
async function stdinSource(stdin: NodeJS.ReadableStream): Promise<Source | { kind: 'stdin-text'; text: string }> {
  const iterator = (stdin as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  let head = '';
  for (;;) {
    const next = await iterator.next();
    if (next.done) break;
    head += typeof next.value === 'string' ? next.value : Buffer.from(next.value as Uint8Array).toString('utf8');
    if (head.trimStart() !== '') break;
  }
  const rest: AsyncIterable<unknown> = { [Symbol.asyncIterator]: () => iterator };
  if (head.trimStart().startsWith('{')) return { kind: 'jsonl', name: '-', lines: stdinLines(rest, head) };
  let text = head;
  for await (const chunk of rest) text += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
  return { kind: 'stdin-text', text };
}

async function* fileLines(file: string): AsyncIterable<string> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) yield line;
}

/** Every input record of every source, in order. */
async function* inputs(sources: Array<Source | { kind: 'stdin-text'; text: string }>, withSpans: boolean): AsyncIterable<NlpInput> {
  for (const source of sources) {
    if (source.kind === 'stdin-text') {
      if (withSpans) yield { id: '-', error: 'standard input is plain text: --spans needs JSONL' };
      else yield { id: '-', text: source.text.replace(/^\uFEFF/, '') };
    } else if (source.kind === 'text') {
      if (withSpans) {
        yield { id: source.name, error: `${source.name} is plain text: --spans needs JSONL` };
        continue;
      }
      yield { id: source.name, text: (await readFile(source.file, 'utf8')).replace(/^\uFEFF/, '') };
    } else {
      let lineNumber = 0;
      for await (const raw of source.lines) {
        lineNumber++;
        yield parseNlpLine(lineNumber === 1 ? raw.replace(/^\uFEFF/, '') : raw, lineNumber, withSpans);
      }
    }
  }
}

function outputLine(id: string | number | null, entities: Entity[], modelVersion: string): string {
  return `${JSON.stringify({ id, Entities: entities, ModelVersion: modelVersion })}\n`;
}

/** Runs the engine over the inputs, writing one line per input in input order. Returns the count of failed lines. */
export async function runNlpLines(engine: AsyncNlpEngine, records: AsyncIterable<NlpInput>, write: (line: string) => void): Promise<{ lines: number; failed: number }> {
  const modelVersion = `${engine.versions.engine}; lexicon ${engine.versions.lexicon}${engine.versions.packs.length > 0 ? `; ${engine.versions.packs.join(', ')}` : ''}`;
  const window: Array<Promise<string>> = [];
  let lines = 0;
  let failed = 0;
  const settle = async (input: NlpInput): Promise<string> => {
    if ('error' in input) {
      failed++;
      return `${JSON.stringify({ id: input.id, error: input.error })}\n`;
    }
    try {
      const entities = input.spans ? await engine.assertSpans(input.text, input.spans) : await engine.analyze(input.text);
      return outputLine(input.id, entities, modelVersion);
    } catch (e) {
      failed++;
      return `${JSON.stringify({ id: input.id, error: `the engine failed on this text: ${oneLine(e instanceof Error ? e.message : String(e)).slice(0, 200)}` })}\n`;
    }
  };
  for await (const input of records) {
    lines++;
    window.push(settle(input));
    if (window.length >= IN_FLIGHT) write(await window.shift()!);
  }
  while (window.length > 0) write(await window.shift()!);
  return { lines, failed };
}

/** The packs behind --terminology: a vault's stored packs (passphrase asked as usual), or the release files of a folder. */
async function terminologyPacks(dir: string, io: CliIo): Promise<TerminologyPacks> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new CliError(`--terminology ${dir} is not a folder (a vault, or a folder of official release files)`);
  const packs = existsSync(path.join(dir, 'vault.json'))
    ? await withSession(dir, io, async (session) => {
        if (!session.repository) throw new CliError(`${dir}: this session has no FHIR store`);
        return readTerminologyFromVault(session.repository);
      })
    : await readTerminologyFolder(dir);
  if (!packs.icd10 && !packs.rxnorm) throw new CliError(`--terminology ${dir} holds no ICD-10-CM or RxNorm release (docs/terminology.md lists the files read)`);
  io.err(`hearth: linking with ${[packs.icd10?.version, packs.rxnorm?.version].filter((v) => v !== undefined).join(' and ')}\n`);
  return packs;
}

export async function nlpCommand(options: NlpCommandOptions, io: CliIo): Promise<number> {
  const files = options.files.length === 0 ? ['-'] : options.files;
  if (files.filter((file) => file === '-').length > 1) throw new CliError('standard input ("-") can be given once');
  const sources: Array<Source | { kind: 'stdin-text'; text: string }> = [];
  for (const file of files) {
    if (file === '-') continue;
    const info = await stat(file).catch(() => undefined);
    if (!info) throw new CliError(`${file} does not exist`);
    if (!info.isFile()) throw new CliError(`${file} is not a file`);
  }
  const init: NlpEngineInit = options.terminology !== undefined ? { packs: await terminologyPacks(options.terminology, io) } : {};
  const engine = await NlpWorkerPool.start({ ...(options.workers !== undefined ? { size: options.workers } : {}), init });
  try {
    for (const file of files) {
      if (file === '-') sources.push(await stdinSource(options.stdin ?? process.stdin));
      else if (/\.(jsonl|ndjson|json)$/i.test(file)) sources.push({ kind: 'jsonl', name: path.basename(file), lines: fileLines(file) });
      else sources.push({ kind: 'text', name: path.basename(file), file });
    }
    const { failed } = await runNlpLines(engine, inputs(sources, options.spans), io.out);
    if (failed > 0) io.err(`hearth: ${failed} line${failed === 1 ? '' : 's'} could not be analysed (see their "error")\n`);
    return failed > 0 ? 2 : 0;
  } finally {
    await engine.close();
  }
}
