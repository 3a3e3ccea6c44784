/**
 * Contact details and identifiers: e-mail addresses, URLs, telephone and fax numbers, record
 * numbers (MRN, SSN, account numbers, "#123456"). Shapes are fixed-width or bounded, so each
 * pattern is linear in the text.
 */
import { scan, type PhiCandidate } from './candidate';

const EMAIL_LOCAL = /[A-Za-z0-9._%+-]/;
const EMAIL_DOMAIN = /[A-Za-z0-9.-]/;

/** E-mail: found from each '@' outward, so a long run of address characters is read once. */
export function findEmails(text: string, out: PhiCandidate[]): void {
  let at = text.indexOf('@');
  while (at !== -1) {
    let begin = at;
    while (begin > 0 && at - begin < 64 && EMAIL_LOCAL.test(text[begin - 1]!)) begin--;
    let end = at + 1;
    while (end < text.length && end - at < 255 && EMAIL_DOMAIN.test(text[end]!)) end++;
    // The domain ends on a letter (not on the sentence's full stop) and has a dot.
    while (end > at + 1 && !/[A-Za-z0-9]/.test(text[end - 1]!)) end--;
    while (begin < at && text[begin] === '.') begin++;
    const domain = text.slice(at + 1, end);
    if (begin < at && /^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$/.test(domain) && /[A-Za-z]{2,}$/.test(domain)) {
      out.push({ begin, end, type: 'EMAIL', score: 0.98 });
    }
    at = text.indexOf('@', Math.max(end, at + 1));
  }
}

