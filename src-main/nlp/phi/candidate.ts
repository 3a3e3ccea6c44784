import type { EntityType } from '../types';

export type PhiType = Extract<EntityType, 'NAME' | 'AGE' | 'DATE' | 'ADDRESS' | 'PHONE_OR_FAX' | 'EMAIL' | 'ID' | 'URL' | 'PROFESSION'>;

/** A PHI span one scanner proposes; overlaps are settled in detect-phi.ts. */
export interface PhiCandidate {
  begin: number;
  end: number;
  type: PhiType;
  score: number;
}

/**
 * Runs a global regular expression over the text, calling `onMatch` for each match. Every pattern
 * handed here is bounded (no nested unbounded quantifiers), so the scan is linear in the text.
 */
export function scan(pattern: RegExp, text: string, onMatch: (match: RegExpExecArray) => void): void {
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    if (m[0].length === 0) pattern.lastIndex++;
    else onMatch(m);
  }
}
