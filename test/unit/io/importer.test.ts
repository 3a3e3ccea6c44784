import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Basic, Encounter, Observation, Patient } from '@medplum/fhirtypes';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { runImport, type ImportProgressSnapshot } from '../../../src-main/io/importer';
import { ndjsonLines } from '../../../src-main/io/ndjson-stream';
import { fixture, syntheaDir } from './paths';

const path_ = (name: string) => ({ kind: 'path' as const, path: fixture(name) });

describe('runImport over the memory repository', () => {
  it('imports a transaction Bundle, assigning ids and rewriting urn:uuid references', async () => {
    const repo = new MemoryRepository();
    const result = await runImport({ repository: repo, sources: [path_('transaction-small.json')] });
    expect(result).toMatchObject({ created: 4, updated: 0, unchanged: 0, failed: 0, cancelled: false, errors: [] });
    expect(result.files).toEqual([{ file: fixture('transaction-small.json'), records: 4, created: 4, updated: 0, unchanged: 0, failed: 0 }]);
    const observation = (await repo.list('Observation', { offset: 0, count: 10 })).resources[0] as Observation;
    const patientRef = observation.subject?.reference ?? '';
    expect(patientRef).toMatch(/^Patient\/[0-9a-f-]{36}$/);
    expect(patientRef).not.toContain('5b1c7a3e');
    const patient = (await repo.read('Patient', patientRef.split('/')[1]!)) as Patient;
    expect(patient.name?.[0]?.family).toBe('Testperson');
    const encounter = (await repo.read('Encounter', observation.encounter!.reference!.split('/')[1]!)) as Encounter;
    expect(encounter.subject?.reference).toBe(patientRef);
    expect((await repo.read('Organization', 'org-1')).meta?.versionId).toBe('1');

    // POST entries create again; the PUT of identical content makes no new version.
    const again = await runImport({ repository: repo, sources: [path_('transaction-small.json')] });
    expect(again).toMatchObject({ created: 3, unchanged: 1, failed: 0 });
    expect((await repo.read('Organization', 'org-1')).meta?.versionId).toBe('1');
  });

  it('stores nothing from a transaction with bad entries and lists every bad entry with its line', async () => {
    const repo = new MemoryRepository();
    const result = await runImport({ repository: repo, sources: [path_('transaction-bad.json')] });
    expect(result).toMatchObject({ created: 0, failed: 3 });
    expect(result.errors.map((e) => [e.line, e.entryIndex, e.resourceType])).toEqual([
      [10, 1, 'Patinet'],
      [14, 2, 'Patient'],
    ]);
    expect(result.errors[0]?.message).toContain('Unknown resource type "Patinet"');
    expect(result.errors[1]?.outcome.issue[0]?.expression).toEqual(['Patient.id']);
    expect(await repo.counts()).toEqual([]);
  });

  it('imports the good entries of a batch and reports the bad ones', async () => {
    const repo = new MemoryRepository();
    const result = await runImport({ repository: repo, sources: [path_('batch-mixed.json')] });
    // The GET entry runs (bundle.html#batch) and counts as read, not as a failure.
    expect(result).toMatchObject({ created: 2, failed: 1, read: 1 });
    expect(result.errors.map((e) => e.line)).toEqual([9]);
    expect(await repo.counts()).toEqual([
      { resourceType: 'Patient', count: 1 },
      { resourceType: 'Practitioner', count: 1 },
    ]);
  });

  it('honours ifNoneExist when the minimal search can evaluate it', async () => {
    const repo = new MemoryRepository();
    await repo.update({ resourceType: 'Practitioner', id: 'doc-1', name: [{ family: 'Known' }] });
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:33333333-3333-4333-8333-333333333333',
          resource: { resourceType: 'Practitioner', name: [{ family: 'Known' }] },
          request: { method: 'POST', url: 'Practitioner', ifNoneExist: '_id=doc-1' },
        },
        {
          resource: {
            resourceType: 'Encounter',
            status: 'finished',
            class: { code: 'AMB' },
            participant: [{ individual: { reference: 'urn:uuid:33333333-3333-4333-8333-333333333333' } }],
          },
          request: { method: 'POST', url: 'Encounter' },
        },
      ],
    };
    const result = await runImport({ repository: repo, sources: [{ kind: 'text', name: 'cond.json', text: JSON.stringify(bundle, null, 2) }] });
    expect(result).toMatchObject({ created: 1, unchanged: 1, failed: 0 });
    const encounter = (await repo.list('Encounter', { offset: 0, count: 1 })).resources[0] as Encounter;
    expect(encounter.participant?.[0]?.individual?.reference).toBe('Practitioner/doc-1');
    expect((await repo.counts()).find((c) => c.resourceType === 'Practitioner')?.count).toBe(1);
  });

  it('imports collection Bundles, NDJSON and single resources; bad records do not stop good ones', async () => {
    const repo = new MemoryRepository();
    const result = await runImport({
      repository: repo,
      sources: [path_('collection.json'), path_('observations.ndjson'), path_('patient.json'), path_('not-fhir.hl7')],
    });
    expect(result.files.map((f) => [f.records, f.created, f.failed, f.problem])).toEqual([
      [2, 2, 0, undefined],
      [5, 3, 2, undefined],
      [1, 1, 0, undefined],
      [0, 0, 0, 'not a FHIR JSON or NDJSON file (does not start with "{")'],
    ]);
    expect(result.errors.map((e) => `${path.basename(e.file)}:${e.line}`)).toEqual(['observations.ndjson:3', 'observations.ndjson:5']);
    expect(await repo.counts()).toEqual([
      { resourceType: 'Condition', count: 1 },
      { resourceType: 'Observation', count: 3 },
      { resourceType: 'Patient', count: 2 },
    ]);
    const again = await runImport({ repository: repo, sources: [path_('observations.ndjson')] });
    expect(again).toMatchObject({ created: 0, unchanged: 3, failed: 2 });
  });

  it('stores the resources of document and searchset Bundles, their urn:uuid references rewritten (issue 4 §2)', async () => {
    const repo = new MemoryRepository();
    const patientUrl = 'urn:uuid:0b6f1a4e-2f4c-4f1e-9a53-5c1d7c1f0a01';
    const document = {
      resourceType: 'Bundle',
      type: 'document',
      identifier: { system: 'urn:ietf:rfc:3986', value: 'urn:uuid:0b6f1a4e-2f4c-4f1e-9a53-5c1d7c1f0a09' },
      timestamp: '2024-01-02T03:04:05Z',
      entry: [
        {
          fullUrl: 'urn:uuid:0b6f1a4e-2f4c-4f1e-9a53-5c1d7c1f0a02',
          resource: { resourceType: 'Composition', status: 'final', type: { text: 'Discharge summary' }, date: '2024-01-02', title: 'Discharge', author: [{ display: 'Dr A' }], subject: { reference: patientUrl } },
        },
        { fullUrl: patientUrl, resource: { resourceType: 'Patient', name: [{ family: 'Doc' }] } },
      ],
    };
    const searchset = {
      resourceType: 'Bundle',
      type: 'searchset',
      total: 1,
      entry: [
        { fullUrl: 'http://elsewhere.example/fhir/Patient/ss-1', resource: { resourceType: 'Patient', id: 'ss-1' }, search: { mode: 'match' } },
        { fullUrl: 'http://elsewhere.example/fhir/Organization/ss-org', resource: { resourceType: 'Organization', id: 'ss-org', name: 'O' }, search: { mode: 'include' } },
      ],
    };
    const result = await runImport({
      repository: repo,
      sources: [
        { kind: 'text', name: 'document.json', text: JSON.stringify(document) },
        { kind: 'text', name: 'searchset.json', text: JSON.stringify(searchset) },
      ],
    });
    expect(result).toMatchObject({ created: 4, failed: 0 });
    expect(result.errors).toEqual([]);
    const composition = (await repo.search('Composition', [])).entry?.[0]?.resource as { subject?: { reference?: string } };
    const patientId = composition.subject?.reference?.replace(/^Patient\//, '') ?? '';
    expect(composition.subject?.reference).toMatch(/^Patient\/[0-9a-f-]{36}$/);
    expect(await repo.read('Patient', patientId)).toMatchObject({ name: [{ family: 'Doc' }] });
    expect(await repo.read('Patient', 'ss-1')).toBeTruthy();
    expect(await repo.read('Organization', 'ss-org')).toMatchObject({ name: 'O' });
  });

  it('skips the resource-less entries of a response Bundle (nothing to import, no error); other Bundles still report them', async () => {
    const repo = new MemoryRepository();
    const response = {
      resourceType: 'Bundle',
      type: 'batch-response',
      entry: [
        { response: { status: '200 OK' } },
        { resource: { resourceType: 'Patient', id: 'in-response' }, response: { status: '201 Created' } },
        { response: { status: '204 No Content' } },
      ],
    };
    const result = await runImport({ repository: repo, sources: [{ kind: 'text', name: 'response.json', text: JSON.stringify(response) }] });
    expect(result.errors).toEqual([]);
    expect(result).toMatchObject({ created: 1, failed: 0 });
    expect(await repo.read('Patient', 'in-response')).toBeTruthy();
    // A collection entry without a resource is still an error (it should have carried one).
    const collection = await runImport({
      repository: repo,
      sources: [{ kind: 'text', name: 'collection.json', text: JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl: 'urn:uuid:x' }] }) }],
    });
    expect(collection.errors.map((e) => e.message)).toEqual(['Bundle entry has no resource']);
  });

  it('stops between chunks when cancelled; what was committed stays, and a re-run resumes (skips it, no new version)', async () => {
    const repo = new MemoryRepository();
    const lines = Array.from({ length: 50 }, (_, i) => JSON.stringify({ resourceType: 'Basic', id: `b${i}`, code: { text: 'x' } }));
    const controller = new AbortController();
    const seen: number[] = [];
    const result = await runImport({
      repository: repo,
      sources: [{ kind: 'text', name: 'many.ndjson', text: lines.join('\n') }],
      chunkSize: 10,
      signal: controller.signal,
      onProgress: (p) => {
        seen.push(p.recordsDone);
        if (p.recordsDone >= 20) controller.abort();
      },
    });
    expect(result.cancelled).toBe(true);
    expect(result.created).toBe(20);
    expect(seen).toEqual([10, 20]);
    expect(await repo.counts()).toEqual([{ resourceType: 'Basic', count: 20 }]);
    // Re-running the interrupted import resumes: what is in is skipped (no new version), the rest is created.
    const rerun = await runImport({ repository: repo, sources: [{ kind: 'text', name: 'many.ndjson', text: lines.join('\n') }], chunkSize: 10 });
    expect(rerun).toMatchObject({ cancelled: false, created: 30, unchanged: 20, updated: 0, failed: 0 });
    expect(await repo.counts()).toEqual([{ resourceType: 'Basic', count: 50 }]);
    expect((await repo.read('Basic', 'b0')).meta?.versionId).toBe('1');
  });

  it.skipIf(!existsSync(syntheaDir))('imports a Synthea transaction bundle with every reference resolved', async () => {
    const name = readdirSync(syntheaDir).filter((f) => f.endsWith('.json')).sort()[0]!;
    const file = path.join(syntheaDir, name);
    const entries = (JSON.parse(readFileSync(file, 'utf8')) as { entry: unknown[] }).entry.length;
    const repo = new MemoryRepository();
    const result = await runImport({ repository: repo, sources: [{ kind: 'path', path: file }] });
    expect(result).toMatchObject({ created: entries, failed: 0 });
    const total = (await repo.counts()).reduce((sum, c) => sum + c.count, 0);
    expect(total).toBe(entries);
    const observations = await repo.list('Observation', { offset: 0, count: 200 });
    for (const o of observations.resources as Observation[]) {
      const ref = o.subject?.reference ?? '';
      expect(ref).toMatch(/^Patient\//);
      await expect(repo.read('Patient', ref.slice('Patient/'.length))).resolves.toBeTruthy();
    }
  });
});

