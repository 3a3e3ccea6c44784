/**
 * Annotations as JSONL in Amazon Comprehend Medical's entity shape (DetectEntitiesV2 + InferICD10CM
 * + InferRxNorm, ../shared/docs/reference-shapes.md), the shape `hearth nlp` writes, with the note's
 * text on the line: one `{"id", "text", "Entities": [...]}` per document (docs/annotation-formats.md).
 *
 * What Comprehend has no field for sits under a `Hearth` key on each entity, so export then import
 * gives back the same annotations: the annotation id, origin, decision, edited flag, reviewer and
 * time, and how the concept list is laid out (the chosen concept first, then the engine's other
 * candidates). Tools that read Comprehend output ignore the key; a file without it (real Comprehend
 * or `hearth nlp` output with the text added) imports as pending engine suggestions.
 *
 * Offsets are UTF-16 code units like everywhere in Hearth and in `hearth nlp` (`text.slice(Begin,
 * End) === Text` in JavaScript). AWS documents its offsets in code points: the two agree unless
 * the note has characters outside the Basic Multilingual Plane (emoji).
 */
import { z } from 'zod';
import type { AnnotationFile, ChosenConcept, ConceptSystem, ReviewAnnotation } from '../types';
import type { Concept } from '../../nlp/types';
import {
  checkAnnotation,
  conceptSystemOf,
  DocumentCollector,
  engineAnnotationId,
  firstIssue,
  isEntityCategory,
  isEntityType,
  isTraitName,
  jsonLines,
  parseAttributes,
  parseConcepts,
  type AnnotationImport,
  type ExportDocument,
} from './common';

/** The default file name of an export. */
export const COMPREHEND_FILE_NAME = 'annotations.comprehend.jsonl';

/** The `Hearth` key of an entity: the review state Comprehend's shape has no room for. */
const hearthSchema = z
  .object({
    id: z.string().min(1),
    origin: z.enum(['engine', 'reviewer']),
    decision: z.enum(['pending', 'accepted', 'rejected']),
    edited: z.boolean(),
    reviewedBy: z.string().optional(),
    reviewedAt: z.string().optional(),
    /** Present when the annotation has a chosen concept: the concept list's first item. */
    chosenConcept: z
      .object({
        /** Its position among the engine's candidates (the rest of the list), when it is one of them. */
        candidateRank: z.number().int().nonnegative().optional(),
      })
      .strict()
      .optional(),
    /** The annotation has no candidate list at all (an added entity): the concept list holds only the chosen concept. */
    noCandidates: z.literal(true).optional(),
    /** The annotation has no engine Score (an added entity): `Score` is then written as 1. */
    noScore: z.literal(true).optional(),
  })
  .strict();
type HearthKey = z.infer<typeof hearthSchema>;

const lineSchema = z.object({
  id: z.union([z.string().min(1), z.number().finite()]),
  text: z.string(),
  Entities: z.array(z.unknown()),
});

const entitySchema = z.object({
  Id: z.number().int().optional(),
  Text: z.string(),
  Category: z.string(),
  Type: z.string(),
  Score: z.number().finite(),
  BeginOffset: z.number().int(),
  EndOffset: z.number().int(),
  Traits: z.array(z.object({ Name: z.string(), Score: z.number().finite() })),
  Attributes: z.unknown().optional(),
  ICD10CMConcepts: z.unknown().optional(),
  RxNormConcepts: z.unknown().optional(),
  Hearth: z.unknown().optional(),
});

const FIELD_OF_SYSTEM = { ICD10CM: 'ICD10CMConcepts', RXNORM: 'RxNormConcepts' } as const satisfies Record<ConceptSystem, string>;

/** The concept list written for an annotation: the chosen concept first, then the other candidates. */
function conceptList(annotation: ReviewAnnotation): { list: Concept[]; chosen?: HearthKey['chosenConcept'] } | undefined {
  const { concept, candidates } = annotation;
  if (!concept) return candidates ? { list: [...candidates] } : undefined;
  const rank = candidates?.findIndex((c) => c.Code === concept.code && c.Description === concept.display) ?? -1;
  if (rank >= 0) {
    const rest = candidates!.filter((_, i) => i !== rank);
    return { list: [candidates![rank]!, ...rest], chosen: { candidateRank: rank } };
  }
  // A concept the reviewer chose outside the engine's list: Score 1 (a person's choice, not a guess).
  return { list: [{ Code: concept.code, Description: concept.display, Score: 1 }, ...(candidates ?? [])], chosen: {} };
}

function entityOf(annotation: ReviewAnnotation, index: number): Record<string, unknown> {
  const hearth: HearthKey = { id: annotation.id, origin: annotation.origin, decision: annotation.decision, edited: annotation.edited };
  if (annotation.reviewedBy !== undefined) hearth.reviewedBy = annotation.reviewedBy;
  if (annotation.reviewedAt !== undefined) hearth.reviewedAt = annotation.reviewedAt;
  if (annotation.score === undefined) hearth.noScore = true;
  const entity: Record<string, unknown> = {
    Id: index,
    Text: annotation.text,
    Category: annotation.category,
    Type: annotation.type,
    Score: annotation.score ?? 1,
    BeginOffset: annotation.begin,
    EndOffset: annotation.end,
    // The workspace keeps trait names only; a reviewer's trait is certain.
    Traits: annotation.traits.map((Name) => ({ Name, Score: 1 })),
  };
  if (annotation.attributes !== undefined) entity['Attributes'] = annotation.attributes;
  const concepts = conceptList(annotation);
  if (concepts) {
    const system = annotation.concept?.system ?? conceptSystemOf(annotation.category) ?? 'ICD10CM';
    entity[FIELD_OF_SYSTEM[system]] = concepts.list;
    if (concepts.chosen) hearth.chosenConcept = concepts.chosen;
    if (annotation.concept && annotation.candidates === undefined) hearth.noCandidates = true;
  }
  entity['Hearth'] = hearth;
  return entity;
}

