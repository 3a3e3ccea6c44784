/** `npm run eval:nlp` (test/tools/eval-nlp.ts) with a keyword engine whose figures are known, on a tiny dev set. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evalNlp, exportGold, loadEngine, parseEvalArgs } from '../../../tools/eval-nlp';

const engineModule = path.join(__dirname, 'fixtures/keyword-engine.ts');
let root: string;

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'hearth-eval-'));
  mkdirSync(path.join(root, 'sentences'));
  mkdirSync(path.join(root, 'notes'));
  writeFileSync(
    path.join(root, 'sentences/a.txt'),
    [
      '## tiny',
      'No [fever]{DX|NEG,SYM|icd=R50.9} today.',
      'Has [chest pain]{DX|SYM|icd=R07.9} and [cough]{DX|SYM|icd=R05.9}.',
      'Takes [metformin]{GEN|rx=6809:metformin} [500 mg]{STRENGTH}.',
    ].join('\n'),
  );
  writeFileSync(path.join(root, 'notes/01-tiny.txt'), 'Pt denies [fever]{DX|NEG,SYM|icd=R50.9}.\nMRN [123]{ID}\n');
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('eval-nlp', () => {
  it('parses its options and rejects unknown ones', () => {
    const options = parseEvalArgs(['--engine', engineModule, '--patients', '3', '--parts', 'sentences,notes', '--seed', 'x']);
    expect(options).toMatchObject({ engine: engineModule, patients: 3, parts: ['sentences', 'notes'], seed: 'x' });
    expect(() => parseEvalArgs(['--parts', 'novels'])).toThrow('unknown part');
    expect(() => parseEvalArgs(['--patients', '-1'])).toThrow('whole number');
    expect(() => parseEvalArgs(['--verbose', 'yes'])).toThrow('unknown option');
    expect(parseEvalArgs(['--cv', '--patients', '2'])).toMatchObject({ cv: true, patients: 2 });
    expect(parseEvalArgs([]).cv).toBeUndefined();
    expect(() => parseEvalArgs(['--engine'])).toThrow('needs a value');
    // --learn: the hand-written parts unless --parts says otherwise.
    expect(parseEvalArgs(['--learn'])).toMatchObject({ learn: true, parts: ['sentences', 'notes'] });
    expect(parseEvalArgs(['--learn', '--parts', 'notes'])).toMatchObject({ learn: true, parts: ['notes'] });
  });

  it('exports the gold as JSONL without an engine', () => {
    const file = path.join(root, 'gold/gold.jsonl');
    expect(exportGold({ parts: ['sentences', 'notes'], patients: 0, seed: 'x' }, file, root)).toBe(4);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { id: string; text: string; Entities: Array<{ Text: string; BeginOffset: number; EndOffset: number }> });
    expect(lines.map((l) => l.id)).toEqual(['sentences/a.txt:2', 'sentences/a.txt:3', 'sentences/a.txt:4', 'notes/01-tiny.txt']);
    for (const line of lines) for (const e of line.Entities) expect(line.text.slice(e.BeginOffset, e.EndOffset)).toBe(e.Text);
    expect(parseEvalArgs(['--export-gold', file]).exportGold).toBe(file);
  });

  it('refuses a missing module or one without createNlpEngine', async () => {
    await expect(loadEngine(path.join(root, 'nope.ts'))).rejects.toThrow('no engine module');
    const notEngine = path.join(root, 'not-engine.ts');
    writeFileSync(notEngine, 'export const x = 1;\n');
    await expect(loadEngine(notEngine)).rejects.toThrow('does not export createNlpEngine');
  });

  it('scores each part and all together, prints tables and writes the JSON', async () => {
    const out = path.join(root, 'out/eval.json');
    const errorsFile = path.join(root, 'out/errors.jsonl');
    const { run, text } = await evalNlp({ engine: engineModule, patients: 1, seed: 'eval-test', parts: ['sentences', 'notes', 'generated'], out, errors: errorsFile }, root);
    expect(run.versions.engine).toBe('keyword-test-1');
    expect(run.parts.map((p) => p.part)).toEqual(['sentences', 'notes', 'generated', 'handwritten', 'all']);

    const sentences = run.parts[0]!.report;
    // Gold: fever, chest pain, cough, metformin. Predicted: fever, chest pain, metformin, "today" as a DATE.
    expect(sentences.strict.overall).toMatchObject({ tp: 3, fp: 1, fn: 1, precision: 0.75, recall: 0.75 });
    expect(sentences.strict.byType['DX_NAME']).toMatchObject({ tp: 2, fp: 0, fn: 1 });
    expect(sentences.phi.strict['DATE']).toMatchObject({ tp: 0, fp: 1, fn: 0 });
    expect(sentences.traits['NEGATION']).toMatchObject({ tp: 1, fp: 0, fn: 0 });
    expect(sentences.traits['SYMPTOM']).toMatchObject({ tp: 2, fp: 0, fn: 0 });
    expect(sentences.attributes.strict['STRENGTH']).toMatchObject({ tp: 0, fp: 0, fn: 1 });
    expect(sentences.linking.icd10cm).toMatchObject({ goldWithCode: 3, matched: 2, correctAt1: 2, accuracyAt1: 1 });
    expect(sentences.linking.icd10cm.endToEndAccuracy).toBeCloseTo(2 / 3, 10);
    expect(sentences.linking.rxnorm).toMatchObject({ goldWithCode: 1, matched: 1, correctAt1: 1 });
    expect(sentences.reliability.entity.map((b) => [b.count, b.correct])).toEqual([[1, 0], [0, 0], [0, 0], [1, 1], [2, 2]]);
    expect(sentences.reliability.rxnorm[2]).toMatchObject({ count: 1, correct: 1 });
    expect(run.parts[0]!.traitsOnGoldMentions['NEGATION']).toMatchObject({ tp: 1, fp: 0, fn: 0 });
    expect(Object.keys(run.parts[0]!.traitsOnGoldByGroup)).toEqual(['tiny']);
    expect(run.parts[0]!.traitsOnGoldByGroup['tiny']!['NEGATION']).toMatchObject({ tp: 1, fp: 0, fn: 0 });
    expect(run.parts[4]!.traitsOnGoldByGroup).toEqual({});

    const notes = run.parts[1]!.report;
    expect(notes.strict.overall).toMatchObject({ tp: 1, fp: 0, fn: 1 });
    expect(notes.phi.strict['ID']).toMatchObject({ tp: 0, fn: 1, recall: 0 });

    const generated = run.parts[2]!.report;
    expect(generated.documents).toBeGreaterThan(0);
    expect(generated.goldEntities).toBeGreaterThan(generated.strict.overall.tp);
    const handwritten = run.parts[3]!.report;
    expect(handwritten.strict.overall).toMatchObject({ tp: 4, fp: 1, fn: 2 });
    const all = run.parts[4]!.report;
    expect(all.strict.overall.tp).toBe(sentences.strict.overall.tp + notes.strict.overall.tp + generated.strict.overall.tp);
    expect(all.goldEntities).toBe(sentences.goldEntities + notes.goldEntities + generated.goldEntities);

    expect(text).toContain('=== sentences: 3 documents');
    expect(text).toMatch(/tiny\s+1\.000 \(1\)\s+-/);
    expect(text).toMatch(/DX_NAME\s+3\s+1\.000\s+0\.667/);
    const written = JSON.parse(readFileSync(out, 'utf8')) as { setup: { patients: number }; parts: Array<{ part: string }> };
    expect(written.setup.patients).toBe(1);
    expect(written.parts.map((p) => p.part)).toEqual(['sentences', 'notes', 'generated', 'handwritten', 'all']);
    expect(written).not.toHaveProperty('errors');

    const errorLines = readFileSync(errorsFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { id: string; errors: Array<{ kind: string; gold?: { Text: string }; predicted?: { Text: string } }> });
    expect(errorLines.slice(0, 3).map((d) => [d.id, d.errors.map((e) => `${e.kind}:${(e.gold ?? e.predicted)!.Text}`)])).toEqual([
      ['sentences/a.txt:2', ['spurious:today']],
      ['sentences/a.txt:3', ['missed:cough']],
      ['notes/01-tiny.txt', ['missed:123']],
    ]);
  });
});
