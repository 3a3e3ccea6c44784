/**
 * `detectAttributeSpans(doc)`: every span that can be an attribute, before anyone knows whose.
 * A span may be proposed under several readings ("500 mg" is a medication's STRENGTH, or a
 * TEST_VALUE "500" with a TEST_UNIT "mg"; "for 7 days" is a DURATION or a TIME_EXPRESSION);
 * attachAttributes keeps the reading that fits the entity it attaches to. Every pattern is
 * bounded, so the scan is linear in the text.
 */
import type { AttributeSpan, AttributeType, NlpDocument } from '../types';
import { isTestUnit } from './units';

function scan(pattern: RegExp, text: string, onMatch: (match: RegExpExecArray) => void): void {
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    if (m[0].length === 0) pattern.lastIndex++;
    else onMatch(m);
  }
}

const NUM = '(?:\\d{1,3}(?:,\\d{3}){1,3}|\\d{1,7})(?:\\.\\d{1,4})?|\\.\\d{1,4}';
const NUMBER_WORD = '(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|twenty|thirty|a\\s(?:half|few|couple\\sof)|half|one-half|several|a|an)';
const RANGE = `(?:${NUM})(?:\\s?(?:-|–|to)\\s?(?:${NUM}))?`;
const AMOUNT = `(?:${RANGE}|1\\/2|½|${NUMBER_WORD})`;

// "500 mg", "0.125 mg", "5-325 mg", "10 mg/5 mL", "2.5%", "50 mcg/actuation", "1 g"; not "93 mg/dL" (a lab value).
// The unit is captured: RxNorm writes clinical drug strengths in MG (0.05 MG, 1000 MG), so the
// sample gold (and RxNorm's SCD names) call "50 mcg" or "1 g" a DOSAGE and "500 mg" a STRENGTH.
const STRENGTH = new RegExp(
  `(?<![\\w.])(?:${NUM})(?:\\s?[-/]\\s?(?:${NUM}))?\\s?(mg|mcg|µg|ug|gm?|grams?|mEq|meq|mmol|%)(?:\\s?\\/\\s?(?:\\d{1,4}(?:\\.\\d{1,3})?\\s?)?(?:mL|ml|L|hr|h|24\\s?hr?|actuation|act|spray|puff|dose|kg|g|tab|tablet|cap|capsule))?(?![A-Za-z\\/]|\\s?\\/\\s?(?:dL|dl|L\\b|min|day))`,
  'g',
);
const DOSE_UNIT =
  '(?:tablets?|tabs?|capsules?|caps?|puffs?|units?|IU|drops?|gtts?|sprays?|patch(?:es)?|teaspoons?|tsp|tablespoons?|tbsp|mL|ml|cc|applications?|applicatorfuls?|vials?|ampules?|inhalations?|lozenges?|suppositor(?:y|ies)|packets?|sachets?|pills?|injections?|pens?|actuations?|doses?|nebs?|ampoules?|films?|strips?|scoops?)';
