/**
 * Annotations as spaCy / Prodigy-style JSONL (docs/annotation-formats.md): one document per line,
 * `{"text", "spans": [{"start", "end", "label", ...}], "meta": {"id", ...}}`, the shape Prodigy's
 * `spans` and spaCy's `Doc.char_span` / `doc.spans[...]` training scripts read.
 *
 * - `start`/`end` are character offsets as Python counts them (Unicode code points, end exclusive),
 *   converted from Hearth's UTF-16 units, so `text[start:end]` in Python is the span.
 * - `label` is the entity TYPE (`DX_NAME`, `GENERIC_NAME`...): every type belongs to one category
 *   only, so the label alone is unambiguous, and it is the granularity NER models are trained on;
 *   `category` is written beside it for readers.
 * - `kb_id` is the chosen concept as `SYSTEM:code` (`ICD10CM:I10`, `RXNORM:197361`), spaCy's
 *   entity-linking slot; `kb_name` its display.
 * - Everything else the workspace knows sits in span fields spaCy and Prodigy ignore: `id`,
 *   `origin`, `decision`, `edited`, `traits`, `score`, `candidates`, `attributes`, `reviewed_by`,
 *   `reviewed_at`, so export then import gives back the same annotations.
 *
 * A document's spans keep the given order; overlapping and nested spans are allowed (use them as
 * a spaCy `SpanGroup`; `doc.ents` needs non-overlapping ones).
 */
import { z } from 'zod';
import { TRAIT_NAMES, type Attribute, type Concept } from '../../nlp/types';
import type { AnnotationFile, ChosenConcept, ReviewAnnotation } from '../types';
import {
  CATEGORY_OF_TYPE,
  checkAnnotation,
  CONCEPT_SYSTEMS,
  DocumentCollector,
  firstIssue,
  isEntityType,
  jsonLines,
  parseAttributes,
  parseConcepts,
  type AnnotationImport,
  type ExportDocument,
} from './common';
import { codePointOffsets } from './offsets';

export const SPACY_FILE_NAME = 'annotations.spacy.jsonl';

interface SpacySpan {
  start: number;
  end: number;
  label: string;
  text: string;
  category: string;
  kb_id?: string;
  kb_name?: string;
  id: string;
  origin: 'engine' | 'reviewer';
  decision: string;
  edited: boolean;
  traits: string[];
  score?: number;
  candidates?: Concept[];
  attributes?: Attribute[];
  reviewed_by?: string;
  reviewed_at?: string;
}

const spanSchema = z
  .object({
    start: z.number().int(),
    end: z.number().int(),
    label: z.string(),
    // Prodigy's ner_manual spans have no text: the note's own characters are then taken.
    text: z.string().optional(),
    category: z.string().optional(),
    kb_id: z.string().optional(),
    kb_name: z.string().optional(),
    // Absent in spans another tool wrote: those are a person's annotations (see readSpan).
    id: z.string().min(1).optional(),
    origin: z.enum(['engine', 'reviewer']).optional(),
    decision: z.enum(['pending', 'accepted', 'rejected']).optional(),
    edited: z.boolean().optional(),
    traits: z.array(z.enum(TRAIT_NAMES)).optional(),
    score: z.number().finite().optional(),
    candidates: z.unknown().optional(),
    attributes: z.unknown().optional(),
    reviewed_by: z.string().optional(),
    reviewed_at: z.string().optional(),
  })
  // Prodigy adds token_start, token_end and its own keys: tolerated, not kept.
  .loose();

const lineSchema = z.object({
  text: z.string(),
  spans: z.array(z.unknown()),
  meta: z.object({ id: z.union([z.string().min(1), z.number().finite()]) }).loose(),
});

function spanOf(annotation: ReviewAnnotation, toExternal: (utf16: number) => number): SpacySpan {
  const span: SpacySpan = {
    start: toExternal(annotation.begin),
    end: toExternal(annotation.end),
    label: annotation.type,
    text: annotation.text,
    category: annotation.category,
    id: annotation.id,
    origin: annotation.origin,
    decision: annotation.decision,
    edited: annotation.edited,
    traits: [...annotation.traits],
  };
  if (annotation.concept) {
    span.kb_id = `${annotation.concept.system}:${annotation.concept.code}`;
    span.kb_name = annotation.concept.display;
  }
  if (annotation.score !== undefined) span.score = annotation.score;
  if (annotation.candidates !== undefined) span.candidates = annotation.candidates;
  if (annotation.attributes !== undefined) span.attributes = annotation.attributes;
  if (annotation.reviewedBy !== undefined) span.reviewed_by = annotation.reviewedBy;
  if (annotation.reviewedAt !== undefined) span.reviewed_at = annotation.reviewedAt;
  return span;
}