const URL_PATTERN = /\b(?:https?:\/\/|ftp:\/\/|www\.)[^\s<>"'`]{1,2048}/gi;
// A bare domain is found from its top-level part (a literal the regex engine can skip to), then read leftwards.
const BARE_TLD = /\.(?:com|org|net|edu|gov|us|io|info|health)(?:\/[^\s<>"'`]{0,512})?(?![A-Za-z0-9@-])/g;
const DOMAIN_CHAR = /[A-Za-z0-9-]/;

export function findUrls(text: string, out: PhiCandidate[]): void {
  const push = (begin: number, raw: string, score: number) => {
    const trimmed = raw.replace(/[.,;:!?)\]}'"]+$/, '');
    if (trimmed.length > 4) out.push({ begin, end: begin + trimmed.length, type: 'URL', score });
  };
  scan(URL_PATTERN, text, (m) => push(m.index, m[0], 0.97));
  scan(BARE_TLD, text, (m) => {
    let begin = m.index;
    while (begin > 0 && m.index - begin < 63 && DOMAIN_CHAR.test(text[begin - 1]!)) begin--;
    if (m.index - begin < 2) return;
    // Part of an e-mail address (found by findEmails) or of a longer URL: not a URL of its own.
    if (begin > 0 && /[@./]/.test(text[begin - 1]!)) return;
    push(begin, text.slice(begin, m.index + m[0].length), 0.8);
  });
}

// (555) 123-4567, 555-123-4567, 555.123.4567, +1 555 123 4567, with an extension.
const PHONE = /(?<![\d-])(?:\+?1[\s.-]?)?(?:\(\d{3}\)[\s.-]?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?:\s?(?:x|ext\.?|extension)\s?\d{1,5})?(?![\d-])/gi;
// 555-0139 alone (a local number), not inside a longer digit run.
const PHONE_LOCAL = /(?<![\d./-])\d{3}-\d{4}(?![\d/-])/g;
// "pager 12345", "beeper #4-1234", "fax: 1234", "x4567" after a phone word.
const PHONE_LABELLED = /\b(?:phone|tel|telephone|fax|cell|cellphone|mobile|pager|beeper|pgr|ext|extension)\b\.?\s{0,3}(?:#|no\.?|number|num)?\s{0,3}[:=]?\s{0,3}((?:\+?\d[\d\s().-]{2,18}\d)|x\d{3,6})/gi;

// An extension alone: "Psychiatry, x6621".
const EXTENSION = /x\s?(\d{4,5})(?![\d.])/g;

export function findPhones(text: string, out: PhiCandidate[]): void {
  scan(EXTENSION, text, (m) => m.index > 0 && /[\s,(]/.test(text[m.index - 1]!) && out.push({ begin: m.index + m[0].length - m[1]!.length, end: m.index + m[0].length, type: 'PHONE_OR_FAX', score: 0.7 }));
  scan(PHONE, text, (m) => out.push({ begin: m.index, end: m.index + m[0].length, type: 'PHONE_OR_FAX', score: 0.95 }));
  scan(PHONE_LOCAL, text, (m) => out.push({ begin: m.index, end: m.index + m[0].length, type: 'PHONE_OR_FAX', score: 0.7 }));
  scan(PHONE_LABELLED, text, (m) => {
    const number = m[1]!;
    const digits = number.replace(/\D/g, '').length;
    if (digits < 4) return;
    const begin = m.index + m[0].length - number.length;
    out.push({ begin, end: begin + number.trimEnd().length, type: 'PHONE_OR_FAX', score: 0.9 });
  });
}

// Labels before an identifier. The short upper-case ones are case-sensitive ("ID", not "id").
const ID_LABEL_WORDS =
  /\b(?:medical record|record|account|acct|unit|social security|patient|member|subscriber|policy|insurance|group|license|licence|case|encounter|visit|accession|specimen|claim|admission|billing|chart|hospital|clinic)\s{0,2}(?:(?:number|no\.?|num|id)(?![A-Za-z])|#)/gi;
const ID_LABEL_SHORT = /\b(?:MRN|MR#|MR|ID|SSN|SS#|NPI|DEA|FIN|CSN|HAR|MBI|Acct|ACCT|Pt ID|PID|EMPI|UPI|Unit No|Record No)(?![A-Za-z])/g;
const ID_VALUE = /\s{0,3}(?:#|no\.?|number|:|=)?\s{0,3}[:#]?\s{0,3}([A-Za-z]{0,4}[-]?\d[A-Za-z0-9-]{2,24})/y;
const SSN = /(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])/g;
const HASH_NUMBER = /#\s?(\d{4,12})(?![\d.])/g;
// Unlabelled record-number shapes: letters then 6+ digits (S101000010), or a bare 7-12 digit run.
const BARE_ID = /(?<![\w.,/-])(?:[A-Z]{1,4}\d{6,12}|\d{7,12})(?![\w.,/-]|\s?(?:mg|mcg|g|kg|ml|mL|L|units|%))/g;

export function findIds(text: string, out: PhiCandidate[]): void {
  const afterLabel = (labelEnd: number, score: number) => {
    ID_VALUE.lastIndex = labelEnd;
    const m = ID_VALUE.exec(text);
    if (!m) return;
    const value = m[1]!.replace(/-+$/, '');
    if (value.replace(/\D/g, '').length < 3) return;
    const begin = labelEnd + m[0].length - m[1]!.length;
    out.push({ begin, end: begin + value.length, type: 'ID', score });
  };
  scan(ID_LABEL_WORDS, text, (m) => afterLabel(m.index + m[0].length, 0.95));
  scan(ID_LABEL_SHORT, text, (m) => {
    // "Boise, ID 83729" is Idaho and its ZIP code.
    if (m[0] === 'ID' && /[A-Za-z],[ \t]{1,2}$/.test(text.slice(Math.max(0, m.index - 3), m.index))) return;
    afterLabel(m.index + m[0].length, 0.95);
  });
  scan(SSN, text, (m) => out.push({ begin: m.index, end: m.index + m[0].length, type: 'ID', score: 0.9 }));
  scan(HASH_NUMBER, text, (m) => {
    const begin = m.index + m[0].length - m[1]!.length;
    out.push({ begin, end: begin + m[1]!.length, type: 'ID', score: 0.75 });
  });
  scan(BARE_ID, text, (m) => out.push({ begin: m.index, end: m.index + m[0].length, type: 'ID', score: 0.6 }));
}
