/**
 * Issue 4 §4: broken and awkward inputs, each with a clear error or a documented tolerant
 * behaviour (docs/import.md), never a crash, a hang or records silently lost. Every input is
 * generated here (nothing from ../shared). Also: folders with a Bulk Data manifest, and gzip.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { planFile } from '../../../src-main/io/import-plan';
import { runImport } from '../../../src-main/io/importer';
import { readSource } from '../../../src-main/io/readers';

let dir: string;
const file = (name: string) => path.join(dir, name);
const patient = (id: string, extra: Partial<Patient> = {}): Patient => ({ resourceType: 'Patient', id, gender: 'female', ...extra });
const ndjson = (resources: unknown[], eol = '\n') => resources.map((r) => JSON.stringify(r)).join(eol) + eol;
const source = (name: string) => ({ kind: 'path' as const, path: file(name) });

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-robust-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('import robustness', () => {
  it('imports a gzipped NDJSON file, and the lines before the break of a truncated one, saying where it broke', async () => {
    const lines = ndjson(Array.from({ length: 3000 }, (_, i) => patient(`gz${i}`, { birthDate: `19${String(50 + (i % 50))}-01-0${1 + (i % 9)}` })));
    const gz = gzipSync(lines);
    writeFileSync(file('ok.ndjson.gz'), gz);
    writeFileSync(file('cut.ndjson.gz'), gz.subarray(0, Math.floor(gz.length * 0.5)));
    const repo = new MemoryRepository();
    const ok = await runImport({ repository: repo, sources: [source('ok.ndjson.gz')] });
    expect(ok).toMatchObject({ created: 3000, failed: 0, errors: [] });
    const cut = await runImport({ repository: new MemoryRepository(), sources: [source('cut.ndjson.gz'), source('ok.ndjson.gz')] });
    const [cutFile, okFile] = cut.files;
    expect(cutFile!.problem).toMatch(/gzip file is truncated or damaged: it stops after line \d+/);
    // What came before the break is in; the next file still imports whole.
    expect(cutFile!.created).toBeGreaterThan(0);
    expect(cutFile!.created).toBeLessThan(3000);
    expect(cutFile!.created + cutFile!.failed).toBe(cutFile!.records);
    // The whole file after it: what the cut file already stored is found unchanged.
    expect(okFile).toMatchObject({ created: 3000 - cutFile!.created, unchanged: cutFile!.created, failed: 0 });
  });

  it('explains a binary file, invalid UTF-8, an empty file and a damaged gzip, and goes on with the next file', async () => {
    writeFileSync(file('binary.json'), Buffer.from([0x7b, 0x00, 0x01, 0x02, 0xff, 0x00, 0x7d]));
    writeFileSync(file('latin1.json'), Buffer.concat([Buffer.from('{"resourceType":"Patient","id":"x","name":[{"family":"'), Buffer.from([0xe9, 0xe8]), Buffer.from('"}]}')]));
    writeFileSync(file('empty.ndjson'), '');
    writeFileSync(file('damaged.json.gz'), Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02, 0x03]));
    writeFileSync(file('good.ndjson'), ndjson([patient('after-1'), patient('after-2')]));
    const result = await runImport({ repository: new MemoryRepository(), sources: ['binary.json', 'latin1.json', 'empty.ndjson', 'damaged.json.gz', 'good.ndjson'].map(source) });
    expect(result.files.map((f) => f.problem)).toEqual([
      'not a text file (binary content)',
      'not a UTF-8 text file',
      'empty file',
      'not a valid gzip file (truncated or damaged)',
      undefined,
    ]);
    expect(result.created).toBe(2);
  });

  it('reads a byte-order mark and Windows line endings as if they were not there', async () => {
    writeFileSync(file('bom-crlf.ndjson'), `\uFEFF${ndjson([patient('bom-1'), patient('bom-2'), patient('bom-3')], '\r\n')}`);
    writeFileSync(file('bom.json'), `\uFEFF${JSON.stringify(patient('bom-single'), null, 2).replace(/\n/g, '\r\n')}`);
    const repo = new MemoryRepository();
    const result = await runImport({ repository: repo, sources: [source('bom-crlf.ndjson'), source('bom.json')] });
    expect(result).toMatchObject({ created: 4, failed: 0, errors: [] });
    expect((await repo.read('Patient', 'bom-3')).id).toBe('bom-3');
  });

  it('refuses JSON nested 10,000 levels deep as a record error, without a crash, and keeps the other lines', async () => {
    const deep = `{"resourceType":"Patient","id":"deep","extension":[${'{"url":"http://example.org/x","extension":['.repeat(10_000)}${']}'.repeat(10_000)}]}`;
    writeFileSync(file('deep.ndjson'), `${JSON.stringify(patient('shallow-1'))}\n${deep}\n${JSON.stringify(patient('shallow-2'))}\n`);
    const repo = new MemoryRepository();
    const result = await runImport({ repository: repo, sources: [source('deep.ndjson')] });
    expect(result.created).toBe(2);
    expect(result.failed).toBe(1);
    expect(result.errors[0]).toMatchObject({ line: 2 });
    expect(result.errors[0]!.message).toMatch(/nests more than 128 levels deep/);
  });

  it('stores the version of the second file when two files carry the same id with different content (both versions kept)', async () => {
    writeFileSync(file('first.ndjson'), ndjson([patient('same', { gender: 'female' })]));
    writeFileSync(file('second.ndjson'), ndjson([patient('same', { gender: 'male' })]));
    const repo = new MemoryRepository();
    const result = await runImport({ repository: repo, sources: [source('first.ndjson'), source('second.ndjson')] });
    expect(result).toMatchObject({ created: 1, updated: 1, failed: 0 });
    expect(((await repo.read('Patient', 'same')) as Patient).gender).toBe('male');
    expect((await repo.history('Patient', 'same')).entry).toHaveLength(2);
  });

  it('keeps references to resources that are not in the import (FHIR allows them; they resolve if the target comes later)', async () => {
    writeFileSync(file('dangling.ndjson'), ndjson([{ resourceType: 'Observation', id: 'obs-dangling', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/not-here' } }]));
    const repo = new MemoryRepository();
    const result = await runImport({ repository: repo, sources: [source('dangling.ndjson')] });
    expect(result).toMatchObject({ created: 1, failed: 0 });
    const found = await repo.search('Observation', new URLSearchParams({ subject: 'Patient/not-here' }));
    expect(found.entry?.map((e) => e.resource?.id)).toEqual(['obs-dangling']);
  });

  it('imports a folder through its Bulk Data manifest, and reports entries that point outside it', async () => {
    const folder = file('export');
    mkdirSync(folder);
    writeFileSync(path.join(folder, 'Patient.ndjson'), ndjson([patient('m1'), patient('m2')]));
    writeFileSync(path.join(folder, 'Observation.ndjson'), ndjson([{ resourceType: 'Observation', id: 'mo1', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/m1' } }]));
    writeFileSync(path.join(folder, 'stray.ndjson'), ndjson([patient('not-listed')]));
    writeFileSync(path.join(folder, 'manifest.json'), JSON.stringify({
      transactionTime: '2026-01-01T00:00:00Z',
      request: 'https://example.org/fhir/$export',
      requiresAccessToken: false,
      output: [
        { type: 'Patient', url: 'https://example.org/files/Patient.ndjson' },
        { type: 'Observation', url: 'Observation.ndjson' },
        { type: 'Patient', url: '../escape.ndjson' },
      ],
      error: [],
    }));
    const repo = new MemoryRepository();
    const result = await runImport({ repository: repo, sources: [{ kind: 'path', path: folder }] });
    expect(result.created).toBe(3);
    expect(result.files.find((f) => f.problem)?.problem).toMatch(/outside the folder/);
    await expect(repo.read('Patient', 'not-listed')).rejects.toThrow();

    // Without a manifest, every FHIR file of the folder, in name order.
    rmSync(path.join(folder, 'manifest.json'));
    const plain = await runImport({ repository: new MemoryRepository(), sources: [{ kind: 'path', path: folder }] });
    expect(plain.files.map((f) => path.basename(f.file))).toEqual(['Observation.ndjson', 'Patient.ndjson', 'stray.ndjson']);
    expect(plain.created).toBe(4);
  });

  it('reads and plans a 200 MB single-line JSON Bundle whole, and imports a 20 MB one end to end', async () => {
    // One line, no newline: a collection Bundle of a few large entries (size is under test, not count).
    const bundleOf = (megabytes: number, prefix: string): { text: string; count: number } => {
      const note = 'x'.repeat(250_000);
      const entries: string[] = [];
      let bytes = 0;
      while (bytes < megabytes * 1024 * 1024) {
        const entry = JSON.stringify({ resource: { resourceType: 'Basic', id: `${prefix}-${entries.length}`, code: { text: note } } });
        entries.push(entry);
        bytes += entry.length + 1;
      }
      return { text: `{"resourceType":"Bundle","type":"collection","entry":[${entries.join(',')}]}`, count: entries.length };
    };
    const big = bundleOf(200, 'big');
    writeFileSync(file('big.json'), big.text);
    const read = await readSource(source('big.json'));
    expect(read.problem).toBeUndefined();
    expect(read.records).toHaveLength(big.count);
    const plan = planFile(read);
    expect(plan.errors).toEqual([]);
    expect(plan.writes).toHaveLength(big.count);

    const medium = bundleOf(20, 'medium');
    writeFileSync(file('medium.json'), medium.text);
    const result = await runImport({ repository: new MemoryRepository(), sources: [source('medium.json')] });
    expect(result.files[0]!.problem).toBeUndefined();
    expect(result).toMatchObject({ created: medium.count, failed: 0 });
  }, 300_000);
});
