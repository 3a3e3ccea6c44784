/**
 * `detectPhi(doc)`: the protected health information of a note (names, ages, dates, addresses,
 * phone and fax numbers, e-mail addresses, URLs, identifiers, professions) as Mentions of
 * category PROTECTED_HEALTH_INFORMATION. Every scanner is linear in the text; overlapping
 * proposals are settled by score, then length (docs/nlp-phi.md).
 */
import type { Mention, NlpDocument } from '../types';
import type { PhiCandidate, PhiType } from './candidate';
import { findEmails, findIds, findPhones, findUrls } from './contact';
import { findAges, findDates } from './dates';
import { NameFinder } from './names';
import { findAddresses, findFacilities } from './places';
import { findProfessions } from './professions';
import { wordsOf } from './words';

/** When two proposals overlap, the more specific shape wins over a guess (an e-mail over the name inside it). */
const TYPE_PRIORITY: Readonly<Record<PhiType, number>> = {
  EMAIL: 9,
  URL: 8,
  PHONE_OR_FAX: 7,
  DATE: 6,
  AGE: 6,
  ID: 5,
  ADDRESS: 4,
  NAME: 3,
  PROFESSION: 2,
};

/** All proposals of every scanner, overlapping. Exposed for tests and for the eval's error analysis. */
export function phiCandidates(text: string): PhiCandidate[] {
  const out: PhiCandidate[] = [];
  findEmails(text, out);
  findUrls(text, out);
  findPhones(text, out);
  findIds(text, out);
  findDates(text, out);
  const ages: PhiCandidate[] = [];
  findAges(text, ages);
  out.push(...ages);
  const words = wordsOf(text);
  const names = new NameFinder(text, words, out);
  names.find();
  names.beforeAges(ages);
  findAddresses(text, out);
  findFacilities(text, words, out);
  findProfessions(text, words, out);
  return out;
}

/**
 * Keeps the best of overlapping proposals: higher score first, then the longer span, then the
 * more specific type. A kept span blocks every later one it overlaps. Occupied characters are
 * marked in a byte map, so the cost is the proposals' total length (each is bounded) plus a sort.
 */
export function resolveOverlaps(candidates: readonly PhiCandidate[], textLength: number): PhiCandidate[] {
  const ranked = [...candidates].sort(
    (a, b) => rankScore(b) - rankScore(a) || b.end - b.begin - (a.end - a.begin) || TYPE_PRIORITY[b.type] - TYPE_PRIORITY[a.type] || a.begin - b.begin,
  );
  const taken = new Uint8Array(textLength);
  const kept: PhiCandidate[] = [];
  for (const candidate of ranked) {
    let free = true;
    for (let i = candidate.begin; i < candidate.end && free; i++) free = taken[i] === 0;
    if (!free) continue;
    taken.fill(1, candidate.begin, candidate.end);
    kept.push(candidate);
  }
  return kept.sort((a, b) => a.begin - b.begin);
}

/** Longer evidence beats a short guess of nearly the same score: the span length breaks near-ties. */
function rankScore(candidate: PhiCandidate): number {
  return Math.round(candidate.score * 20) / 20;
}

export function detectPhi(doc: Pick<NlpDocument, 'text'>): Mention[] {
  return resolveOverlaps(phiCandidates(doc.text), doc.text.length).map((c) => ({
    begin: c.begin,
    end: c.end,
    category: 'PROTECTED_HEALTH_INFORMATION',
    type: c.type,
    score: c.score,
  }));
}
