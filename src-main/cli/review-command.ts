/**
 * `hearth review export|import|agreement`: the review workspace's annotation exchange and
 * inter-reviewer agreement from the command line (docs/annotation-formats.md,
 * docs/review-agreement.md), through the same `review.*` services the app calls.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ENTITY_CATEGORIES } from '../nlp/types';
import type { AgreementReport, AnnotationFile, AnnotationFormat } from '../review/types';
import { CliError, oneLine } from './cli-error';
import { value, withSession, type CliIo } from './commands';

export const REVIEW_USAGE =
  'hearth review export DIR --format F --reviewer NAME [--out PATH] [--include-rejected] [--document ID,...] | ' +
  'hearth review import DIR --format F --reviewer NAME FILE... | ' +
  'hearth review agreement DIR --a NAME --b NAME [--document ID,...] [--json]';

/** The command-line names of the formats (the API's names are accepted too). */
const FORMAT_NAMES: Record<string, AnnotationFormat> = {
  comprehend: 'comprehend-jsonl',
  'comprehend-jsonl': 'comprehend-jsonl',
  spacy: 'spacy-jsonl',
  'spacy-jsonl': 'spacy-jsonl',
  brat: 'brat',
};

export interface ReviewCommandOptions {
  format?: string;
  reviewer?: string;
  out?: string;
  includeRejected?: boolean;
  a?: string;
  b?: string;
  json?: boolean;
  /** `--document ID,...`: only these notes. */
  documents?: string;
}

function formatOf(name: string | undefined): AnnotationFormat {
  if (name === undefined || name === '') throw new CliError(`missing --format comprehend|spacy|brat (usage: ${REVIEW_USAGE})`);
  const format = FORMAT_NAMES[name];
  if (!format) throw new CliError(`--format must be comprehend, spacy or brat (got "${oneLine(name).slice(0, 40)}")`);
  return format;
}

function named(option: string, text: string | undefined): string {
  const name = text?.trim() ?? '';
  if (name === '') throw new CliError(`missing --${option} NAME (usage: ${REVIEW_USAGE})`);
  return name;
}

function documentIds(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const ids = text.split(',').map((id) => id.trim()).filter((id) => id !== '');
  if (ids.length === 0) throw new CliError('--document needs at least one note id');
  return ids;
}

/**
 * Where the export goes: one file to stdout when there is no --out; with --out, a folder when the
 * export has several files (BRAT) or PATH is an existing folder, else the file itself.
 */
export function writeExport(files: readonly AnnotationFile[], out: string | undefined, io: CliIo): string[] {
  if (out === undefined) {
    if (files.length !== 1) throw new CliError('a BRAT export is one .txt and one .ann per note: give --out FOLDER');
    io.out(files[0]!.text);
    return [];
  }
  const target = path.resolve(out);
  const asFolder = files.length !== 1 || (existsSync(target) && statSync(target).isDirectory());
  if (!asFolder) {
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, files[0]!.text);
    return [target];
  }
  mkdirSync(target, { recursive: true });
  return files.map((file) => {
    // Names come from the exporter (ids %-escaped), but a folder part must never leave --out.
    const written = path.join(target, path.basename(file.name));
    writeFileSync(written, file.text);
    return written;
  });
}

/** The files named on the command line; a folder gives every file in it (and below), named relative to it. */
export function readImportFiles(paths: readonly string[]): AnnotationFile[] {
  const files: AnnotationFile[] = [];
  const walk = (folder: string, base: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true }).sort((x, y) => x.name.localeCompare(y.name))) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full, base);
      else if (entry.isFile()) files.push({ name: path.relative(base, full), text: readFileSync(full, 'utf8') });
    }
  };
  for (const given of paths) {
    if (!existsSync(given)) throw new CliError(`no such file: ${given}`);
    if (statSync(given).isDirectory()) walk(given, given);
    else files.push({ name: given, text: readFileSync(given, 'utf8') });
  }
  if (files.length === 0) throw new CliError('no files to import');
  return files;
}

const fixed = (n: number) => (Number.isFinite(n) ? n.toFixed(3) : String(n));

