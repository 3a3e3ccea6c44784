/**
 * One note through the engine: read its text (note-text.ts), analyse it, and build the
 * DocumentReference carrying the result (extensions.ts); and the test the processing queue uses
 * to tell whether a stored note needs (re)processing.
 */
import type { DocumentReference } from '@medplum/fhirtypes';
import type { Entity, NlpVersions } from '../types';
import { readNlpStamp, sameVersions, withNlpResult, type NlpResult } from './extensions';
import { readNoteText, type BinaryReader } from './note-text';
import { isLearnedVersion } from '../learning/model';

/**
 * The engine as the queue uses it: the versions it would stamp, and an asynchronous analysis (the
 * lead's worker pool, AsyncNlpEngine in nlp/worker-pool.ts, has this shape).
 */
export interface NoteAnalyzer {
  readonly versions: NlpVersions;
  /**
   * The versions a result for this text is stamped with, when they depend on the text (the
   * learned rules that can touch it, nlp/learning/relevance.ts); default `versions`.
   */
  versionsFor?(text: string): NlpVersions;
  analyze(text: string): Promise<Entity[]>;
  /** Stops its threads, when it has any (the queue calls it when the session closes). */
  close?(): Promise<void>;
}

/**
 * Where a stored note stands against the engine:
 * - `new`: no Hearth NLP result; `changed`: a result for another text (the note was edited);
 * - `outdated`: a result for this text from other engine, lexicon or pack versions;
 * - `relearned`: a result for this text from these versions but for other learned rules that can
 *   touch it (reviewers' corrections since: re-run on its own, a new model touches few notes);
 * - `current`: a result of this engine for this text (succeeded or failed).
 */
export type NoteState = 'new' | 'changed' | 'outdated' | 'relearned' | 'current';

/** The versions a result for this text gets from this analyzer. */
export function versionsOf(analyzer: Pick<NoteAnalyzer, 'versions' | 'versionsFor'>, text: string): NlpVersions {
  return analyzer.versionsFor ? analyzer.versionsFor(text) : analyzer.versions;
}

export async function noteState(doc: DocumentReference, analyzer: Pick<NoteAnalyzer, 'versions' | 'versionsFor'>, readBinary: BinaryReader): Promise<NoteState> {
  const stamp = readNlpStamp(doc);
  if (!stamp) return 'new';
  const text = await readNoteText(doc, readBinary);
  // A note whose text cannot be read has nothing to compare: its stored failure stands until
  // the note changes (then its stamp's source differs) or the engine does.
  const sameText = text.ok ? stamp.source?.textHash === text.textHash && stamp.source.ref === text.ref : stamp.status === 'failed' && stamp.source === undefined;
  if (!sameText) return 'changed';
  const versions = text.ok ? versionsOf(analyzer, text.text) : analyzer.versions;
  if (sameVersions(stamp.versions, versions)) return 'current';
  const unlearned = (v: NlpVersions): NlpVersions => ({ engine: v.engine, lexicon: v.lexicon, packs: v.packs.filter((p) => !isLearnedVersion(p)) });
  return sameVersions(unlearned(stamp.versions), unlearned(versions)) ? 'relearned' : 'outdated';
}

/** The note's result: the engine's entities, or a failure saying why (never note content). */
export async function analyzeNote(doc: DocumentReference, analyzer: NoteAnalyzer, readBinary: BinaryReader): Promise<NlpResult> {
  const text = await readNoteText(doc, readBinary);
  if (!text.ok) return { status: 'failed', message: text.problem, versions: analyzer.versions, entities: [] };
  const versions = versionsOf(analyzer, text.text);
  try {
    const entities = await analyzer.analyze(text.text);
    return { status: 'succeeded', versions, source: { ref: text.ref, textHash: text.textHash }, entities };
  } catch (e) {
    // Stored in the (encrypted) note, never logged; a later engine version retries it.
    const message = `the engine failed: ${(e instanceof Error ? e.message : String(e)).slice(0, 200)}`;
    return { status: 'failed', message, versions, source: { ref: text.ref, textHash: text.textHash }, entities: [] };
  }
}

/** The note with its NLP result replaced (withNlpResult). */
export async function processNote(doc: DocumentReference, analyzer: NoteAnalyzer, readBinary: BinaryReader): Promise<{ doc: DocumentReference; result: NlpResult }> {
  const result = await analyzeNote(doc, analyzer, readBinary);
  return { doc: withNlpResult(doc, result), result };
}
