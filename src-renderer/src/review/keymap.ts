/**
 * The review screen's keyboard map: one keydown handler turns keys into commands, so the whole
 * workspace works without the mouse, and the cheat sheet is generated from the same table.
 *
 * No clash with the global keys (shell/use-global-keys.ts): `?` is taken here only on the review
 * screen (the screen's own cheat sheet, the handler marks the event as handled), `g` then a letter
 * is left to the global "go to" keys, and ctrl+K / ctrl+L are never used here.
 */
import type { EntityCategory, TraitName } from '../../../src-main/nlp/types';
import { CATEGORY_STYLES, categoryForDigit, TRAIT_MARKERS } from './categories';

export type ReviewCommand =
  | { kind: 'next-entity' }
  | { kind: 'previous-entity' }
  | { kind: 'accept' }
  | { kind: 'reject' }
  | { kind: 'edit-concept' }
  | { kind: 'toggle-trait'; trait: TraitName }
  | { kind: 'set-category'; category: EntityCategory }
  | { kind: 'resize'; edge: 'begin' | 'end'; delta: number }
  | { kind: 'add-from-selection' }
  | { kind: 'delete' }
  | { kind: 'bulk-accept' }
  | { kind: 'next-document' }
  | { kind: 'previous-document' }
  | { kind: 'mark-done' }
  | { kind: 'undo' }
  | { kind: 'redo' }
  | { kind: 'cheat-sheet' }
  | { kind: 'escape' };

/** What the handler reads from a KeyboardEvent (a plain object in tests). */
export interface KeyPress {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  shiftKey?: boolean;
  altKey?: boolean;
}

/** Two-key sequences (t then n) must be typed within this time. */
export const SEQUENCE_MS = 1500;

export interface ReviewKeymap {
  /** The command for this key, or null when the key is not the review screen's to take. */
  handle(press: KeyPress, now: number): ReviewCommand | null;
  /** The first key of a pending sequence ('t'), for the status line. */
  pending(now: number): string | null;
}

export function createReviewKeymap(): ReviewKeymap {
  let prefix: { key: string; at: number } | null = null;
  const live = (now: number): string | null => (prefix && now - prefix.at < SEQUENCE_MS ? prefix.key : null);

  return {
    pending: live,
    handle(press, now) {
      const mod = Boolean(press.ctrlKey || press.metaKey);
      const key = press.key;
      const waiting = live(now);
      prefix = null;

      if (mod && !press.altKey) {
        const lower = key.toLowerCase();
        if (lower === 'z') return press.shiftKey ? { kind: 'redo' } : { kind: 'undo' };
        if (lower === 'y' && !press.shiftKey) return { kind: 'redo' };
        return null;
      }
      if (key === 'ArrowLeft' || key === 'ArrowRight') {
        const delta = key === 'ArrowLeft' ? -1 : 1;
        if (press.shiftKey && !press.altKey) return { kind: 'resize', edge: 'begin', delta };
        if (press.altKey && !press.shiftKey) return { kind: 'resize', edge: 'end', delta };
        return null;
      }
      if (press.altKey || mod) return null;

      // The global "g then x" keys: neither the g nor the letter after it is ours.
      if (waiting === 'g') return null;
      if (waiting === 't') {
        const trait = TRAIT_MARKERS.find((entry) => entry.key === key.toLowerCase());
        return trait ? { kind: 'toggle-trait', trait: trait.trait } : null;
      }
      switch (key) {
        case 'g':
        case 't':
          prefix = { key, at: now };
          return null;
        case 'j':
        case 'ArrowDown':
          return { kind: 'next-entity' };
        case 'k':
        case 'ArrowUp':
          return { kind: 'previous-entity' };
        case 'a':
          return { kind: 'accept' };
        case 'r':
        case 'x':
          return { kind: 'reject' };
        case 'c':
          return { kind: 'edit-concept' };
        case 'e':
          return { kind: 'add-from-selection' };
        case 'Delete':
        case 'Backspace':
          return { kind: 'delete' };
        case 'b':
          return { kind: 'bulk-accept' };
        case 'n':
          return { kind: 'next-document' };
        case 'p':
          return { kind: 'previous-document' };
        case 'D':
          return { kind: 'mark-done' };
        case '?':
          return { kind: 'cheat-sheet' };
        case 'Escape':
          return { kind: 'escape' };
        default: {
          const category = categoryForDigit(key);
          return category ? { kind: 'set-category', category } : null;
        }
      }
    },
  };
}

/** The on-screen cheat sheet, in the order a reviewer learns them. */
export const REVIEW_SHORTCUTS: Array<{ keys: string[]; action: string }> = [
  { keys: ['j'], action: 'Next entity (or ↓)' },
  { keys: ['k'], action: 'Previous entity (or ↑)' },
  { keys: ['a'], action: 'Accept' },
  { keys: ['r'], action: 'Reject (or x)' },
  { keys: ['c'], action: 'Change the concept (search)' },
  ...TRAIT_MARKERS.map((entry) => ({ keys: ['t', entry.key], action: `Toggle ${entry.label.toLowerCase()} (${entry.marker})` })),
  {
    keys: ['1…7'],
    action: `Set the category: ${Object.values(CATEGORY_STYLES)
      .map((style) => `${style.digit} ${style.label}`)
      .join(', ')}`,
  },
  { keys: ['shift', '←/→'], action: 'Move the start of the span' },
  { keys: ['alt', '←/→'], action: 'Move the end of the span' },
  { keys: ['e'], action: 'Add the selected text as an entity' },
  { keys: ['Del'], action: 'Delete (an engine entity is rejected)' },
  { keys: ['b'], action: 'Bulk accept…' },
  { keys: ['n'], action: 'Next document' },
  { keys: ['p'], action: 'Previous document' },
  { keys: ['shift', 'D'], action: 'Mark the document done' },
  { keys: ['mod', 'Z'], action: 'Undo' },
  { keys: ['mod', 'shift', 'Z'], action: 'Redo (or mod+Y)' },
  { keys: ['Esc'], action: 'Close the panel or search' },
  { keys: ['?'], action: 'Show or hide this cheat sheet' },
];