// "1 tablet", "2 puffs", "10 units", "50,000 units", "1/2 tab", "two capsules", "5 mL".
const DOSAGE = new RegExp(`(?<![\\w.])${AMOUNT}\\s?(?:-\\s?)?${DOSE_UNIT}(?![A-Za-z]|\\s?\\/\\s?(?:hr|h|hour|min|kg))`, 'gi');
// "75 mL/hr", "2 L/min", "0.1 mcg/kg/min", "5 units/hr".
const RATE = new RegExp(`(?<![\\w.])(?:${RANGE})\\s?(?:mL|ml|cc|mg|mcg|units?|L|gtts?|drops?)\\s?\\/\\s?(?:kg\\s?\\/\\s?)?(?:hr|h|hour|min|minute)(?![A-Za-z])`, 'g');
const FORM = new RegExp(
  '\\b(?:(?:extended|delayed|immediate|sustained)[- ]release\\s|ER\\s|XR\\s|XL\\s|SR\\s|DR\\s|ODT\\s|chewable\\s|oral\\s|HFA\\s|dry\\spowder\\s|nebuli[sz]er\\s|transdermal\\s|nasal\\s|ophthalmic\\s|otic\\s|topical\\s|vaginal\\s|rectal\\s|eye\\s|ear\\s){0,2}' +
    '(?:(?:inhalation|inhaler)\\s)?(?:tablets?|tabs?|capsules?|caps|inhalers?|solution|suspension|cream|ointment|gel|lotion|patch(?:es)?|injection|injectable|pen|syrup|elixir|suppository|suppositories|drops|spray|powder|lozenges?|film|foam|shampoo|wash|granules|nebules?|ampules?|vials?|autoinjector|auto-injector|ODT|pills?)\\b',
  'gi',
);
const ROUTE = new RegExp(
  '(?<![\\w.])(?:PO|po|p\\.o\\.|IV|iv|i\\.v\\.|IVP|IVPB|IV\\spush|IV\\spiggyback|IM|im|i\\.m\\.|SC|sc|SQ|sq|s\\.c\\.|subq|sub-q|subQ|SubQ|subcut|SL|sl|PR|pr|NG|PEG|GT|ID|OU|inh|neb)(?![\\w])' +
    '|\\b(?:by\\smouth|per\\sos|orally|oral|intravenously|intravenous|intramuscularly|intramuscular|subcutaneously|subcutaneous|inhaled|by\\sinhalation|via\\sinhalation|inhalation|nebulized|via\\snebuli[sz]er|topically|topical|sublingually|sublingual|per\\srectum|rectally|transdermally|transdermal|intranasally|intranasal|in\\seach\\snostril|each\\snostril|nasally|in\\s(?:each|both|the\\s(?:left|right))\\s(?:eye|eyes|ear|ears)|ophthalmic|otic|vaginally|per\\svagina|via\\s(?:G-tube|g-tube|PEG|NG\\stube|J-tube|feeding\\stube)|per\\s(?:G-tube|g-tube|PEG|NG\\stube|tube)|buccal|intrathecal|epidural|intradermal|intra-articular|chewed)\\b',
  'g',
);

// Frequency atoms; a FREQUENCY span is a run of them ("daily at bedtime", "TID PRN", "every 6 hours as needed for pain").
const FREQ_ATOM =
  '(?:(?:once|twice|one\\stime|two\\stimes|three\\stimes|four\\stimes|five\\stimes|[1-6]\\s?(?:x|times))\\s(?:a|per|each|every)?\\s?(?:day|daily|week|weekly|month|night|hour|shift)|' +
  '(?:once|twice|three\\stimes|four\\stimes)\\s(?:daily|weekly|nightly)|' +
  'daily|nightly|weekly|biweekly|monthly|hourly|yearly|annually|once|twice|' +
  'every\\s(?:other\\s)?(?:day|night|morning|evening|afternoon|week|month|hour|shift|meal|bedtime)|' +
  'every\\s\\d{1,2}(?:\\s?(?:-|to)\\s?\\d{1,2})?\\s(?:hours?|hrs?|h|days?|weeks?|months?|minutes?|mins?)|' +
  'in\\sthe\\s(?:morning|evening|afternoon)|at\\s(?:bedtime|night|noon|hs|dinner|breakfast|lunch)|before\\s(?:bedtime|meals|breakfast|dinner|lunch|sleep)|after\\s(?:meals|breakfast|dinner|lunch)|with\\s(?:meals|food|water|milk|a\\sfull\\sglass\\sof\\swater|breakfast|dinner|lunch|each\\smeal)|may\\srepeat(?:\\s(?:in|after|every|once\\sin))?\\s\\d{1,2}\\s(?:hours?|hrs?|h|minutes?|mins?)|on\\san\\sempty\\sstomach|' +
  'q\\.?\\s?\\d{1,2}(?:\\s?-\\s?\\d{1,2})?\\s?(?:h|hr|hrs|hours?|d|days?|wk|wks|min)|' +
  '[Qq]\\.?(?:AM|am|PM|pm|HS|hs|OD|od|ID|id|D|d|wk|week|day|month|shift)|[Qq]\\.(?:a\\.m\\.|p\\.m\\.|h\\.s\\.|o\\.d\\.|i\\.d\\.|d\\.)|' +
  '[BbTtQq]\\.[Ii]\\.[Dd]\\.|[BbTtQq][Ii][Dd]|QHS|qhs|HS|hs|QOD|qod|q\\.o\\.d\\.|' +
  'PRN|prn|p\\.r\\.n\\.|as\\sneeded|as\\sdirected|STAT|stat|x\\s?1|continuous(?:ly)?|around\\sthe\\sclock|ATC|per\\sday|a\\sday|at\\sonset(?:\\sof\\s(?:a\\s)?[a-z]{3,20})?)';
