/**
 * chart.patient and chart.note (docs/patient-chart.md) against real sessions: a hand-made patient
 * whose NLP results are known exactly (the to-do rules), and sample patients processed by the real
 * NLP engine (the whole pipeline), read through a repository that refuses scans.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Condition, DocumentReference, Observation, Patient, Resource } from '@medplum/fhirtypes';
import { chartContract, type InputOf, type OutputOf } from '../../../src-main/api/contract';
import { validationOutcome } from '../../../src-main/api/dispatch';
import type { Result } from '../../../src-main/api/result';
import { covers, patientChart } from '../../../src-main/chart/chart';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import type { ResourceRepository } from '../../../src-main/fhir/repository';
import { createNlpEngine } from '../../../src-main/nlp/engine';
import { withNlpResult } from '../../../src-main/nlp/results/extensions';
import type { Entity } from '../../../src-main/nlp/types';
import { createSessionFromRepository } from '../../../src-main/services/vault-session';
import type { VaultSession } from '../../../src-main/services/session-types';
import { failure, noteWithText, settled, TEST_VERSIONS, value } from '../review/helpers';

const sessions: VaultSession[] = [];
afterAll(async () => {
  for (const s of sessions.splice(0)) await s.close();
});

type ChartMethod = keyof typeof chartContract;
/** The chart API as a UI calls it: inputs checked by the contract's schemas first (as the dispatcher does). */
function chartApi(session: VaultSession) {
  const call =
    <M extends ChartMethod>(name: M) =>
    async (input: InputOf<'chart', M>): Promise<Result<OutputOf<'chart', M>>> => {
      const parsed = chartContract[name].input.safeParse(input);
      if (!parsed.success) return { ok: false, error: validationOutcome(`chart.${name}`, parsed.error) };
      const fn = session.services.chart[name] as (input: unknown) => Promise<Result<OutputOf<'chart', M>>>;
      return fn(parsed.data);
    };
  return { patient: call('patient'), note: call('note') };
}

const ICD = 'http://hl7.org/fhir/sid/icd-10-cm';

function condition(id: string, patient: string, code: string, display: string, extra: Partial<Condition> = {}): Condition {
  return {
    resourceType: 'Condition',
    id,
    subject: { reference: `Patient/${patient}` },
    code: { coding: [{ system: ICD, code, display }], text: display },
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
    onsetDateTime: '2020-01-01',
    ...extra,
  };
}

/** A condition entity at the first occurrence of `words` in `text`. */
function mention(text: string, words: string, code: string, score: number, traits: Entity['Traits'] = []): Entity {
  const begin = text.indexOf(words);
  if (begin < 0) throw new Error(`"${words}" is not in the note`);
  return {
    Id: begin,
    Text: words,
    Category: 'MEDICAL_CONDITION',
    Type: 'DX_NAME',
    Score: 0.9,
    BeginOffset: begin,
    EndOffset: begin + words.length,
    Traits: traits,
    ICD10CMConcepts: [{ Code: code, Description: `${code} description`, Score: score }],
  };
}

function note(id: string, patient: string, date: string, text: string, entities: (text: string) => Entity[]): DocumentReference {
  const doc: DocumentReference = { ...noteWithText(id, text), subject: { reference: `Patient/${patient}` }, date, description: `Note ${id}` };
  return withNlpResult(doc, { status: 'succeeded', versions: TEST_VERSIONS, entities: entities(text) });
}

function observation(id: string, patient: string, time: string, value: number, extra: Partial<Observation> = {}): Observation {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    subject: { reference: `Patient/${patient}` },
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
    code: { coding: [{ system: 'http://loinc.org', code: '4548-4', display: 'Hemoglobin A1c' }] },
    effectiveDateTime: time,
    valueQuantity: { value, unit: '%' },
    referenceRange: [{ low: { value: 4 }, high: { value: 5.6 } }],
    ...extra,
  };
}

const NOTE_1 = 'Diabetes with hyperglycemia. Hypertension, controlled. Denies chest pain. Mother had breast cancer. Hyperlipidemia noted.';
const NOTE_2 = 'Follow-up: hyperlipidemia. Type 2 diabetes. Return if fever develops.';

