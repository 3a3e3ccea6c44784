/**
 * Searches over real-shaped data: three Synthea patients (../shared/data/synthea/r4-bundles,
 * skipped when absent) imported into the memory store; each search's result set is checked
 * against a plain scan of the stored resources (an oracle written without the index).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Condition, Encounter, Observation, Patient, Resource } from '@medplum/fhirtypes';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { parseInstantSpan } from '../../../src-main/fhir/instant';
import { normalizeString } from '../../../src-main/fhir/search/extract';
import { runImport } from '../../../src-main/io/importer';
import { syntheaDir } from '../io/paths';

const present = existsSync(syntheaDir);

/** The three smallest bundles: enough variety, quick to import. */
function smallestBundles(): string[] {
  return readdirSync(syntheaDir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => path.join(syntheaDir, f))
    .sort((a, b) => statSync(a).size - statSync(b).size)
    .slice(0, 3);
}

describe.skipIf(!present)(`search over Synthea bundles (${syntheaDir})`, () => {
  const repo = new MemoryRepository();
  const all = new Map<string, Resource[]>();

  const everything = async (type: string): Promise<Resource[]> => {
    const out: Resource[] = [];
    for (let offset = 0; ; offset += 500) {
      const page = await repo.list(type, { offset, count: 500 });
      out.push(...page.resources);
      if (page.resources.length < 500) return out;
    }
  };
  const matchIds = async (type: string, query: string): Promise<string[]> => {
    const bundle = await repo.search(type, new URLSearchParams(`${query}&_count=1000`));
    expect(bundle.total).toBe(bundle.entry?.length ?? 0);
    return (bundle.entry ?? []).map((e) => e.resource?.id ?? '').sort();
  };
  const idsOf = (resources: Resource[]) => resources.map((r) => r.id ?? '').sort();

  beforeAll(async () => {
    const result = await runImport({ repository: repo, sources: smallestBundles().map((p) => ({ kind: 'path' as const, path: p })) });
    expect(result.failed).toBe(0);
    for (const type of ['Patient', 'Observation', 'Encounter', 'Condition']) all.set(type, await everything(type));
  }, 120_000);

  it('string: family name prefixes, ignoring case', async () => {
    const patients = all.get('Patient') as Patient[];
    expect(patients.length).toBe(3);
    for (const patient of patients) {
      const family = patient.name?.[0]?.family ?? '';
      const prefix = family.slice(0, 3).toUpperCase();
      const expected = patients.filter((p) => p.name?.some((n) => normalizeString(n.family ?? '').startsWith(normalizeString(prefix))));
      expect(await matchIds('Patient', `family=${encodeURIComponent(prefix)}`)).toEqual(idsOf(expected));
    }
  });

  it('token and reference together: a LOINC code for one patient', async () => {
    const observations = all.get('Observation') as Observation[];
    const sample = observations.slice(0, 25);
    for (const o of sample) {
      const coding = o.code.coding?.[0];
      const subject = o.subject?.reference ?? '';
      const expected = observations.filter(
        (x) => x.subject?.reference === subject && x.code.coding?.some((c) => c.system === coding?.system && c.code === coding?.code),
      );
      expect(expected.length).toBeGreaterThan(0);
      const query = new URLSearchParams({ code: `${coding?.system ?? ''}|${coding?.code ?? ''}`, patient: subject }).toString();
      expect(await matchIds('Observation', query)).toEqual(idsOf(expected));
    }
  });

  it('date ranges and sort by date, descending', async () => {
    const encounters = all.get('Encounter') as Encounter[];
    const starts = encounters.map((e) => e.period?.start ?? '').filter((s) => s).sort();
    const pivot = starts[Math.floor(starts.length / 2)]!.slice(0, 10);
    const pivotStart = parseInstantSpan(pivot)!.startMs;
    // ge: the encounter's period reaches the pivot day or later (search.html#prefix).
    const expected = encounters.filter((e) => {
      const end = e.period?.end ? parseInstantSpan(e.period.end)!.endMs : Number.POSITIVE_INFINITY;
      return end > pivotStart;
    });
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(encounters.length);
    expect(await matchIds('Encounter', `date=ge${pivot}`)).toEqual(idsOf(expected));
    const sorted = await repo.search('Encounter', new URLSearchParams('_sort=-date&_count=50'));
    const startsOf = (sorted.entry ?? []).map((e) => (e.resource as Encounter).period?.end ?? (e.resource as Encounter).period?.start ?? '');
    const times = startsOf.map((s) => parseInstantSpan(s)!.endMs);
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('token :not and :missing, _summary=count', async () => {
    const conditions = all.get('Condition') as Condition[];
    const active = conditions.filter((c) => c.clinicalStatus?.coding?.some((x) => x.code === 'active'));
    expect(active.length).toBeGreaterThan(0);
    expect(active.length).toBeLessThan(conditions.length);
    expect(await matchIds('Condition', 'clinical-status=active')).toEqual(idsOf(active));
    expect(await matchIds('Condition', 'clinical-status:not=active')).toEqual(idsOf(conditions.filter((c) => !active.includes(c))));
    const withoutAbatement = conditions.filter((c) => !c.abatementDateTime && !c.abatementPeriod && !c.abatementAge && !c.abatementRange && !c.abatementString);
    expect(await matchIds('Condition', 'abatement-date:missing=true')).toEqual(
      idsOf(withoutAbatement.concat(conditions.filter((c) => c.abatementString || c.abatementAge || c.abatementRange))),
    );
    const count = await repo.search('Observation', new URLSearchParams('_summary=count'));
    expect(count.total).toBe(all.get('Observation')!.length);
  });
});

if (!present) {
  describe('search over Synthea bundles', () => {
    it.skip(`skipped: ${syntheaDir} is absent`, () => undefined);
  });
}
