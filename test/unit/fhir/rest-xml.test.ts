/**
 * FHIR XML (xml.html) on the REST handler and the local endpoint: the spec's JSON examples
 * round-trip JSON -> XML -> JSON (a deterministic sample, see SAMPLE_EVERY; HEARTH_XML_ALL=1 runs
 * all of them), hand-written XML with the format's pitfalls, bad XML as a 400 OperationOutcome,
 * content negotiation (`_format`, Accept), XML create/update/transaction, errors in XML, and
 * the endpoint over HTTP (plain fetch for XML; fhir-kit-client for a compartment search).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from 'fhir-kit-client';
import type { Bundle, OperationOutcome, Patient, Resource } from '@medplum/fhirtypes';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { OperationOutcomeError } from '../../../src-main/fhir/outcome-error';
import { handleFhirRequest, type FhirRequest, type FhirResponse } from '../../../src-main/fhir/rest/handler';
import { renderBody } from '../../../src-main/fhir/rest/http-parts';
import { resourceToXml, xmlToResource } from '../../../src-main/fhir/rest/xml';
import { startFhirServer, type FhirServer } from '../../../src-main/transport/fhir-server';
import { examplesDir } from './examples.shared';

const BASE = 'http://127.0.0.1:9/fhir';
const XML = 'application/fhir+xml';
const NS = 'xmlns="http://hl7.org/fhir"';
const XHTML = 'xmlns="http://www.w3.org/1999/xhtml"';
let repo: MemoryRepository;
const call = (request: FhirRequest): Promise<FhirResponse> => handleFhirRequest(repo, request, { baseUrl: BASE });

function refusal(text: string): OperationOutcome {
  try {
    xmlToResource(text);
  } catch (e) {
    if (e instanceof OperationOutcomeError) return e.outcome;
    throw e;
  }
  throw new Error(`accepted: ${text.slice(0, 80)}`);
}

beforeAll(() => {
  repo = new MemoryRepository();
});

/** Every SAMPLE_EVERY-th example file by name (all of them take ~25 s of CPU; docs/fhir-endpoint.md). */
const SAMPLE_EVERY = 10;

describe.skipIf(!existsSync(examplesDir))('JSON -> XML -> JSON round trip of the spec examples', () => {
  it('reads back equal', () => {
    const all = readdirSync(examplesDir)
      .filter((f) => f.endsWith('.json') && f !== 'package.json')
      .sort();
    const files = process.env['HEARTH_XML_ALL'] === '1' ? all : all.filter((_, i) => i % SAMPLE_EVERY === 0);
    expect(files.length).toBeGreaterThan(all.length / SAMPLE_EVERY - 1);
    const failures: string[] = [];
    for (const file of files) {
      const json = JSON.parse(readFileSync(path.join(examplesDir, file), 'utf8')) as Resource;
      const xml = resourceToXml(json);
      let back: Resource | undefined;
      try {
        back = xmlToResource(xml);
      } catch (e) {
        failures.push(`${file}: ${e instanceof OperationOutcomeError ? (e.outcome.issue[0]?.diagnostics ?? '') : String(e)}`);
        continue;
      }
      try {
        expect(back).toEqual(json);
      } catch {
        failures.push(`${file}: differs`);
      }
    }
    expect(failures).toEqual([]);
  });
});
if (!existsSync(examplesDir)) console.warn(`rest-xml: ${examplesDir} is absent; the round trip of the spec examples is skipped`);

