/** UTF-16 ↔ code point and BRAT offsets (src-main/review/formats/offsets.ts), checked against hand counts. */
import { describe, expect, it } from 'vitest';
import { bratOffsets, codePointOffsets } from '../../../../src-main/review/formats/offsets';

describe('codePointOffsets', () => {
  it('counts a character outside the BMP as one', () => {
    // "a😀b": UTF-16 units a=0, 😀=1..2, b=3; code points a=0, 😀=1, b=2.
    const map = codePointOffsets('a😀b');
    expect(map.length).toBe(3);
    expect([0, 1, 3, 4].map(map.toExternal)).toEqual([0, 1, 2, 3]);
    expect([0, 1, 2, 3].map(map.toUtf16)).toEqual([0, 1, 3, 4]);
    // Inside the pair: moves to its start.
    expect(map.toExternal(2)).toBe(1);
    expect(map.toUtf16(4)).toBeUndefined();
    expect(map.toUtf16(-1)).toBeUndefined();
    expect(map.toUtf16(1.5)).toBeUndefined();
  });

  it('agrees with Array.from (code points) on every position of a mixed text', () => {
    const text = '𝄞x😀😀\r\né漢字𝄞';
    const map = codePointOffsets(text);
    expect(map.length).toBe(Array.from(text).length);
    let utf16 = 0;
    Array.from(text).forEach((character, cp) => {
      expect(map.toExternal(utf16)).toBe(cp);
      expect(map.toUtf16(cp)).toBe(utf16);
      utf16 += character.length;
    });
    expect(map.toUtf16(map.length)).toBe(text.length);
  });

  it('is the identity on BMP text', () => {
    const map = codePointOffsets('plain é text\r\n');
    expect(map.length).toBe(14);
    expect(map.toExternal(13)).toBe(13);
    expect(map.toUtf16(14)).toBe(14);
  });
});

describe('bratOffsets', () => {
  it('counts \\r\\n as one character, like Python universal newlines, and astral characters as one', () => {
    // "ab\r\ncd😀e": brat reads "ab\ncd😀e": a0 b1 \n2 c3 d4 😀5 e6 (length 7).
    const map = bratOffsets('ab\r\ncd😀e');
    expect(map.length).toBe(7);
    expect(map.toExternal(4)).toBe(3); // c
    expect(map.toExternal(3)).toBe(2); // between \r and \n: the start of the pair
    expect(map.toExternal(8)).toBe(6); // e
    expect(map.toUtf16(3)).toBe(4);
    expect(map.toUtf16(6)).toBe(8);
    expect(map.toUtf16(7)).toBe(9);
  });

  it('leaves a lone \\r or \\n as one character', () => {
    const map = bratOffsets('a\rb\nc');
    expect(map.length).toBe(5);
    expect(map.toUtf16(4)).toBe(4);
  });
});