const FREQUENCY_START = new RegExp(`(?<![\\w.])${FREQ_ATOM}(?![\\w])`, 'g');
const FREQUENCY_NEXT = new RegExp(`(?:,?\\s{1,2}|\\s?(?:and|or)\\s)${FREQ_ATOM}(?![\\w])`, 'y');
// "as needed for pain", "PRN for shortness of breath": the reason belongs to the frequency phrase.
const PRN_REASON = /\s{1,2}for\s([a-z]{3,20}(?:\s(?:of\s)?[a-z]{3,20}){0,2})(?![\w])|\s([a-z]{3,20})(?![\w])/y;
const NOT_A_REASON = new Set(['and', 'the', 'for', 'with', 'then', 'until', 'while', 'when', 'but', 'not', 'may', 'per', 'max', 'maximum', 'daily', 'only', 'also']);
const ENDS_PRN = /(?:prn|p\.r\.n\.|as needed)$/i;

const FREQUENCY_COURSE = /\s(?:for\s|x\s?)(?:\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|fourteen)\s?(?:days?|d|weeks?|wks?)(?![\w])/y;
const TIME_UNIT = '(?:days?|d|weeks?|wks?|w|months?|mos?|years?|yrs?|hours?|hrs?|h|minutes?|mins?|nights?)';
// "for 7 days", "x 10 days", "x7d", "for the past 2 weeks", "for a week", "times 3 days", "over the last 3 days".
const FOR_DURATION = new RegExp(
  `(?<![\\w])(?:for|x|×|times|over|during)\\s?(?:the\\s(?:next|past|last|previous)\\s|another\\s|(?:about|approximately|nearly|almost|over|at\\sleast)\\s)?(?:${AMOUNT})?\\s?(?:more\\s)?(?:-\\s?)?${TIME_UNIT}(?![\\w])`,
  'gi',
);
// "10-day course", "5 day course".
const COURSE = new RegExp(`(?<![\\w.])(?:${RANGE}|${NUMBER_WORD})[- ](?:day|week|month)\\scourse\\b`, 'gi');
// "since yesterday", "since last night", "since Monday", "2 days ago", "3-day history", "for several days".
const TIME_ONLY = new RegExp(
  `\\bsince\\s(?:yesterday|last\\s(?:night|week|month|year|evening)|this\\s(?:morning|afternoon|evening)|the\\s(?:morning|evening|weekend)|(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)|early\\s(?:this\\s)?morning|childhood|birth|(?:${RANGE})\\s${TIME_UNIT}\\sago)\\b` +
    `|(?<![\\w.])(?:${AMOUNT})\\s${TIME_UNIT}\\sago\\b|(?<![\\w.])(?:${RANGE}|${NUMBER_WORD})[- ](?:day|week|month|year|hour)\\shistory\\b` +
    // "3 days of fever", "2 weeks of progressive dyspnea" (the span stops before "of"), "3 hours prior to arrival".
    `|(?<![\\w.])(?:${RANGE}|${NUMBER_WORD})\\s(?:more\\s)?(?:days?|weeks?|months?|years?|hours?|hrs?|nights?)(?=\\s(?:of|prior\\sto|before)\\s)`,
  'gi',
);

