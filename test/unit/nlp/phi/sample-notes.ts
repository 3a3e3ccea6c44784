/** Generated notes with their gold (src-main/sample), in memory: the evaluation set the PHI and attribute tests score against. */
import type { DocumentReference } from '@medplum/fhirtypes';
import { samplePopulation } from '../../../../src-main/sample/generator';
import type { GoldEntity } from '../../../../src-main/sample/note-builder';

export interface GoldNote {
  text: string;
  entities: GoldEntity[];
}

export function sampleNotes(patients: number, seed: number): GoldNote[] {
  const notes: GoldNote[] = [];
  for (const batch of samplePopulation({ patients, seed, withGold: true })) {
    const texts = new Map<string, string>();
    for (const resource of batch.resources) {
      if (resource.resourceType !== 'DocumentReference') continue;
      const document = resource as DocumentReference;
      texts.set(`DocumentReference/${document.id}`, Buffer.from(document.content[0]!.attachment.data!, 'base64').toString('utf8'));
    }
    for (const line of batch.gold) {
      const text = texts.get(line.documentReference);
      if (text !== undefined) notes.push({ text, entities: line.Entities });
    }
  }
  return notes;
}

export interface Span {
  begin: number;
  end: number;
  type: string;
}

export interface TypeScore {
  gold: number;
  found: number;
  /** Gold spans overlapped by a found span of the same type. */
  recalled: number;
  /** Found spans overlapping a gold span of the same type. */
  correct: number;
  /** Exact boundaries and type. */
  exact: number;
}

/** Per-type overlap scoring (the lenient match de-identification is judged by) and exact matches. */
export function scoreSpans(scores: Map<string, TypeScore>, gold: readonly Span[], found: readonly Span[]): void {
  const get = (type: string) => {
    let s = scores.get(type);
    if (!s) scores.set(type, (s = { gold: 0, found: 0, recalled: 0, correct: 0, exact: 0 }));
    return s;
  };
  const overlaps = (a: Span, b: Span) => a.begin < b.end && b.begin < a.end && a.type === b.type;
  for (const g of gold) {
    const s = get(g.type);
    s.gold++;
    if (found.some((f) => overlaps(f, g))) s.recalled++;
    if (found.some((f) => f.begin === g.begin && f.end === g.end && f.type === g.type)) s.exact++;
  }
  for (const f of found) {
    const s = get(f.type);
    s.found++;
    if (gold.some((g) => overlaps(f, g))) s.correct++;
  }
}
