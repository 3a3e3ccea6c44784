/**
 * Gold documents for evaluation: a text with the entities a reader agreed on, in the engine's own
 * output shape (Comprehend Medical's Entity, src-main/nlp/types.ts), so predicted and gold entities
 * compare field by field.
 */
import type { Entity } from '../types';

/** Which part of the dev set a document belongs to (test/nlp-dev/, generated notes). */
export type DevPart = 'sentences' | 'notes' | 'generated';

export interface GoldDocument {
  /** Stable id: `sentences.txt:42`, `notes/07-ed-abdominal-pain.txt`, `DocumentReference/...`. */
  id: string;
  part: DevPart;
  /** The phenomenon a hand-written sentence illustrates (`## negation-list` headings), when given. */
  group?: string;
  text: string;
  entities: Entity[];
}
