/**
 * The NLP dev set (test/nlp-dev/, docs/nlp-eval.md): hand-annotated sentences (one per line, with
 * `## group` headings), hand-annotated notes (one file each), and notes generated with their gold
 * by the sample generator.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { samplePopulation } from '../../sample/generator';
import type { Entity } from '../types';
import type { GoldDocument } from './gold';
import { parseAnnotated } from './markup';

/** One document per non-blank line; `# ...` lines are comments, `## name` starts a group. */
export function parseSentenceFile(content: string, source: string): GoldDocument[] {
  const documents: GoldDocument[] = [];
  let group: string | undefined;
  content.split('\n').forEach((rawLine, index) => {
    const line = rawLine.replace(/\r$/, '');
    if (line.trim() === '') return;
    if (line.startsWith('## ')) {
      group = line.slice(3).trim();
      return;
    }
    if (line.startsWith('#')) return;
    const { text, entities } = parseAnnotated(line, source, index + 1);
    documents.push({ id: `${source}:${index + 1}`, part: 'sentences', ...(group ? { group } : {}), text, entities });
  });
  return documents;
}

/** Every `*.txt` under `dir` (sorted), one sentence per line. */
export function loadSentences(dir: string): GoldDocument[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.txt'))
    .sort()
    .flatMap((name) => parseSentenceFile(readFileSync(path.join(dir, name), 'utf8'), `sentences/${name}`));
}

/** Every `*.txt` under `dir` (sorted) is one note; the file name (without .txt) says its style. */
export function loadNotes(dir: string): GoldDocument[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.txt'))
    .sort()
    .map((name) => {
      const source = `notes/${name}`;
      const { text, entities } = parseAnnotated(readFileSync(path.join(dir, name), 'utf8').replace(/\r\n/g, '\n'), source);
      return { id: source, part: 'notes' as const, group: name.replace(/^\d+-/, '').replace(/\.txt$/, ''), text, entities };
    });
}

/** The generator's gold has Hearth-only fields (Codes, Source); the comparison needs the Comprehend fields. */
function comprehendShape(entity: Entity): Entity {
  const { Id, Text, Category, Type, Score, BeginOffset, EndOffset, Traits, Attributes, ICD10CMConcepts, RxNormConcepts } = entity;
  return {
    Id, Text, Category, Type, Score, BeginOffset, EndOffset, Traits,
    ...(Attributes ? { Attributes } : {}),
    ...(ICD10CMConcepts ? { ICD10CMConcepts } : {}),
    ...(RxNormConcepts ? { RxNormConcepts } : {}),
  };
}

/** Notes of `patients` synthetic patients with the generator's gold (deterministic for a seed). */
export function generatedDocuments(patients: number, seed: number | string): GoldDocument[] {
  const documents: GoldDocument[] = [];
  for (const batch of samplePopulation({ patients, seed, withGold: true })) {
    const texts = new Map<string, string>();
    for (const resource of batch.resources) {
      if (resource.resourceType !== 'DocumentReference') continue;
      const data = resource.content[0]?.attachment.data;
      if (data !== undefined) texts.set(`DocumentReference/${resource.id}`, Buffer.from(data, 'base64').toString('utf8'));
    }
    for (const line of batch.gold) {
      const text = texts.get(line.documentReference);
      if (text === undefined) throw new Error(`generated gold without its note: ${line.documentReference}`);
      documents.push({ id: line.documentReference, part: 'generated', group: line.noteType, text, entities: (line.Entities as Entity[]).map(comprehendShape) });
    }
  }
  return documents;
}
