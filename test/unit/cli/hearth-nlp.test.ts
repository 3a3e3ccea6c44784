/**
 * `hearth nlp` as a script runs it: the built binary (out/cli/hearth.mjs, with its NLP worker
 * next to it), JSONL or plain text in, Comprehend Medical-shaped JSONL out, one line per input
 * line in input order.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Entity } from '../../../src-main/nlp/types';
import { repoRoot } from '../io/paths';

const binary = path.join(repoRoot, 'out/cli/hearth.mjs');
const work = mkdtempSync(path.join(os.tmpdir(), 'hearth-nlp-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function nlp(args: string[], input?: string): { status: number | null; lines: Array<Record<string, unknown>>; stderr: string } {
  const result = spawnSync(process.execPath, [binary, 'nlp', ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    input: input ?? '',
    env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir() },
    timeout: 120_000,
  });
  const lines = result.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { status: result.status, lines, stderr: result.stderr };
}

function entities(line: Record<string, unknown>): Entity[] {
  return line['Entities'] as Entity[];
}

describe('hearth nlp', () => {
  it('answers each JSONL line in order, in Comprehend Medical shape, and reports a bad line without stopping', () => {
    const input = [
      JSON.stringify({ id: 'a', text: 'Patient denies chest pain. History of hypertension, on lisinopril 10 mg daily.' }),
      '{not json',
      JSON.stringify({ id: 7, text: 'Mother with breast cancer.' }),
      JSON.stringify({ text: 'no id here' }),
    ].join('\n');
    const run = nlp(['-'], `${input}\n`);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/2 lines could not be analysed/);
    expect(run.lines.map((line) => line['id'])).toEqual(['a', null, 7, null]);
    expect(run.lines[1]!['error']).toMatch(/line 2 is not JSON/);
    expect(run.lines[3]!['error']).toMatch(/line 4 has no "id"/);

    const first = entities(run.lines[0]!);
    const text = 'Patient denies chest pain. History of hypertension, on lisinopril 10 mg daily.';
    for (const e of first) {
      expect(text.slice(e.BeginOffset, e.EndOffset)).toBe(e.Text);
      expect(typeof e.Score).toBe('number');
      expect(Array.isArray(e.Traits)).toBe(true);
    }
    const chestPain = first.find((e) => e.Text === 'chest pain');
    expect(chestPain?.Category).toBe('MEDICAL_CONDITION');
    expect(chestPain?.Traits.map((t) => t.Name)).toContain('NEGATION');
    expect(chestPain?.ICD10CMConcepts?.[0]?.Code).toBe('R07.9');
    const htn = first.find((e) => e.Text === 'hypertension');
    expect(htn?.ICD10CMConcepts?.[0]?.Code).toBe('I10');
    expect(htn?.Traits.map((t) => t.Name)).not.toContain('NEGATION');
    const drug = first.find((e) => e.Text === 'lisinopril');
    expect(drug?.Category).toBe('MEDICATION');
    expect(drug?.RxNormConcepts?.map((c) => c.Code)).toContain('29046');

    const family = entities(run.lines[2]!).find((e) => e.Text === 'breast cancer');
    expect(family?.Traits.map((t) => t.Name)).toContain('PERTAINS_TO_FAMILY');
    expect(typeof run.lines[0]!['ModelVersion']).toBe('string');
  });

  it('keeps input order over many lines analysed in parallel', () => {
    const lines = Array.from({ length: 150 }, (_, i) =>
      JSON.stringify({ id: `n${i}`, text: i % 2 === 0 ? `Note ${i}: no fever. ${'Cough for 3 days. '.repeat(i % 7)}` : `Note ${i}: atrial fibrillation on warfarin.` }),
    );
    const run = nlp([], `${lines.join('\n')}\n`);
    expect(run.status).toBe(0);
    expect(run.lines.map((line) => line['id'])).toEqual(lines.map((_, i) => `n${i}`));
  });

  it('reads plain text files as one note each, named by the file', () => {
    const file = path.join(work, 'note.txt');
    writeFileSync(file, 'HPI: 64 yo M with shortness of breath. Denies fever.\n');
    const jsonl = path.join(work, 'two.jsonl');
    writeFileSync(jsonl, `${JSON.stringify({ id: 'x', text: 'No edema.' })}\r\n`);
    const run = nlp([file, jsonl]);
    expect(run.status).toBe(0);
    expect(run.lines.map((line) => line['id'])).toEqual(['note.txt', 'x']);
    const fever = entities(run.lines[0]!).find((e) => e.Text === 'fever');
    expect(fever?.Traits.map((t) => t.Name)).toContain('NEGATION');
  });

  it('--spans: each given span comes back with its offsets and traits', () => {
    const text = 'Pt denies chest pain but reports nausea. Return if fever develops.';
    const spans = [
      { begin: text.indexOf('chest pain'), end: text.indexOf('chest pain') + 10 },
      { begin: text.indexOf('nausea'), end: text.indexOf('nausea') + 6 },
      { begin: text.indexOf('fever'), end: text.indexOf('fever') + 5 },
    ];
    const run = nlp(['--spans'], `${JSON.stringify({ id: 's1', text, spans })}\n${JSON.stringify({ id: 's2', text, spans: [{ begin: 5, end: 500 }] })}\n`);
    expect(run.status).toBe(2);
    const got = entities(run.lines[0]!);
    expect(got.map((e) => [e.BeginOffset, e.EndOffset])).toEqual(spans.map((s) => [s.begin, s.end]));
    expect(got[0]!.Traits.map((t) => t.Name)).toContain('NEGATION');
    expect(got[1]!.Traits.map((t) => t.Name)).not.toContain('NEGATION');
    expect(got[2]!.Traits.map((t) => t.Name)).toContain('HYPOTHETICAL');
    expect(run.lines[1]).toEqual({ id: 's2', error: expect.stringMatching(/spans\[0\] \[5, 500\) is not inside the text/) });
  });

  it('refuses a missing file with one clear line', () => {
    const run = nlp([path.join(work, 'absent.jsonl')]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/absent\.jsonl does not exist/);
  });
});
