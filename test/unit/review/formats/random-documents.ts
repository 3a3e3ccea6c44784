/**
 * Random review documents for the round-trip property tests: texts with line breaks (\n and \r\n),
 * tabs, accents and characters outside the BMP; overlapping and nested annotations of every
 * category, type and trait, with and without concepts, candidates, attributes, scores and
 * reviewer fields, in every decision. Seeded: a failing seed replays.
 */
import { ATTRIBUTE_TYPES, ENTITY_CATEGORIES, ENTITY_TYPES, TRAIT_NAMES, type Attribute, type Concept, type EntityCategory } from '../../../../src-main/nlp/types';
import type { ChosenConcept, ReviewAnnotation } from '../../../../src-main/review/types';
import type { ExportDocument } from '../../../../src-main/review/formats/common';
import { mulberry32, pick, shuffle, type Random } from '../../fhir/differential/random';

const PIECES = ['chest pain', ' ', ' ', 'denies', 'fever', '\n', '\r\n', '\t', 'é', 'naïve', '😀', '𝄞', 'x', '2 mg', ':', '\n\n', 'Ünïcödé', '—', '漢字'];

function randomText(random: Random): string {
  const count = 5 + Math.floor(random() * 40);
  let text = '';
  for (let i = 0; i < count; i++) text += pick(random, PIECES);
  return text;
}

/** Positions a selection can start or end at: not inside a surrogate pair, not between \r and \n. */
function boundaries(text: string): number[] {
  const out: number[] = [];
  for (let i = 0; i <= text.length; i++) {
    const prev = text.charCodeAt(i - 1);
    const next = text.charCodeAt(i);
    if (prev >= 0xd800 && prev <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) continue;
    if (prev === 0x0d && next === 0x0a) continue;
    out.push(i);
  }
  return out;
}

function maybe<T>(random: Random, p: number, value: () => T): T | undefined {
  return random() < p ? value() : undefined;
}

function randomConcepts(random: Random): Concept[] {
  const n = Math.floor(random() * 4);
  return Array.from({ length: n }, (_, i) => ({ Code: `C${Math.floor(random() * 1000)}.${i}`, Description: pick(random, ['Essential hypertension', 'Metformin 500 mg', 'Ünïcödé', 'two\nlines', '']), Score: Math.round(random() * 1e4) / 1e4 }));
}

function randomAttributes(random: Random, text: string): Attribute[] {
  const n = Math.floor(random() * 3);
  return Array.from({ length: n }, (_, i) => {
    const begin = Math.floor(random() * text.length);
    const attribute: Attribute = {
      Id: i + 100,
      Type: pick(random, ATTRIBUTE_TYPES),
      Score: random(),
      RelationshipScore: random(),
      RelationshipType: 'DOSAGE',
      BeginOffset: begin,
      EndOffset: begin + 1,
      Text: text.slice(begin, begin + 1),
      Traits: random() < 0.3 ? [{ Name: 'NEGATION', Score: 0.9 }] : [],
    };
    if (random() < 0.5) attribute.Category = 'MEDICATION';
    return attribute;
  });
}

function randomAnnotation(random: Random, text: string, points: number[], index: number): ReviewAnnotation {
  let begin = 0;
  let end = 0;
  while (begin >= end) {
    begin = pick(random, points);
    end = pick(random, points);
    if (begin > end) [begin, end] = [end, begin];
  }
  const category: EntityCategory = pick(random, ENTITY_CATEGORIES);
  const origin = random() < 0.7 ? 'engine' : 'reviewer';
  const annotation: ReviewAnnotation = {
    id: origin === 'engine' ? `e:${begin}-${end}-${category}#${index}` : `u:${index}`,
    origin,
    begin,
    end,
    text: text.slice(begin, end),
    category,
    type: pick(random, ENTITY_TYPES[category]),
    traits: shuffle(TRAIT_NAMES, random).slice(0, Math.floor(random() * 4)),
    decision: pick(random, ['pending', 'accepted', 'rejected'] as const),
    edited: random() < 0.5,
  };
  const score = maybe(random, 0.7, () => random());
  if (score !== undefined) annotation.score = score;
  const candidates = maybe(random, 0.6, () => randomConcepts(random));
  if (candidates !== undefined) annotation.candidates = candidates;
  const system = category === 'MEDICAL_CONDITION' ? 'ICD10CM' : category === 'MEDICATION' ? 'RXNORM' : undefined;
  if (system && random() < 0.7) {
    const fromCandidates = candidates && candidates.length > 0 && random() < 0.6 ? pick(random, candidates) : undefined;
    const concept: ChosenConcept = fromCandidates
      ? { system, code: fromCandidates.Code, display: fromCandidates.Description }
      : { system, code: pick(random, ['I10', 'E11.9', '197361', 'R07.9']), display: pick(random, ['Chest pain, unspecified', 'line\r\nbreak', 'é 😀', '']) };
    annotation.concept = concept;
  }
  const attributes = maybe(random, 0.4, () => randomAttributes(random, text));
  if (attributes !== undefined) annotation.attributes = attributes;
  if (random() < 0.5) annotation.reviewedBy = pick(random, ['Ada', 'Grace Hopper', 'Zoë']);
  if (random() < 0.5) annotation.reviewedAt = '2026-11-26T23:00:00.000Z';
  return annotation;
}

export function randomDocuments(seed: number, count: number): ExportDocument[] {
  const random = mulberry32(seed);
  return Array.from({ length: count }, (_, d) => {
    let text = randomText(random);
    while (text.length < 2) text += 'ab';
    const points = boundaries(text);
    const n = Math.floor(random() * 12);
    const annotations = Array.from({ length: n }, (_, i) => randomAnnotation(random, text, points, i));
    // Text order (begin, then longer first), as the workspace holds them.
    annotations.sort((a, b) => a.begin - b.begin || b.end - a.end);
    return { documentId: `doc-${seed}-${d}`, text, annotations };
  });
}
