/**
 * Annotations as BRAT standoff (https://brat.nlplab.org/standoff.html; docs/annotation-formats.md):
 * per document `<id>.txt` (the note, byte for byte) and `<id>.ann`, plus one `annotation.conf` and
 * `tools.conf` so BRAT opens the folder as a collection.
 *
 *     T1	DX_NAME 10 22	hypertension           text-bound: entity TYPE, character offsets, text
 *     A1	Negation T1                            a trait, as a binary attribute
 *     A2	Decision T1 accepted                   the decision, a multi-valued attribute
 *     N1	Reference T1 ICD10CM:I10	Essential hypertension    the chosen concept
 *     #1	AnnotatorNotes T1	hearth {"id":"e:10-22-MEDICAL_CONDITION",...}    the rest, as JSON
 *
 * Offsets are BRAT's: code points of the text read with universal newlines (`\r\n` is one
 * character), converted from and to Hearth's UTF-16 units (offsets.ts). A text-bound line cannot
 * hold a line break, and BRAT wants the line's text to equal the note's, so a span that crosses
 * lines is written as fragments split at the line breaks (`T1	DX_NAME 0 5;6 10	chest pain`);
 * on import, fragments separated only by line breaks join back into one span. A span BRAT offsets
 * cannot write exactly (one that starts or ends on a line break) keeps its UTF-16 span in the note.
 *
 * Files BRAT users write themselves import too: a text-bound annotation without a Hearth note is a
 * person's (`origin: reviewer`, `u:<n>`), accepted unless a Decision attribute says otherwise.
 * Relations, events and real discontinuous spans are not part of the workspace: those lines are
 * errors, the rest of the file goes on.
 */
import { z } from 'zod';
import { ENTITY_CATEGORIES, ENTITY_TYPES, TRAIT_NAMES, type Attribute, type Concept, type TraitName } from '../../nlp/types';
import type { AnnotationFile, ChosenConcept, ReviewAnnotation } from '../types';
import {
  CATEGORY_OF_TYPE,
  checkAnnotation,
  DECISIONS,
  firstIssue,
  isConceptSystem,
  isDecision,
  isEntityType,
  parseAttributes,
  parseConcepts,
  DocumentCollector,
  type AnnotationImport,
  type ExportDocument,
} from './common';
import { bratOffsets, type OffsetMap } from './offsets';

/** Trait → BRAT attribute name: NEGATION → Negation, PAST_HISTORY → PastHistory. */
export function bratAttributeName(trait: TraitName): string {
  return trait
    .toLowerCase()
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}

const TRAIT_OF_ATTRIBUTE: ReadonlyMap<string, TraitName> = new Map(TRAIT_NAMES.flatMap((t): Array<[string, TraitName]> => [[bratAttributeName(t), t], [t, t]]));

const NOTE_PREFIX = 'hearth ';

/** The note's JSON: what BRAT lines do not say. */
const noteSchema = z
  .object({
    id: z.string().min(1),
    origin: z.enum(['engine', 'reviewer']),
    edited: z.boolean(),
    score: z.number().finite().optional(),
    reviewedBy: z.string().optional(),
    reviewedAt: z.string().optional(),
    candidates: z.unknown().optional(),
    attributes: z.unknown().optional(),
    /** The concept's display when it holds a line break (the N line's text cannot). */
    conceptDisplay: z.string().optional(),
    /** The exact UTF-16 span, when BRAT's fragments do not give it back. */
    span: z.tuple([z.number().int(), z.number().int()]).optional(),
  })
  .strict();
type Note = z.infer<typeof noteSchema>;

/** The file names of a document: FHIR ids ([A-Za-z0-9.-]) stay as they are; anything else is %-escaped. */
function baseName(documentId: string): string {
  return encodeURIComponent(documentId);
}

function documentIdOf(base: string): string {
  try {
    return decodeURIComponent(base);
  } catch {
    return base;
  }
}

/** `annotation.conf`: the categories as abstract parents of their types, the traits and the decision. */
export function bratAnnotationConf(): string {
  const lines = ['# Hearth annotation export (docs/annotation-formats.md)', '[entities]'];
  for (const category of ENTITY_CATEGORIES) {
    lines.push(`!${category}`);
    for (const type of ENTITY_TYPES[category]) lines.push(`\t${type}`);
  }
  lines.push('', '[relations]', '# Overlapping and nested spans are part of the data.', '<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>');
  lines.push('', '[events]', '', '[attributes]');
  for (const trait of TRAIT_NAMES) lines.push(`${bratAttributeName(trait)}\tArg:<ENTITY>`);
  lines.push(`Decision\tArg:<ENTITY>, Value:${DECISIONS.join('|')}`, '');
  return lines.join('\n');
}

