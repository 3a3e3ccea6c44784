/**
 * Person names: patients, relatives, clinicians. Found from cues first (titles "Dr."/"Ms.",
 * labels "Patient:"/"Attending:", contact verbs "seen by"/"discussed with", relatives "daughter
 * Mary", credentials "Ann Lee, MD", "X is a 67-year-old"), then from the given-name and surname
 * lists with capitalisation. Capitalised clinical words, eponyms and drug names never count.
 */
import type { PhiCandidate } from './candidate';
import { AMBIGUOUS_GIVEN_NAMES, CREDENTIALS, GIVEN_NAMES, NAME_CUE_PHRASES, NAME_TITLES, NOT_NAME_WORDS, SURNAMES } from './vocabulary';
import { startsSentence, type Word } from './words';

const RELATIVE_CUES = new Set([
  'daughter', 'son', 'wife', 'husband', 'mother', 'father', 'mom', 'dad', 'sister', 'brother', 'spouse', 'partner', 'boyfriend',
  'girlfriend', 'fiance', 'fiancee', 'friend', 'neighbor', 'caregiver', 'aunt', 'uncle', 'niece', 'nephew', 'cousin', 'granddaughter',
  'grandson', 'grandmother', 'grandfather', 'stepson', 'stepdaughter', 'stepmother', 'stepfather', 'daughter-in-law', 'son-in-law',
  'sister-in-law', 'brother-in-law', 'roommate', 'visitor', 'family member', 'baby boy', 'baby girl',
]);
/** Labels that name a person when a colon follows ("Patient: Jane Doe", "Attending: Ann Lee"). */
const LABEL_CUES = new Set([
  'patient', 'pt', 'patient name', 'name', 'pt name', 'provider', 'attending', 'attending physician', 'physician', 'resident', 'intern', 'fellow',
  'pcp', 'primary care physician', 'primary care provider', 'surgeon', 'referring physician', 'referring provider', 'author', 'signed',
  'contact', 'emergency contact', 'nok', 'next of kin', 'health care proxy', 'healthcare proxy', 'hcp', 'proxy', 'guardian', 'poa',
  'dictated', 'nurse', 'rn', 'np', 'pa', 'md', 'cardiologist', 'oncologist', 'nephrologist', 'neurologist', 'endocrinologist',
  'pulmonologist', 'psychiatrist', 'therapist', 'dentist', 'podiatrist', 'ophthalmologist', 'urologist', 'gastroenterologist',
  'dermatologist', 'rheumatologist',
]);
const CUES = new Set(NAME_CUE_PHRASES);
/** The last word of every cue phrase: the phrase lookup only runs at these words. */
const CUE_LAST_WORDS = new Set(NAME_CUE_PHRASES.map((p) => p.split(/[ ]/).pop()!));
const EPONYM_HEADS = new Set([
  'sign', 'signs', 'disease', 'syndrome', 'catheter', 'test', 'maneuver', 'manoeuvre', 'procedure', 'palsy', 'phenomenon', 'criteria',
  'scale', 'score', 'stain', 'tube', 'bag', 'operation', 'repair', 'fracture', 'node', 'nodes', 'reflex', 'point', 'triad', 'ulcer',
  'esophagus', 'lymphoma', 'sarcoma', 'tumor', 'classification', 'line', 'drain', 'drains', 'position', 'monitor', 'retractor',
  'retractors', 'scissor', 'scissors', 'needle', 'needles', 'clamp', 'clamps', 'forceps', 'technique', 'fascia', 'stitch', 'suture',
  'sutures', 'incision', 'stent', 'blade', 'elevator', 'hook', 'speculum', 'et', 'method', 'approach', 'dilator', 'dilators', 'knot',
  'cannula', 'trocar', 'valve', 'shunt', 'splint', 'cast', 'brace', 'boot', 'collar', 'mask', 'cup', 'lens', 'graft', 'flap', 'loop',
]);

/** Words before a capitalised surname that make it a thing or a place: "a Cook stent", "18-French Robinson", "New York". */
const NOT_BEFORE_LONE_SURNAME = new Set(['a', 'an', 'the', 'french', 'fr', 'new', 'using', 'per', 'via', 'of', 'no', 'this', 'that', 'size']);

/** Titles the name span keeps: the sample gold writes "Ms. Kowalski"; "Dr." stays outside, as in de-identification corpora. */
const TITLES_IN_SPAN = new Set(['mr', 'mr.', 'mrs', 'mrs.', 'ms', 'ms.', 'miss', 'mx', 'mx.']);