/** One JSONL file, one line per document. */
export function exportSpacyJsonl(documents: readonly ExportDocument[], name = SPACY_FILE_NAME): AnnotationFile[] {
  const lines = documents.map((document) => {
    const offsets = codePointOffsets(document.text);
    const meta: Record<string, string> = { id: document.documentId };
    if (document.title !== undefined) meta['title'] = document.title;
    if (document.reviewer !== undefined) meta['reviewer'] = document.reviewer;
    return JSON.stringify({ text: document.text, spans: document.annotations.map((a) => spanOf(a, offsets.toExternal)), meta });
  });
  return [{ name, text: lines.length === 0 ? '' : `${lines.join('\n')}\n` }];
}

function readKbId(kbId: string, kbName: string | undefined): ChosenConcept | string {
  const colon = kbId.indexOf(':');
  const system = kbId.slice(0, colon);
  const code = kbId.slice(colon + 1);
  if (colon < 0 || !(CONCEPT_SYSTEMS as readonly string[]).includes(system) || code === '') return `kb_id must be ICD10CM:<code> or RXNORM:<code>`;
  return { system: system as ChosenConcept['system'], code, display: kbName ?? '' };
}

/**
 * One span; `index` numbers spans without an id (a file another tool wrote, e.g. Prodigy's
 * ner_manual): they import as a reviewer's accepted annotations `u:<index + 1>`.
 */
function readSpan(value: unknown, index: number, text: string, toUtf16: (external: number) => number | undefined): ReviewAnnotation | string {
  const parsed = spanSchema.safeParse(value);
  if (!parsed.success) return firstIssue(parsed.error);
  const span = parsed.data;
  if (!isEntityType(span.label)) return `unknown label ${span.label}`;
  const category = CATEGORY_OF_TYPE.get(span.label)!;
  if (span.category !== undefined && span.category !== category) return `category ${span.category} does not fit label ${span.label}`;
  const begin = toUtf16(span.start);
  const end = toUtf16(span.end);
  if (begin === undefined || end === undefined) return `span ${span.start}-${span.end} is outside the text`;
  const concept = span.kb_id === undefined ? undefined : readKbId(span.kb_id, span.kb_name);
  if (typeof concept === 'string') return concept;
  const candidates = span.candidates === undefined ? undefined : parseConcepts(span.candidates, 'candidates');
  if (typeof candidates === 'string') return candidates;
  const attributes = span.attributes === undefined ? undefined : parseAttributes(span.attributes);
  if (typeof attributes === 'string') return attributes;
  return checkAnnotation(
    {
      id: span.id ?? `u:${index + 1}`,
      origin: span.origin ?? 'reviewer',
      begin,
      end,
      text: span.text ?? text.slice(begin, end),
      category,
      type: span.label,
      ...(span.score !== undefined ? { score: span.score } : {}),
      traits: span.traits ?? [],
      ...(concept ? { concept } : {}),
      ...(candidates ? { candidates } : {}),
      ...(attributes ? { attributes } : {}),
      decision: span.decision ?? 'accepted',
      edited: span.edited ?? false,
      ...(span.reviewed_by !== undefined ? { reviewedBy: span.reviewed_by } : {}),
      ...(span.reviewed_at !== undefined ? { reviewedAt: span.reviewed_at } : {}),
    },
    text,
  );
}

/** Reads JSONL files of this format; a line that cannot be read is an error and the others go on. */
export function importSpacyJsonl(files: readonly AnnotationFile[]): AnnotationImport {
  const collector = new DocumentCollector();
  for (const file of files) {
    for (const { line, content } of jsonLines(file.text)) {
      let json: unknown;
      try {
        json = JSON.parse(content);
      } catch {
        collector.error(file.name, line, 'not valid JSON');
        continue;
      }
      const parsed = lineSchema.safeParse(json);
      if (!parsed.success) {
        collector.error(file.name, line, firstIssue(parsed.error));
        continue;
      }
      const { text, spans, meta } = parsed.data;
      const offsets = codePointOffsets(text);
      const annotations: ReviewAnnotation[] = [];
      spans.forEach((value, index) => {
        const result = readSpan(value, index, text, offsets.toUtf16);
        if (typeof result === 'string') collector.error(file.name, line, `spans[${index}]: ${result}`);
        else annotations.push(result);
      });
      collector.add({ documentId: String(meta.id), text, annotations }, file.name, line);
    }
  }
  return collector.result();
}