function handMade(): Resource[] {
  const patient: Patient = {
    resourceType: 'Patient',
    id: 'p1',
    name: [{ use: 'official', given: ['Ada'], family: 'Lovelace' }],
    gender: 'female',
    birthDate: '1970-06-15',
    identifier: [
      { type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] }, system: 'urn:mrn', value: 'MRN-42' },
      { system: 'urn:other', value: 'X-1' },
    ],
    address: [{ line: ['1 Main St'], city: 'Springfield', state: 'IL', postalCode: '62701' }],
    telecom: [{ system: 'phone', value: '555-0100', use: 'home' }],
  };
  return [
    patient,
    { resourceType: 'Patient', id: 'p2', name: [{ family: 'Other' }] },
    condition('c-dm', 'p1', 'E11.9', 'Type 2 diabetes mellitus without complications'),
    condition('c-htn', 'p1', 'I10', 'Essential hypertension', { onsetDateTime: '2018-03-01' }),
    condition('c-copd', 'p1', 'J44.9', 'COPD'),
    // Refuted: does not count as coded, so hyperlipidemia stays on the to-do list.
    condition('c-lip', 'p1', 'E78.5', 'Hyperlipidemia', { verificationStatus: { coding: [{ code: 'refuted' }] } }),
    // Another patient's coding never covers p1's findings.
    condition('c-other', 'p2', 'E78.5', 'Hyperlipidemia'),
    note('n1', 'p1', '2024-05-01T10:00:00Z', NOTE_1, (t) => [
      mention(t, 'Diabetes with hyperglycemia', 'E11.65', 0.8),
      mention(t, 'Hypertension', 'I10', 0.99),
      mention(t, 'chest pain', 'R07.9', 0.9, [{ Name: 'NEGATION', Score: 0.95 }]),
      mention(t, 'breast cancer', 'C50.919', 0.9, [{ Name: 'PERTAINS_TO_FAMILY', Score: 0.9 }]),
      mention(t, 'Hyperlipidemia', 'E78.5', 0.7),
    ]),
    note('n2', 'p1', '2025-02-01T10:00:00Z', NOTE_2, (t) => [
      mention(t, 'hyperlipidemia', 'E78.5', 0.85),
      mention(t, 'Type 2 diabetes', 'E11', 0.9),
      mention(t, 'fever', 'R50.9', 0.9, [{ Name: 'HYPOTHETICAL', Score: 0.8 }]),
    ]),
    // An undated note (listed last) before a dated one, in id order.
    { ...noteWithText('n-a-undated', 'Nothing to see.'), subject: { reference: 'Patient/p2' } },
    note('n-other', 'p2', '2025-02-01T10:00:00Z', 'Asthma.', (t) => [mention(t, 'Asthma', 'J45.909', 0.9)]),
    observation('o1', 'p1', '2023-01-01T09:00:00Z', 7.2, { interpretation: [{ coding: [{ code: 'H' }] }] }),
    observation('o2', 'p1', '2022-01-01T09:00:00Z', 5.2),
    observation('o3', 'p1', '2024-01-01T09:00:00Z', 3.5),
    observation('o-other', 'p2', '2024-01-01T09:00:00Z', 9),
    {
      resourceType: 'Observation',
      id: 'bp1',
      status: 'final',
      subject: { reference: 'Patient/p1' },
      code: { coding: [{ system: 'http://loinc.org', code: '85354-9', display: 'Blood pressure panel' }] },
      effectiveDateTime: '2024-01-01T09:00:00Z',
      component: [
        { code: { coding: [{ system: 'http://loinc.org', code: '8480-6', display: 'Systolic blood pressure' }] }, valueQuantity: { value: 142, unit: 'mm[Hg]' } },
        { code: { coding: [{ system: 'http://loinc.org', code: '8462-4', display: 'Diastolic blood pressure' }] }, valueQuantity: { value: 88, unit: 'mm[Hg]' } },
      ],
    },
    { resourceType: 'Encounter', id: 'e1', status: 'finished', class: { code: 'AMB', display: 'ambulatory' }, subject: { reference: 'Patient/p1' }, period: { start: '2024-05-01T09:30:00Z', end: '2024-05-01T10:30:00Z' } },
    {
      resourceType: 'MedicationRequest',
      id: 'm1',
      status: 'active',
      intent: 'order',
      subject: { reference: 'Patient/p1' },
      medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '860975', display: 'metformin 500 MG' }] },
      authoredOn: '2021-07-01',
    },
    { resourceType: 'Immunization', id: 'i1', status: 'completed', patient: { reference: 'Patient/p1' }, vaccineCode: { text: 'Influenza' }, occurrenceDateTime: '2023-10-01' },
    { resourceType: 'Procedure', id: 'pr1', status: 'completed', subject: { reference: 'Patient/p1' }, code: { text: 'Colonoscopy' } },
  ];
}

