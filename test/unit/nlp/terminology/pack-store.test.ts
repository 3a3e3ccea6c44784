import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Binary, CodeSystem } from '@medplum/fhirtypes';
import type { ResourceRepository } from '../../../../src-main/fhir/repository';
import { loadTerminologyFromFolder, loadTerminologyFromVault, readTerminologyFromVault } from '../../../../src-main/nlp/terminology';
import { readIcd10cmPack } from '../../../../src-main/nlp/terminology/icd10cm-pack';
import { listTerminologyPacks, packResourceId, PART_BYTES, readTerminologyPack, writeTerminologyPack } from '../../../../src-main/nlp/terminology/pack-store';
import { runTerminologyImport } from '../../../../src-main/nlp/terminology/terminology-import';
import { vaultFixture } from '../../fhir/store-fixtures';
import { writeIcd10Release, writeRxNormTsv } from './fixtures';
import { hasIcd10, icd10IndexFile, icd10OrderFile, terminologyDir } from './paths';

describe('terminology packs in a vault', () => {
  let dir: string;
  let repo: ResourceRepository;
  let close: () => Promise<void>;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-tpack-'));
    ({ repo, close } = await vaultFixture('hearth-tpack-vault-'));
  });
  afterEach(async () => {
    await close();
    await rm(dir, { recursive: true, force: true });
  });

  it('finds the releases in a folder, reads, stores and reloads them', async () => {
    await writeIcd10Release(path.join(dir, 'icd10cm'));
    await writeRxNormTsv(path.join(dir, 'rxnorm-partial'));
    const progress: number[] = [];
    const result = await runTerminologyImport({ paths: [dir], repository: repo, onProgress: (p) => progress.push(p.bytesDone) });
    expect(result.files.sort()).toEqual(
      ['brand_names_bn.tsv', 'clinical_drugs_scd_sbd.tsv', 'icd10cm-order-2026.txt', 'icd10cm_index_2017.xml', 'ingredient_brand_pairs.tsv', 'ingredients_in_pin_min.tsv'],
    );
    expect(result.icd10).toMatchObject({ version: 'icd10cm-2026', codes: 4, billable: 3, headers: 1, indexTermsWithCode: 6, indexTermsJoined: 5, indexTermsDropped: 1, indexCodesDropped: 1, stored: 'created' });
    expect(result.rxnorm).toMatchObject({ version: 'rxnorm-partial', concepts: 5, byTty: { IN: 1, PIN: 1, BN: 1, SCD: 1, SBD: 1 }, clinicalDrugs: 1, stored: 'created' });
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[progress.length - 1]).toBeGreaterThan(0);

    const packs = await listTerminologyPacks(repo);
    expect(packs.map((p) => [p.system, p.version, p.count, p.parts])).toEqual([
      ['ICD10CM', 'icd10cm-2026', 4, 1],
      ['RXNORM', 'rxnorm-partial', 5, 1],
    ]);
    const codeSystem = (await repo.read('CodeSystem', 'tpack-icd10cm-2026')) as CodeSystem;
    expect(codeSystem).toMatchObject({ url: 'http://hl7.org/fhir/sid/icd-10-cm', version: '2026', content: 'not-present', count: 4, status: 'active' });

    const loaded = await loadTerminologyFromVault(repo);
    expect(loaded.versions).toEqual(['icd10cm-2026', 'rxnorm-partial']);
    expect(loaded.icd10?.search('essential hypertension', 1)[0]?.code).toBe('I10');
    expect(loaded.icd10?.search('urinary tract infection', 1)[0]?.code).toBe('N39.0');
    expect(loaded.rxnorm?.brandIngredients('151827')).toEqual(['6809']);
    expect(loaded.rxnorm?.clinicalDrugs('6809').map((d) => [d.rxcui, d.strength, d.form])).toEqual([['861007', '500 mg', 'oral tablet']]);

    // The stored packs are the packs that were read, byte for byte.
    const fromVault = await readTerminologyFromVault(repo);
    expect(fromVault.icd10).toEqual(result.icd10Pack);
    expect(fromVault.rxnorm).toEqual(result.rxnormPack);
    const fromFolder = await loadTerminologyFromFolder(dir);
    expect(fromFolder.versions).toEqual(loaded.versions);
  });

  it('re-importing the same release makes no new version; a changed release updates the pack', async () => {
    const { orderFile, indexFile } = await writeIcd10Release(dir);
    const { pack } = await readIcd10cmPack({ orderFile, indexFile });
    const first = await writeTerminologyPack(repo, pack);
    expect(first.status).toBe('created');
    const again = await writeTerminologyPack(repo, (await readIcd10cmPack({ orderFile, indexFile })).pack);
    expect(again.status).toBe('unchanged');
    const history = await repo.history('CodeSystem', 'tpack-icd10cm-2026');
    expect(history.entry?.length).toBe(1);
    expect((await repo.history('Binary', 'tpack-icd10cm-2026-0')).entry?.length).toBe(1);

    const changed = { ...pack, longTitles: pack.longTitles.map((t, i) => (i === 0 ? `${t} (revised)` : t)) };
    const updated = await writeTerminologyPack(repo, changed);
    expect(updated.status).toBe('updated');
    expect(updated.pack.sha256).not.toBe(first.pack.sha256);
    expect((await repo.history('CodeSystem', 'tpack-icd10cm-2026')).entry?.length).toBe(2);
    expect(await readTerminologyPack(repo, updated.pack)).toEqual(changed);
  });

  it('refuses a pack whose parts do not match the recorded SHA-256', async () => {
    const { orderFile, indexFile } = await writeIcd10Release(dir);
    const { pack: stored } = await writeTerminologyPack(repo, (await readIcd10cmPack({ orderFile, indexFile })).pack);
    const part = (await repo.read('Binary', 'tpack-icd10cm-2026-0')) as Binary;
    const other = (await readIcd10cmPack({ orderFile })).pack;
    const { gzipSync } = await import('node:zlib');
    await repo.update({ ...part, data: gzipSync(JSON.stringify(other)).toString('base64') });
    await expect(readTerminologyPack(repo, stored)).rejects.toThrow(/SHA-256/);
  });

  it('makes FHIR ids from versions', () => {
    expect(packResourceId('icd10cm-2026')).toBe('tpack-icd10cm-2026');
    expect(packResourceId('rxnorm 2025/11/03')).toBe('tpack-rxnorm-2025-11-03');
  });
});

