/**
 * Addresses and places: a street line ("5267 Cedar Ct", "12 N. Main Street, Apt 4") with the
 * city, state and ZIP that follow it, "City, ST 12345" / "Boston, MA" / "Salem, Oregon" alone,
 * "lives in Springfield", and facility names ("St. Mary's Hospital", "Mercy Medical Center").
 */
import { scan, type PhiCandidate } from './candidate';
import { AMBIGUOUS_STATE_CODES, FACILITY_HEADS, NOT_NAME_WORDS, STREET_SUFFIXES, US_STATE_CODES, US_STATE_NAMES } from './vocabulary';
import type { Word } from './words';

const STATE_NAME = US_STATE_NAMES.map((n) => n.replace(/\b[a-z]/g, (c) => c.toUpperCase())).join('|');
const STREET =
  /(?<![\w#./$-])\d{1,6}[A-Za-z]?(?:-\d{1,4})?[ \t]{1,2}(?:(?:[NSEW]\.?|North|South|East|West|Northeast|Northwest|Southeast|Southwest)[ \t]{1,2})?((?:(?:[A-Z][A-Za-z'-]{0,20}|\d{1,3}(?:st|nd|rd|th))[ \t]{1,2}){1,3})([A-Z][A-Za-z]{1,10})(\.?)(?![A-Za-z])/g;
const UNIT = /,?[ \t]{1,2}(?:Apt|Apartment|Suite|Ste|Unit|Rm|Room|Fl|Floor|Bldg|Building|#)\.?[ \t]{0,2}#?[A-Za-z0-9-]{1,6}(?![\w])/y;
const CITY_STATE_AFTER = new RegExp(`(?:,[ \\t]{0,2}|[ \\t]{1,2}|[ \\t]{0,2}\\n[ \\t]{0,2})((?:[A-Z][a-z]{1,20}[ \\t]){0,2}[A-Z][a-z]{1,20}),?[ \\t]{1,2}([A-Z]{2}|${STATE_NAME})(?:,?[ \\t]{1,2}(\\d{5}(?:-\\d{4})?))?(?![\\w])`, 'y');
const CITY_STATE = new RegExp(`(?<![\\w])((?:[A-Z][a-z]{1,20}[ \\t]){0,2}[A-Z][a-z]{1,20}),[ \\t]{1,2}([A-Z]{2}|${STATE_NAME})(?:,?[ \\t]{1,2}(\\d{5}(?:-\\d{4})?))?(?![\\w])`, 'g');
// "lives in Springfield", "lives alone in Millbrook", "lives w/ husband Bob in Quincy" (up to four words between).
const LIVES_IN = /\b(?:lives|living|resides|residing|moved|relocated|visiting|resident|native|originally|born|home)\s{1,2}(?:[A-Za-z/'-]{1,15}\s{1,2}){0,4}?(?:in|at|to|from|of|near)\s{1,2}((?:[A-Z][a-z]{2,20}[ \t]){0,2}[A-Z][a-z]{2,20})/g;
// "PO Box 712", then the city, state and ZIP as after a street.
const PO_BOX = /\b(?:P\.?\s?O\.?\s?Box|Post\sOffice\sBox)\s{1,2}\d{1,6}/gi;
// A street written without its number: "Elm Street", "Lincoln Avenue" (full suffix words only).
const STREET_NAME = /\b(?:[A-Z][a-z]{2,20}\s){1,2}(?:Street|Avenue|Road|Boulevard|Lane|Parkway|Highway|Terrace)\b/g;
// "Facility: Briarwood Rehabilitation and Care": a facility label, then its capitalised name.
const FACILITY_LABEL = /\b(?:Facility|Hospital|Location|Clinic|Site|Nursing\shome|Transferred\sfrom|Transferred\sto)[ \t]{0,2}:[ \t]{0,3}([A-Z][A-Za-z'.-]{1,30}(?:[ \t](?:[A-Z][A-Za-z'.-]{1,30}|and|of|the|&)){0,5})/g;
// "Bayview Cardiology": a practice named by its specialty, after "of" / "at" / "from".
const PRACTICE = /\b(?:of|at|from|with|to)\s((?:[A-Z][a-z]{2,20}\s){1,2}(?:Cardiology|Orthopedics|Orthopaedics|Dermatology|Oncology|Urology|Neurology|Pediatrics|Radiology|Gastroenterology|Pulmonology|Nephrology|Rheumatology|Endocrinology|Associates|Medical\sGroup|Health\sPartners|Partners))\b/g;

function stateOk(state: string, zip: string | undefined): boolean {
  const lower = state.toLowerCase();
  if (state.length > 2) return true;
  if (!US_STATE_CODES.has(lower)) return false;
  return zip !== undefined || !AMBIGUOUS_STATE_CODES.has(lower);
}

/** Drops leading words that cannot start a city ("Lives Columbus" → "Columbus"). */
function cityStart(city: string): number {
  const words = city.split(/([ \t])/);
  let offset = 0;
  for (let i = 0; i < words.length; i += 2) {
    if (!NOT_NAME_WORDS.has(words[i]!.toLowerCase())) return offset;
    offset += words[i]!.length + (words[i + 1]?.length ?? 0);
  }
  return -1;
}

export function findAddresses(text: string, out: PhiCandidate[]): void {
  scan(STREET, text, (m) => {
    if (!STREET_SUFFIXES.has(m[2]!.toLowerCase())) return;
    let end = m.index + m[0].length;
    UNIT.lastIndex = end;
    const unit = UNIT.exec(text);
    if (unit) end += unit[0].length;
    CITY_STATE_AFTER.lastIndex = end;
    const place = CITY_STATE_AFTER.exec(text);
    if (place && stateOk(place[2]!, place[3])) end += place[0].length;
    out.push({ begin: m.index, end, type: 'ADDRESS', score: 0.92 });
  });
  scan(CITY_STATE, text, (m) => {
    if (!stateOk(m[2]!, m[3])) return;
    const skip = cityStart(m[1]!);
    if (skip < 0) return;
    out.push({ begin: m.index + skip, end: m.index + m[0].length, type: 'ADDRESS', score: m[3] ? 0.9 : 0.8 });
  });
  scan(PO_BOX, text, (m) => {
    let end = m.index + m[0].length;
    CITY_STATE_AFTER.lastIndex = end;
    const place = CITY_STATE_AFTER.exec(text);
    if (place && stateOk(place[2]!, place[3])) end += place[0].length;
    out.push({ begin: m.index, end, type: 'ADDRESS', score: 0.92 });
  });
  scan(STREET_NAME, text, (m) => {
    const skip = cityStart(m[0]);
    if (skip >= 0) out.push({ begin: m.index + skip, end: m.index + m[0].length, type: 'ADDRESS', score: 0.7 });
  });
  const afterLabel = (m: RegExpExecArray, score: number) => {
    const name = m[1]!.replace(/\s(?:and|of|the|&)$/, '');
    const skip = cityStart(name);
    if (skip < 0) return;
    const begin = m.index + m[0].length - m[1]!.length + skip;
    out.push({ begin, end: m.index + m[0].length - m[1]!.length + name.length, type: 'ADDRESS', score });
  };
  scan(FACILITY_LABEL, text, (m) => afterLabel(m, 0.85));
  scan(PRACTICE, text, (m) => {
    // "referred to Pediatric Gastroenterology" is a service, not a practice's name.
    if (/^(?:Pediatric|Adult|General|Interventional|Surgical|Medical|Clinical|Outpatient|Inpatient|Our|The|This)\b/.test(m[1]!)) return;
    afterLabel(m, 0.75);
  });
  scan(LIVES_IN, text, (m) => {
    const begin = m.index + m[0].length - m[1]!.length;
    const skip = cityStart(m[1]!);
    if (skip < 0) return;
    out.push({ begin: begin + skip, end: m.index + m[0].length, type: 'ADDRESS', score: 0.7 });
  });
}

const HEADS_BY_FIRST = new Map<string, string[][]>();
for (const head of FACILITY_HEADS) {
  const words = head.split(' ');
  HEADS_BY_FIRST.set(words[0]!, [...(HEADS_BY_FIRST.get(words[0]!) ?? []), words]);
}
const SAINT = new Set(['st', 'saint', 'mt', 'mount', 'ste']);

/** "St. Mary's Hospital", "Lakeview Medical Center", "VA Medical Center": capitalised words before a facility word. */
export function findFacilities(text: string, words: readonly Word[], out: PhiCandidate[]): void {
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    // Title case only: "COURSE IN THE HOSPITAL" is a heading, not a facility.
    if (word.shape !== 'title') continue;
    const heads = HEADS_BY_FIRST.get(word.lower);
    if (!heads) continue;
    let headEnd = -1;
    for (const head of heads) {
      let ok = true;
      for (let k = 1; k < head.length && ok; k++) {
        const w = words[i + k];
        ok = !!w && w.lower === head[k] && w.shape === 'title' && /^[ \t]{1,2}$/.test(text.slice(words[i + k - 1]!.end, w.begin));
      }
      if (ok) headEnd = Math.max(headEnd, i + head.length - 1);
    }
    if (headEnd < 0) continue;
    let first = i;
    let meaningful = false;
    while (first > 0 && i - first < 4) {
      const previous = words[first - 1]!;
      const gap = text.slice(previous.end, words[first]!.begin);
      const saint = SAINT.has(previous.lower);
      // Title-case words, or a short acronym ("VA Medical Center", "UCSF Medical Center").
      if (previous.shape === 'lower' || (previous.shape === 'upper' && previous.end - previous.begin > 4) || !(/^[ \t]{1,2}$/.test(gap) || (saint && /^\.[ \t]{1,2}$/.test(gap)))) break;
      first--;
      if (saint || !NOT_NAME_WORDS.has(previous.lower.replace(/'s$/, ''))) meaningful = true;
    }
    // "Children's Hospital of Eastbrook": the place after "of".
    const of = words[headEnd + 1];
    const place = words[headEnd + 2];
    if (of && place && of.lower === 'of' && place.shape === 'title' && !NOT_NAME_WORDS.has(place.lower) && /^[ \t]$/.test(text.slice(words[headEnd]!.end, of.begin)) && /^[ \t]$/.test(text.slice(of.end, place.begin))) {
      headEnd += 2;
      meaningful = true;
    }
    if (!meaningful) continue;
    out.push({ begin: words[first]!.begin, end: words[headEnd]!.end, type: 'ADDRESS', score: 0.85 });
    i = headEnd;
  }
}
