/**
 * Occupations: "works as a teacher", "Occupation: electrician", "retired nurse", "is a farmer",
 * and list occupations on their own ("a machinist by trade"). Hospital words ("nurse", "case
 * manager", "power of attorney") only count after a cue.
 */
import type { PhiCandidate } from './candidate';
import { PROFESSIONS, PROFESSIONS_NEEDING_CUE } from './vocabulary';
import type { Word } from './words';

const PHRASES = PROFESSIONS.map((p) => p.split(' '));
const LONGEST = Math.max(...PHRASES.map((p) => p.length));
const BY_FIRST = new Map<string, string[][]>();
for (const phrase of PHRASES) {
  const list = BY_FIRST.get(phrase[0]!) ?? [];
  list.push(phrase);
  BY_FIRST.set(phrase[0]!, list);
}
for (const list of BY_FIRST.values()) list.sort((a, b) => b.length - a.length);

/** Cues that make the next noun phrase an occupation; the strong ones take even an unlisted phrase. */
const STRONG_CUE = /\b(?:works?|working|worked|employed|job|career|trained|training)\s{1,2}(?:as|for\s{1,2}\d+\s{1,2}years?\s{1,2}as)\s{1,2}(?:an?\s{1,2})?$|\b(?:occupation|profession|job|employment|work)\s{0,2}:\s{0,3}$/i;
const WEAK_CUE = /(?:,\s{1,2}an?\s{1,2}$)|\b(?:social|sh|social\shistory|shx)\s{0,2}:\s{0,3}$|\b(?:become|becoming|be)\s{1,2}an?\s{1,2}$|\b(?:retired|former|formerly\s{1,2}an?|is\s{1,2}an?|was\s{1,2}an?|as\s{1,2}an?|a\s{1,2}retired|a\s{1,2}former|an?\s{1,2}(?:self-employed|part-time|full-time|unemployed|local|high\s{1,2}school))\s{1,2}$/i;
const STOP_AFTER = new Set(['a', 'an', 'the', 'my', 'his', 'her', 'and', 'or', 'at', 'in', 'for', 'with', 'who', 'since', 'until', 'but', 'from', 'of', 'to', 'on', 'by', 'x', 'until']);

/** The last word of every cue above. */
const CUE_ENDS = new Set(['social', 'sh', 'history', 'shx', 'a', 'an', 'as', 'retired', 'former', 'self-employed', 'part-time', 'full-time', 'unemployed', 'local', 'school', 'occupation', 'profession', 'job', 'employment', 'work']);

const NOT_A_JOB = new Set(['none', 'unemployed', 'disabled', 'na', 'n', 'not', 'no', 'home', 'currently', 'previously', 'on', 'off', 'out']);

function gapOk(text: string, a: Word, b: Word): boolean {
  return /^[ \t]{1,2}$/.test(text.slice(a.end, b.begin));
}

export function findProfessions(text: string, words: readonly Word[], out: PhiCandidate[]): void {
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const candidates = BY_FIRST.get(word.lower);
    // The cue regexes only run where a cue can end: after "a"/"an"/"as"/"retired"/"former"... or a colon.
    const previous = words[i - 1];
    const cuePossible = previous !== undefined && (CUE_ENDS.has(previous.lower) || text.charCodeAt(previous.end) === 58);
    if (!candidates && !cuePossible) continue;
    const before = cuePossible ? text.slice(Math.max(0, word.begin - 48), word.begin) : '';
    const strong = cuePossible && STRONG_CUE.test(before);
    const weak = cuePossible && !strong && WEAK_CUE.test(before);
    let matched = -1;
    if (candidates && word.shape !== 'upper') {
      for (const phrase of candidates) {
        let ok = true;
        for (let k = 1; k < phrase.length && ok; k++) {
          const w = words[i + k];
          ok = !!w && w.lower === phrase[k] && gapOk(text, words[i + k - 1]!, w);
        }
        if (!ok) continue;
        const key = phrase.join(' ');
        const next = words[i + phrase.length];
        // "teacher" followed by a noun ("teacher's union") is still the job; "nurse practitioner" came first (longest).
        if (!strong && !weak && PROFESSIONS_NEEDING_CUE.has(key)) break;
        // Lower-case list words alone; capitalised only at a sentence start or after a cue.
        if (!strong && !weak && word.shape === 'title' && !/(?:^|[.\n:]\s{0,3})$/.test(before)) break;
        matched = i + phrase.length - 1;
        out.push({ begin: word.begin, end: words[matched]!.end, type: 'PROFESSION', score: strong ? 0.95 : weak ? 0.9 : next && /^'s?$/.test(text.slice(words[matched]!.end, next.begin)) ? 0.6 : 0.7 });
        break;
      }
    }
    if (matched >= 0) {
      i = matched;
      continue;
    }
    // "Works as a crane inspector": a strong cue takes up to three words even when the list lacks them.
    // "Work: injured at ...", "Occupation: retired": a state, not a job.
    if (strong && word.shape !== 'upper' && !STOP_AFTER.has(word.lower) && !/(?:ed|ing)$/.test(word.lower) && !NOT_A_JOB.has(word.lower)) {
      let last = i;
      while (last + 1 < words.length && last - i < LONGEST - 1 && gapOk(text, words[last]!, words[last + 1]!) && !STOP_AFTER.has(words[last + 1]!.lower) && words[last + 1]!.shape === 'lower') last++;
      out.push({ begin: word.begin, end: words[last]!.end, type: 'PROFESSION', score: 0.8 });
      i = last;
    }
  }
}
