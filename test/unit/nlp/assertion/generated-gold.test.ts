/**
 * Assertion traits against the sample generator's gold (docs/sample-data.md "Gold annotations"):
 * notes for a few patients, every gold entity given to assertTraits as a span with its category,
 * and per-trait F1 of NEGATION, PAST_HISTORY, PERTAINS_TO_FAMILY, HYPOTHETICAL, FUTURE checked
 * against a floor set a little below what was measured (docs/nlp.md "Assertion").
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DocumentReference } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertTraits } from '../../../../src-main/nlp/assertion/index';
import { analyzeText } from '../../../../src-main/nlp/text/index';
import { ASSERTION_TRAITS, type AssertionTrait, type EntityCategory } from '../../../../src-main/nlp/types';
import { generateSample } from '../../../../src-main/sample/generator';
import { checkDocument } from '../text/check-document';

interface GoldNote {
  documentReference: string;
  Entities: Array<{ Category: EntityCategory; BeginOffset: number; EndOffset: number; Text: string; Traits: Array<{ Name: string }> }>;
}

/** F1 floors: measured 1.000 for every trait on seed 'assertion-gold' (8 patients) and on other seeds; the margin allows small generator changes. */
const F1_FLOOR: Record<AssertionTrait, number> = { NEGATION: 0.97, PAST_HISTORY: 0.9, PERTAINS_TO_FAMILY: 0.95, HYPOTHETICAL: 0.9, FUTURE: 0.9 };

let root: string;
let notes: Array<{ text: string; gold: GoldNote }> = [];

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'hearth-assertion-gold-'));
  await generateSample({ patients: 8, seed: 'assertion-gold', outDir: root, withGold: true });
  const texts = new Map<string, string>();
  for (const line of readFileSync(path.join(root, 'DocumentReference.ndjson'), 'utf8').split('\n').filter(Boolean)) {
    const document = JSON.parse(line) as DocumentReference;
    texts.set(`DocumentReference/${document.id}`, Buffer.from(document.content[0]!.attachment.data!, 'base64').toString('utf8'));
  }
  notes = readFileSync(path.join(root, 'gold', 'annotations.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as GoldNote)
    .map((gold) => ({ gold, text: texts.get(gold.documentReference)! }));
}, 120_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('assertion on generated gold', () => {
  it('reaches the F1 floor for every assertion trait', () => {
    const counts = Object.fromEntries(ASSERTION_TRAITS.map((trait) => [trait, { tp: 0, fp: 0, fn: 0 }])) as Record<AssertionTrait, { tp: number; fp: number; fn: number }>;
    let entities = 0;
    for (const { text, gold } of notes) {
      const doc = analyzeText(text);
      const predicted = assertTraits(
        doc,
        gold.Entities.map((entity) => ({ begin: entity.BeginOffset, end: entity.EndOffset, category: entity.Category })),
      );
      gold.Entities.forEach((entity, index) => {
        entities++;
        const wanted = new Set(entity.Traits.map((trait) => trait.Name));
        const got = new Set(predicted[index]!.map((trait) => trait.Name));
        for (const trait of ASSERTION_TRAITS) {
          if (wanted.has(trait) && got.has(trait)) counts[trait].tp++;
          else if (got.has(trait)) counts[trait].fp++;
          else if (wanted.has(trait)) counts[trait].fn++;
        }
      });
    }
    expect(notes.length).toBeGreaterThan(20);
    expect(entities).toBeGreaterThan(1000);
    for (const trait of ASSERTION_TRAITS) {
      const { tp, fp, fn } = counts[trait];
      expect(tp, `${trait}: the sample has gold for it`).toBeGreaterThan(0);
      const f1 = (2 * tp) / (2 * tp + fp + fn);
      expect(f1, `${trait} F1 (tp ${tp}, fp ${fp}, fn ${fn})`).toBeGreaterThanOrEqual(F1_FLOOR[trait]);
    }
  });

  it('keeps the text stage consistent on every generated note', () => {
    for (const { text } of notes) checkDocument(analyzeText(text));
  });
});
