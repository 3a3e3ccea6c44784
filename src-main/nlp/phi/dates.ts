/**
 * Dates and ages. Dates: numeric (03/04/2019, 3-4-19, 3.4.2019, 2019-03-04, 2015-03, 03/2015),
 * with month names (Jan 5, January 5th, 2019, 5 Jan 2019, the 5th of January, March 2015, "in
 * March"), a time written right after a date, holidays, and bare years (in 2015, 1990s). Ages:
 * "67 y/o", "67-year-old", "67 yo", "aged 67", "a 3-month-old", "67 years of age".
 */
import { scan, type PhiCandidate } from './candidate';

const MONTHS_FULL = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const MONTHS_SHORT = ['Jan', 'Feb', 'Mar', 'Apr', 'Jun', 'Jul', 'Aug', 'Sep', 'Sept', 'Oct', 'Nov', 'Dec'];

function caseForms(words: readonly string[]): string {
  return words.flatMap((w) => [w, w.toUpperCase()]).join('|');
}

// Full names first so "March" is not read as "Mar" + "ch".
const MONTH = `(?:${caseForms(MONTHS_FULL)}|(?:${caseForms(MONTHS_SHORT)})\\.?)`;
const DAY = '(?:[12]\\d|3[01]|0?[1-9])(?:st|nd|rd|th)?';
const YEAR4 = '(?:1[89]\\d\\d|20\\d\\d)';
// A time right after a date: "03/04/2019 10:15", "Jan 5 at 0800", "2019-03-04T10:15:00Z".
const TIME = `(?:T(?:[01]\\d|2[0-3]):[0-5]\\d(?::[0-5]\\d(?:\\.\\d{1,6})?)?(?:Z|[+-]\\d\\d:?\\d\\d)?)?`;

const MONTH_DAY_YEAR = new RegExp(`\\b${MONTH}\\s{1,3}${DAY}(?:,?\\s{1,3}(?:${YEAR4}|'\\d\\d))?(?![\\w])${TIME}`, 'g');
const DAY_MONTH_YEAR = new RegExp(`\\b(?:the\\s{1,2})?${DAY}\\s{1,3}(?:of\\s{1,3})?${MONTH}(?:,?\\s{1,3}${YEAR4})?(?![\\w])${TIME}`, 'g');
const MONTH_YEAR = new RegExp(`\\b${MONTH},?\\s{1,3}(?:of\\s{1,3})?(?:${YEAR4}|'\\d\\d)(?!\\w)`, 'g');
// A month named alone, after a word that makes it a date ("in March", "since January", "early May").
const BARE_MONTH = new RegExp(`\\b(?:in|on|since|during|until|till|by|from|through|of|early|late|mid|last|next|this|before|after)\\s{1,3}(?:-\\s?)?(${caseForms(MONTHS_FULL)}|(?:${caseForms(MONTHS_SHORT.filter((m) => m !== 'Mar'))})\\.)(?![\\w])`, 'g');