/** The agreement report as text: overall kappa, a table per category, the notes with differences. */
export function agreementText(report: AgreementReport): string {
  const lines = [`reviewers: ${report.reviewerA} (A) and ${report.reviewerB} (B)`, `notes: ${report.documents}`, `kappa: ${fixed(report.kappa)}`];
  if (report.perCategory.length > 0) {
    lines.push('', ['category', 'A', 'B', 'both', 'F1', 'kappa'].join('\t'));
    const order = new Map(ENTITY_CATEGORIES.map((c, i) => [c, i]));
    for (const row of [...report.perCategory].sort((x, y) => (order.get(x.category) ?? 0) - (order.get(y.category) ?? 0))) {
      lines.push([row.category, row.a, row.b, row.both, fixed(row.f1), fixed(row.kappa)].join('\t'));
    }
  }
  const differing = report.perDocument.filter((row) => row.differences > 0);
  const total = report.perDocument.reduce((sum, row) => sum + row.differences, 0);
  lines.push('', `differences: ${total} in ${differing.length} note(s)`);
  for (const row of differing) lines.push(`  ${row.documentId}\t${row.differences}`);
  return `${lines.join('\n')}\n`;
}

export async function reviewCommand(args: readonly string[], options: ReviewCommandOptions, io: CliIo): Promise<number> {
  const [sub, dir, ...rest] = args;
  if (sub === undefined) throw new CliError(`missing review command: export, import or agreement (usage: ${REVIEW_USAGE})`);
  if (!['export', 'import', 'agreement'].includes(sub)) throw new CliError(`unknown review command "${oneLine(sub).slice(0, 40)}" (export, import or agreement)`);
  if (dir === undefined || dir === '') throw new CliError(`missing argument DIR (usage: ${REVIEW_USAGE})`);
  const misplaced = (names: Array<keyof ReviewCommandOptions>, flags: string[]) =>
    names.forEach((name, i) => {
      if (options[name] !== undefined) throw new CliError(`${flags[i]} does not belong to "hearth review ${sub}"`);
    });

  if (sub === 'export') {
    misplaced(['a', 'b', 'json'], ['--a', '--b', '--json']);
    if (rest.length > 0) throw new CliError(`unexpected argument "${oneLine(rest[0]!).slice(0, 60)}" (usage: ${REVIEW_USAGE})`);
    const format = formatOf(options.format);
    const reviewer = named('reviewer', options.reviewer);
    const ids = documentIds(options.documents);
    return withSession(dir, io, async (session) => {
      const files = value(
        await session.services.review.export({ format, reviewer, includeRejected: options.includeRejected === true, ...(ids ? { documentIds: ids } : {}) }),
      );
      const written = writeExport(files, options.out, io);
      if (written.length > 0) io.err(`wrote ${written.length} file(s) to ${written.length === 1 ? written[0] : path.resolve(options.out ?? '.')}\n`);
      return 0;
    });
  }

  if (sub === 'import') {
    misplaced(['a', 'b', 'json', 'out', 'includeRejected', 'documents'], ['--a', '--b', '--json', '--out', '--include-rejected', '--document']);
    const format = formatOf(options.format);
    const reviewer = named('reviewer', options.reviewer);
    if (rest.length === 0) throw new CliError(`missing FILE (usage: ${REVIEW_USAGE})`);
    const files = readImportFiles(rest);
    return withSession(dir, io, async (session) => {
      const result = value(await session.services.review.import({ format, reviewer, files }));
      io.out(`files: ${files.length}\nnotes: ${result.documents}\nannotations written: ${result.annotations}\nerrors: ${result.errors.length}\n`);
      for (const error of result.errors) io.err(`${error.file}${error.line > 0 ? `:${error.line}` : ''}: ${oneLine(error.message)}\n`);
      return result.errors.length > 0 ? 2 : 0;
    });
  }

  misplaced(['format', 'reviewer', 'out', 'includeRejected'], ['--format', '--reviewer', '--out', '--include-rejected']);
  if (rest.length > 0) throw new CliError(`unexpected argument "${oneLine(rest[0]!).slice(0, 60)}" (usage: ${REVIEW_USAGE})`);
  const reviewerA = named('a', options.a);
  const reviewerB = named('b', options.b);
  const ids = documentIds(options.documents);
  return withSession(dir, io, async (session) => {
    const report = value(await session.services.review.agreement({ reviewerA, reviewerB, ...(ids ? { documentIds: ids } : {}) }));
    io.out(options.json === true ? `${JSON.stringify(report, null, 2)}\n` : agreementText(report));
    return 0;
  });
}
