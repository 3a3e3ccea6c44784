import { describe, expect, it } from 'vitest';
import { createReviewKeymap, REVIEW_SHORTCUTS, SEQUENCE_MS } from '../../../../src-renderer/src/review/keymap';

describe('review keymap', () => {
  it('maps single keys to commands', () => {
    const keymap = createReviewKeymap();
    const kinds = ['j', 'ArrowDown', 'k', 'ArrowUp', 'a', 'r', 'x', 'c', 'e', 'Delete', 'b', 'n', 'p', 'D', '?', 'Escape'].map(
      (key) => keymap.handle({ key }, 0)?.kind,
    );
    expect(kinds).toEqual([
      'next-entity', 'next-entity', 'previous-entity', 'previous-entity', 'accept', 'reject', 'reject', 'edit-concept',
      'add-from-selection', 'delete', 'bulk-accept', 'next-document', 'previous-document', 'mark-done', 'cheat-sheet', 'escape',
    ]);
    expect(keymap.handle({ key: '1' }, 0)).toEqual({ kind: 'set-category', category: 'MEDICAL_CONDITION' });
    expect(keymap.handle({ key: '2' }, 0)).toEqual({ kind: 'set-category', category: 'MEDICATION' });
    expect(keymap.handle({ key: 'q' }, 0)).toBeNull();
  });

  it('t then a letter toggles a trait, only within the time limit, and n after t is not "next document"', () => {
    const keymap = createReviewKeymap();
    expect(keymap.handle({ key: 't' }, 0)).toBeNull();
    expect(keymap.pending(10)).toBe('t');
    expect(keymap.handle({ key: 'n' }, 10)).toEqual({ kind: 'toggle-trait', trait: 'NEGATION' });
    keymap.handle({ key: 't' }, 100);
    expect(keymap.handle({ key: 'h' }, 200)).toEqual({ kind: 'toggle-trait', trait: 'PAST_HISTORY' });
    keymap.handle({ key: 't' }, 300);
    expect(keymap.handle({ key: 'f' }, 400)).toEqual({ kind: 'toggle-trait', trait: 'PERTAINS_TO_FAMILY' });
    keymap.handle({ key: 't' }, 500);
    expect(keymap.handle({ key: 'y' }, 600)).toEqual({ kind: 'toggle-trait', trait: 'HYPOTHETICAL' });
    keymap.handle({ key: 't' }, 700);
    expect(keymap.handle({ key: 'n' }, 700 + SEQUENCE_MS + 1)).toEqual({ kind: 'next-document' });
    keymap.handle({ key: 't' }, 0);
    expect(keymap.handle({ key: 'q' }, 1)).toBeNull();
    expect(keymap.handle({ key: 'a' }, 2)).toEqual({ kind: 'accept' });
  });

  it('leaves "g then x" to the global keys', () => {
    const keymap = createReviewKeymap();
    expect(keymap.handle({ key: 'g' }, 0)).toBeNull();
    expect(keymap.handle({ key: 'r' }, 10)).toBeNull();
    expect(keymap.handle({ key: 'r' }, 20)).toEqual({ kind: 'reject' });
  });

  it('resizes with shift or alt and arrows, undoes and redoes with mod, and ignores mod+K / mod+L', () => {
    const keymap = createReviewKeymap();
    expect(keymap.handle({ key: 'ArrowLeft', shiftKey: true }, 0)).toEqual({ kind: 'resize', edge: 'begin', delta: -1 });
    expect(keymap.handle({ key: 'ArrowRight', shiftKey: true }, 0)).toEqual({ kind: 'resize', edge: 'begin', delta: 1 });
    expect(keymap.handle({ key: 'ArrowLeft', altKey: true }, 0)).toEqual({ kind: 'resize', edge: 'end', delta: -1 });
    expect(keymap.handle({ key: 'ArrowRight', altKey: true }, 0)).toEqual({ kind: 'resize', edge: 'end', delta: 1 });
    expect(keymap.handle({ key: 'ArrowRight' }, 0)).toBeNull();
    expect(keymap.handle({ key: 'z', ctrlKey: true }, 0)).toEqual({ kind: 'undo' });
    expect(keymap.handle({ key: 'z', metaKey: true }, 0)).toEqual({ kind: 'undo' });
    expect(keymap.handle({ key: 'Z', ctrlKey: true, shiftKey: true }, 0)).toEqual({ kind: 'redo' });
    expect(keymap.handle({ key: 'y', ctrlKey: true }, 0)).toEqual({ kind: 'redo' });
    expect(keymap.handle({ key: 'k', ctrlKey: true }, 0)).toBeNull();
    expect(keymap.handle({ key: 'l', ctrlKey: true }, 0)).toBeNull();
    expect(keymap.handle({ key: 'a', altKey: true }, 0)).toBeNull();
  });

  it('lists every command in the cheat sheet', () => {
    const text = REVIEW_SHORTCUTS.map((shortcut) => `${shortcut.keys.join(' ')} ${shortcut.action}`).join('\n');
    for (const word of ['Accept', 'Reject', 'concept', 'negated', 'historical', 'family', 'hypothetical', 'Undo', 'Redo', 'Next document', 'Next entity', 'start of the span', 'end of the span']) {
      expect(text).toContain(word);
    }
  });
});