describe.skipIf(!hasIcd10)('the ICD-10-CM FY2026 pack in a vault (../shared)', () => {
  it('writes in parts and reads back the same pack', async () => {
    const { repo, close } = await vaultFixture('hearth-tpack-real-');
    try {
      const { pack } = await readIcd10cmPack({ orderFile: icd10OrderFile, indexFile: icd10IndexFile });
      const written = await writeTerminologyPack(repo, pack);
      expect(written.pack.parts).toBe(Math.ceil(written.pack.bytes / PART_BYTES));
      expect(written.pack.parts).toBeGreaterThan(1);
      const reloaded = await readTerminologyPack(repo, written.pack);
      expect(reloaded).toEqual(pack);
      expect((await writeTerminologyPack(repo, pack)).status).toBe('unchanged');
      expect((await listTerminologyPacks(repo))[0]).toMatchObject({ system: 'ICD10CM', version: 'icd10cm-2026', count: 98_186 });
    } finally {
      await close();
    }
  }, 120_000);

  it('is found in the shared folder by file name', async () => {
    const { findReleaseFiles } = await import('../../../../src-main/nlp/terminology/release-files');
    const found = await findReleaseFiles([terminologyDir]);
    expect(found.icd10).toEqual({ orderFile: icd10OrderFile, indexFile: icd10IndexFile });
    expect(found.rxnorm?.kind).toBe('tsv');
  });
});