/** The repository with scans refused: the chart must find a patient's resources by search. */
function noScans(repository: ResourceRepository): ResourceRepository {
  return new Proxy(repository, {
    get(target, name, receiver) {
      if (name === 'scan' || name === 'list' || name === 'typeHistory' || name === 'systemHistory') {
        return () => {
          throw new Error(`the chart called repository.${String(name)}`);
        };
      }
      const member: unknown = Reflect.get(target, name, receiver);
      return typeof member === 'function' ? (member as (...args: unknown[]) => unknown).bind(target) : member;
    },
  });
}

describe('covers (ICD-10-CM coded vs found)', () => {
  it('the same code, or a coded code of the same category at least as specific', () => {
    expect(covers('I10', 'I10')).toBe(true);
    expect(covers('e11.65', 'E11.65')).toBe(true);
    expect(covers('E11.65', 'E11.9')).toBe(true);
    expect(covers('E11.9', 'E11')).toBe(true);
    expect(covers('E11.9', 'E11.65')).toBe(false);
    expect(covers('E11', 'E11.9')).toBe(false);
    expect(covers('E10.9', 'E11.9')).toBe(false);
  });
});

describe('chart.patient on a hand-made patient', () => {
  async function open() {
    const repository = new MemoryRepository();
    await repository.writeBatch(handMade().map((resource) => ({ kind: 'update' as const, resource })));
    const session = createSessionFromRepository(repository);
    sessions.push(session);
    return { session, repository };
  }

  it('demographics, timeline, series, notes of this patient only', async () => {
    const { session } = await open();
    const chart = value(await chartApi(session).patient({ patientId: 'p1' }));
    const d = chart.demographics;
    expect(d).toMatchObject({ reference: 'Patient/p1', name: 'Ada Lovelace', sex: 'female', birthDate: '1970-06-15', mrn: 'MRN-42' });
    expect(d.identifiers).toEqual([
      { label: 'MRN', system: 'urn:mrn', value: 'MRN-42' },
      { system: 'urn:other', value: 'X-1' },
    ]);
    expect(d.addresses).toEqual(['1 Main St, Springfield, IL 62701']);
    expect(d.telecom).toEqual([{ system: 'phone', use: 'home', value: '555-0100' }]);
    const at = new Date(chart.asOf);
    const birthdayPassed = at.getUTCMonth() > 5 || (at.getUTCMonth() === 5 && at.getUTCDate() >= 15);
    expect(d.age).toBe(at.getUTCFullYear() - 1970 - (birthdayPassed ? 0 : 1));

    // Oldest first, undated (the procedure) last; nothing of p2.
    const refs = chart.timeline.map((e) => e.reference);
    expect(refs).not.toContain('Condition/c-other');
    expect(refs).not.toContain('DocumentReference/n-other');
    expect(refs.at(-1)).toBe('Procedure/pr1');
    expect(chart.timeline.at(-1)?.date).toBeUndefined();
    const dated = chart.timeline.filter((e) => e.date !== undefined).map((e) => Date.parse(e.date!));
    expect(dated).toEqual([...dated].sort((a, b) => a - b));
    expect(new Set(chart.timeline.map((e) => e.kind))).toEqual(new Set(['condition', 'note', 'encounter', 'medication', 'immunization', 'procedure']));
    expect(chart.timeline.find((e) => e.reference === 'Encounter/e1')).toMatchObject({ kind: 'encounter', label: 'ambulatory', end: '2024-05-01T10:30:00Z' });
    expect(chart.timeline.find((e) => e.reference === 'Condition/c-htn')).toMatchObject({ date: '2018-03-01', code: { code: 'I10', system: ICD }, status: 'active' });

    const a1c = chart.series.find((s) => s.code === '4548-4');
    expect(a1c).toMatchObject({ display: 'Hemoglobin A1c', unit: '%', category: 'laboratory', low: 4, high: 5.6 });
    expect(a1c?.points.map((p) => [p.reference, p.value, p.outOfRange])).toEqual([
      ['Observation/o2', 5.2, false],
      ['Observation/o1', 7.2, true],
      ['Observation/o3', 3.5, true],
    ]);
    expect(a1c?.points[1]?.interpretation).toBe('H');
    // Blood pressure: one series per component.
    expect(chart.series.find((s) => s.code === '8480-6')?.points.map((p) => p.value)).toEqual([142]);
    expect(chart.series.find((s) => s.code === '8462-4')?.points.map((p) => p.value)).toEqual([88]);
    expect(chart.series.find((s) => s.code === '85354-9')).toBeUndefined();

    expect(chart.notes.map((n) => n.id)).toEqual(['n2', 'n1']);
    expect(chart.notes[1]).toMatchObject({ title: 'Note n1', nlp: 'succeeded', entities: 5, categories: { MEDICAL_CONDITION: 5 } });
    expect(chart.truncated).toEqual([]);
  });

  it('the to-do list: asserted NLP conditions no Condition codes, and the coded ones with their mentions', async () => {
    const { session } = await open();
    const chart = value(await chartApi(session).patient({ patientId: 'p1' }));
    // E11.65 refines the coded E11.9; E78.5 is coded only by a refuted Condition (and p2's);
    // I10 is coded; E11 is covered by E11.9; negated, family and hypothetical mentions are left out.
    expect(chart.todo.map((t) => [t.code, t.score, t.mentions, t.noteIds, t.sameCategory])).toEqual([
      ['E78.5', 0.85, 2, ['n2', 'n1'], []],
      ['E11.65', 0.8, 1, ['n1'], ['E11.9']],
    ]);
    expect(chart.todo[0]?.text).toBe('hyperlipidemia');
    const coded = Object.fromEntries(chart.coded.map((c) => [c.reference, [c.code, c.mentioned, c.noteIds]]));
    expect(coded).toEqual({
      'Condition/c-htn': ['I10', 'code', ['n1']],
      'Condition/c-dm': ['E11.9', 'category', ['n2', 'n1']],
      'Condition/c-copd': ['J44.9', 'none', []],
    });
    expect(chart.coded[0]?.reference).toBe('Condition/c-htn');
    expect(chart.todo.every((t) => !t.reviewed)).toBe(true);
  });

  it("reviewers' decisions: a rejected mention leaves the list, accepted and added ones are certain", async () => {
    const { session } = await open();
    const at = (text: string, words: string) => text.indexOf(words);
    const state = (text: string, words: string, code: string, decision: 'accepted' | 'rejected') => ({
      begin: at(text, words),
      end: at(text, words) + words.length,
      category: 'MEDICAL_CONDITION' as const,
      type: 'DX_NAME' as const,
      traits: [],
      concept: { system: 'ICD10CM' as const, code, display: `${code} description` },
      decision,
    });
    const lipid = state(NOTE_1, 'Hyperlipidemia', 'E78.5', 'rejected');
    const dm = state(NOTE_1, 'Diabetes with hyperglycemia', 'E11.65', 'accepted');
    value(
      await session.services.review.apply({
        documentId: 'n1',
        reviewer: 'Ann',
        changes: [
          { id: `e:${lipid.begin}-${lipid.end}-MEDICAL_CONDITION`, after: lipid },
          { id: `e:${dm.begin}-${dm.end}-MEDICAL_CONDITION`, after: dm },
        ],
      }),
    );
    // Another reviewer adds "fever" in n2 as a condition of the patient (the engine called it hypothetical).
    const fever = { ...state(NOTE_2, 'fever', 'R50.9', 'accepted'), concept: { system: 'ICD10CM' as const, code: 'R50.9', display: 'Fever, unspecified' } };
    value(await session.services.review.apply({ documentId: 'n2', reviewer: 'Bob', changes: [{ after: fever }] }));

    const chart = value(await chartApi(session).patient({ patientId: 'p1' }));
    expect(chart.todo.map((t) => [t.code, t.score, t.mentions, t.noteIds, t.reviewed])).toEqual([
      ['E11.65', 1, 1, ['n1'], true],
      ['R50.9', 1, 1, ['n2'], true],
      ['E78.5', 0.85, 1, ['n2'], false],
    ]);
    expect(chart.todo[1]?.text).toBe('Fever, unspecified');
  });

  it('chart.note: the text with the engine entities, read-only', async () => {
    const { session } = await open();
    const n1 = value(await chartApi(session).note({ documentId: 'n1' }));
    expect(n1).toMatchObject({ documentId: 'n1', title: 'Note n1', patient: 'Patient/p1', text: NOTE_1, nlp: 'succeeded', date: '2024-05-01T10:00:00Z' });
    expect(n1.annotations.map((a) => [a.text, a.decision, a.concept?.code])).toEqual([
      ['Diabetes with hyperglycemia', 'pending', 'E11.65'],
      ['Hypertension', 'pending', 'I10'],
      ['chest pain', 'pending', 'R07.9'],
      ['breast cancer', 'pending', 'C50.919'],
      ['Hyperlipidemia', 'pending', 'E78.5'],
    ]);
    expect(n1.annotations[2]?.traits).toEqual(['NEGATION']);
  });

  it('errors are OperationOutcomes: an unknown patient, a bad id, a note without text', async () => {
    const { session, repository } = await open();
    const api = chartApi(session);
    const missing = failure(await api.patient({ patientId: 'nobody' }));
    expect(missing.issue[0]?.code).toBe('not-found');
    const bad = failure(await api.patient({ patientId: 'no/slashes' }));
    expect(bad.issue[0]?.code).toBe('invalid');
    await repository.update({ resourceType: 'DocumentReference', id: 'pdf', status: 'current', content: [{ attachment: { contentType: 'application/pdf', data: 'JVBERi0=' } }] });
    const pdf = failure(await api.note({ documentId: 'pdf' }));
    expect(pdf.issue[0]?.diagnostics).toMatch(/no text to show/);
  });

  it('a patient with nothing but demographics: empty lists', async () => {
    const { session } = await open();
    const chart = value(await chartApi(session).patient({ patientId: 'p2' }));
    expect(chart.demographics.name).toBe('Other');
    expect(chart.demographics.age).toBeUndefined();
    expect(chart.coded.map((c) => c.reference)).toEqual(['Condition/c-other']);
    expect(chart.todo.map((t) => t.code)).toEqual(['J45.909']);
    expect(chart.notes.map((n) => [n.id, n.nlp])).toEqual([
      ['n-other', 'succeeded'],
      ['n-a-undated', 'none'],
    ]);
    expect(chart.series.map((s) => s.points.map((p) => p.reference))).toEqual([['Observation/o-other']]);
  });
});

