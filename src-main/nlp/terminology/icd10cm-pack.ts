/**
 * The ICD-10-CM pack: the order file's codes and titles joined with the Alphabetic Index's terms,
 * in a compact, JSON-serialisable shape (what the vault stores), and the CodeSystemIndex built
 * from it. The index may be an older release than the codes (here FY2017 beside FY2026): a term
 * whose code no longer exists is dropped and counted.
 */
import type { CodeSystemIndex } from '../types';
import { bareIcd10Code, dottedIcd10Code, readIcd10cmOrderFile } from './icd10cm-order';
import { readIcd10cmIndexXml, type Icd10cmIndexTerm } from './icd10cm-index-xml';
import { withoutParentheses } from './normalize';
import { TermIndexBuilder, type TermEntry, type TermIndex } from './term-index';

export const ICD10CM_PACK_FORMAT = 'hearth-icd10cm-pack';
export const ICD10CM_SYSTEM_URL = 'http://hl7.org/fhir/sid/icd-10-cm';

/** Separates the titles of an index term's path in `indexTermPaths`. */
export const INDEX_PATH_SEPARATOR = '\t';

export interface Icd10cmPackData {
  format: typeof ICD10CM_PACK_FORMAT;
  formatVersion: 1;
  /** e.g. 'icd10cm-2026'. */
  version: string;
  /** Codes as the order file writes them (no dot), in tabular order. */
  codes: string[];
  /** One character per code: '1' billable, '0' header. */
  billable: string;
  shortTitles: string[];
  longTitles: string[];
  /** Release of the Alphabetic Index joined in, e.g. '2017'; absent when none was. */
  indexVersion?: string;
  /** Index term paths (main term first, titles joined by INDEX_PATH_SEPARATOR), each with a code below. */
  indexTermPaths: string[];
  /** Position in `codes` of each index term's code. */
  indexTermCodes: number[];
}

export interface Icd10cmPackStats {
  codes: number;
  billable: number;
  headers: number;
  /** Main terms and sub-terms read from the index. */
  indexTermsRead: number;
  indexTermsWithCode: number;
  /** Terms whose code exists in this release. */
  indexTermsJoined: number;
  /** Terms whose code does not exist in this release (deleted or expanded since the index's year). */
  indexTermsDropped: number;
  /** Distinct codes behind the dropped terms. */
  indexCodesDropped: number;
  /** Terms that only send elsewhere (`see`). */
  indexTermsSeeOnly: number;
}

export interface Icd10cmSourceFiles {
  orderFile: string;
  indexFile?: string;
  /** e.g. 'icd10cm-2026'; default from the order file's name. */
  version?: string;
}

export interface PackReadProgress {
  file: string;
  records: number;
  bytesRead: number;
  bytesTotal: number;
}

export interface PackReadOptions {
  signal?: AbortSignal;
  onProgress?: (progress: PackReadProgress) => void;
}

/** 'icd10cm-order-2026.txt' → 'icd10cm-2026'. */
export function icd10VersionFromFileName(file: string): string {
  const year = /(\d{4})/.exec(file.split(/[\\/]/).pop() ?? '')?.[1];
  return year ? `icd10cm-${year}` : 'icd10cm';
}