describe('hand-written XML (xml.html pitfalls)', () => {
  it('primitives: value attribute, id and extensions as _name, array alignment with nulls', () => {
    const patient = xmlToResource(
      `<?xml version="1.0"?><Patient ${NS}><id value="p1"/><name><given value="A"/>` +
        `<given id="g2"><extension url="http://x.org/e"><valueCode value="c"/></extension></given><given value="C"/></name>` +
        `<birthDate id="b" value="1970-01-01"/><active value="true"/><multipleBirthInteger value="2"/></Patient>`,
    );
    expect(patient).toEqual({
      resourceType: 'Patient',
      id: 'p1',
      name: [{ given: ['A', null, 'C'], _given: [null, { id: 'g2', extension: [{ url: 'http://x.org/e', valueCode: 'c' }] }, null] }],
      birthDate: '1970-01-01',
      _birthDate: { id: 'b' },
      active: true,
      multipleBirthInteger: 2,
    });
    // And back: the extension-only given keeps its place between A and C.
    expect(resourceToXml(patient)).toContain('<given value="A"/><given id="g2"><extension url="http://x.org/e"><valueCode value="c"/></extension></given><given value="C"/>');
  });

  it('attributes keep newlines and quotes; decimals are numbers; choice elements by type; element order on output', () => {
    const observation = xmlToResource(
      `<Observation ${NS}><valueQuantity><value value="1.50"/><unit value="mg"/></valueQuantity>` +
        `<code><text value="line1&#10;&quot;line2&quot;"/></code><status value="final"/></Observation>`,
    );
    expect(observation).toEqual({ resourceType: 'Observation', status: 'final', code: { text: 'line1\n"line2"' }, valueQuantity: { value: 1.5, unit: 'mg' } });
    const xml = resourceToXml(observation);
    // status, code, value[x]: the definition's order, whatever the input order was.
    expect(xml.indexOf('<status')).toBeLessThan(xml.indexOf('<code>'));
    expect(xml.indexOf('<code>')).toBeLessThan(xml.indexOf('<valueQuantity>'));
    expect(xml).toContain('<text value="line1&#10;&quot;line2&quot;"/>');
  });

  it('the narrative div is XHTML copied as written (entities, nesting, attributes)', () => {
    const div = `<div ${XHTML}><p class="x">a &lt; b &amp; c&#160;d</p><div><br/></div></div>`;
    const patient = xmlToResource(`<Patient ${NS}><text><status value="generated"/>${div}</text></Patient>`);
    expect((patient as Patient).text?.div).toBe(div);
    expect(resourceToXml(patient)).toContain(`<text><status value="generated"/>${div}</text>`);
  });

  it('ignores xsi:schemaLocation and comments', () => {
    const xsi = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://hl7.org/fhir ../../schema/patient.xsd"';
    expect(xmlToResource(`<Patient ${NS} ${xsi}><!-- a comment --><active value="true"/></Patient>`)).toEqual({ resourceType: 'Patient', active: true });
  });

  it('contained and Bundle.entry.resource are wrapped; element ids and Extension.url are attributes', () => {
    const bundle = xmlToResource(
      `<Bundle ${NS}><type value="collection"/><entry><resource><Patient><id value="a"/>` +
        `<contained><Organization><id value="o"/><name value="O"/></Organization></contained>` +
        `<extension url="http://x.org/e"><valueString value="v"/></extension>` +
        `<name id="n"><family value="F"/></name><managingOrganization><reference value="#o"/></managingOrganization></Patient></resource></entry></Bundle>`,
    ) as Bundle;
    expect(bundle.entry?.[0]?.resource).toEqual({
      resourceType: 'Patient',
      id: 'a',
      contained: [{ resourceType: 'Organization', id: 'o', name: 'O' }],
      extension: [{ url: 'http://x.org/e', valueString: 'v' }],
      name: [{ id: 'n', family: 'F' }],
      managingOrganization: { reference: '#o' },
    });
  });

  it('refuses bad XML with a structure OperationOutcome naming the problem', () => {
    const cases: Array<[string, string]> = [
      [`<Patient ${NS}><id value="1"></Patient>`, 'not valid FHIR XML'],
      ['<Patient><id value="1"/></Patient>', 'namespace'],
      [`<Patient ${NS}><nickname value="x"/></Patient>`, 'unknown element Patient.nickname'],
      [`<Patient ${NS}><gender>male</gender></Patient>`, 'text content'],
      [`<Patient ${NS}><active value="yes"/></Patient>`, 'boolean'],
      [`<Patient ${NS}><multipleBirthInteger value="1.5"/></Patient>`, 'integer'],
      [`<Patient ${NS}><active value="true"/><active value="false"/></Patient>`, 'more than once'],
      [`<Patient ${NS}><name foo="1"><family value="F"/></name></Patient>`, 'attribute "foo"'],
      [`<Nonsense ${NS}/>`, 'not a resource type'],
      [`<Patient ${NS}><text><status value="generated"/><div><p/></div></text></Patient>`, 'namespace http://www.w3.org/1999/xhtml'],
      [`<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><Patient ${NS}><id value="&lol2;"/></Patient>`, 'DOCTYPE'],
      [`<Bundle ${NS}><entry><resource/></entry></Bundle>`, 'exactly one resource'],
    ];
    for (const [text, expected] of cases) {
      const outcome = refusal(text);
      expect(outcome.issue[0]?.code).toBe('structure');
      expect(outcome.issue[0]?.diagnostics).toContain(expected);
    }
  });
});