describe('chart.patient on sample patients with the real NLP engine', () => {
  it('reads the compartment by search (no scan) and agrees with the store', async () => {
    const engine = createNlpEngine();
    const repository = new MemoryRepository();
    const session = createSessionFromRepository(repository, {}, { nlpAnalyzer: async () => ({ versions: engine.versions, analyze: async (text) => engine.analyze(text) }) });
    sessions.push(session);
    const { jobId } = value(await session.services.import.sample({ patients: 2, seed: 'chart' }));
    for (;;) {
      const job = value(await session.services.jobs.get({ jobId }));
      if (job.status !== 'queued' && job.status !== 'running') {
        expect(job.status).toBe('succeeded');
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    await settled(session, 120_000);

    const patients = value(await session.services.resources.search({ query: 'Patient?_count=10' })).entry ?? [];
    expect(patients.length).toBe(2);
    for (const entry of patients) {
      const patient = entry.resource as Patient;
      const chart = await patientChart(noScans(repository), patient.id!);
      expect(chart.demographics.reference).toBe(`Patient/${patient.id}`);
      expect(chart.demographics.mrn).toBe(patient.identifier?.[0]?.value);

      const search = async (query: string) => (value(await session.services.resources.search({ query: `${query}&_count=1000` })).entry ?? []).map((e) => e.resource!);
      const notes = await search(`DocumentReference?subject=Patient/${patient.id}`);
      const conditions = (await search(`Condition?subject=Patient/${patient.id}`)) as Condition[];
      const observations = (await search(`Observation?subject=Patient/${patient.id}`)) as Observation[];
      expect(chart.notes.length).toBe(notes.length);
      expect(chart.notes.every((n) => n.nlp === 'succeeded' && n.entities > 0)).toBe(true);
      expect(chart.coded.length).toBe(conditions.length);
      const points = chart.series.reduce((sum, s) => sum + s.points.length, 0);
      const numeric = observations.reduce((sum, o) => sum + (o.valueQuantity ? 1 : 0) + (o.component?.filter((c) => c.valueQuantity).length ?? 0), 0);
      expect(points).toBe(numeric);
      expect(chart.series.some((s) => s.points.some((p) => p.outOfRange))).toBe(true);
      // Every to-do is a code no Condition covers, found in this patient's notes.
      const codes = conditions.flatMap((c) => c.code?.coding?.filter((x) => x.system === ICD).map((x) => x.code!) ?? []);
      const noteIds = new Set(notes.map((n) => n.id));
      for (const item of chart.todo) {
        expect(codes.some((c) => covers(c, item.code))).toBe(false);
        expect(item.noteIds.every((id) => noteIds.has(id))).toBe(true);
      }
      // The notes mention most of what is coded (the sample's notes are written from the record).
      expect(chart.coded.filter((c) => c.mentioned !== 'none').length).toBeGreaterThan(0);
    }
  }, 180_000);
});