/** Reads the official files into a pack (streaming; the pack itself is the only thing kept). */
export async function readIcd10cmPack(source: Icd10cmSourceFiles, options: PackReadOptions = {}): Promise<{ pack: Icd10cmPackData; stats: Icd10cmPackStats }> {
  const codes: string[] = [];
  const billableFlags: string[] = [];
  const shortTitles: string[] = [];
  const longTitles: string[] = [];
  const position = new Map<string, number>();
  let records = 0;
  for await (const record of readIcd10cmOrderFile(source.orderFile, {
    ...(options.signal ? { signal: options.signal } : {}),
    onProgress: (p) => options.onProgress?.({ file: source.orderFile, records: p.lines, bytesRead: p.bytesRead, bytesTotal: p.bytesTotal }),
  })) {
    records += 1;
    if (position.has(record.code)) continue;
    position.set(record.code, codes.length);
    codes.push(record.code);
    billableFlags.push(record.billable ? '1' : '0');
    shortTitles.push(record.shortTitle);
    longTitles.push(record.longTitle);
  }
  const billable = billableFlags.join('');
  let billableCount = 0;
  for (const flag of billableFlags) if (flag === '1') billableCount += 1;

  const stats: Icd10cmPackStats = {
    codes: codes.length,
    billable: billableCount,
    headers: codes.length - billableCount,
    indexTermsRead: 0,
    indexTermsWithCode: 0,
    indexTermsJoined: 0,
    indexTermsDropped: 0,
    indexCodesDropped: 0,
    indexTermsSeeOnly: 0,
  };
  const pack: Icd10cmPackData = {
    format: ICD10CM_PACK_FORMAT,
    formatVersion: 1,
    version: source.version ?? icd10VersionFromFileName(source.orderFile),
    codes,
    billable,
    shortTitles,
    longTitles,
    indexTermPaths: [],
    indexTermCodes: [],
  };
  if (source.indexFile === undefined) return { pack, stats };

  const droppedCodes = new Set<string>();
  const indexFile = source.indexFile;
  const year = /(\d{4})/.exec(indexFile.split(/[\\/]/).pop() ?? '')?.[1];
  if (year) pack.indexVersion = year;
  for await (const term of readIcd10cmIndexXml(indexFile, {
    ...(options.signal ? { signal: options.signal } : {}),
    onProgress: (p) => options.onProgress?.({ file: indexFile, records: records + p.terms, bytesRead: p.bytesRead, bytesTotal: p.bytesTotal }),
  })) {
    stats.indexTermsRead += 1;
    if (term.code === undefined) {
      if (term.see !== undefined) stats.indexTermsSeeOnly += 1;
      continue;
    }
    stats.indexTermsWithCode += 1;
    const codeIndex = position.get(bareIcd10Code(term.code));
    if (codeIndex === undefined) {
      stats.indexTermsDropped += 1;
      droppedCodes.add(bareIcd10Code(term.code));
      continue;
    }
    stats.indexTermsJoined += 1;
    pack.indexTermPaths.push(term.path.join(INDEX_PATH_SEPARATOR));
    pack.indexTermCodes.push(codeIndex);
  }
  stats.indexCodesDropped = droppedCodes.size;
  return { pack, stats };
}

export function icd10PackStats(pack: Icd10cmPackData): Pick<Icd10cmPackStats, 'codes' | 'billable' | 'headers' | 'indexTermsJoined'> {
  let billable = 0;
  for (let i = 0; i < pack.billable.length; i++) if (pack.billable.charCodeAt(i) === 49) billable += 1;
  return { codes: pack.codes.length, billable, headers: pack.codes.length - billable, indexTermsJoined: pack.indexTermPaths.length };
}

// ---------------------------------------------------------------------------------------------
// Index term paths → phrases

/** Sub-terms that continue the phrase after their parent ("Pneumonia > due to > ..."). */
const CONNECTIVE = /^(with|without|due to|in|of|from|following|after|during|complicating|complicated by|by|on|associated with|affecting|involving|resulting from|secondary to|not)\b/i;
const QUALIFIER = /\b(NEC|NOS)\b/g;

function cleanTitle(title: string): string {
  return withoutParentheses(title).replace(QUALIFIER, '').replace(/\s+/g, ' ').replace(/[\s,]+$/, '').trim();
}

/**
 * The spellings of a main term: "Hypertension, hypertensive" → both words; a comma before a
 * longer phrase ("Abduction contracture, hip or other joint") is part of the name and stays.
 */
function mainTermVariants(cleaned: string): string[] {
  const parts = cleaned.split(/\s*,\s*/);
  if (parts.length > 1 && parts.slice(1).every((p) => p.length > 0 && !p.includes(' '))) return [...new Set(parts)];
  return [cleaned];
}

/** Most nonessential modifiers of one title turned into phrases (the index lists up to a dozen). */
const MAX_MODIFIERS = 8;

/** '(mellitus) (sugar)' → ['mellitus', 'sugar']. */
function modifiers(title: string): string[] {
  const found: string[] = [];
  for (const match of title.matchAll(/[([]([^)\]]*)[)\]]/g)) {
    const text = match[1]!.replace(/^[-\s]+/, '').replace(QUALIFIER, '').trim();
    if (text.length > 0 && found.length < MAX_MODIFIERS) found.push(text);
  }
  return found;
}

/** A title and, for each nonessential modifier, the title with it before and after ("essential hypertension", "urinary tract"). */
function withModifiers(title: string, base: string): string[] {
  const spellings = [base];
  for (const modifier of modifiers(title)) spellings.push(`${modifier} ${base}`, `${base} ${modifier}`);
  return spellings;
}