describe('XML through the REST handler (http.html#mime-type)', () => {
  it('create, read and update in XML; _format and Accept choose the answer', async () => {
    const created = await call({
      method: 'POST',
      path: '/Patient',
      headers: { 'Content-Type': `${XML}; charset=utf-8`, Accept: XML },
      body: `<Patient ${NS}><name><family value="Curie"/></name></Patient>`,
    });
    expect(created.status).toBe(201);
    expect(created.format).toBe('xml');
    const id = created.body!.id!;
    const rendered = renderBody(created, false)!;
    expect(rendered.contentType).toBe(`${XML}; charset=utf-8`);
    expect(rendered.text).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?><Patient xmlns="http:\/\/hl7\.org\/fhir"><id value="[^"]+"\/><meta>/);

    expect((await call({ method: 'GET', path: `/Patient/${id}`, query: '_format=xml' })).format).toBe('xml');
    expect((await call({ method: 'GET', path: `/Patient/${id}`, query: '_format=json', headers: { Accept: XML } })).format).toBeUndefined();
    expect((await call({ method: 'GET', path: `/Patient/${id}`, headers: { Accept: 'application/fhir+json;q=0.5, application/fhir+xml' } })).format).toBe('xml');
    expect((await call({ method: 'GET', path: `/Patient/${id}`, headers: { Accept: '*/*' } })).format).toBeUndefined();

    const updated = await call({
      method: 'PUT',
      path: `/Patient/${id}`,
      headers: { 'Content-Type': 'application/xml' },
      body: `<Patient ${NS}><id value="${id}"/><active value="true"/></Patient>`,
    });
    expect(updated.status).toBe(200);
    expect((updated.body as Patient).active).toBe(true);
    expect(updated.format).toBeUndefined();
  });

  it('a transaction Bundle in XML, answered in XML', async () => {
    const response = await call({
      method: 'POST',
      path: '/',
      query: '_format=xml',
      headers: { 'Content-Type': XML },
      body:
        `<Bundle ${NS}><type value="transaction"/>` +
        `<entry><fullUrl value="urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a"/><resource><Patient><active value="true"/></Patient></resource>` +
        `<request><method value="POST"/><url value="Patient"/></request></entry>` +
        `<entry><resource><Observation><status value="final"/><code><text value="x"/></code>` +
        `<subject><reference value="urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a"/></subject></Observation></resource>` +
        `<request><method value="POST"/><url value="Observation"/></request></entry></Bundle>`,
    });
    expect(response.status).toBe(200);
    expect(response.format).toBe('xml');
    const bundle = response.body as Bundle;
    expect(bundle.type).toBe('transaction-response');
    expect(bundle.entry?.map((e) => e.response?.status)).toEqual(['201 Created', '201 Created']);
    const observation = bundle.entry?.[1]?.response?.location?.match(/Observation\/[^/]+/)?.[0];
    const read = await call({ method: 'GET', path: `/${observation ?? 'none'}` });
    expect(read.body).toMatchObject({ subject: { reference: expect.stringMatching(/^Patient\//) as unknown } });
    expect(renderBody(response, false)?.text).toContain('<response><status value="201 Created"/>');
  });

  it('errors come back as OperationOutcomes in XML; bad XML is a 400; an unknown format is 406', async () => {
    const missing = await call({ method: 'GET', path: '/Patient/none', query: '_format=xml' });
    expect(missing.status).toBe(404);
    expect(renderBody(missing, false)?.text).toMatch(/<OperationOutcome xmlns="http:\/\/hl7\.org\/fhir"><issue><severity value="error"\/>/);
    const bad = await call({ method: 'POST', path: '/Patient', headers: { 'Content-Type': XML, Accept: XML }, body: '<Patient xmlns="http://hl7.org/fhir"><active value="true"></Patient>' });
    expect(bad.status).toBe(400);
    expect(bad.format).toBe('xml');
    expect(bad.body?.resourceType).toBe('OperationOutcome');
    expect((await call({ method: 'POST', path: '/Patient', headers: { 'Content-Type': XML }, body: '' })).status).toBe(400);
    expect((await call({ method: 'GET', path: '/Patient', query: '_format=text/plain' })).status).toBe(406);
    expect((await call({ method: 'GET', path: '/Patient', headers: { Accept: 'text/html' } })).status).toBe(406);
  });
});

describe('the endpoint over HTTP', () => {
  let server: FhirServer;
  beforeAll(async () => {
    server = await startFhirServer({ repo, warmCapabilities: false });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('serves XML with its content type and takes XML bodies (CapabilityStatement.format: rest-compartments.test.ts)', async () => {
    const auth = { Authorization: `Bearer ${server.token}` };
    const created = await fetch(`${server.baseUrl}/Patient`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': XML, Accept: XML },
      body: `<Patient ${NS}><gender value="female"/></Patient>`,
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('content-type')).toBe(`${XML}; charset=utf-8`);
    const text = await created.text();
    expect(xmlToResource(text)).toMatchObject({ resourceType: 'Patient', gender: 'female' });
    const bad = await fetch(`${server.baseUrl}/Patient?_format=xml`, { method: 'POST', headers: { ...auth, 'Content-Type': XML }, body: '<oops' });
    expect(bad.status).toBe(400);
    expect(xmlToResource(await bad.text()).resourceType).toBe('OperationOutcome');
  });

  it('compartment search through fhir-kit-client', async () => {
    await repo.update({ resourceType: 'Encounter', id: 'enc-x', status: 'finished', class: { code: 'AMB' } });
    await repo.update({ resourceType: 'Observation', id: 'obs-x', status: 'final', code: { text: 'x' }, encounter: { reference: 'Encounter/enc-x' } });
    const client = new Client({ baseUrl: server.baseUrl, bearerToken: server.token });
    const bundle = (await client.compartmentSearch({ resourceType: 'Observation', compartment: { resourceType: 'Encounter', id: 'enc-x' } })) as Resource as Bundle;
    expect(bundle.entry?.map((e) => e.resource?.id)).toEqual(['obs-x']);
  });
});