/** Words after a lone surname that make it a person: "Jones aware", "Smith paged", "Garcia at bedside". */
const LONE_SURNAME_FOLLOWERS = new Set([
  'aware', 'notified', 'paged', 'called', 'updated', 'informed', 'agrees', 'agreed', 'saw', 'says', 'said', 'states', 'stated', 'reports',
  'reported', 'requests', 'requested', 'wants', 'feels', 'recommends', 'recommended', 'ordered', 'visited', 'visiting', 'came', 'left',
  'will', 'would', 'was', 'is', 'has', 'had', 'at', 'in', 'here', 'present', 'consulted', 'evaluated', 'examined', 'spoke', 'discussed',
]);

function isNameWord(word: Word | undefined, allowUpper: boolean): word is Word {
  if (!word) return false;
  if (NOT_NAME_WORDS.has(word.lower) || CREDENTIALS.has(word.lower)) return false;
  if (word.shape === 'title') return word.end - word.begin > 1;
  if (word.shape === 'upper') return allowUpper && word.end - word.begin > 1 && (GIVEN_NAMES.has(word.lower) || SURNAMES.has(word.lower));
  return false;
}

/** After a title almost any capitalised word is a name ("Mr. Allen", "Dr. Bell"). */
const NOT_AFTER_TITLE = new Set(['and', 'or', 'the', 'of', 'to', 'in', 'on', 'at', 'for', 'with', 'is', 'was', 'has', 'notified', 'aware', 'paged', 'called']);

function isNameWordAfterTitle(word: Word | undefined): word is Word {
  return !!word && (word.shape === 'title' || word.shape === 'upper') && !NOT_AFTER_TITLE.has(word.lower) && !CREDENTIALS.has(word.lower);
}

function inLists(word: Word): boolean {
  return GIVEN_NAMES.has(word.lower) || SURNAMES.has(word.lower);
}

const SPACE_GAP = /^[ \t]{1,2}$/;
const INITIAL_GAP = /^\.?[ \t]{1,2}$/;

export class NameFinder {
  constructor(
    private readonly text: string,
    private readonly words: readonly Word[],
    private readonly out: PhiCandidate[],
  ) {}

  private gap(i: number): string {
    const left = this.words[i];
    const right = this.words[i + 1];
    return left && right ? this.text.slice(left.end, right.begin) : '';
  }

  /** A middle initial: "John A. Smith". */
  private isInitial(i: number): boolean {
    const w = this.words[i];
    return !!w && w.end - w.begin === 1 && w.shape === 'upper' && this.text[w.end] === '.';
  }

  /**
   * The last index of the name that starts at `start` (already known to be a name word): up to
   * `max` words joined by one or two spaces, with middle initials.
   */
  private extend(start: number, max: number, allowUpper: boolean): number {
    let last = start;
    let count = 1;
    while (count < max) {
      const next = last + 1;
      const gap = this.gap(last);
      if (this.isInitial(next) && SPACE_GAP.test(gap)) {
        if (INITIAL_GAP.test(this.gap(next)) && isNameWord(this.words[next + 1], allowUpper)) {
          last = next + 1;
          count++;
          continue;
        }
        break;
      }
      const candidate = this.words[next];
      // "Nicole White", "Mary Black": a listed surname that is also a common word, right after a listed given name.
      const surnameAfterGiven = !!candidate && candidate.shape === 'title' && SURNAMES.has(candidate.lower) && GIVEN_NAMES.has(this.words[last]!.lower);
      if (!SPACE_GAP.test(gap) || !(isNameWord(candidate, allowUpper) || surnameAfterGiven)) break;
      // An eponym: "Bell's palsy", "Foley catheter".
      if (EPONYM_HEADS.has(this.words[next + 1]?.lower ?? '')) break;
      last = next;
      count++;
    }
    return last;
  }

  /** "m. tanaka" after a title or cue word typed in lower case: an initial, a full stop, a word. */
  private lowerInitialName(i: number): boolean {
    const initial = this.words[i + 1];
    const surname = this.words[i + 2];
    if (!initial || !surname || initial.end - initial.begin !== 1 || this.text[initial.end] !== '.') return false;
    if (!/^[ \t]{1,2}$/.test(this.gap(i)) || !/^\.[ \t]{1,2}$/.test(this.gap(i + 1))) return false;
    if (surname.end - surname.begin < 2 || NOT_NAME_WORDS.has(surname.lower) || CREDENTIALS.has(surname.lower)) return false;
    this.push(i + 1, i + 2, 0.75);
    return true;
  }

  private push(first: number, last: number, score: number, beginOverride?: number): void {
    const begin = beginOverride ?? this.words[first]!.begin;
    this.out.push({ begin, end: this.words[last]!.end, type: 'NAME', score });
  }

