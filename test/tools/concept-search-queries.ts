/**
 * Queries a coder would type, drawn from the real ICD-10-CM and RxNorm packs (seeded, so every run
 * asks the same ones), each with the code it is after. Shared by test/unit/review/concept-search.test.ts
 * and test/tools/concept-search-bench.ts.
 *
 * Kinds: `prefix` the first 1-3 words of a billable code's title, the last one sometimes cut short
 * as while typing; `words` 2-3 of its words in another order; `code` the code dotted, bare, lower
 * case, or cut short; `typo` 2-3 title words with one typo in a word of 5 letters or more;
 * `rxnorm` the first words of an ingredient's, brand's or clinical drug's name.
 */
import type { TerminologyPacks } from '../../src-main/nlp/terminology';
import { dottedIcd10Code } from '../../src-main/nlp/terminology/icd10cm-order';
import { normalizeTerm, STOP_WORDS } from '../../src-main/nlp/terminology/normalize';

export type QueryKind = 'prefix' | 'words' | 'code' | 'typo' | 'rxnorm';

export interface DrawnQuery {
  kind: QueryKind;
  query: string;
  system: 'ICD10CM' | 'RXNORM';
  /** The code the query was drawn from (ICD-10-CM dotted). */
  target: string;
}

/** mulberry32: a small seeded generator. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function contentWords(text: string): string[] {
  return normalizeTerm(text)
    .split(' ')
    .filter((w) => w.length > 0 && !STOP_WORDS.has(w));
}

/** One edit in a word: swap two neighbours, drop, double or replace a letter (never the first). */
function typo(word: string, next: () => number): string {
  const at = 1 + Math.floor(next() * (word.length - 2));
  switch (Math.floor(next() * 4)) {
    case 0:
      return word.slice(0, at) + word[at + 1]! + word[at]! + word.slice(at + 2);
    case 1:
      return word.slice(0, at) + word.slice(at + 1);
    case 2:
      return word.slice(0, at) + word[at]! + word.slice(at);
    default: {
      const letters = 'aeiourstnl';
      const replaced = letters.replace(word[at]!, '');
      return word.slice(0, at) + replaced[Math.floor(next() * replaced.length)]! + word.slice(at + 1);
    }
  }
}

const COUNTS: Record<QueryKind, number> = { prefix: 175, words: 75, code: 100, typo: 100, rxnorm: 50 };

/** `total` queries (default 500) in the proportions of COUNTS; RxNorm ones only when the pack is there. */
export function drawQueries(packs: TerminologyPacks, seed = 20261126, total = 500): DrawnQuery[] {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const icd = packs.icd10;
  if (!icd) return [];
  const billable: number[] = [];
  for (let i = 0; i < icd.codes.length; i++) if (icd.billable.charCodeAt(i) === 49) billable.push(i);
  const rx = packs.rxnorm;
  const rxConcepts: number[] = [];
  if (rx) for (let i = 0; i < rx.rxcuis.length; i++) if (['IN', 'BN', 'SCD'].includes(rx.ttys[i]!)) rxConcepts.push(i);

  const counts = { ...COUNTS };
  if (rxConcepts.length === 0) {
    counts.prefix += counts.rxnorm;
    counts.rxnorm = 0;
  }
  const scale = total / Object.values(counts).reduce((a, b) => a + b, 0);
  const queries: DrawnQuery[] = [];
  for (const kind of Object.keys(counts) as QueryKind[]) {
    const wanted = Math.round(counts[kind] * scale);
    for (let made = 0, tries = 0; made < wanted && tries < wanted * 50; tries++) {
      if (kind === 'rxnorm') {
        const i = pick(rxConcepts);
        const name = rx!.names[i]!.split(/\s+/);
        const n = Math.min(name.length, 1 + Math.floor(next() * 3));
        queries.push({ kind, query: name.slice(0, n).join(' '), system: 'RXNORM', target: rx!.rxcuis[i]! });
        made++;
        continue;
      }
      const i = pick(billable);
      const code = dottedIcd10Code(icd.codes[i]!);
      const title = contentWords(icd.longTitles[i]!);
      let query: string | undefined;
      if (kind === 'code') {
        const style = Math.floor(next() * 4);
        query = style === 0 ? code : style === 1 ? icd.codes[i]! : style === 2 ? code.toLowerCase() : code.slice(0, Math.max(3, code.length - 1 - Math.floor(next() * 2)));
      } else if (kind === 'prefix') {
        const n = Math.min(title.length, 1 + Math.floor(next() * 3));
        const taken = title.slice(0, n);
        const last = taken[n - 1]!;
        if (last.length > 4 && next() < 0.5) taken[n - 1] = last.slice(0, 3 + Math.floor(next() * (last.length - 3)));
        query = taken.join(' ');
      } else if (kind === 'words') {
        if (title.length < 3) continue;
        const n = 2 + Math.floor(next() * 2);
        const chosen = [...title].sort(() => next() - 0.5).slice(0, n);
        query = chosen.reverse().join(' ');
      } else {
        const n = Math.min(title.length, 2 + Math.floor(next() * 2));
        const taken = title.slice(0, n);
        const long = taken.map((w, at) => (w.length >= 5 ? at : -1)).filter((at) => at >= 0);
        if (long.length === 0) continue;
        const at = pick(long);
        taken[at] = typo(taken[at]!, next);
        query = taken.join(' ');
      }
      if (query.length === 0) continue;
      queries.push({ kind, query, system: 'ICD10CM', target: code });
      made++;
    }
  }
  return queries;
}