/** One JSONL file, one line per document, annotations in the given order. */
export function exportComprehendJsonl(documents: readonly ExportDocument[], name = COMPREHEND_FILE_NAME): AnnotationFile[] {
  const lines = documents.map((document) =>
    JSON.stringify({ id: document.documentId, text: document.text, Entities: document.annotations.map((a, i) => entityOf(a, i)) }),
  );
  return [{ name, text: lines.length === 0 ? '' : `${lines.join('\n')}\n` }];
}

/** The concept list of an entity and the system it belongs to; an error when it cannot be read. */
function readConcepts(raw: z.infer<typeof entitySchema>, category: string): { system: ConceptSystem; list: Concept[] } | undefined | string {
  const icd = raw.ICD10CMConcepts === undefined ? undefined : parseConcepts(raw.ICD10CMConcepts, 'ICD10CMConcepts');
  const rx = raw.RxNormConcepts === undefined ? undefined : parseConcepts(raw.RxNormConcepts, 'RxNormConcepts');
  if (typeof icd === 'string') return icd;
  if (typeof rx === 'string') return rx;
  if (icd && rx) {
    // Only a foreign file can hold both; the category says which one the workspace keeps.
    return category === 'MEDICATION' ? { system: 'RXNORM', list: rx } : { system: 'ICD10CM', list: icd };
  }
  if (icd) return { system: 'ICD10CM', list: icd };
  if (rx) return { system: 'RXNORM', list: rx };
  return undefined;
}

function readEntity(value: unknown, documentText: string): ReviewAnnotation | string {
  const parsed = entitySchema.safeParse(value);
  if (!parsed.success) return firstIssue(parsed.error);
  const raw = parsed.data;
  if (!isEntityCategory(raw.Category)) return `unknown Category ${raw.Category}`;
  if (!isEntityType(raw.Type)) return `unknown Type ${raw.Type}`;
  const traits = raw.Traits.map((t) => t.Name);
  const unknownTrait = traits.find((t) => !isTraitName(t));
  if (unknownTrait !== undefined) return `unknown trait ${unknownTrait}`;
  const attributes = raw.Attributes === undefined ? undefined : parseAttributes(raw.Attributes);
  if (typeof attributes === 'string') return attributes;
  const concepts = readConcepts(raw, raw.Category);
  if (typeof concepts === 'string') return concepts;

  let hearth: HearthKey | undefined;
  if (raw.Hearth !== undefined) {
    const parsedHearth = hearthSchema.safeParse(raw.Hearth);
    if (!parsedHearth.success) return `Hearth: ${firstIssue(parsedHearth.error)}`;
    hearth = parsedHearth.data;
  }

  let concept: ChosenConcept | undefined;
  let candidates: Concept[] | undefined = concepts?.list;
  const asChosen = (c: Concept, system: ConceptSystem): ChosenConcept => ({ system, code: c.Code, display: c.Description });
  if (hearth) {
    if (hearth.chosenConcept) {
      const first = concepts?.list[0];
      if (!concepts || !first) return 'Hearth.chosenConcept without a concept list';
      concept = asChosen(first, concepts.system);
      const rest = concepts.list.slice(1);
      const rank = hearth.chosenConcept.candidateRank;
      if (hearth.noCandidates) {
        if (rest.length > 0 || rank !== undefined) return 'Hearth.noCandidates with candidates';
        candidates = undefined;
      } else if (rank !== undefined) {
        if (rank > rest.length) return 'Hearth.chosenConcept.candidateRank is past the candidate list';
        candidates = [...rest.slice(0, rank), first, ...rest.slice(rank)];
      } else {
        candidates = rest;
      }
    } else if (hearth.noCandidates) {
      return 'Hearth.noCandidates without a chosen concept';
    }
  } else if (concepts?.list[0] && concepts.system === conceptSystemOf(raw.Category)) {
    // A foreign file: the engine's first concept is the one the workspace shows as chosen.
    concept = asChosen(concepts.list[0], concepts.system);
  }

  return checkAnnotation(
    {
      id: hearth?.id ?? engineAnnotationId(raw.BeginOffset, raw.EndOffset, raw.Category),
      origin: hearth?.origin ?? 'engine',
      begin: raw.BeginOffset,
      end: raw.EndOffset,
      text: raw.Text,
      category: raw.Category,
      type: raw.Type,
      ...(hearth?.noScore ? {} : { score: raw.Score }),
      traits: traits.filter(isTraitName),
      ...(concept ? { concept } : {}),
      ...(candidates ? { candidates } : {}),
      ...(attributes ? { attributes } : {}),
      decision: hearth?.decision ?? 'pending',
      edited: hearth?.edited ?? false,
      ...(hearth?.reviewedBy !== undefined ? { reviewedBy: hearth.reviewedBy } : {}),
      ...(hearth?.reviewedAt !== undefined ? { reviewedAt: hearth.reviewedAt } : {}),
    },
    documentText,
  );
}

/** Reads JSONL files of this format; a line that cannot be read is an error and the others go on. */
export function importComprehendJsonl(files: readonly AnnotationFile[]): AnnotationImport {
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
      const annotations: ReviewAnnotation[] = [];
      parsed.data.Entities.forEach((value, index) => {
        const result = readEntity(value, parsed.data.text);
        if (typeof result === 'string') collector.error(file.name, line, `Entities[${index}]: ${result}`);
        else annotations.push(result);
      });
      collector.add({ documentId: String(parsed.data.id), text: parsed.data.text, annotations }, file.name, line);
    }
  }
  return collector.result();
}