  private followedByEponymHead(i: number): boolean {
    const next = this.words[i + 1];
    if (!next) return false;
    const gap = this.gap(i);
    return (EPONYM_HEADS.has(next.lower) && /^(?:'s)?\s{1,2}$/.test(gap)) || /^['’]s\s/.test(this.text.slice(this.words[i]!.end, this.words[i]!.end + 3));
  }

  find(): void {
    const { words, text } = this;
    for (let i = 0; i < words.length; i++) {
      const word = words[i]!;

      // 1. A title: "Dr. Chen", "Mrs. Alvarez", "Doctor Patel".
      if (NAME_TITLES.has(word.lower) && word.shape !== 'lower' && INITIAL_GAP.test(this.gap(i)) && isNameWordAfterTitle(words[i + 1])) {
        const last = this.extend(i + 1, 3, true);
        this.push(i, last, 0.95, TITLES_IN_SPAN.has(word.lower) ? undefined : words[i + 1]!.begin);
        continue;
      }
      // Typed in lower case: "dr m. tanaka", "seen by l. ferreira".
      if ((NAME_TITLES.has(word.lower) || CUE_LAST_WORDS.has(word.lower)) && this.lowerInitialName(i)) continue;

      // 2. A cue: a label, a contact verb or a relative, then the name.
      for (let span = 1; span <= 3 && CUE_LAST_WORDS.has(word.lower); span++) {
        const first = i - span + 1;
        if (first < 0) break;
        if (span > 1 && !/^[ \t-]{1,2}$/.test(this.gap(first))) break;
        const phrase = words.slice(first, i + 1).map((w) => w.lower).join(' ');
        if (!CUES.has(phrase)) continue;
        this.afterCue(i, phrase);
        break;
      }

      // 3. Credentials after the name: "Ann Lee, MD", "J. Smith RN".
      if (CREDENTIALS.has(word.lower) && word.shape !== 'lower' && i > 0 && /^,?[ \t]{1,2}$/.test(this.gap(i - 1))) {
        let first = i - 1;
        if (isNameWord(words[first], true)) {
          let count = 1;
          while (count < 3 && first > 0 && (isNameWord(words[first - 1], true) || this.isInitial(first - 1)) && INITIAL_GAP.test(this.gap(first - 1))) {
            first--;
            count++;
          }
          if (count >= 2 || inLists(words[i - 1]!)) this.push(first, i - 1, 0.9);
        }
      }

      // 4. The name lists.
      if (word.shape === 'upper' && GIVEN_NAMES.has(word.lower) && !AMBIGUOUS_GIVEN_NAMES.has(word.lower) && !NOT_NAME_WORDS.has(word.lower)) {
        // "MARY SMITH" in capitals: both words must be listed.
        const next = words[i + 1];
        if (next && next.shape === 'upper' && SURNAMES.has(next.lower) && SPACE_GAP.test(this.gap(i))) this.push(i, i + 1, 0.8);
        continue;
      }
      if (word.shape !== 'title' || NOT_NAME_WORDS.has(word.lower)) continue;
      if (GIVEN_NAMES.has(word.lower)) {
        const next = words[i + 1];
        if (AMBIGUOUS_GIVEN_NAMES.has(word.lower)) {
          if (next && SPACE_GAP.test(this.gap(i)) && next.shape === 'title' && SURNAMES.has(next.lower) && !this.followedByEponymHead(i + 1)) {
            this.push(i, this.extend(i + 1, 2, false), 0.85);
          }
          continue;
        }
        const last = this.extend(i, 3, false);
        if (last > i) this.push(i, last, 0.9);
        else if (!this.followedByEponymHead(i)) this.push(i, i, startsSentence(text, word) ? 0.6 : 0.75);
        continue;
      }
      if (SURNAMES.has(word.lower) && !this.followedByEponymHead(i)) {
        const previous = words[i - 1];
        // "Garcia, Michelle": surname, comma, given name.
        const next = words[i + 1];
        if (next && /^,[ \t]{1,2}$/.test(this.gap(i)) && next.shape === 'title' && GIVEN_NAMES.has(next.lower) && !AMBIGUOUS_GIVEN_NAMES.has(next.lower)) {
          this.push(i, i + 1, 0.85);
        } else if (previous && SPACE_GAP.test(this.gap(i - 1)) && isNameWord(previous, false) && !GIVEN_NAMES.has(previous.lower)) {
          // "Chinedu Garcia": an unlisted given name before a listed surname.
          this.push(i - 1, i, 0.8);
        } else if (next && SPACE_GAP.test(this.gap(i)) && isNameWord(next, false) && !this.followedByEponymHead(i + 1)) {
          // "Lynn Holmberg", "Craig Connor": a listed name before an unlisted capitalised one.
          this.push(i, i + 1, 0.75);
        } else if (previous && this.isInitial(i - 1) && INITIAL_GAP.test(this.gap(i - 1))) {
          // "J. Smith": an initial and a surname.
          this.push(i - 1, i, 0.85);
        } else if (next && LONE_SURNAME_FOLLOWERS.has(next.lower) && !(previous && NOT_BEFORE_LONE_SURNAME.has(previous.lower))) {
          // "Jones aware of plan", "Smith paged": a lone surname doing what people do. Alone it is
          // too often a thing ("a Cook stent", "Robinson catheter", "New York") to count.
          this.push(i, i, 0.6);
        }
      }
    }
  }

  private afterCue(cueIndex: number, phrase: string): void {
    const { words, text } = this;
    const next = words[cueIndex + 1];
    if (!next) return;
    const gap = this.gap(cueIndex);
    const colon = /^[ \t]{0,2}[:#-][ \t]{0,4}\n?[ \t]{0,4}$/.test(gap);
    // "wife (Consuelo)", "Daughter (Miriam, 555-...)".
    const plain = /^,?[ \t]{1,3}\(?$|^[ \t]?\($/.test(gap);
    if (!colon && !plain) return;
    // The title rule takes "seen by Dr. Chen".
    if (NAME_TITLES.has(next.lower)) return;
    const relative = RELATIVE_CUES.has(phrase);
    const label = LABEL_CUES.has(phrase);
    // "Mother: breast cancer" is family history, not a name.
    if (relative && colon) return;
    // "wife mary called": typed notes drop capitals; a listed given name after a relative still counts.
    if (relative && next.shape === 'lower' && GIVEN_NAMES.has(next.lower) && !AMBIGUOUS_GIVEN_NAMES.has(next.lower)) {
      this.push(cueIndex + 1, cueIndex + 1, 0.7);
      return;
    }
    // "pt: deshawn pritchett": a label typed in lower case, then two lower-case words on its line.
    if (colon && label && next.shape === 'lower' && !NOT_NAME_WORDS.has(next.lower)) {
      const second = words[cueIndex + 2];
      if (second && second.shape === 'lower' && SPACE_GAP.test(this.gap(cueIndex + 1)) && !NOT_NAME_WORDS.has(second.lower) && /^(?:\s{2,}|\s*\n|\s*,|\s*$)/.test(text.slice(second.end, second.end + 3))) {
        this.push(cueIndex + 1, cueIndex + 2, 0.7);
      }
      return;
    }
    if (!isNameWord(next, colon && label)) return;
    const last = this.extend(cueIndex + 1, 3, colon && label);
    const count = last - cueIndex;
    const listed = words.slice(cueIndex + 1, last + 1).some(inLists);
    if (label && !colon && count < 2 && !listed) return;
    if (label && !colon && !listed && startsSentence(text, words[cueIndex]!)) return;
    this.push(cueIndex + 1, last, count >= 2 || listed ? 0.92 : 0.8);
  }

  /** "Michelle Kowalski is a 57-year-old": the capitalised words right before "is a <age>". */
  beforeAges(ages: readonly PhiCandidate[]): void {
    const { words, text } = this;
    for (const age of ages) {
      const before = text.slice(Math.max(0, age.begin - 12), age.begin);
      const link = /(?:\b(?:is|was)\s{1,2}an?|,\s{1,2}an?)\s{1,2}$/.exec(before);
      if (!link) continue;
      const linkBegin = age.begin - before.length + link.index;
      let last = lowerBound(words, linkBegin) - 1;
      const lastWord = words[last];
      if (!lastWord || !/^\s{0,2},?\s{0,2}$/.test(text.slice(lastWord.end, linkBegin))) continue;
      if (!isNameWord(lastWord, true)) continue;
      let first = last;
      while (first > 0 && last - first < 2 && isNameWord(words[first - 1], true) && SPACE_GAP.test(this.gap(first - 1))) first--;
      // "Mr. Smith is a ...": take the title too.
      const title = words[first - 1];
      const withTitle = title && NAME_TITLES.has(title.lower) && INITIAL_GAP.test(this.gap(first - 1));
      if (withTitle) first--;
      else if (first === last && startsSentence(text, words[first]!) && !inLists(words[first]!)) continue;
      this.push(first, last, 0.85);
      last = first;
    }
  }
}

/** Index of the first word whose begin is >= offset. */
function lowerBound(words: readonly Word[], offset: number): number {
  let lo = 0;
  let hi = words.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (words[mid]!.begin < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