/** `tools.conf`: the two normalisation vocabularies, so BRAT shows the N lines. */
export function bratToolsConf(): string {
  return [
    '[normalization]',
    'ICD10CM\t<URL>:https://www.cms.gov/medicare/coding-billing/icd-10-codes, <URLBASE>:https://www.icd10data.com/search?s=%s',
    'RXNORM\t<URL>:https://www.nlm.nih.gov/research/umls/rxnorm/, <URLBASE>:https://mor.nlm.nih.gov/RxNav/search?searchBy=RXCUI&searchTerm=%s',
    '',
  ].join('\n');
}

const isLineBreak = (code: number) => code === 0x0a || code === 0x0d;

/** The span's pieces between line breaks (UTF-16); a span of line breaks only is one empty piece at its start. */
function fragmentsOf(text: string, begin: number, end: number): Array<[number, number]> {
  const pieces: Array<[number, number]> = [];
  let start = begin;
  for (let i = begin; i < end; i++) {
    if (!isLineBreak(text.charCodeAt(i))) continue;
    if (i > start) pieces.push([start, i]);
    start = i + 1;
  }
  if (end > start) pieces.push([start, end]);
  return pieces.length > 0 ? pieces : [[begin, begin]];
}

/** The one span fragments separated only by line breaks stand for; undefined for a real discontinuous span. */
function joinFragments(text: string, fragments: ReadonlyArray<[number, number]>): [number, number] | undefined {
  for (let k = 1; k < fragments.length; k++) {
    const gapStart = fragments[k - 1]![1];
    const gapEnd = fragments[k]![0];
    if (gapEnd < gapStart) return undefined;
    for (let i = gapStart; i < gapEnd; i++) if (!isLineBreak(text.charCodeAt(i))) return undefined;
  }
  return [fragments[0]![0], fragments[fragments.length - 1]![1]];
}

function fragmentText(text: string, fragments: ReadonlyArray<[number, number]>): string {
  // BRAT joins the texts of a discontinuous annotation's fragments with one space.
  return fragments.map(([b, e]) => text.slice(b, e)).join(' ');
}

