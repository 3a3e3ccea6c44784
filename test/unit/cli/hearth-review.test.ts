/**
 * `hearth review export|import|agreement` (each once through the built binary, out/cli/hearth.mjs): a
 * reviewer's annotations imported from a spaCy file, exported in every format (stdout, a file, a
 * BRAT folder), imported back as another reviewer, and the agreement of the two.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgreementReport } from '../../../src-main/review/types';
import { expectOneLineError, hearthInProcess, hearthSpawn, type Run } from './run-hearth';

const pass = { HEARTH_PASSPHRASE: 'correct horse battery' };

/** Each review command once through the binary; the other cases in-process (run-hearth.ts). */
function hearth(args: string[], env: Record<string, string> = pass): Run {
  return hearthSpawn(args, env);
}

function inProc(args: string[], env: Record<string, string> = pass): Promise<Run> {
  return hearthInProcess(args, env);
}

const TEXT = 'Hypertension. Denies chest pain. Takes metformin 500 mg daily.';
const at = (word: string) => ({ start: TEXT.indexOf(word), end: TEXT.indexOf(word) + word.length });

describe('hearth review', () => {
  let dir: string;
  let vault: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-review-cli-'));
    vault = path.join(dir, 'vault');
    expect((await inProc(['vault', 'create', vault])).status).toBe(0);
    const note = {
      resourceType: 'DocumentReference',
      id: 'n1',
      status: 'current',
      description: 'Clinic note',
      content: [{ attachment: { contentType: 'text/plain; charset=utf-8', data: Buffer.from(TEXT, 'utf8').toString('base64') } }],
    };
    writeFileSync(path.join(dir, 'notes.ndjson'), `${JSON.stringify(note)}\n`);
    // No NLP: the reviewers' annotations are all their own (u:<n>), which keeps the figures exact.
    expect((await inProc(['import', vault, path.join(dir, 'notes.ndjson'), '--no-nlp'])).status).toBe(0);
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('imports a spaCy file as a reviewer: a bad line is reported as file:line and exits 2, the rest is stored', { timeout: 300_000 }, async () => {
    const file = path.join(dir, 'ada.jsonl');
    writeFileSync(
      file,
      [
        JSON.stringify({ text: TEXT, spans: [{ ...at('Hypertension'), label: 'DX_NAME' }, { ...at('metformin'), label: 'GENERIC_NAME' }, { ...at('chest pain'), label: 'DX_NAME', traits: ['NEGATION'] }], meta: { id: 'n1' } }),
        '{not json',
      ].join('\n'),
    );
    const run = hearth(['review', 'import', vault, '--format', 'spacy', '--reviewer', 'Ada', file]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('files: 1\nnotes: 1\nannotations written: 3\nerrors: 1\n');
    expect(run.stderr).toBe(`${file}:2: not valid JSON\n`);
    // The same file again writes nothing.
    expect((await inProc(['review', 'import', vault, '--format', 'spacy', '--reviewer', 'Ada', file])).stdout).toContain('annotations written: 0\n');
  });

  it('exports in each format: JSONL to stdout or a file, BRAT into a folder', { timeout: 300_000 }, async () => {
    const comprehend = hearth(['review', 'export', vault, '--format', 'comprehend', '--reviewer', 'Ada']);
    expect(comprehend.stderr).toBe('');
    expect(comprehend.status).toBe(0);
    const line = JSON.parse(comprehend.stdout.trim()) as { id: string; Entities: Array<{ Text: string; Type: string }> };
    expect(line.id).toBe('n1');
    expect(line.Entities.map((e) => [e.Text, e.Type])).toEqual([
      ['Hypertension', 'DX_NAME'],
      ['chest pain', 'DX_NAME'],
      ['metformin', 'GENERIC_NAME'],
    ]);

    const spacyFile = path.join(dir, 'out', 'ada.spacy.jsonl');
    const spacy = await inProc(['review', 'export', vault, '--format', 'spacy', '--reviewer', 'Ada', '--out', spacyFile]);
    expect(spacy.status).toBe(0);
    expect(spacy.stderr).toBe(`wrote 1 file(s) to ${spacyFile}\n`);
    expect(JSON.parse(readFileSync(spacyFile, 'utf8')).spans).toHaveLength(3);

    const bratDir = path.join(dir, 'brat');
    const brat = await inProc(['review', 'export', vault, '--format', 'brat', '--reviewer', 'Ada', '--out', bratDir]);
    expect(brat.status).toBe(0);
    expect(readdirSync(bratDir).sort()).toEqual(['annotation.conf', 'n1.ann', 'n1.txt', 'tools.conf']);
    expect(readFileSync(path.join(bratDir, 'n1.txt'), 'utf8')).toBe(TEXT);
    expect(readFileSync(path.join(bratDir, 'n1.ann'), 'utf8')).toMatch(/^T1\tDX_NAME 0 12\tHypertension$/m);
    expectOneLineError(await inProc(['review', 'export', vault, '--format', 'brat', '--reviewer', 'Ada']), /give --out FOLDER/);
  });

  it('imports the BRAT folder as another reviewer and measures the agreement of the two', { timeout: 300_000 }, async () => {
    const bob = await inProc(['review', 'import', vault, '--format', 'brat', '--reviewer', 'Bob', path.join(dir, 'brat')]);
    expect(bob.stderr).toBe('');
    expect(bob.stdout).toBe('files: 4\nnotes: 1\nannotations written: 3\nerrors: 0\n');
    const same = hearth(['review', 'agreement', vault, '--a', 'Ada', '--b', 'Bob']);
    expect(same.status).toBe(0);
    expect(same.stdout).toContain('kappa: 1.000\n');
    expect(same.stdout).toContain('differences: 0 in 0 note(s)\n');

    // Cy marks only Hypertension, as a symptom.
    const cyFile = path.join(dir, 'cy.jsonl');
    writeFileSync(cyFile, `${JSON.stringify({ text: TEXT, spans: [{ ...at('Hypertension'), label: 'DX_NAME', traits: ['SYMPTOM'] }], meta: { id: 'n1' } })}\n`);
    expect((await inProc(['review', 'import', vault, '--format', 'spacy', '--reviewer', 'Cy', cyFile])).status).toBe(0);
    const text = await inProc(['review', 'agreement', vault, '--a', 'Ada', '--b', 'Cy']);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^MEDICAL_CONDITION\t2\t1\t1\t0\.667\t/m);
    expect(text.stdout).toContain('differences: 3 in 1 note(s)\n  n1\t3\n');
    const json = JSON.parse((await inProc(['review', 'agreement', vault, '--a', 'Ada', '--b', 'Cy', '--json'])).stdout) as AgreementReport;
    // Items: Hypertension (DX, DX), chest pain (DX, none), metformin (GENERIC_NAME, none):
    // po = 1/3; Ada: DX 2/3, GENERIC_NAME 1/3; Cy: DX 1/3, none 2/3; pe = (2/3)(1/3) = 2/9;
    // kappa = (1/3 - 2/9) / (7/9) = 1/7.
    expect(json.kappa).toBeCloseTo(1 / 7, 12);
    expect(json.differences.map((d) => [d.a?.text, d.b?.text])).toEqual([
      ['Hypertension', 'Hypertension'],
      ['chest pain', undefined],
      ['metformin', undefined],
    ]);
    expect(json.perDocument).toEqual([{ documentId: 'n1', title: 'Clinic note', differences: 3 }]);
  });

  it('refuses misplaced and missing options with one line', { timeout: 300_000 }, async () => {
    expectOneLineError(hearth(['review', 'export', vault, '--format', 'spacy']), /missing --reviewer/);
    expectOneLineError(await inProc(['review', 'export', vault, '--format', 'xml', '--reviewer', 'Ada']), /--format must be comprehend, spacy or brat/);
    expectOneLineError(await inProc(['review', 'export', vault, '--format', 'spacy', '--reviewer', 'Ada', '--a', 'X']), /--a does not belong/);
    expectOneLineError(await inProc(['review', 'import', vault, '--format', 'spacy', '--reviewer', 'Ada']), /missing FILE/);
    expectOneLineError(await inProc(['review', 'agreement', vault, '--a', 'Ada']), /missing --b/);
    expectOneLineError(await inProc(['review', 'merge', vault]), /unknown review command/);
    expectOneLineError(await inProc(['get', vault, 'Patient/x', '--reviewer', 'Ada']), /--reviewer belongs to "hearth review"/);
    expectOneLineError(await inProc(['review', 'agreement', vault, '--a', 'Ada', '--b', 'Bob'], { HEARTH_PASSPHRASE: 'wrong' }), /wrong passphrase/);
  });
});