// m/d/y, d-m-y, m.d.y (two- or four-digit year), y-m-d, y/m/d; validated below.
const NUMERIC_DATE = new RegExp(`(?<![\\d/.-])(\\d{1,2})([/.-])(\\d{1,2})\\2(\\d{4}|\\d{2})(?![\\d/]|\\.\\d|-\\d)${TIME}`, 'g');
const ISO_DATE = new RegExp(`(?<![\\d/.-])(${YEAR4})([/.-])(\\d{1,2})\\2(\\d{1,2})(?![\\d/]|\\.\\d|-\\d)${TIME}`, 'g');
const YEAR_MONTH = new RegExp(`(?<![\\d/.-])${YEAR4}-(?:0[1-9]|1[0-2])(?![\\d/-])|(?<![\\d/.-])(?:0?[1-9]|1[0-2])/${YEAR4}(?![\\d/])`, 'g');
// m-d without a year after a date word ("on 10-12", "since 3-14"); "HR 80-90" and "10-12 mg" have none.
const MONTH_DAY_DASH = /\b(?:on|since|until|till|from|dated|date:?|admitted|discharged|seen|drawn|started|stopped|through|thru)\s{1,2}((?:1[0-2]|0?[1-9])-(?:[12]\d|3[01]|0?[1-9]))(?![\d\/.-])/gi;
// m/d without a year; scales such as "5/5 strength" or "8/10 pain" are weeded out in code.
const MONTH_DAY = /(?<![\d/.+-])(\d{1,2})\/(\d{1,2})(?![\d/+]|\.\d)/g;
const NOT_AFTER_MONTH_DAY = /^(?:[a-z]|\s?(?:lymph|nodes?|mixture|ratio|dilution|concentration)\b)|^\s?(?:ppd\b|packs?\b|tabs?\b|tablets?|pills?|caps?\b|capsules?|strength|ns\b|normal|of\b|doses?|inch|cups?|glass|tsp|teaspoons?|tbsp|mg|ml|cc\b|units?|\+|-\s?\d|\/)/i;
const SCALE_CONTEXT = /\b(?:pain|strength|motor|murmur|scale|reflex|grade|sensation|power|score|gcs|apgar|gleason|rated|out of|tab|tablet|dose|ns|day|week|cycle|dose|pill)\b|\/\d|\bx\s?\d/i;
// Bare years, and decades ("the 1990s"); not a quantity ("2000 mL", "1500 calories").
const BARE_YEAR = /(?<![\d.,$#/:-])((?:19|20)\d\d)(s|'s)?(?![\d.,]\d|\s?(?:mg|mcg|ml|mL|cc|g\b|kg|units?|iu|IU|%|kcal|cal|calories|x\b|\/|-\d|:\d|mm|cm|meq|mEq|ft|feet|steps|miles|lbs?))/g;
const YEAR_CONTEXT = /(?:in|since|from|until|till|during|of|year|circa|ca\.|c\.|before|after|by|dated|early|late|mid|summer|fall|autumn|winter|spring|quit|diagnosed|dx|dx'd|s\/p|born|through|thru|to|and|or|,|-|\(|~)\s{0,2}$/i;
const HOLIDAY = /\b(?:Christmas(?:\s(?:Eve|Day))?|Thanksgiving(?:\sDay)?|Easter(?:\sSunday)?|New\sYear'?s(?:\s(?:Eve|Day))?|Halloween|Memorial\sDay|Labor\sDay|Independence\sDay|Veterans\sDay|Valentine'?s\sDay|Mother'?s\sDay|Father'?s\sDay|Hanukkah|Ramadan|Yom\sKippur|Rosh\sHashanah|Passover)\b/g;

function validMonthDay(month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

export function findDates(text: string, out: PhiCandidate[]): void {
  const push = (begin: number, end: number, score: number) => {
    // Trailing spaces a bounded optional group may have taken.
    while (end > begin && /\s/.test(text[end - 1]!)) end--;
    out.push({ begin, end, type: 'DATE', score });
  };
  scan(MONTH_DAY_YEAR, text, (m) => push(m.index, m.index + m[0].length, 0.95));
  scan(DAY_MONTH_YEAR, text, (m) => {
    const begin = m[0].startsWith('the') ? m.index + m[0].search(/\d/) : m.index;
    push(begin, m.index + m[0].length, 0.93);
  });
  scan(MONTH_YEAR, text, (m) => push(m.index, m.index + m[0].length, 0.93));
  scan(BARE_MONTH, text, (m) => {
    const begin = m.index + m[0].length - m[1]!.length;
    // "May" after "this"/"by" is often the verb's neighbour; keep it but with less confidence.
    push(begin, m.index + m[0].length, m[1] === 'May' ? 0.6 : 0.85);
  });
  scan(NUMERIC_DATE, text, (m) => {
    const a = Number(m[1]);
    const b = Number(m[3]);
    if (!validMonthDay(a, b) && !validMonthDay(b, a)) return;
    push(m.index, m.index + m[0].length, m[2] === '/' ? 0.95 : 0.9);
  });
  scan(ISO_DATE, text, (m) => {
    if (!validMonthDay(Number(m[3]), Number(m[4]))) return;
    push(m.index, m.index + m[0].length, 0.97);
  });
  scan(YEAR_MONTH, text, (m) => push(m.index, m.index + m[0].length, 0.85));
  scan(MONTH_DAY, text, (m) => {
    const a = Number(m[1]);
    const b = Number(m[2]);
    if (!validMonthDay(a, b)) return;
    const before = text.slice(Math.max(0, m.index - 25), m.index);
    const after = text.slice(m.index + m[0].length, m.index + m[0].length + 20);
    if (SCALE_CONTEXT.test(before) || SCALE_CONTEXT.test(after) || NOT_AFTER_MONTH_DAY.test(after) || /[+=]|\bto\s$/.test(before)) return;
    if (a === 24 && b === 7) return;
    push(m.index, m.index + m[0].length, 0.6);
  });
  scan(MONTH_DAY_DASH, text, (m) => {
    const begin = m.index + m[0].length - m[1]!.length;
    push(begin, begin + m[1]!.length, 0.7);
  });
  scan(BARE_YEAR, text, (m) => {
    const before = text.slice(Math.max(0, m.index - 16), m.index);
    const year = Number(m[1]);
    if (year > 2045) return;
    // Nursing notes write the clock in 24-hour form: "at 2000", "@1930", "1900 hrs".
    if (/(?:\bat|@|around|approx\.?|~)\s{0,2}$/i.test(before) || /^\s?(?:hrs?|hours|h\b|pm|am)/i.test(text.slice(m.index + m[0].length, m.index + m[0].length + 6))) return;
    push(m.index, m.index + m[0].length, YEAR_CONTEXT.test(before) ? 0.9 : 0.7);
  });
  scan(HOLIDAY, text, (m) => push(m.index, m.index + m[0].length, 0.85));
}

const NUMBER_WORD = '(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:-(?:one|two|three|four|five|six|seven|eight|nine))?';
const AGE_NUMBER = `(?:1[0-4]\\d|\\d{1,2}|${NUMBER_WORD})`;
// "67-year-old", "67 year old", "3-month-old", "67 years old", "67 yrs old", "67 years of age". Found from
// "old" / "of age" backwards (a short end-anchored match), so the number-word alternation only runs there.
const AGE_ANCHOR = /\b(?:old|of\sage)\b/gi;
const AGE_OLD = new RegExp(`(?<![\\d.])${AGE_NUMBER}(?:\\s|-)(?:years?|yrs?|yr|months?|mos?|weeks?|wks?|days?)(?:\\s|-)old$|(?<![\\d.])${AGE_NUMBER}\\s(?:years?|yrs?)\\sof\\sage$`, 'i');
// "67 y/o", "67yo", "67 y.o.", "67 YO", "67yF".
const AGE_YO = /(?<![\d.])(?:1[0-4]\d|\d{1,2})\s?(?:y\/o|y\.\s?o\.?|yo|yrs?\.?\s?old|yoM|yoF|yom|yof)(?![A-Za-z\d])/gi;
// "aged 67", "age 67", "Age: 67", "at age 54", "age of 54".
const AGE_LABEL = /\b(?:aged?|age\s{0,2}of)\s{0,2}[:=]?\s{0,2}((?:1[0-4]\d|\d{1,2})(?:\s?(?:years?|yrs?|y))?)(?![\d/]|\.\d)/gi;
// "father with MI at 55", "brother with stroke at 70": an age at an event of a relative's history.
const AGE_AT = /\bat\s(1[01]\d|[1-9]\d)(?=\s?[.,;)]|\s?$)/gm;
const AGE_AT_CONTEXT = /\b(?:father|mother|brother|sister|son|daughter|aunt|uncle|grand\w{0,8}|parent|sibling|died|passed|diagnosed|dx|onset|fh|fhx|family)\b/i;
// "67 M", "67M", "67 F" at the start of a line or after "a": the shorthand of admission notes.
const AGE_SEX = /(?<!\d)(1[0-4]\d|\d{1,2})\s?(?:M|F|yo\s?[MF])(?=[\s,.:;)]|$)/g;
const AGE_SEX_BEFORE = /(?:\n|\ba\s|,\s{0,2}|:\s{0,2})\s{0,3}$|[ \t]{3}$/;

export function findAges(text: string, out: PhiCandidate[]): void {
  scan(AGE_ANCHOR, text, (anchor) => {
    const end = anchor.index + anchor[0].length;
    const from = Math.max(0, end - 36);
    const m = AGE_OLD.exec(text.slice(from, end));
    if (m) out.push({ begin: from + m.index, end, type: 'AGE', score: 0.97 });
  });
  scan(AGE_YO, text, (m) => out.push({ begin: m.index, end: m.index + m[0].length, type: 'AGE', score: 0.95 }));
  scan(AGE_LABEL, text, (m) => {
    const begin = m.index + m[0].length - m[1]!.length;
    out.push({ begin, end: begin + m[1]!.trimEnd().length, type: 'AGE', score: 0.9 });
  });
  scan(AGE_SEX, text, (m) => {
    const before = text.slice(Math.max(0, m.index - 6), m.index);
    if (!AGE_SEX_BEFORE.test(before) && !(m.index <= 6 && /^\s{0,3}$/.test(before))) return;
    out.push({ begin: m.index, end: m.index + m[1]!.length, type: 'AGE', score: 0.8 });
  });
  scan(AGE_AT, text, (m) => {
    const lineStart = text.lastIndexOf('\n', m.index) + 1;
    if (!AGE_AT_CONTEXT.test(text.slice(Math.max(lineStart, m.index - 60), m.index))) return;
    const begin = m.index + m[0].length - m[1]!.length;
    out.push({ begin, end: begin + m[1]!.length, type: 'AGE', score: 0.75 });
  });
}
