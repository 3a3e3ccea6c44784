/**
 * The search features on top of the extraction rows added in schema 5, for both stores:
 * composite parameters (search.html#composite), `_text`/`_content` (#_text, #_content),
 * `:identifier` and `:of-type` (#modifiers), UCUM canonical quantities (#quantity).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bundle, Location, Resource } from '@medplum/fhirtypes';
import type { ResourceRepository } from '../../../src-main/fhir/repository';
import { rawSearchParameters, searchParamsFor, type SearchParamType } from '../../../src-main/fhir/search/parameters';
import { resourceTypes } from '../../../src-main/fhir/resource-types';
import { OperationOutcomeError } from '../../../src-main/fhir/outcome-error';
import type { RepositoryFixture } from './repository.contract';

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';

function bloodPressure(id: string, systolic: number, diastolic: number, narrative: string): Resource {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${narrative}</div>` },
    code: { coding: [{ system: LOINC, code: '85354-9', display: 'Blood pressure panel' }] },
    subject: { reference: 'Patient/p1' },
    effectiveDateTime: '2024-03-01',
    component: [
      { code: { coding: [{ system: LOINC, code: '8480-6' }] }, valueQuantity: { value: systolic, system: UCUM, code: 'mm[Hg]' } },
      { code: { coding: [{ system: LOINC, code: '8462-4' }] }, valueQuantity: { value: diastolic, system: UCUM, code: 'mm[Hg]' } },
    ],
  };
}

function weighed(id: string, quantity: { value: number; system?: string; code?: string; unit?: string }): Resource {
  return { resourceType: 'Observation', id, status: 'final', code: { coding: [{ system: LOINC, code: '3141-9' }] }, valueQuantity: quantity };
}

function place(id: string, latitude: number | undefined, longitude: number | undefined, extra: Partial<Location> = {}): Location {
  return { resourceType: 'Location', id, name: id, ...(latitude !== undefined && longitude !== undefined ? { position: { latitude, longitude } } : {}), ...extra };
}

const AMSTERDAM = { lat: 52.3676, lon: 4.9041 };
const UTRECHT = { lat: 52.0907, lon: 5.1214 };
const LONDON = { lat: 51.5074, lon: -0.1278 };

/** Places for `near` (search.html#special) and non-ASCII full text. */
const LOCATIONS: Location[] = [
  place('ams', AMSTERDAM.lat, AMSTERDAM.lon, { text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Résumé office, Amsterdam café</div>' } }),
  place('utr', UTRECHT.lat, UTRECHT.lon, { type: [{ text: 'Café annexe' }], text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">RESUME desk</div>' } }),
  place('lon', LONDON.lat, LONDON.lon),
  // Either side of the antimeridian (about 16 km apart), and either side of the north pole (2.2 km).
  place('fiji-w', -17.7134, 179.9),
  place('fiji-e', -17.7, -179.95),
  place('pole-a', 89.99, 0),
  place('pole-b', 89.99, 180),
  place('nowhere', undefined, undefined),
];

/** The haversine distance in km on the sphere near.ts uses (an independent formula: not the chord test). */
function haversineKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const h = Math.sin(((b.lat - a.lat) * rad) / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(((b.lon - a.lon) * rad) / 2) ** 2;
  return (2 * 6371.0088 * Math.asin(Math.sqrt(h)));
}

export const FEATURE_CORPUS: Resource[] = [
  {
    resourceType: 'Patient',
    id: 'p1',
    text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Anna <b>Müller</b>, e-mail follow-up</div>' },
    name: [{ family: 'Müller', given: ['Anna'] }],
    identifier: [{ type: { coding: [{ system: V2_0203, code: 'MR' }] }, system: 'urn:mrn', value: '12345' }],
  },
  { resourceType: 'Patient', id: 'p2', name: [{ family: 'Okafor' }], identifier: [{ type: { coding: [{ system: V2_0203, code: 'DL' }] }, value: '12345' }] },
  // Systolic above 100 (bp1), and a diastolic above 100 with a low systolic (bp2): only a component match counts.
  bloodPressure('bp1', 120, 80, 'Blood pressure high, patient anxious'),
  bloodPressure('bp2', 90, 130, 'Pressure readings unusual'),
  {
    resourceType: 'Observation',
    id: 'c1',
    status: 'final',
    code: { coding: [{ system: LOINC, code: '94500-6' }], text: 'SARS-CoV-2 RNA' },
    valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '260385009', display: 'Negative' }] },
    subject: { identifier: { system: 'urn:mrn', value: '42' } },
    effectiveDateTime: '2024-02-01',
  },
  { resourceType: 'Observation', id: 'd1', status: 'final', code: { coding: [{ system: LOINC, code: '21112-8' }] }, valueDateTime: '2024-03-01' },
  { resourceType: 'Observation', id: 'perf', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/p2' }, performer: [{ reference: 'Patient/p1' }] },
  { ...weighed('w1', { value: 0.0054, system: UCUM, code: 'g', unit: 'g' }) },
  { ...weighed('w2', { value: 5400, system: UCUM, code: 'ug' }) },
  { ...weighed('w3', { value: 5.4, system: 'http://example.org/units', code: 'mg' }) },
  { ...weighed('w4', { value: 5.4, system: UCUM, code: 'not-a-ucum-unit' }) },
  { ...weighed('w5', { value: 6, system: UCUM, code: 'mg' }) },
  ...LOCATIONS,
];

function ids(bundle: Bundle): string[] {
  return (bundle.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource?.id ?? '');
}

/** A value for one component of a composite, by the component's type. */
const SAMPLE_COMPONENT: Partial<Record<SearchParamType, string>> = {
  token: 'http://example.org|c',
  quantity: `gt5|${UCUM}|mg`,
  date: 'ge2020-01-01',
  string: 'abc',
  reference: 'Patient/p1',
  number: '5',
  uri: 'http://example.org/u',
};

export function searchFeatureSuite(name: string, makeFixture: () => Promise<RepositoryFixture>): void {
  describe(`search features on schema-5 rows: ${name}`, () => {
    let fixture: RepositoryFixture;
    let repo: ResourceRepository;
    const find = async (type: string, query: string): Promise<string[]> => ids(await repo.search(type, new URLSearchParams(query))).sort();
    const status = async (type: string, query: string): Promise<number> => {
      try {
        await repo.search(type, new URLSearchParams(query));
        return 200;
      } catch (e) {
        // Anything but an OperationOutcome with a 4xx-kind code (an SQL error, say) is a 500.
        const code = e instanceof OperationOutcomeError ? e.outcome.issue[0]?.code : undefined;
        return code === 'not-supported' || code === 'invalid' ? 400 : 500;
      }
    };

    beforeAll(async () => {
      fixture = await makeFixture();
      repo = fixture.repo;
      const outcomes = await repo.writeBatch(FEATURE_CORPUS.map((resource) => ({ kind: 'update', resource })));
      expect(outcomes.every((o) => o.status === 'created')).toBe(true);
    });
    afterAll(async () => {
      await fixture.close();
    });

    it('composite: the components of ONE element match together (search.html#composite)', async () => {
      expect(await find('Observation', `component-code-value-quantity=${LOINC}|8480-6$gt100`)).toEqual(['bp1']);
      expect(await find('Observation', `component-code-value-quantity=${LOINC}|8462-4$gt100`)).toEqual(['bp2']);
      expect(await find('Observation', 'component-code-value-quantity=8480-6$lt100')).toEqual(['bp2']);
      // ORed alternatives; the UCUM unit of a component compares canonically (120 mm[Hg] ≈ 16 kPa).
      expect(await find('Observation', `component-code-value-quantity=8480-6$gt100,8462-4$gt100`)).toEqual(['bp1', 'bp2']);
      expect(await find('Observation', `component-code-value-quantity=8480-6$16|${UCUM}|kPa`)).toEqual(['bp1']);
      // combo: the Observation's own code/value and each component's.
      expect(await find('Observation', `combo-code-value-quantity=8462-4$80|${UCUM}|mm[Hg]`)).toEqual(['bp1']);
      expect(await find('Observation', `code-value-concept=${LOINC}|94500-6$http://snomed.info/sct|260385009`)).toEqual(['c1']);
      expect(await find('Observation', `code-value-concept=${LOINC}|94500-6$http://snomed.info/sct|10828004`)).toEqual([]);
      expect(await find('Observation', `code-value-date=${LOINC}|21112-8$ge2024-03-01`)).toEqual(['d1']);
      expect(await find('Observation', `code-value-date=${LOINC}|21112-8$lt2024-03-01`)).toEqual([]);
      expect(await find('Observation', `code-value-date=${LOINC}|85354-9$ge2024-03-01`)).toEqual([]);
      // A wrong number of components, or an empty one, is a 400.
      expect(await status('Observation', 'component-code-value-quantity=8480-6')).toBe(400);
      expect(await status('Observation', 'component-code-value-quantity=8480-6$')).toBe(400);
      expect(await status('Observation', 'component-code-value-quantity:missing=true')).toBe(400);
    });

    it('composite: every R4 composite parameter parses and runs on every base type', async () => {
      const composites = rawSearchParameters().filter((p) => p.type === 'composite');
      expect(composites).toHaveLength(46);
      let searched = 0;
      for (const sp of composites) {
        for (const type of sp.base) {
          const def = searchParamsFor(type, resourceTypes()).get(sp.code);
          const components = def?.composite?.[0]?.components ?? [];
          expect(components.length, `${type}.${sp.code}`).toBeGreaterThan(1);
          const value = components.map((c) => SAMPLE_COMPONENT[c.type] ?? '').join('$');
          expect(await status(type, `${sp.code}=${encodeURIComponent(value)}`), `${type}?${sp.code}=${value}`).toBe(200);
          searched++;
        }
      }
      expect(searched).toBe(72);
    });

    it('_text on the narrative, _content on all text: words, phrases, OR, prefix* (search.html#_text, #_content)', async () => {
      expect(await find('Observation', '_text=pressure')).toEqual(['bp1', 'bp2']);
      expect(await find('Observation', '_text=PRESSURE high')).toEqual(['bp1']);
      expect(await find('Observation', '_text="pressure high"')).toEqual(['bp1']);
      expect(await find('Observation', '_text="high pressure"')).toEqual([]);
      expect(await find('Observation', '_text=anxious OR unusual')).toEqual(['bp1', 'bp2']);
      expect(await find('Observation', '_text=anx*')).toEqual(['bp1']);
      expect(await find('Observation', '_text=anx')).toEqual([]);
      expect(await find('Observation', '_text=anxious,unusual')).toEqual(['bp1', 'bp2']);
      expect(await find('Patient', '_text=müller')).toEqual(['p1']);
      expect(await find('Patient', '_text=e-mail')).toEqual(['p1']);
      // The narrative has no codes' text; _content has both (CodeableConcept.text, Coding.display).
      expect(await find('Observation', '_text=negative')).toEqual([]);
      expect(await find('Observation', '_content=negative')).toEqual(['c1']);
      expect(await find('Observation', '_content=sars-cov-2')).toEqual(['c1']);
      expect(await find('Observation', '_content=anxious')).toEqual(['bp1']);
      expect(await find('Observation', '_content=okafor')).toEqual([]);
      expect(await find('Patient', '_content=okafor')).toEqual(['p2']);
      expect(await find('Observation', '_text=pressure&code=85354-9&_content=unusual')).toEqual(['bp2']);
    });

    it('_text/_content: FTS syntax in user input is a 400 or plain words, never an SQL error', async () => {
      expect(await status('Observation', '_text="pressure')).toBe(400);
      expect(await status('Observation', '_text=OR pressure')).toBe(400);
      expect(await status('Observation', '_text=pressure OR')).toBe(400);
      expect(await status('Observation', '_text=!!! ***')).toBe(400);
      for (const hostile of ['NEAR(pressure high)', 'pressure -high', "') OR 1=1 --", 'pressure NOT high', 'narrative:high', '^high', 'high AND', '"a" "b"*', '*']) {
        expect([200, 400], hostile).toContain(await status('Observation', `_text=${encodeURIComponent(hostile)}`));
      }
      // Operators other than OR are words (lower-cased): `pressure NOT high` needs the word "not".
      expect(await find('Observation', '_text=pressure NOT high')).toEqual([]);
    });

    it('_text follows the current version: updates and deletes drop the old text', async () => {
      await repo.update({ ...(FEATURE_CORPUS[3] as Resource), text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Readings normal</div>' } } as Resource);
      expect(await find('Observation', '_text=unusual')).toEqual([]);
      expect(await find('Observation', '_text=normal')).toEqual(['bp2']);
      await repo.delete('Observation', 'bp2');
      expect(await find('Observation', '_text=normal')).toEqual([]);
      await repo.update(FEATURE_CORPUS[3] as Resource);
      expect(await find('Observation', '_text=unusual')).toEqual(['bp2']);
    });

    it('compartment: one OR filter over the linking parameters, with sorting and paging (search.html#compartments)', async () => {
      const compartment = { compartment: { type: 'Patient', id: 'p1', params: ['subject', 'performer'] } };
      const page = await repo.search('Observation', [['_sort', '-_id'], ['_count', '2']], compartment);
      expect(page.total).toBe(3);
      expect(ids(page)).toEqual(['perf', 'bp2']);
      const next = page.link?.find((l) => l.relation === 'next')?.url;
      expect(next).toBe('Patient/p1/Observation?_sort=-_id&_count=2&_offset=2');
      expect(ids(await repo.search('Observation', [['_sort', '-_id'], ['_count', '2'], ['_offset', '2']], compartment))).toEqual(['bp1']);
      expect(ids(await repo.search('Observation', [['_text', 'unusual']], compartment))).toEqual(['bp2']);
      expect(ids(await repo.search('Observation', [], { compartment: { type: 'Patient', id: 'p2', params: ['subject', 'performer'] } }))).toEqual(['perf']);
      // Includes work too: the compartment is an ordinary filter.
      const included = await repo.search('Observation', [['_id', 'perf'], ['_include', 'Observation:subject']], compartment);
      expect((included.entry ?? []).map((e) => `${e.search?.mode ?? ''}:${e.resource?.id ?? ''}`)).toEqual(['match:perf', 'include:p2']);
    });

    it(':identifier on references, :of-type on Identifier tokens (search.html#modifiers)', async () => {
      expect(await find('Observation', 'subject:identifier=urn:mrn|42')).toEqual(['c1']);
      expect(await find('Observation', 'subject:identifier=42')).toEqual(['c1']);
      expect(await find('Observation', 'subject:identifier=urn:other|42')).toEqual([]);
      expect(await find('Patient', `identifier:of-type=${V2_0203}|MR|12345`)).toEqual(['p1']);
      expect(await find('Patient', `identifier:of-type=${V2_0203}|DL|12345`)).toEqual(['p2']);
      expect(await find('Patient', `identifier:of-type=${V2_0203}|MR|99999`)).toEqual([]);
      expect(await status('Patient', 'identifier:of-type=MR|12345')).toBe(400);
    });

    it(':of-type on a token that is not an Identifier is a 400, not an empty result (search.html#modifiers)', async () => {
      expect(await status('Observation', `code:of-type=${V2_0203}|MR|12345`)).toBe(400);
      expect(await status('Patient', `gender:of-type=${V2_0203}|MR|12345`)).toBe(400);
      expect(await status('Observation', `identifier:of-type=${V2_0203}|MR|12345`)).toBe(200);
    });

    it('_id as a token and _lastUpdated as a date: modifiers, |id, OR, ap, ending a chain or _has (search.html#all)', async () => {
      const bp1 = await repo.read('Observation', 'bp1');
      const instant = bp1.meta?.lastUpdated ?? '';
      expect(instant).not.toBe('');
      expect(await find('Patient', '_id=|p1')).toEqual(['p1']);
      expect(await find('Patient', '_id=|p1,|p2')).toEqual(['p1', 'p2']);
      expect(await find('Patient', '_id=urn:x|p1')).toEqual([]);
      expect(await find('Patient', '_id:not=p1')).toEqual(['p2']);
      expect(await find('Patient', '_id:not=p1,p2')).toEqual([]);
      expect(await find('Patient', '_id:missing=true')).toEqual([]);
      expect(await find('Patient', '_id:missing=false')).toEqual(['p1', 'p2']);
      expect(await find('Patient', '_id:text=p1')).toEqual([]);
      expect(await find('Patient', '_lastUpdated:missing=false')).toEqual(['p1', 'p2']);
      expect(await find('Patient', '_lastUpdated:missing=true')).toEqual([]);
      expect(await find('Patient', '_lastUpdated=lt2000-01-01,gt2000-01-01')).toEqual(['p1', 'p2']);
      expect(await find('Patient', '_lastUpdated=lt2000-01-01,gt2999-01-01')).toEqual([]);
      expect(await find('Patient', `_lastUpdated=${encodeURIComponent(`ap${instant}`)}`)).toEqual(['p1', 'p2']);
      expect(await find('Patient', '_lastUpdated=ap2000-01-01')).toEqual([]);
      expect(await status('Patient', '_lastUpdated:not=2000')).toBe(400);
      expect(await status('Patient', '_id:exact=p1')).toBe(400);
      expect(await status('Patient', '_id:missing=maybe')).toBe(400);
      // The last parameter of a chain (search.html#chaining) and of a _has (search.html#has).
      expect(await find('Observation', 'subject:Patient._id=p1')).toEqual(['bp1', 'bp2']);
      expect(await find('Observation', 'subject._id=p2')).toEqual(['perf']);
      expect(await find('Observation', 'subject._id:not=p1')).toEqual(['perf']);
      expect(await find('Observation', 'subject:Patient._lastUpdated=lt2000-01-01')).toEqual([]);
      expect(await find('Observation', 'subject:Patient._lastUpdated=gt2000-01-01')).toEqual(['bp1', 'bp2', 'perf']);
      expect(await find('Patient', '_has:Observation:subject:_id=perf')).toEqual(['p2']);
      expect(await find('Patient', '_has:Observation:subject:_id=perf,bp1')).toEqual(['p1', 'p2']);
      expect(await find('Patient', '_has:Observation:subject:_lastUpdated=gt2000-01-01')).toEqual(['p1', 'p2']);
      expect(await find('Patient', '_has:Observation:performer:_lastUpdated=lt2000-01-01')).toEqual([]);
    });

    it('near on Location: great-circle distance in UCUM length units, km by default (search.html#special)', async () => {
      const at = (p: { lat: number; lon: number }) => `${p.lat}|${p.lon}`;
      expect(await find('Location', `near=${at(AMSTERDAM)}|10|km`)).toEqual(['ams']);
      expect(await find('Location', `near=${at(AMSTERDAM)}|50|km`)).toEqual(['ams', 'utr']);
      expect(await find('Location', `near=${at(AMSTERDAM)}|50`)).toEqual(['ams', 'utr']);
      expect(await find('Location', `near=${at(AMSTERDAM)}|50000|m`)).toEqual(['ams', 'utr']);
      expect(await find('Location', `near=${at(AMSTERDAM)}|${encodeURIComponent('20|[mi_i]')}`)).toEqual(['ams']);
      expect(await find('Location', `near=${at(AMSTERDAM)}|${encodeURIComponent('30|[mi_i]')}`)).toEqual(['ams', 'utr']);
      expect(await find('Location', `near=${at(AMSTERDAM)}|400|km`)).toEqual(['ams', 'lon', 'utr']);
      // No distance: the server's choice (10 km).
      expect(await find('Location', `near=${at(AMSTERDAM)}`)).toEqual(['ams']);
      // Exact at the boundary: the distance is a great circle, not a box.
      const d = haversineKm(AMSTERDAM, UTRECHT);
      expect(await find('Location', `near=${at(AMSTERDAM)}|${d * 1.0001}|km`)).toEqual(['ams', 'utr']);
      expect(await find('Location', `near=${at(AMSTERDAM)}|${d * 0.9999}|km`)).toEqual(['ams']);
      const london = haversineKm(UTRECHT, LONDON);
      expect(await find('Location', `near=${at(UTRECHT)}|${london * 1.0001}`)).toEqual(['ams', 'lon', 'utr']);
      expect(await find('Location', `near=${at(UTRECHT)}|${london * 0.9999}`)).toEqual(['ams', 'utr']);
      // Across the antimeridian and over the pole, where a latitude/longitude box would miss.
      expect(await find('Location', 'near=-17.7134|179.9|20|km')).toEqual(['fiji-e', 'fiji-w']);
      expect(await find('Location', 'near=-17.7|-179.95|10|km')).toEqual(['fiji-e']);
      expect(await find('Location', 'near=89.99|0|5|km')).toEqual(['pole-a', 'pole-b']);
      expect(await find('Location', 'near=89.99|90|2|km')).toEqual(['pole-a', 'pole-b']);
      // OR by comma; AND with another parameter; a zero distance is the point itself.
      expect(await find('Location', `near=${at(AMSTERDAM)}|1,${at(LONDON)}|1`)).toEqual(['ams', 'lon']);
      expect(await find('Location', `near=${at(AMSTERDAM)}|400&name=utr`)).toEqual(['utr']);
      expect(await find('Location', `near=${at(LONDON)}|0`)).toEqual(['lon']);
      for (const bad of ['91|0|1', 'abc|1', '1|2|3|kg', '1|2|-3', '1', '1|2||km']) expect(await status('Location', `near=${encodeURIComponent(bad)}`), bad).toBe(400);
      expect(await status('Location', `near:missing=true`)).toBe(400);
    });

    it('near pages like any filter and follows the current version', async () => {
      const seen: string[] = [];
      let page = await repo.search('Location', [['near', `${AMSTERDAM.lat}|${AMSTERDAM.lon}|400`], ['_count', '1'], ['_sort', '_id']]);
      expect(page.total).toBe(3);
      for (;;) {
        seen.push(...ids(page));
        const next = page.link?.find((l) => l.relation === 'next')?.url;
        if (!next) break;
        page = await repo.search('Location', new URLSearchParams(next.slice(next.indexOf('?') + 1)));
      }
      expect(seen).toEqual(['ams', 'lon', 'utr']);
      await repo.update(place('utr', LONDON.lat, LONDON.lon));
      expect(await find('Location', `near=${AMSTERDAM.lat}|${AMSTERDAM.lon}|50`)).toEqual(['ams']);
      expect(await find('Location', `near=${LONDON.lat}|${LONDON.lon}|1`)).toEqual(['lon', 'utr']);
      await repo.delete('Location', 'utr');
      expect(await find('Location', `near=${LONDON.lat}|${LONDON.lon}|1`)).toEqual(['lon']);
      await repo.update(LOCATIONS[1] as Location);
      expect(await find('Location', `near=${AMSTERDAM.lat}|${AMSTERDAM.lon}|50`)).toEqual(['ams', 'utr']);
    });

    it('_text, _content and :text ignore accents and case beyond ASCII (search.html#_text, #modifiers)', async () => {
      expect(await find('Patient', '_text=muller')).toEqual(['p1']);
      expect(await find('Patient', '_text=MÜLLER')).toEqual(['p1']);
      expect(await find('Location', '_text=resume')).toEqual(['ams', 'utr']);
      expect(await find('Location', '_text=résumé')).toEqual(['ams', 'utr']);
      expect(await find('Location', '_text=RÉSUMÉ office')).toEqual(['ams']);
      expect(await find('Location', '_text="resume office"')).toEqual(['ams']);
      expect(await find('Location', '_text=caf*')).toEqual(['ams']);
      expect(await find('Location', '_content=cafe')).toEqual(['ams', 'utr']);
      expect(await find('Location', '_content=annexe')).toEqual(['utr']);
      expect(await find('Patient', '_content=müller')).toEqual(['p1']);
      expect(await find('Location', 'type:text=cafe')).toEqual(['utr']);
      expect(await find('Location', 'type:text=CAFÉ')).toEqual(['utr']);
    });

    it(':in reads the HL7 v2 and v3 ValueSets shipped with the definitions too (terminologies.html)', async () => {
      expect(await find('Observation', 'category:in=http://terminology.hl7.org/ValueSet/v2-0074')).toEqual([]);
      expect(await find('Observation', 'code:not-in=http://terminology.hl7.org/ValueSet/v3-ActEncounterCode')).toEqual(
        FEATURE_CORPUS.filter((r) => r.resourceType === 'Observation').map((r) => r.id ?? '').sort(),
      );
    });

    it('quantity with a UCUM unit compares canonical values; other units as written (search.html#quantity)', async () => {
      expect(await find('Observation', `value-quantity=5.4|${UCUM}|mg`)).toEqual(['w1', 'w2']);
      expect(await find('Observation', `value-quantity=0.0054|${UCUM}|g`)).toEqual(['w1', 'w2']);
      expect(await find('Observation', `value-quantity=gt5.5|${UCUM}|mg`)).toEqual(['w5']);
      expect(await find('Observation', `value-quantity=lt0.006|${UCUM}|g`)).toEqual(['w1', 'w2']);
      expect(await find('Observation', `value-quantity=ge5.4|${UCUM}|mg`)).toEqual(['w1', 'w2', 'w5']);
      expect(await find('Observation', `value-quantity=5.4|http://example.org/units|mg`)).toEqual(['w3']);
      expect(await find('Observation', `value-quantity=5.4|${UCUM}|not-a-ucum-unit`)).toEqual(['w4']);
      // Another dimension never matches (mg is a mass; mL a volume).
      expect(await find('Observation', `value-quantity=5.4|${UCUM}|mL`)).toEqual([]);
    });
  });
}