// Not "2+" (a pulse grade) and not a time ("4 weeks after", which is a time expression).
const NUMBER = /(?<![\w.\/-])(?:(?<=[\s:(])-(?=\d))?(?:\d{2,3}\/\d{2,3}(?![\/\d])|(?:\d{1,3}(?:,\d{3}){1,3}|\d{1,7})(?:\.\d{1,4})?|\.\d{1,4})(?![\d\/+]|\.\d|[A-Za-z]{2}|\s?(?:days?|weeks?|wks?|months?|years?|yrs?|hours?|hrs?|minutes?|mins?)\b)/g;
// Qualitative results: "influenza A POSITIVE", "rapid strep neg".
const QUALITATIVE = /\b(?:positive|negative|pos|neg|detected|not\sdetected|reactive|nonreactive|non-reactive)\b/gi;
// The unit token right after a number: "mg/dL", "x10^3/uL", "%", "mL/min/1.73m2", "mm Hg", "C".
const UNIT_AFTER = /\s?(x\s?10\^?\d{1,2}\/[A-Za-zµ]{1,3}|mm\sHg|[A-Za-zµ°%\/][A-Za-z0-9µ°%\/.^*]{0,20})/y;

const push = (out: AttributeSpan[], begin: number, end: number, type: AttributeType, score: number) => out.push({ begin, end, type, score });

export function detectAttributeSpans(doc: Pick<NlpDocument, 'text'>): AttributeSpan[] {
  const text = doc.text;
  const out: AttributeSpan[] = [];
  scan(STRENGTH, text, (m) => {
    const asRxNormWrites = /^(?:mg|mEq|meq|mmol|%)$/.test(m[1]!) || m[0].includes('/');
    push(out, m.index, m.index + m[0].length, asRxNormWrites ? 'STRENGTH' : 'DOSAGE', 0.9);
  });
  scan(DOSAGE, text, (m) => push(out, m.index, m.index + m[0].length, 'DOSAGE', 0.9));
  scan(RATE, text, (m) => push(out, m.index, m.index + m[0].length, 'RATE', 0.92));
  scan(FORM, text, (m) => push(out, m.index, m.index + m[0].length, 'FORM', 0.85));
  scan(ROUTE, text, (m) => push(out, m.index, m.index + m[0].length, 'ROUTE_OR_MODE', m[0].length <= 3 ? 0.85 : 0.92));
  scan(FREQUENCY_START, text, (m) => {
    let end = m.index + m[0].length;
    for (let atoms = 1; atoms < 5; atoms++) {
      FREQUENCY_NEXT.lastIndex = end;
      const next = FREQUENCY_NEXT.exec(text);
      if (!next) break;
      end += next[0].length;
    }
    if (ENDS_PRN.test(text.slice(m.index, end))) {
      PRN_REASON.lastIndex = end;
      const reason = PRN_REASON.exec(text);
      if (reason && !(reason[2] && NOT_A_REASON.has(reason[2]))) end += reason[0].length;
    }
    push(out, m.index, end, 'FREQUENCY', 0.9);
    // "three times daily for 5 days": the sample gold writes the course into the frequency phrase.
    FREQUENCY_COURSE.lastIndex = end;
    const course = FREQUENCY_COURSE.exec(text);
    if (course) push(out, m.index, end + course[0].length, 'FREQUENCY', 0.88);
    FREQUENCY_START.lastIndex = end;
  });
  scan(FOR_DURATION, text, (m) => {
    // "x2" alone or "for days" without an amount is too vague to be either.
    if (!/\d|one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|thirty|a |an |few|several|couple|half/i.test(m[0].slice(1))) return;
    push(out, m.index, m.index + m[0].length, 'DURATION', 0.88);
    push(out, m.index, m.index + m[0].length, 'TIME_EXPRESSION', 0.88);
  });
  scan(COURSE, text, (m) => push(out, m.index, m.index + m[0].length, 'DURATION', 0.85));
  scan(TIME_ONLY, text, (m) => push(out, m.index, m.index + m[0].length, 'TIME_EXPRESSION', 0.85));
  scan(QUALITATIVE, text, (m) => push(out, m.index, m.index + m[0].length, 'TEST_VALUE', 0.75));
  scan(NUMBER, text, (m) => {
    const end = m.index + m[0].length;
    push(out, m.index, end, 'TEST_VALUE', m[0].includes('/') ? 0.9 : 0.8);
    UNIT_AFTER.lastIndex = end;
    const unit = UNIT_AFTER.exec(text);
    if (!unit) return;
    const raw = unit[1]!.replace(/[.,;:)]+$/, '');
    const accepted = isTestUnit(raw) ? raw : longestUnitPrefix(raw);
    if (!accepted) return;
    const begin = end + unit[0].length - unit[1]!.length;
    push(out, begin, begin + accepted.length, 'TEST_UNIT', 0.85);
  });
  return out.sort((a, b) => a.begin - b.begin || b.end - a.end);
}

/** "mg/dL," or "C." lose their punctuation; "kg)" its bracket; the longest known unit at the start wins. */
function longestUnitPrefix(raw: string): string | undefined {
  for (let length = raw.length - 1; length > 0; length--) {
    const prefix = raw.slice(0, length);
    if (isTestUnit(prefix) && !/[A-Za-z0-9]/.test(raw[length] ?? '')) return prefix;
  }
  return undefined;
}
