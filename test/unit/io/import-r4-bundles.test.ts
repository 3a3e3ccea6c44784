/**
 * The R4 examples package's Bundle examples and its package.json, imported as `hearth import`
 * imports the folder (issue 4 §4; docs/import.md): batch and transaction Bundles run with the REST
 * endpoint's semantics (GET entries read, conditional writes run), package.json is skipped with a
 * notice. Read from ../shared in place; skipped when it is absent.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Bundle } from '@medplum/fhirtypes';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { runImport } from '../../../src-main/io/importer';
import { NOT_FHIR_NOTICE } from '../../../src-main/io/readers';
import { examplesDir, KNOWN_INVALID } from '../fhir/examples.shared';

const present = existsSync(path.join(examplesDir, 'package.json'));
if (!present) console.warn(`skipping import-r4-bundles: ${examplesDir} is absent`);

describe.skipIf(!present)('importing the R4 example Bundles and package.json', () => {
  it('runs every batch and transaction example; only the transaction that breaks its own preconditions fails, with the reason', async () => {
    const others = ['Bundle-ussg-fht.json', 'Bundle-xds.json', 'package.json'];
    const names = readdirSync(examplesDir).filter((name) => name.startsWith('Bundle-bundle-') || others.includes(name));
    const repo = new MemoryRepository();
    const result = await runImport({ repository: repo, sources: names.map((name) => ({ kind: 'path' as const, path: path.join(examplesDir, name) })) });
    const file = (name: string) => result.files.find((f) => f.file === path.join(examplesDir, name))!;

    // package.json is not a record: a notice, no problem, no failure.
    expect(file('package.json')).toMatchObject({ records: 0, failed: 0, notice: NOT_FHIR_NOTICE });
    expect(file('package.json').problem).toBeUndefined();

    // GET-only batches: every entry runs and counts as read.
    expect(file('Bundle-bundle-request-medsallergies.json')).toMatchObject({ records: 5, read: 5, failed: 0 });
    expect(file('Bundle-bundle-request-simplesummary.json')).toMatchObject({ records: 4, read: 4, failed: 0 });

    // Transactions written for another server (absolute request.url of hl7.org/fhir/us/sdc) and
    // with `ifNoneExist: "Patient?identifier=..."` (the whole URL, not only its query) run too.
    expect(file('Bundle-ussg-fht.json')).toMatchObject({ records: 11, failed: 0 });
    expect(file('Bundle-xds.json')).toMatchObject({ records: 5, created: 5, failed: 0 });

    // The spec's transaction example invokes `ValueSet/$lookup` (an operation R4 does not define on
    // ValueSet) and PUTs Patient/123a with If-Match W/"2" on a vault where it does not exist: the
    // transaction fails whole, and the report says why.
    expect(file('Bundle-bundle-transaction.json')).toMatchObject({ records: 10, failed: 10, created: 0 });
    const transactionErrors = result.errors.filter((e) => e.file.endsWith('Bundle-bundle-transaction.json'));
    expect(transactionErrors).toHaveLength(1);
    expect(transactionErrors[0]).toMatchObject({ entryIndex: 7 });
    expect(transactionErrors[0]!.message).toContain('ValueSet/$lookup');

    expect(result.files.filter((f) => f.problem !== undefined)).toEqual([]);
    expect(result.errors.map((e) => path.basename(e.file))).toEqual(['Bundle-bundle-transaction.json']);
  });
});

describe.skipIf(!present)('the R4 transaction example, once its preconditions hold', () => {
  it('runs conditional create, conditional PUT and DELETE and GET entries through the REST transaction code', async () => {
    const bundle = JSON.parse(readFileSync(path.join(examplesDir, 'Bundle-bundle-transaction.json'), 'utf8')) as Bundle;
    // Without the operation entry (not run in transactions) and with Patient/123a at version 2.
    bundle.entry = bundle.entry!.filter((e) => e.request?.url !== 'ValueSet/$lookup');
    const repo = new MemoryRepository();
    await repo.update({ resourceType: 'Patient', id: '123a' });
    await repo.update({ resourceType: 'Patient', id: '123a', active: true });
    await repo.update({ resourceType: 'Patient', id: '234' });
    const text = JSON.stringify(bundle, null, 1);
    const result = await runImport({ repository: repo, sources: [{ kind: 'text', name: 'tx.json', text }] });
    expect(result.errors).toEqual([]);
    // POST ×2 and the conditional PUT that matches nothing create; PUT Patient/123 creates too
    // (update-as-create); PUT 123a updates, DELETE 234 deletes; the conditional DELETE finds nothing.
    expect(result).toMatchObject({ created: 4, updated: 2, unchanged: 1, failed: 0, read: 2 });
    await expect(repo.read('Patient', '234')).rejects.toThrow();
    expect((await repo.read('Patient', '123a')).meta?.versionId).toBe('3');

    // Run again: Patient/123a is at version 3 now, so its If-Match W/"2" fails the whole transaction
    // (http.html#concurrency): the report names the entry, and nothing is stored, not even the POSTs.
    const before = await repo.counts();
    const again = await runImport({ repository: repo, sources: [{ kind: 'text', name: 'tx.json', text }] });
    expect(again).toMatchObject({ created: 0, failed: bundle.entry!.length });
    expect(again.errors.map((e) => [e.entryIndex, e.outcome?.issue[0]?.code])).toEqual([[4, 'conflict']]);
    expect(await repo.counts()).toEqual(before);
    expect((await repo.read('Patient', '123')).meta?.versionId).toBe('1');
  });
});

describe.skipIf(!present)('the R4 examples that break R4 rules, imported', () => {
  it('are refused, each error naming the rule the spec lists for it (code and location)', async () => {
    const names = Object.keys(KNOWN_INVALID).sort();
    const result = await runImport({ repository: new MemoryRepository(), sources: names.map((name) => ({ kind: 'path' as const, path: path.join(examplesDir, name) })) });
    expect(result).toMatchObject({ created: 0, failed: names.length });
    const byFile = new Map(result.errors.map((e) => [path.basename(e.file), e]));
    for (const name of names) {
      const { code, expression } = KNOWN_INVALID[name]!;
      const issue = byFile.get(name)?.outcome?.issue.find((i) => i.code === code && (i.expression ?? []).includes(expression));
      expect(issue, `${name}: ${code} at ${expression}`).toBeDefined();
      expect(byFile.get(name)!.message).toContain(expression);
    }
  });
});