describe('runImport streaming NDJSON files', () => {
  it('streams a large NDJSON file in chunks with exact line numbers (CRLF too) and full byte progress', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-ndjson-'));
    try {
      const lines = Array.from({ length: 1203 }, (_, i) => JSON.stringify({ resourceType: 'Basic', id: `s${i}`, code: { text: 'x' } }));
      lines[700] = '{"resourceType":"Basic","id":';
      lines[1001] = JSON.stringify({ resourceType: 'Basic', id: 'no good' });
      lines.splice(5, 0, '');
      const file = path.join(dir, 'big.ndjson');
      await writeFile(file, `${lines.join('\r\n')}\r\n`);
      const repo = new MemoryRepository();
      const progress: ImportProgressSnapshot[] = [];
      const result = await runImport({ repository: repo, sources: [{ kind: 'path', path: file }], chunkSize: 500, onProgress: (p) => progress.push(p) });
      expect(result).toMatchObject({ created: 1201, failed: 2, cancelled: false });
      expect(result.files).toEqual([{ file, records: 1203, created: 1201, updated: 0, unchanged: 0, failed: 2 }]);
      // Line numbers count the blank line inserted at line 6.
      expect(result.errors.map((e) => [e.line, e.message])).toEqual([
        [702, 'Not valid JSON: unexpected end of input'],
        [1003, 'Invalid id: 1 to 64 characters of A-Z, a-z, 0-9, "-" and "." (at Basic.id)'],
      ]);
      expect(progress.map((p) => p.recordsDone)).toEqual([500, 1000, 1203]);
      expect(progress.slice(0, -1).every((p) => !p.allFilesRead)).toBe(true);
      const last = progress.at(-1)!;
      expect(last).toMatchObject({ allFilesRead: true, recordsKnown: 1203 });
      expect(last.bytesDone).toBe(last.bytesTotal);
      expect(await repo.counts()).toEqual([{ resourceType: 'Basic', count: 1201 }]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('ends a chunk of large lines at chunkChars, not only at chunkSize', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-ndjson-'));
    try {
      // 10 lines of about 3,000 characters: chunks of at most 10,000 characters hold 4 lines (the one that reaches the bound included).
      const lines = Array.from({ length: 10 }, (_, i) => JSON.stringify({ resourceType: 'Basic', id: `l${i}`, code: { text: 'x'.repeat(3000) } }));
      const file = path.join(dir, 'large.ndjson');
      await writeFile(file, lines.join('\n'));
      const repo = new MemoryRepository();
      const done: number[] = [];
      const result = await runImport({ repository: repo, sources: [{ kind: 'path', path: file }], chunkChars: 10_000, onProgress: (p) => done.push(p.recordsDone) });
      expect(result).toMatchObject({ created: 10, failed: 0 });
      expect(done).toEqual([4, 8, 10]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('streams an .ndjson file whose first line is longer than the sniffed head (256 KiB)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-ndjson-'));
    try {
      const lines = Array.from({ length: 3 }, (_, i) => JSON.stringify({ resourceType: 'Basic', id: `w${i}`, code: { text: 'x'.repeat(300_000) } }));
      const file = path.join(dir, 'wide.ndjson');
      await writeFile(file, `${lines.join('\n')}\n`);
      const result = await runImport({ repository: new MemoryRepository(), sources: [{ kind: 'path', path: file }] });
      expect(result).toMatchObject({ created: 3, failed: 0 });
      expect(result.files[0]?.problem).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('decodes UTF-8 as readline does: a character split across two reads, a broken one before an ASCII read', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-ndjson-'));
    try {
      const file = path.join(dir, 'utf8.ndjson');
      const MiB = 1024 * 1024;
      // Read 1 ends inside "é"; read 2 ends with the first two bytes of "€" (a broken character), and
      // read 3, ASCII only, follows it; the file ends inside another "€".
      const euro = Buffer.from('€');
      const bytes = Buffer.concat([
        Buffer.from('a'.repeat(MiB - 1)),
        Buffer.from('é\n'),
        Buffer.from('b'.repeat(MiB - 4)),
        euro.subarray(0, 2),
        Buffer.from(`c\n${'d'.repeat(MiB - 3)}\n`),
        Buffer.from('{"x":"ü"}\nlast '),
        euro.subarray(0, 1),
      ]);
      await writeFile(file, bytes);
      const expected: string[] = [];
      for await (const line of createInterface({ input: createReadStream(file, { encoding: 'utf8', highWaterMark: MiB }), crlfDelay: Infinity })) expected.push(line);
      const got: string[] = [];
      for await (const { line, text } of ndjsonLines(file)) {
        expect(line).toBe(got.length + 1);
        got.push(text);
      }
      expect(got.map((t) => t.slice(-3))).toEqual(['aaé', 'b\ufffdc', 'ddd', 'ü"}', 't \ufffd']);
      expect(got).toEqual(expected);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('splits lines as readline does, a CRLF across two 1 MiB reads included', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-ndjson-'));
    try {
      const file = path.join(dir, 'breaks.ndjson');
      // The CR is the last byte of the first 1 MiB read, its LF the first of the second.
      const first = 'a'.repeat(1024 * 1024 - 1);
      await writeFile(file, `${first}\r\nsecond\n\nfourth\rfifth\r\nlast`);
      const got: Array<[number, string]> = [];
      for await (const { line, text } of ndjsonLines(file)) got.push([line, text.length > 20 ? `${text.length} chars` : text]);
      expect(got).toEqual([
        [1, `${first.length} chars`],
        [2, 'second'],
        [3, ''],
        [4, 'fourth'],
        [5, 'fifth'],
        [6, 'last'],
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stops a streamed file between chunks when cancelled', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-ndjson-'));
    try {
      const file = path.join(dir, 'cancel.ndjson');
      await writeFile(file, Array.from({ length: 100 }, (_, i) => JSON.stringify({ resourceType: 'Basic', id: `c${i}`, code: { text: 'x' } })).join('\n'));
      const repo = new MemoryRepository();
      const controller = new AbortController();
      const result = await runImport({
        repository: repo,
        sources: [{ kind: 'path', path: file }, path_('patient.json')],
        chunkSize: 30,
        signal: controller.signal,
        onProgress: () => controller.abort(),
      });
      expect(result).toMatchObject({ created: 30, cancelled: true });
      expect(result.files).toHaveLength(1);
      expect(await repo.counts()).toEqual([{ resourceType: 'Basic', count: 30 }]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('runImport pipelined chunks', () => {
  it('stores chunks of MIN_PIPELINED_BATCH or more one ahead: in order, and a cancel stores at most the chunk in flight', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-ndjson-'));
    try {
      const file = path.join(dir, 'pipelined.ndjson');
      const lines = Array.from({ length: 400 }, (_, i) => JSON.stringify({ resourceType: 'Basic', id: `b${i % 300}`, code: { text: `v${i}` } }));
      lines[250] = '{ not json';
      await writeFile(file, lines.join('\n'));
      const repo = new MemoryRepository();
      const full = await runImport({ repository: repo, sources: [{ kind: 'path', path: file }], chunkSize: 100 });
      // b0..b99 are written again by the last chunk: it committed after the first.
      expect(full).toMatchObject({ created: 299, updated: 100, failed: 1, cancelled: false });
      expect(full.errors.map((e) => e.line)).toEqual([251]);
      expect(((await repo.read('Basic', 'b5')) as Basic).code?.text).toBe('v305');

      const cancelled = new MemoryRepository();
      const controller = new AbortController();
      const result = await runImport({ repository: cancelled, sources: [{ kind: 'path', path: file }], chunkSize: 100, signal: controller.signal, onProgress: () => controller.abort() });
      expect(result.cancelled).toBe(true);
      expect([100, 200]).toContain(result.created);
      expect(await cancelled.counts()).toEqual([{ resourceType: 'Basic', count: result.created }]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('runImport Bundle details', () => {
  it('rewrites relative references to POSTed entries with absolute fullUrls', async () => {
    const repo = new MemoryRepository();
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'http://example.org/fhir/Patient/abc',
          resource: { resourceType: 'Patient', id: 'abc' },
          request: { method: 'POST', url: 'Patient' },
        },
        {
          resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/abc' } },
          request: { method: 'POST', url: 'Observation' },
        },
      ],
    };
    await runImport({ repository: repo, sources: [{ kind: 'text', name: 't.json', text: JSON.stringify(bundle) }] });
    const patient = (await repo.list('Patient', { offset: 0, count: 1 })).resources[0]!;
    expect(patient.id).not.toBe('abc');
    const observation = (await repo.list('Observation', { offset: 0, count: 1 })).resources[0] as Observation;
    expect(observation.subject?.reference).toBe(`Patient/${patient.id}`);
  });

  it('replays a history Bundle oldest first, deletions included', async () => {
    const repo = new MemoryRepository();
    const history = {
      resourceType: 'Bundle',
      type: 'history',
      entry: [
        { request: { method: 'DELETE', url: 'Patient/h1' } },
        { resource: { resourceType: 'Patient', id: 'h1', gender: 'male' }, request: { method: 'PUT', url: 'Patient/h1' } },
        { resource: { resourceType: 'Patient', id: 'h1', gender: 'female' }, request: { method: 'POST', url: 'Patient' } },
      ],
    };
    const result = await runImport({ repository: repo, sources: [{ kind: 'text', name: 'h.json', text: JSON.stringify(history) }] });
    expect(result).toMatchObject({ created: 1, updated: 2, failed: 0 });
    const versions = await repo.history('Patient', 'h1');
    expect(versions.entry?.map((e) => e.request?.method)).toEqual(['DELETE', 'PUT', 'PUT']);
    expect((versions.entry?.[1]?.resource as Patient).gender).toBe('male');
  });
});

describe('runImport conditional creates in a batch', () => {
  it('fails only the entries whose ifNoneExist matches several resources or is malformed', async () => {
    const repo = new MemoryRepository();
    await repo.update({ resourceType: 'Practitioner', id: 'd1' });
    await repo.update({ resourceType: 'Practitioner', id: 'd2' });
    const post = (ifNoneExist: string) => ({
      resource: { resourceType: 'Practitioner' },
      request: { method: 'POST', url: 'Practitioner', ifNoneExist },
    });
    const bundle = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [post('_id=d1,d2'), post('_lastUpdated=yesterday'), post('_id=d1'), post('_id=zzz')],
    };
    const result = await runImport({
      repository: repo,
      sources: [{ kind: 'text', name: 'cond.json', text: JSON.stringify(bundle, null, 1) }],
    });
    expect(result).toMatchObject({ created: 1, unchanged: 1, failed: 2 });
    expect(result.files[0]).toMatchObject({ records: 4, created: 1, unchanged: 1, failed: 2 });
    expect(result.errors.map((e) => [e.entryIndex, e.message])).toEqual([
      [0, 'Conditional create: several Practitioner resources match the criteria'],
      [1, '_lastUpdated: "yesterday" is not a FHIR date or instant (at _lastUpdated)'],
    ]);
    expect((await repo.counts())[0]).toEqual({ resourceType: 'Practitioner', count: 3 });
  });
});