/** Joins cleaned sub-terms to a main-term spelling: modifiers go before the noun, connectives after. */
function joinPath(main: string, subs: readonly string[]): string {
  let phrase = main;
  let appendNext = false;
  for (const sub of subs) {
    if (sub.length === 0) continue;
    if (appendNext || CONNECTIVE.test(sub)) {
      phrase = `${phrase} ${sub}`;
      appendNext = CONNECTIVE.test(sub) && sub.split(' ').length <= 2;
    } else {
      phrase = `${sub} ${phrase}`;
      appendNext = false;
    }
  }
  return phrase;
}

/**
 * The phrases an index path stands for, as a clinician writes them. The index inverts phrases
 * ("Hypertension > essential" is "essential hypertension"; "Pneumonia > due to > Streptococcus"
 * is "pneumonia due to Streptococcus"), and nonessential modifiers may be present or not
 * ("Infection > urinary (tract)": "urinary infection", "urinary tract infection"). Modifiers are
 * expanded on the main term and on the last sub-term only, to keep the phrase count linear.
 */
export function indexTermPhrases(path: readonly string[]): string[] {
  const [main, ...subs] = path;
  if (main === undefined) return [];
  const cleanSubs = subs.map(cleanTitle);
  const phrases = new Set<string>();
  for (const variant of mainTermVariants(cleanTitle(main))) {
    if (variant.length === 0) continue;
    for (const mainSpelling of withModifiers(main, variant)) phrases.add(joinPath(mainSpelling, cleanSubs));
    const last = subs[subs.length - 1];
    if (last !== undefined) {
      for (const lastSpelling of withModifiers(last, cleanSubs[cleanSubs.length - 1]!).slice(1)) {
        phrases.add(joinPath(variant, [...cleanSubs.slice(0, -1), lastSpelling]));
      }
    }
    // A single modifier also reads after the noun ("diabetes type 2", "angina unstable").
    if (cleanSubs.length === 1 && cleanSubs[0]!.length > 0 && !CONNECTIVE.test(cleanSubs[0]!)) phrases.add(`${variant} ${cleanSubs[0]!}`);
  }
  return [...phrases];
}

// ---------------------------------------------------------------------------------------------
// The loaded index

export interface Icd10cmIndex extends CodeSystemIndex {
  readonly system: 'ICD10CM';
  /** Index terms and titles as {normalised term, dotted code}: dictionary entries for the matcher. */
  extraTerms(): Iterable<TermEntry>;
  /** True for codes valid for billing (leaves of the tabular list). */
  isBillable(code: string): boolean;
  readonly codeCount: number;
  readonly termCount: number;
}

class LoadedIcd10cmIndex implements Icd10cmIndex {
  readonly system = 'ICD10CM' as const;

  constructor(
    readonly version: string,
    private readonly terms: TermIndex,
    private readonly billable: string,
  ) {}

  get codeCount(): number {
    return this.terms.codeCount;
  }

  get termCount(): number {
    return this.terms.termCount;
  }

  describe(code: string): string | undefined {
    return this.terms.describe(code);
  }

  isBillable(code: string): boolean {
    const index = this.terms.codeIndex(code);
    return index !== undefined && this.billable.charCodeAt(index) === 49;
  }

  search(normalizedPhrase: string, limit: number) {
    return this.terms.search(normalizedPhrase, limit);
  }

  extraTerms(): Iterable<TermEntry> {
    return { [Symbol.iterator]: () => this.terms.extraTerms() };
  }
}

/** Builds the searchable index of a pack: codes with their long titles, the titles without parenthesised modifiers, the index phrases. */
export function icd10IndexFromPack(pack: Icd10cmPackData): Icd10cmIndex {
  const builder = new TermIndexBuilder(bareIcd10Code);
  const { codes, billable, longTitles } = pack;
  for (let i = 0; i < codes.length; i++) {
    const title = longTitles[i]!;
    const index = builder.addCode(dottedIcd10Code(codes[i]!), title, billable.charCodeAt(i) === 49);
    builder.addTerm(index, title);
    builder.addTerm(index, cleanTitle(title));
  }
  for (let t = 0; t < pack.indexTermPaths.length; t++) {
    const codeIndex = pack.indexTermCodes[t]!;
    for (const phrase of indexTermPhrases(pack.indexTermPaths[t]!.split(INDEX_PATH_SEPARATOR))) builder.addTerm(codeIndex, phrase);
  }
  return new LoadedIcd10cmIndex(pack.version, builder.build(), billable);
}

export type { Icd10cmIndexTerm };
