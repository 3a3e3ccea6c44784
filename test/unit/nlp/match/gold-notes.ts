/**
 * Generated notes with their gold entities (src-main/sample, `withGold`), in memory: the
 * evaluation set for the matcher's recall/precision and the linker's calibration.
 */
import { samplePopulation } from '../../../../src-main/sample/generator';
import type { Entity } from '../../../../src-main/nlp/types';

export interface GoldNote {
  id: string;
  text: string;
  entities: Entity[];
}

interface AttachmentLike {
  contentType?: string;
  data?: string;
}

function noteText(resource: unknown): { id: string; text: string } | undefined {
  if (typeof resource !== 'object' || resource === null) return undefined;
  const r = resource as { resourceType?: string; id?: string; content?: { attachment?: AttachmentLike }[] };
  if (r.resourceType !== 'DocumentReference' || r.id === undefined) return undefined;
  const data = r.content?.find((c) => c.attachment?.data !== undefined)?.attachment?.data;
  return data === undefined ? undefined : { id: `DocumentReference/${r.id}`, text: Buffer.from(data, 'base64').toString('utf8') };
}

export function goldNotes(patients: number, seed: number | string): GoldNote[] {
  const out: GoldNote[] = [];
  for (const batch of samplePopulation({ patients, seed, withGold: true })) {
    const texts = new Map<string, string>();
    for (const resource of batch.resources) {
      const t = noteText(resource);
      if (t !== undefined) texts.set(t.id, t.text);
    }
    for (const g of batch.gold) {
      const text = texts.get(g.documentReference);
      if (text !== undefined) out.push({ id: g.documentReference, text, entities: g.Entities as Entity[] });
    }
  }
  return out;
}
