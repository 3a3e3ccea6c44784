/**
 * Offsets between Hearth's UTF-16 code units and the character offsets Python tools count.
 *
 * Hearth (and JavaScript) index text in UTF-16 code units; spaCy, Prodigy and BRAT index Python
 * `str`, i.e. Unicode code points, so a character outside the Basic Multilingual Plane (an emoji,
 * a rare CJK ideograph) is 2 units here and 1 there. BRAT also reads its `.txt` with universal
 * newlines, so a `\r\n` pair is one character to BRAT. Both are "pairs of units that count as one";
 * this module maps positions both ways for a given text.
 *
 * A position strictly inside such a pair (between a high and a low surrogate, or between `\r` and
 * `\n`) cannot be written in the other unit: it moves to the start of the pair. No valid selection
 * of text has such a boundary.
 */

export interface OffsetMap {
  /** Length of the text in the other unit. */
  readonly length: number;
  /** UTF-16 position → position in the other unit. */
  toExternal(utf16: number): number;
  /** Position in the other unit → UTF-16 position; undefined outside 0..length. */
  toUtf16(external: number): number | undefined;
}

function isHigh(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLow(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** Start indexes (sorted) of the two-unit pairs that count as one character. */
function pairStarts(text: string, crlfIsOne: boolean): number[] {
  const starts: number[] = [];
  for (let i = 0; i + 1 < text.length; i++) {
    const code = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    if ((isHigh(code) && isLow(next)) || (crlfIsOne && code === 0x0d && next === 0x0a)) {
      starts.push(i);
      i++;
    }
  }
  return starts;
}

/** Number of items of a sorted array below `limit` (binary search). */
function countBelow(sorted: readonly number[], limit: number, at: (index: number) => number = (i) => sorted[i]!): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (at(mid) < limit) low = mid + 1;
    else high = mid;
  }
  return low;
}

function offsetMap(text: string, crlfIsOne: boolean): OffsetMap {
  const starts = pairStarts(text, crlfIsOne);
  if (starts.length === 0) {
    // The common case (plain ASCII or BMP text, \n line ends): both units agree.
    return { length: text.length, toExternal: (u) => u, toUtf16: (e) => (Number.isInteger(e) && e >= 0 && e <= text.length ? e : undefined) };
  }
  const toExternal = (utf16: number): number => {
    // Pairs that end at or before the position each count one unit less; a position inside a
    // pair (start < u < start + 2) first moves to the pair's start.
    const before = countBelow(starts, utf16 - 1);
    const inside = before < starts.length && starts[before]! < utf16 && utf16 < starts[before]! + 2;
    return (inside ? starts[before]! : utf16) - before;
  };
  const length = toExternal(text.length);
  return {
    length,
    toExternal,
    toUtf16: (external) => {
      if (!Number.isInteger(external) || external < 0 || external > length) return undefined;
      // The k-th pair sits at external position starts[k] - k (increasing in k); each pair
      // strictly before the wanted position adds one unit.
      return external + countBelow(starts, external, (k) => starts[k]! - k);
    },
  };
}

/** UTF-16 ↔ Unicode code points (Python `str` offsets: spaCy, Prodigy). */
export function codePointOffsets(text: string): OffsetMap {
  return offsetMap(text, false);
}

/** UTF-16 ↔ BRAT's offsets: code points of the text read with universal newlines (`\r\n` is one). */
export function bratOffsets(text: string): OffsetMap {
  return offsetMap(text, true);
}