function annFile(document: ExportDocument): string {
  const { text } = document;
  const offsets = bratOffsets(text);
  const lines: string[] = [];
  let attribute = 0;
  let normalization = 0;
  let note = 0;
  document.annotations.forEach((annotation, index) => {
    const id = `T${index + 1}`;
    const fragments = fragmentsOf(text, annotation.begin, annotation.end);
    const external = fragments.map(([b, e]): [number, number] => [offsets.toExternal(b), offsets.toExternal(e)]);
    lines.push(`${id}\t${annotation.type} ${external.map(([b, e]) => `${b} ${e}`).join(';')}\t${fragmentText(text, fragments)}`);
    for (const trait of annotation.traits) lines.push(`A${++attribute}\t${bratAttributeName(trait)} ${id}`);
    lines.push(`A${++attribute}\tDecision ${id} ${annotation.decision}`);
    const extra: Note = { id: annotation.id, origin: annotation.origin, edited: annotation.edited };
    if (annotation.concept) {
      const { system, code, display } = annotation.concept;
      const oneLine = display.replace(/[\r\n]+/g, ' ');
      if (oneLine !== display) extra.conceptDisplay = display;
      lines.push(`N${++normalization}\tReference ${id} ${system}:${code}\t${oneLine}`);
    }
    if (annotation.score !== undefined) extra.score = annotation.score;
    if (annotation.reviewedBy !== undefined) extra.reviewedBy = annotation.reviewedBy;
    if (annotation.reviewedAt !== undefined) extra.reviewedAt = annotation.reviewedAt;
    if (annotation.candidates !== undefined) extra.candidates = annotation.candidates;
    if (annotation.attributes !== undefined) extra.attributes = annotation.attributes;
    const back = spanFromExternal(text, offsets, external);
    if (!back || back[0] !== annotation.begin || back[1] !== annotation.end) extra.span = [annotation.begin, annotation.end];
    lines.push(`#${++note}\tAnnotatorNotes ${id}\t${NOTE_PREFIX}${JSON.stringify(extra)}`);
  });
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** BRAT fragments → UTF-16 fragments and the span they stand for (undefined when outside the text or really discontinuous). */
function spanFromExternal(text: string, offsets: OffsetMap, external: ReadonlyArray<[number, number]>): [number, number] | undefined {
  const fragments: Array<[number, number]> = [];
  for (const [b, e] of external) {
    const begin = offsets.toUtf16(b);
    const end = offsets.toUtf16(e);
    if (begin === undefined || end === undefined || begin > end) return undefined;
    fragments.push([begin, end]);
  }
  return fragments.length === 0 ? undefined : joinFragments(text, fragments);
}

/** Every document as `.txt` + `.ann`, then `annotation.conf` and `tools.conf`. */
export function exportBrat(documents: readonly ExportDocument[]): AnnotationFile[] {
  const files: AnnotationFile[] = [];
  for (const document of documents) {
    const base = baseName(document.documentId);
    files.push({ name: `${base}.txt`, text: document.text }, { name: `${base}.ann`, text: annFile(document) });
  }
  files.push({ name: 'annotation.conf', text: bratAnnotationConf() }, { name: 'tools.conf', text: bratToolsConf() });
  return files;
}

interface TextBound {
  line: number;
  type: string;
  external: Array<[number, number]>;
  text: string;
  traits: TraitName[];
  decision?: ReviewAnnotation['decision'];
  concept?: { system: ChosenConcept['system']; code: string; display: string };
  note?: Note;
}

/** Reads one `.ann` against its text; errors go to the collector, one per bad line. */
function readAnn(fileName: string, ann: string, text: string, collector: DocumentCollector): ReviewAnnotation[] {
  const offsets = bratOffsets(text);
  const bounds = new Map<string, TextBound>();
  const later: Array<{ line: number; id: string; body: string; tail: string | undefined }> = [];
  ann.split(/\r?\n/).forEach((content, i) => {
    const line = i + 1;
    if (content.trim() === '') return;
    const tab = content.indexOf('\t');
    if (tab < 0) return collector.error(fileName, line, 'no tab after the annotation id');
    const id = content.slice(0, tab);
    const rest = content.slice(tab + 1);
    const tab2 = rest.indexOf('\t');
    const body = tab2 < 0 ? rest : rest.slice(0, tab2);
    const tail = tab2 < 0 ? undefined : rest.slice(tab2 + 1);
    if (/^T\d+/.test(id)) {
      const match = /^(\S+) (\d+ \d+(?:;\d+ \d+)*)$/.exec(body);
      if (!match) return collector.error(fileName, line, `${id}: expected "TYPE START END" (fragments separated by ;)`);
      if (bounds.has(id)) return collector.error(fileName, line, `${id} is defined twice`);
      const external = match[2]!.split(';').map((pair): [number, number] => {
        const [b, e] = pair.split(' ').map(Number);
        return [b!, e!];
      });
      bounds.set(id, { line, type: match[1]!, external, text: tail ?? '', traits: [] });
    } else {
      later.push({ line, id, body, tail });
    }
  });

  for (const { line, id, body, tail } of later) {
    const words = body.split(' ');
    const target = bounds.get(words[1] ?? '');
    if (id.startsWith('A') || id.startsWith('M')) {
      if (!target) {
        collector.error(fileName, line, `${id}: unknown target ${words[1] ?? ''}`);
        continue;
      }
      if (words[0] === 'Decision') {
        if (words.length !== 3 || !isDecision(words[2])) collector.error(fileName, line, `${id}: Decision must be one of ${DECISIONS.join(', ')}`);
        else if (target.decision !== undefined) collector.error(fileName, line, `${id}: a second Decision for ${words[1]}`);
        else target.decision = words[2];
        continue;
      }
      const trait = TRAIT_OF_ATTRIBUTE.get(words[0] ?? '');
      if (!trait || words.length !== 2) collector.error(fileName, line, `${id}: unknown attribute ${words[0] ?? ''}`);
      else if (target.traits.includes(trait)) collector.error(fileName, line, `${id}: ${words[0]} repeated for ${words[1]}`);
      else target.traits.push(trait);
    } else if (id.startsWith('N')) {
      const reference = /^(\S+) (\S+) (\S+?):(\S+)$/.exec(body);
      if (!reference || !target) {
        collector.error(fileName, line, `${id}: expected "Reference T<n> SYSTEM:CODE"`);
        continue;
      }
      const system = reference[3]!;
      if (!isConceptSystem(system)) collector.error(fileName, line, `${id}: unknown vocabulary ${system} (ICD10CM or RXNORM)`);
      else if (target.concept) collector.error(fileName, line, `${id}: a second normalization for ${words[1]}`);
      else target.concept = { system, code: reference[4]!, display: tail ?? '' };
    } else if (id.startsWith('#')) {
      if (words[0] !== 'AnnotatorNotes' || !target || tail === undefined || !tail.startsWith(NOTE_PREFIX)) continue; // a person's note
      let json: unknown;
      try {
        json = JSON.parse(tail.slice(NOTE_PREFIX.length));
      } catch {
        collector.error(fileName, line, `${id}: the hearth note is not valid JSON`);
        continue;
      }
      const parsed = noteSchema.safeParse(json);
      if (!parsed.success) collector.error(fileName, line, `${id}: ${firstIssue(parsed.error)}`);
      else target.note = parsed.data;
    } else {
      collector.error(fileName, line, `${id}: relations, events and equivalences are not imported`);
    }
  }

  const annotations: ReviewAnnotation[] = [];
  let added = 0;
  for (const [id, bound] of bounds) {
    added++;
    const result = toAnnotation(bound, text, offsets, added);
    if (typeof result === 'string') collector.error(fileName, bound.line, `${id}: ${result}`);
    else annotations.push(result);
  }
  return annotations;
}

function toAnnotation(bound: TextBound, text: string, offsets: OffsetMap, ordinal: number): ReviewAnnotation | string {
  if (!isEntityType(bound.type)) return `unknown entity type ${bound.type}`;
  const category = CATEGORY_OF_TYPE.get(bound.type)!;
  const span = spanFromExternal(text, offsets, bound.external);
  if (!span) return 'offsets outside the text, or a discontinuous span (not supported)';
  const fragments = bound.external.map(([b, e]): [number, number] => [offsets.toUtf16(b)!, offsets.toUtf16(e)!]);
  if (fragmentText(text, fragments) !== bound.text) return 'the text does not match the note at these offsets';
  const { note } = bound;
  let [begin, end] = span;
  if (note?.span) {
    // The note's span counts only while the fragments are still the ones it was written with (BRAT edits move them).
    const [b, e] = note.span;
    const written = fragmentsOf(text, b, e).map(([fb, fe]) => `${offsets.toExternal(fb)} ${offsets.toExternal(fe)}`).join(';');
    if (b >= 0 && e <= text.length && b < e && written === bound.external.map(([fb, fe]) => `${fb} ${fe}`).join(';')) [begin, end] = [b, e];
  }
  let candidates: Concept[] | undefined;
  let attributes: Attribute[] | undefined;
  if (note?.candidates !== undefined) {
    const parsed = parseConcepts(note.candidates, 'candidates');
    if (typeof parsed === 'string') return parsed;
    candidates = parsed;
  }
  if (note?.attributes !== undefined) {
    const parsed = parseAttributes(note.attributes);
    if (typeof parsed === 'string') return parsed;
    attributes = parsed;
  }
  const concept = bound.concept && { ...bound.concept, display: note?.conceptDisplay ?? bound.concept.display };
  return checkAnnotation(
    {
      id: note?.id ?? `u:${ordinal}`,
      origin: note?.origin ?? 'reviewer',
      begin,
      end,
      text: text.slice(begin, end),
      category,
      type: bound.type,
      ...(note?.score !== undefined ? { score: note.score } : {}),
      traits: bound.traits,
      ...(concept ? { concept } : {}),
      ...(candidates ? { candidates } : {}),
      ...(attributes ? { attributes } : {}),
      decision: bound.decision ?? 'accepted',
      edited: note?.edited ?? false,
      ...(note?.reviewedBy !== undefined ? { reviewedBy: note.reviewedBy } : {}),
      ...(note?.reviewedAt !== undefined ? { reviewedAt: note.reviewedAt } : {}),
    },
    text,
  );
}

/** Pairs `<name>.txt` with `<name>.ann` (folders in names are ignored); other files (the .conf files) are skipped. */
export function importBrat(files: readonly AnnotationFile[]): AnnotationImport {
  const collector = new DocumentCollector();
  const texts = new Map<string, AnnotationFile>();
  const anns = new Map<string, AnnotationFile>();
  for (const file of files) {
    const leaf = file.name.split(/[\\/]/).pop() ?? file.name;
    const match = /^(.+)\.(txt|ann)$/.exec(leaf);
    if (!match) continue;
    const table = match[2] === 'txt' ? texts : anns;
    if (table.has(match[1]!)) collector.error(file.name, 0, `a second file for ${leaf}`);
    else table.set(match[1]!, file);
  }
  for (const [base, ann] of anns) if (!texts.has(base)) collector.error(ann.name, 0, `no ${base}.txt beside it`);
  for (const [base, txt] of texts) {
    const ann = anns.get(base);
    const annotations = ann ? readAnn(ann.name, ann.text, txt.text, collector) : [];
    collector.add({ documentId: documentIdOf(base), text: txt.text, annotations }, ann?.name ?? txt.name, 0);
  }
  return collector.result();
}
