/**
 * `_text` and `_content` values (https://hl7.org/fhir/R4/search.html#_text, #_content) to FTS4
 * MATCH expressions. The accepted syntax is a small subset, rebuilt here from its tokens so that
 * no user text reaches FTS4's query parser unchecked:
 *
 * - words: letters and digits; a word is matched ignoring case and accents (foldText);
 * - `"a phrase"`: the words next to each other, in order;
 * - `word*` / `"a phra*"`: a prefix (of the last word of a phrase);
 * - `OR` (upper case, between two terms): either; terms are otherwise all required (AND).
 *
 * Any other character separates words (`e-mail` is the phrase "e mail", as the FTS4 `simple`
 * tokenizer indexed it). An unbalanced quote, an `OR` without a term on both sides, or a value
 * without any word is a 400, never an SQL error.
 */
import { fhirError } from '../outcome-error';

/** Letters and digits: what the FTS4 `simple` tokenizer keeps in a token (it also keeps non-ASCII). */
const WORD = /[\p{L}\p{N}]+/gu;

function invalid(param: string, why: string): never {
  throw fhirError('invalid', `${param}: ${why}`, 400, [param]);
}

/**
 * Text as the full-text index stores it, and as queries are read (search.html#_text: like string
 * search, case and accents do not matter): ASCII text as it is (the FTS4 `simple` tokenizer splits
 * it at non-alphanumerics and lower-cases it); other text decomposed (NFD), its combining marks
 * dropped, lower-cased, and every run of characters that are not letters or digits made a space.
 * The tokenizer keeps any non-ASCII character in a word and folds no case or accent outside ASCII
 * (sql.js has no `unicode61`), so "résumé" and "Résumé" would otherwise be two other words than "resume".
 */
export function foldText(text: string): string {
  if (/^[\x00-\x7f]*$/.test(text)) return text;
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ');
}

/** The words of `text` in FTS4 form (folded, as the index stores them). */
function wordsOf(text: string): string[] {
  return (foldText(text).match(WORD) ?? []).map((w) => w.replace(/[A-Z]/g, (c) => c.toLowerCase()));
}

/** One term (a word run or a quoted phrase) as FTS4 text, or undefined when it holds no word. */
function term(text: string): string | undefined {
  const prefix = text.endsWith('*');
  const words = wordsOf(prefix ? text.slice(0, -1) : text);
  if (words.length === 0) return undefined;
  const star = prefix ? '*' : '';
  return words.length === 1 ? `${words[0]}${star}` : `"${words.join(' ')}${star}"`;
}

/** One `_text`/`_content` value (one of its comma-separated alternatives) to a MATCH expression. */
export function textMatchExpression(param: string, value: string): string {
  if ((value.match(/"/g) ?? []).length % 2 !== 0) invalid(param, 'unbalanced double quote');
  const parts: string[] = [];
  let pendingOr = false;
  // Quoted phrases, else runs of non-space characters.
  for (const match of value.matchAll(/"([^"]*)"(\*?)|[^\s"]+/g)) {
    const raw = match[1] !== undefined ? `${match[1]}${match[2] ?? ''}` : match[0];
    if (match[1] === undefined && raw === 'OR') {
      if (parts.length === 0 || pendingOr) invalid(param, 'OR needs a term on each side');
      pendingOr = true;
      continue;
    }
    const fts = term(raw);
    if (fts === undefined) continue;
    if (pendingOr) parts.push('OR');
    parts.push(fts);
    pendingOr = false;
  }
  if (pendingOr) invalid(param, 'OR needs a term on each side');
  if (parts.length === 0) invalid(param, 'no word to search for');
  return parts.join(' ');
}
