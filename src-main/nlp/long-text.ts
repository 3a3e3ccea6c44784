/**
 * Long notes are analysed in windows. Every stage is linear, but one document of a megabyte keeps
 * hundreds of thousands of token and mention objects alive at once, and the garbage collector's
 * cost per byte grows with that live set (bench:nlp measured a 1 MB note analysed whole at 0.6 of
 * the speed per byte of the same text in 16 KB pieces). Windows of about WINDOW_CHARS, cut at
 * paragraph breaks, keep the live set small.
 *
 * A window that starts inside a section is given that section's heading first (so "Family
 * history:" still decides PERTAINS_TO_FAMILY); the engine drops what it finds in that borrowed
 * heading and shifts the rest back to offsets in the whole text.
 */

/** Texts up to this length are analysed whole. */
export const WHOLE_TEXT_MAX = 32 * 1024;
const WINDOW_CHARS = 16 * 1024;

/** The best cut at or before `limit` (and after `from`): a blank line, else a line break, else a space. */
function cutBefore(text: string, from: number, limit: number): number {
  const blank = text.lastIndexOf('\n\n', limit);
  if (blank > from) return blank + 2;
  const line = text.lastIndexOf('\n', limit);
  if (line > from) return line + 1;
  const space = text.lastIndexOf(' ', limit);
  if (space > from) return space + 1;
  return limit;
}

/** [begin, end) windows covering the whole text, in order. */
export function textWindows(text: string): Array<[number, number]> {
  const windows: Array<[number, number]> = [];
  let begin = 0;
  while (begin < text.length) {
    const end = text.length - begin <= WINDOW_CHARS * 1.5 ? text.length : cutBefore(text, begin, begin + WINDOW_CHARS);
    windows.push([begin, end]);
    begin = end;
  }
  return windows;
}
