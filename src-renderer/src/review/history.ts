/**
 * Undo and redo across the review session: one stack for all documents, each entry a batch of
 * edits with their before- and after-states, so undo applies the befores and redo the afters
 * (whatever document the reviewer is on when pressing ctrl+z).
 *
 * An entry moves between the stacks only once the service has taken the change (`commitUndo` /
 * `commitRedo`): a failed call leaves the history as it was, to be tried again.
 */
import type { AnnotationChange } from '../../../src-main/review/types';
import { toChanges, type Edit } from './edits';

export interface HistoryEntry {
  documentId: string;
  /** What the reviewer did, for "Undo: accept 'chest pain'". */
  label: string;
  /** Every edit carries the id the service gave (added entities included) by the time it is recorded. */
  edits: Edit[];
}

export interface HistorySnapshot {
  canUndo: boolean;
  canRedo: boolean;
  undoLabel?: string;
  redoLabel?: string;
  size: number;
}

export class ReviewHistory {
  private readonly done: HistoryEntry[] = [];
  private undone: HistoryEntry[] = [];
  private readonly listeners = new Set<() => void>();
  private snapshot: HistorySnapshot = { canUndo: false, canRedo: false, size: 0 };

  constructor(private readonly limit = 1000) {}

  /** A new action: it becomes the one to undo, and whatever was undone can no longer be redone. */
  record(entry: HistoryEntry): void {
    if (entry.edits.length === 0) return;
    this.done.push(entry);
    if (this.done.length > this.limit) this.done.shift();
    this.undone = [];
    this.changed();
  }

  peekUndo(): HistoryEntry | undefined {
    return this.done.at(-1);
  }

  peekRedo(): HistoryEntry | undefined {
    return this.undone.at(-1);
  }

  /** The changes that undo `entry` (its before-states, last edit first). */
  undoChanges(entry: HistoryEntry): AnnotationChange[] {
    return toChanges([...entry.edits].reverse(), 'backward');
  }

  redoChanges(entry: HistoryEntry): AnnotationChange[] {
    return toChanges(entry.edits, 'forward');
  }

  /** After the service applied the undo: the entry moves to the redo stack (if still on top). */
  commitUndo(entry: HistoryEntry): void {
    if (this.done.at(-1) !== entry) return;
    this.done.pop();
    this.undone.push(entry);
    this.changed();
  }

  commitRedo(entry: HistoryEntry): void {
    if (this.undone.at(-1) !== entry) return;
    this.undone.pop();
    this.done.push(entry);
    this.changed();
  }

  /** For React's useSyncExternalStore. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): HistorySnapshot => this.snapshot;

  private changed(): void {
    const top = this.done.at(-1);
    const redo = this.undone.at(-1);
    this.snapshot = {
      canUndo: top !== undefined,
      canRedo: redo !== undefined,
      size: this.done.length,
      ...(top ? { undoLabel: top.label } : {}),
      ...(redo ? { redoLabel: redo.label } : {}),
    };
    for (const listener of this.listeners) listener();
  }
}
