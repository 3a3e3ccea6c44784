/**
 * Scores matcher mentions against gold entities (the types the lexicon covers) and linking
 * against the gold concepts. Shared by eval-matcher.ts and gold.test.ts.
 */
import type { Entity, NlpDocument } from '../../../../src-main/nlp/types';
import type { LexiconMatcher, LexiconMention } from '../../../../src-main/nlp/match/matcher';
import type { ConceptLinker } from '../../../../src-main/nlp/link/linker';
import type { GoldNote } from './gold-notes';

export const LEXICON_TYPES = ['DX_NAME', 'GENERIC_NAME', 'BRAND_NAME', 'TEST_NAME', 'SYSTEM_ORGAN_SITE', 'TOBACCO', 'ALCOHOL', 'ILLICIT_DRUGS'] as const;

export interface TypeScore {
  gold: number;
  found: number;
  strictP: number;
  strictR: number;
  overlapP: number;
  overlapR: number;
}

export interface EvaluationReport {
  chars: number;
  byType: Record<string, TypeScore>;
  icdAcc: number;
  icdN: number;
  rxAcc: number;
  rxN: number;
  misses: [string, number][];
  falsePositives: [string, number][];
  linkErrors: [string, number][];
  /** (raw score, correct) for every concept ranked for a linked gold condition / medication: calibration input. */
  observations: { raw: number; correct: boolean; category: string; rank: number }[];
}

function overlaps(a: { begin: number; end: number }, e: Entity): boolean {
  return a.begin < e.EndOffset && e.BeginOffset < a.end;
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

export function evaluate(notes: readonly GoldNote[], matcher: LexiconMatcher, linker: ConceptLinker, docOf: (text: string) => NlpDocument): EvaluationReport {
  const counts = new Map<string, { gold: number; found: number; strictTp: number; overlapTpFound: number; overlapTpGold: number }>();
  for (const t of LEXICON_TYPES) counts.set(t, { gold: 0, found: 0, strictTp: 0, overlapTpFound: 0, overlapTpGold: 0 });
  const misses = new Map<string, number>();
  const fps = new Map<string, number>();
  const linkErrors = new Map<string, number>();
  const observations: EvaluationReport['observations'] = [];
  let icdRight = 0;
  let icdN = 0;
  let rxRight = 0;
  let rxN = 0;
  let chars = 0;
  for (const note of notes) {
    chars += note.text.length;
    const doc = docOf(note.text);
    const mentions = matcher.match(doc);
    const gold = note.entities.filter((e) => (LEXICON_TYPES as readonly string[]).includes(e.Type));
    for (const m of mentions) {
      const c = counts.get(m.type);
      if (c === undefined) continue;
      c.found++;
      const sameType = gold.filter((g) => g.Type === m.type);
      if (sameType.some((g) => g.BeginOffset === m.begin && g.EndOffset === m.end)) c.strictTp++;
      if (sameType.some((g) => overlaps(m, g))) c.overlapTpFound++;
      else bump(fps, `${m.type} ${note.text.slice(m.begin, m.end)}`);
    }
    for (const g of gold) {
      const c = counts.get(g.Type)!;
      c.gold++;
      const hit = mentions.find((m) => m.type === g.Type && overlaps(m, g));
      if (hit !== undefined) c.overlapTpGold++;
      else bump(misses, `${g.Type} ${g.Text}`);
      if (hit === undefined) continue;
      linkOne(g, hit, doc);
    }
  }
  function linkOne(g: Entity, hit: LexiconMention, doc: NlpDocument): void {
    if (g.Category === 'MEDICAL_CONDITION' && g.ICD10CMConcepts?.[0] !== undefined) {
      const want = g.ICD10CMConcepts[0].Code;
      const got = linker.linkCondition(hit, doc);
      icdN++;
      const correct = got[0]?.Code === want;
      if (correct) icdRight++;
      else bump(linkErrors, `${g.Text} want ${want} got ${got[0]?.Code ?? '-'}`);
      got.forEach((c, rank) => observations.push({ raw: c.raw, correct: c.Code === want, category: g.Category, rank }));
    }
    if (g.Category === 'MEDICATION' && g.RxNormConcepts?.[0] !== undefined) {
      const want = g.RxNormConcepts[0].Code;
      const attr = (type: string): string | undefined => g.Attributes?.find((a) => a.Type === type)?.Text;
      const got = linker.linkMedication(hit, doc, { strength: attr('STRENGTH'), form: attr('FORM'), route: attr('ROUTE_OR_MODE') });
      rxN++;
      const correct = got[0]?.Code === want;
      if (correct) rxRight++;
      else bump(linkErrors, `${g.Text} [${attr('STRENGTH') ?? ''} ${attr('FORM') ?? ''}] want ${want} got ${got[0]?.Code ?? '-'}`);
      got.forEach((c, rank) => observations.push({ raw: c.raw, correct: c.Code === want, category: g.Category, rank }));
    }
  }
  const byType: Record<string, TypeScore> = {};
  for (const [t, c] of counts) {
    byType[t] = {
      gold: c.gold,
      found: c.found,
      strictP: c.found === 0 ? 0 : c.strictTp / c.found,
      strictR: c.gold === 0 ? 0 : c.strictTp / c.gold,
      overlapP: c.found === 0 ? 0 : c.overlapTpFound / c.found,
      overlapR: c.gold === 0 ? 0 : c.overlapTpGold / c.gold,
    };
  }
  const sorted = (m: Map<string, number>): [string, number][] => [...m.entries()].sort((a, b) => b[1] - a[1]);
  return {
    chars,
    byType,
    icdAcc: icdN === 0 ? 0 : icdRight / icdN,
    icdN,
    rxAcc: rxN === 0 ? 0 : rxRight / rxN,
    rxN,
    misses: sorted(misses),
    falsePositives: sorted(fps),
    linkErrors: sorted(linkErrors),
    observations,
  };
}
