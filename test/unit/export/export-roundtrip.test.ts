/**
 * `hearth export` in-process (runCli) and the round trip: synthetic patients imported into a
 * vault, exported (NDJSON and Bundle), imported into new vaults and exported again give back the
 * generator's resources (meta.versionId/lastUpdated aside, which a store assigns).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Resource } from '@medplum/fhirtypes';
import { runCli } from '../../../src-main/cli/hearth';
import type { CliIo } from '../../../src-main/cli/commands';
import { generateSample } from '../../../src-main/sample/generator';
import { repoRoot } from '../io/paths';

let root: string;
let sample: string;
let vaultA: string;
const output: string[] = [];
const io: CliIo = {
  out: (text) => output.push(text),
  err: () => undefined,
  env: { NODE_ENV: 'test', HEARTH_TEST_KDF_ITERATIONS: '1000', HEARTH_PASSPHRASE: 'round trip: correct horse battery staple 42' },
};
const cli = (args: string[]) => runCli(args, io, repoRoot);

/** `Type/id` → the resource without what a store assigns (meta.versionId, meta.lastUpdated). */
function comparable(resources: Iterable<Resource>): Map<string, Resource> {
  const map = new Map<string, Resource>();
  for (const resource of resources) {
    const { meta, ...rest } = resource;
    const { versionId: _versionId, lastUpdated: _lastUpdated, ...keptMeta } = meta ?? {};
    map.set(`${resource.resourceType}/${resource.id ?? ''}`, (Object.keys(keptMeta).length > 0 ? { ...rest, meta: keptMeta } : rest) as Resource);
  }
  return map;
}

function readExport(dir: string): Resource[] {
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { output: Array<{ url: string; count: number }> };
  return manifest.output.flatMap((file) => {
    const lines = readFileSync(path.join(dir, file.url), 'utf8').split('\n').filter(Boolean);
    expect(lines).toHaveLength(file.count);
    return lines.map((line) => JSON.parse(line) as Resource);
  });
}

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'hearth-export-rt-'));
  sample = path.join(root, 'sample');
  await generateSample({ patients: 3, seed: 'export round trip', outDir: sample, withGold: false });
  vaultA = path.join(root, 'a');
  expect(await cli(['vault', 'create', vaultA])).toBe(0);
  // --no-nlp: the round trip compares the generator's resources; the NLP would add its results to the notes.
  expect(await cli(['import', vaultA, sample, '--no-nlp'])).toBe(0);
}, 120_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('hearth export and the round trip', () => {
  it('exports NDJSON that imports into a new vault as the same resources', async () => {
    const original = comparable(readExport(sample));
    expect(original.size).toBeGreaterThan(50);

    const exported = path.join(root, 'export-a');
    output.length = 0;
    expect(await cli(['export', vaultA, '--out', exported])).toBe(0);
    expect(output.join('')).toContain(`resources: ${original.size}`);
    expect(comparable(readExport(exported))).toEqual(original);

    const vaultB = path.join(root, 'b');
    expect(await cli(['vault', 'create', vaultB])).toBe(0);
    expect(await cli(['import', vaultB, exported, '--no-nlp'])).toBe(0);
    const again = path.join(root, 'export-b');
    expect(await cli(['export', vaultB, '--out', again])).toBe(0);
    expect(comparable(readExport(again))).toEqual(original);
  }, 120_000);

  it('exports a collection Bundle that imports as the same resources', async () => {
    const original = comparable(readExport(sample));
    const bundleDir = path.join(root, 'bundle');
    expect(await cli(['export', vaultA, '--out', bundleDir, '--format', 'bundle'])).toBe(0);
    expect(readdirSync(bundleDir)).toEqual(['bundle.json']);

    const vaultC = path.join(root, 'c');
    expect(await cli(['vault', 'create', vaultC])).toBe(0);
    expect(await cli(['import', vaultC, path.join(bundleDir, 'bundle.json'), '--no-nlp'])).toBe(0);
    const again = path.join(root, 'export-c');
    expect(await cli(['export', vaultC, '--out', again])).toBe(0);
    expect(comparable(readExport(again))).toEqual(original);
  }, 120_000);

  it('filters by --patient and --type, and refuses bad arguments', async () => {
    const patientLine = readFileSync(path.join(sample, 'Patient.ndjson'), 'utf8').split('\n')[0]!;
    const patientId = (JSON.parse(patientLine) as Resource).id!;
    const dir = path.join(root, 'one-patient');
    expect(await cli(['export', vaultA, '--out', dir, '--patient', patientId, '--type', 'Patient,Encounter'])).toBe(0);
    const exported = readExport(dir);
    expect(exported.filter((r) => r.resourceType === 'Patient').map((r) => r.id)).toEqual([patientId]);
    const encounters = exported.filter((r) => r.resourceType === 'Encounter');
    expect(encounters.length).toBeGreaterThan(0);
    expect(encounters.every((r) => (r as { subject?: { reference?: string } }).subject?.reference === `Patient/${patientId}`)).toBe(true);
    expect(new Set(exported.map((r) => r.resourceType))).toEqual(new Set(['Patient', 'Encounter']));

    await expect(cli(['export', vaultA])).rejects.toThrow(/missing --out/);
    await expect(cli(['export', vaultA, '--out', path.join(root, 'x'), '--format', 'xml'])).rejects.toThrow(/--format must be/);
    await expect(cli(['export', vaultA, '--out', dir])).rejects.toThrow(/already holds an export/);
    await expect(cli(['export', vaultA, '--out', path.join(root, 'y'), '--type', 'Nope'])).rejects.toThrow(/unknown resource type/);
    await expect(cli(['get', vaultA, 'Patient/1', '--type', 'Patient'])).rejects.toThrow(/belongs to "hearth export"/);
    expect(existsSync(path.join(root, 'y'))).toBe(false);
  }, 120_000);
});
