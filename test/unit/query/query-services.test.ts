/**
 * The query screen's services (docs/query.md) over a real in-memory session with generated sample
 * patients: parameters per type, saved queries in the vault, cohort counts, NDJSON/CSV export.
 */
import type { Condition, DocumentReference, Patient, Resource } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { outcomeStatus, type Result } from '../../../src-main/api/result';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { JobManager } from '../../../src-main/jobs/job-manager';
import { withNlpResult } from '../../../src-main/nlp/results/extensions';
import type { Entity } from '../../../src-main/nlp/types';
import { AGE_BANDS, ageBand, cohortCounts, icd10Category } from '../../../src-main/query/cohort';
import { samplePopulation } from '../../../src-main/sample/generator';
import { createSessionServices } from '../../../src-main/services/session-services';
import type { SessionServices } from '../../../src-main/services/session-types';
import { TEST_VERSIONS } from '../nlp/results/fixtures';

function value<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(JSON.stringify(result.error));
  return result.value;
}

const ICD10 = 'http://hl7.org/fhir/sid/icd-10-cm';

describe('query services', () => {
  let repository: MemoryRepository;
  let jobs: JobManager;
  let services: SessionServices;
  const all: Resource[] = [];

  beforeAll(async () => {
    repository = new MemoryRepository();
    jobs = new JobManager({ onEvent: () => undefined });
    for (const batch of samplePopulation({ patients: 8, seed: 'query-tests' })) all.push(...batch.resources);
    const outcomes = await repository.writeBatch(all.map((resource) => ({ kind: 'update' as const, resource })));
    expect(outcomes.every((o) => o.status === 'created')).toBe(true);
    services = createSessionServices({ repository, jobs });
  }, 180_000);

  it('lists the search parameters of a type with modifiers, prefixes, targets, includes and sorts', async () => {
    const params = value(await services.query.parameters({ resourceType: 'Condition' }));
    const byCode = new Map(params.parameters.map((p) => [p.code, p]));
    expect(byCode.get('code')).toMatchObject({ type: 'token', description: 'Code for the condition', prefixes: [] });
    expect(byCode.get('code')?.modifiers).toEqual(expect.arrayContaining(['not', 'text', 'in', 'below', 'missing']));
    expect(byCode.get('onset-date')).toMatchObject({ type: 'date', modifiers: ['missing'] });
    expect(byCode.get('onset-date')?.prefixes).toEqual(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap']);
    expect(byCode.get('subject')?.targets).toEqual(expect.arrayContaining(['Patient', 'Group']));
    expect(byCode.get('subject')?.modifiers).toEqual(expect.arrayContaining(['identifier', 'Patient']));
    expect(byCode.get('_id')).toMatchObject({ common: true });
    // Parameters the engine refuses are not offered.
    expect(byCode.has('_query')).toBe(false);
    expect(byCode.has('_filter')).toBe(false);
    expect(params.includes).toContain('Condition:subject');
    expect(params.revIncludes).toContain('Provenance:target');
    expect(params.sorts).toEqual(expect.arrayContaining(['_lastUpdated', 'onset-date', 'code']));
    expect(params.sorts).not.toContain('_content');

    const notes = value(await services.query.parameters({ resourceType: 'DocumentReference' }));
    const nlp = notes.parameters.find((p) => p.code === 'nlp-icd10cm');
    expect(nlp).toMatchObject({ type: 'token', hearth: true });
    expect(nlp?.description).toMatch(/negated mentions left out/);
    expect(notes.parameters.find((p) => p.code === 'nlp-score')?.prefixes).toContain('ge');
    // Type-specific first, Hearth's next, the common ones last.
    const kinds = notes.parameters.map((p) => (p.common ? 2 : p.hearth ? 1 : 0));
    expect([...kinds].sort((a, b) => a - b)).toEqual(kinds);

    const bad = await services.query.parameters({ resourceType: 'Nonsense' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(outcomeStatus(bad.error)).toBe(400);
  });

  it('saves queries in the vault as Basic resources, lists, replaces and deletes them', async () => {
    expect(value(await services.queries.list({}))).toEqual([]);
    const first = value(await services.queries.save({ name: 'Hypertension', query: `Condition?code=${ICD10}|I10`, columns: ['id', 'code.coding.code'] }));
    const second = value(await services.queries.save({ name: 'Adults', query: 'Patient?birthdate=le2008-01-01' }));
    expect(first).toMatchObject({ name: 'Hypertension', columns: ['id', 'code.coding.code'] });
    expect(first.savedAt).not.toBe('');
    // Stored as a Basic with Hearth's code: it survives anything that keeps the vault.
    const stored = await repository.read('Basic', first.id);
    expect(stored.resourceType).toBe('Basic');
    expect(value(await services.queries.list({})).map((q) => q.name)).toEqual(['Adults', 'Hypertension']);

    const renamed = value(await services.queries.save({ id: second.id, name: 'Adults (18+)', query: 'Patient?birthdate=le2008-01-01' }));
    expect(renamed.id).toBe(second.id);
    expect(value(await services.queries.list({})).map((q) => q.name)).toEqual(['Adults (18+)', 'Hypertension']);

    value(await services.queries.delete({ id: first.id }));
    expect(value(await services.queries.list({})).map((q) => q.id)).toEqual([second.id]);

    // Not a query, or not a saved-query Basic: refused.
    const badQuery = await services.queries.save({ name: 'x', query: 'not a query' });
    expect(badQuery.ok).toBe(false);
    const other: Resource = await repository.create({ resourceType: 'Basic', code: { text: 'something else' } });
    const notSaved = await services.queries.delete({ id: other.id! });
    expect(notSaved.ok).toBe(false);
    value(await services.queries.delete({ id: second.id }));
  });

  it('counts the distinct patients of a query by sex and age band', async () => {
    const patients = all.filter((r): r is Patient => r.resourceType === 'Patient');
    const now = new Date();
    const bySex = value(await services.query.cohort({ query: 'Patient', groupBy: 'sex', nlp: false }));
    expect(bySex).toMatchObject({ resourceType: 'Patient', matched: patients.length, patients: patients.length, withoutPatient: 0 });
    const expectedSex = new Map<string, number>();
    for (const p of patients) expectedSex.set(p.gender ?? 'unknown', (expectedSex.get(p.gender ?? 'unknown') ?? 0) + 1);
    expect(new Map(bySex.groups.map((g) => [g.key, g.patients]))).toEqual(expectedSex);

    const byAge = value(await services.query.cohort({ query: 'Patient?_count=3', groupBy: 'ageBand', nlp: false }));
    // _count shapes a page, not the cohort: every patient is counted.
    expect(byAge.patients).toBe(patients.length);
    expect(byAge.groups.reduce((n, g) => n + g.patients, 0)).toBe(patients.length);
    // Every band is listed in order, an empty one as zero (then 'unknown' when some age is not known).
    const expectedAge = new Map<string, number>(AGE_BANDS.map((band) => [band, 0]));
    for (const p of patients) {
      const at = p.deceasedDateTime ? new Date(p.deceasedDateTime) : now;
      const band = ageBand(p.birthDate, at);
      expectedAge.set(band, (expectedAge.get(band) ?? 0) + 1);
    }
    expect(new Map(byAge.groups.map((g) => [g.key, g.patients]))).toEqual(expectedAge);
    expect(byAge.groups.slice(0, AGE_BANDS.length).map((g) => g.key)).toEqual(AGE_BANDS);
    // A cohort of one: its band counts one, every other band is there as zero.
    const one = patients.find((p) => p.birthDate)!;
    const single = value(await services.query.cohort({ query: `Patient?_id=${one.id}`, groupBy: 'ageBand', nlp: false }));
    const band = ageBand(one.birthDate, one.deceasedDateTime ? new Date(one.deceasedDateTime) : now);
    expect(single.groups.map((g) => [g.key, g.patients])).toEqual(AGE_BANDS.map((b) => [b, b === band ? 1 : 0]));

    // Of another type: the patients its matches are about, each once.
    const encounters = all.filter((r) => r.resourceType === 'Encounter');
    const encounterPatients = new Set(encounters.map((e) => (e as { subject?: { reference?: string } }).subject?.reference));
    const fromEncounters = value(await services.query.cohort({ query: 'Encounter', groupBy: 'sex', nlp: false }));
    expect(fromEncounters.matched).toBe(encounters.length);
    expect(fromEncounters.patients).toBe(encounterPatients.size);
  });

  it('groups conditions by ICD-10-CM category, coded and (optionally) from the notes', async () => {
    const conditions = all.filter((r): r is Condition => r.resourceType === 'Condition');
    const expected = new Map<string, Set<string>>();
    for (const c of conditions) {
      for (const coding of c.code?.coding ?? []) {
        if (coding.system !== ICD10 || !coding.code) continue;
        const category = icd10Category(coding.code)!;
        const set = expected.get(category) ?? new Set<string>();
        set.add(c.subject!.reference!);
        expected.set(category, set);
      }
    }
    expect(expected.size).toBeGreaterThan(0);
    const report = value(await services.query.cohort({ query: 'Patient', groupBy: 'condition', nlp: false }));
    expect(new Map(report.groups.map((g) => [g.key, g.patients]))).toEqual(new Map([...expected].map(([k, v]) => [k, v.size])));
    expect(report.groups.every((g) => g.coded === g.patients && g.nlp === undefined)).toBe(true);
    // Most patients first.
    expect(report.groups.map((g) => g.patients)).toEqual([...report.groups.map((g) => g.patients)].sort((a, b) => b - a));

    // A note of a patient with no coded Z99 mentions it asserted (0.95) and negated: the NLP count has the asserted one only.
    const note = all.find((r): r is DocumentReference => r.resourceType === 'DocumentReference')!;
    const entity = (code: string, negated: boolean): Entity => ({
      Id: 0, Text: 'x', Category: 'MEDICAL_CONDITION', Type: 'DX_NAME', Score: 0.99, BeginOffset: 0, EndOffset: 1,
      Traits: negated ? [{ Name: 'NEGATION', Score: 0.9 }] : [],
      ICD10CMConcepts: [{ Code: code, Description: `${code} from a note`, Score: 0.95 }],
    });
    await repository.update(withNlpResult(note, { status: 'succeeded', versions: TEST_VERSIONS, entities: [entity('Z99.89', false), entity('Y93.01', true)] }));
    const withNotes = value(await services.query.cohort({ query: 'Patient', groupBy: 'condition', nlp: true }));
    const z99 = withNotes.groups.find((g) => g.key === 'Z99');
    expect(z99).toMatchObject({ patients: 1, coded: expected.get('Z99')?.size ?? 0, nlp: 1 });
    expect(withNotes.groups.find((g) => g.key === 'Y93')).toBeUndefined();
    const strict = value(await services.query.cohort({ query: 'Patient', groupBy: 'condition', nlp: true, minScore: 0.99 }));
    expect(strict.groups.find((g) => g.key === 'Z99')).toBeUndefined();
    // Read by a scan of the types rather than searches per batch of patients: the same counts.
    const scanned = await cohortCounts(repository, { query: 'Patient', groupBy: 'condition', nlp: true, scanAbove: 0 });
    const counts = (groups: typeof scanned.groups) => groups.map(({ key, patients, coded, nlp }) => ({ key, patients, coded, nlp }));
    expect(counts(scanned.groups)).toEqual(counts(withNotes.groups));
    const fewer = await cohortCounts(repository, { query: `Patient?_id=${[...expected.values()][0]![Symbol.iterator]().next().value!.replace('Patient/', '')}`, groupBy: 'condition', scanAbove: 0 });
    expect(fewer.patients).toBe(1);
    expect(fewer.groups.every((g) => g.patients === 1)).toBe(true);
  });

  it('exports every match as NDJSON and as CSV with the chosen columns, quoted', async () => {
    const conditions = all.filter((r): r is Condition => r.resourceType === 'Condition');
    const started = value(await services.query.export({ query: 'Condition?_count=5', format: 'ndjson' }));
    const job = await jobs.whenFinished(started.jobId);
    expect(job).toMatchObject({ kind: 'query', status: 'succeeded', progress: { done: conditions.length, total: conditions.length } });
    const part = value(await services.query.exportResult({ jobId: started.jobId, part: 0 }));
    expect(part).toMatchObject({ format: 'ndjson', parts: 1, resources: conditions.length, mimeType: 'application/fhir+ndjson' });
    expect(part.fileName).toMatch(/^Condition-.*\.ndjson$/);
    const lines = part.text.trimEnd().split('\n').map((l) => JSON.parse(l) as Condition);
    expect(new Set(lines.map((c) => c.id))).toEqual(new Set(conditions.map((c) => c.id)));

    // A patient with a comma and a quote in the name: the CSV field is quoted, the quote doubled.
    await repository.update({ resourceType: 'Patient', id: 'csv-q', name: [{ family: 'O"Brien, Jr', given: ['Ann', 'Marie'] }], gender: 'female' });
    const csv = value(await services.query.export({ query: 'Patient?_id=csv-q', format: 'csv', columns: ['id', 'name.family', 'name.given', 'gender'] }));
    await jobs.whenFinished(csv.jobId);
    const csvPart = value(await services.query.exportResult({ jobId: csv.jobId, part: 0 }));
    expect(csvPart.text).toBe('id,name.family,name.given,gender\r\ncsv-q,"O""Brien, Jr",Ann; Marie,female\r\n');

    const missing = await services.query.exportResult({ jobId: csv.jobId, part: 3 });
    expect(missing.ok).toBe(false);
    const badColumn = await services.query.export({ query: 'Patient', format: 'csv', columns: ['name[0]'] });
    expect(badColumn.ok).toBe(false);
    // An engine error (unknown parameter) is a 400 naming the parameter, before any job.
    const before = jobs.list().length;
    const unknown = await services.query.export({ query: 'Patient?nope=1', format: 'csv' });
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) {
      expect(outcomeStatus(unknown.error)).toBe(400);
      expect(unknown.error.issue?.[0]?.expression).toEqual(['nope']);
    }
    expect(jobs.list().length).toBe(before);
  });
});
