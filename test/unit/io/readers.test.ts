import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleEntryLines, findJsonSyntaxError } from '../../../src-main/io/json-lines';
import { parseSourceText, readSource } from '../../../src-main/io/readers';
import { fixture } from './paths';

describe('bundleEntryLines', () => {
  it('finds the line where each Bundle.entry element starts', () => {
    const text = [
      '{',
      '  "resourceType": "Bundle", "note": "entry", "link": [{"url": "x"}],',
      '  "entry": [ { "resource": { "entry": [1, 2], "text": "a \\" \\\\ { [ , \\"entry\\": [" } },',
      '',
      '    {',
      '      "resource": {}',
      '    }, {"x": ["entry", {"entry": []}]},',
      '    {}',
      '  ],',
      '  "after": [ {}, {} ]',
      '}',
    ].join('\n');
    JSON.parse(text);
    expect(bundleEntryLines(text)).toEqual([3, 5, 7, 8]);
  });

  it('handles an empty entry array and a Bundle without one', () => {
    expect(bundleEntryLines('{"entry": []}')).toEqual([]);
    expect(bundleEntryLines('{"resourceType": "Bundle"}')).toEqual([]);
  });

  it('names the line of a syntax error without quoting the text', () => {
    const problem = findJsonSyntaxError('{\n  "a": 1\n  "secret-name": 2\n}');
    expect(problem).toEqual({ line: 3, message: "expected ',' or '}'" });
    expect(findJsonSyntaxError('{"a": "unterminated').message).toBe('unterminated string');
    expect(findJsonSyntaxError('{"a": tru}').line).toBe(1);
  });
});

describe('readSource', () => {
  it('reads a transaction Bundle with entry lines and requests', async () => {
    const file = await readSource({ kind: 'path', path: fixture('transaction-small.json') });
    expect(file.problem).toBeUndefined();
    expect(file.format).toBe('bundle');
    expect(file.bundleType).toBe('transaction');
    expect(file.records.map((r) => [r.line, r.entryIndex])).toEqual([
      [5, 0],
      [16, 1],
      [26, 2],
      [38, 3],
    ]);
    expect(file.records[3]?.request).toEqual({ method: 'PUT', url: 'Organization/org-1' });
  });

  it('reads NDJSON line by line; a bad line is a record error and the rest still reads', async () => {
    const file = await readSource({ kind: 'path', path: fixture('observations.ndjson') });
    expect(file.format).toBe('ndjson');
    expect(file.records.map((r) => r.line)).toEqual([1, 2, 5, 6]);
    expect(file.errors).toHaveLength(1);
    expect(file.errors[0]).toMatchObject({ line: 3, message: 'Not valid JSON: unexpected end of input' });
    expect(file.errors[0]?.outcome.resourceType).toBe('OperationOutcome');
  });

  it('reads a single resource', async () => {
    const file = await readSource({ kind: 'path', path: fixture('patient.json') });
    expect(file.format).toBe('resource');
    expect(file.records).toHaveLength(1);
    expect(file.records[0]?.line).toBe(1);
  });

  it('gives one file-level problem for files that are not FHIR', async () => {
    expect((await readSource({ kind: 'path', path: fixture('not-fhir.hl7') })).problem).toContain('not a FHIR JSON or NDJSON file');
    // A JSON object without resourceType (a package.json) is skipped with a notice, not a problem.
    const noType = await readSource({ kind: 'path', path: fixture('no-resource-type.json') });
    expect(noType.problem).toBeUndefined();
    expect(noType.notice).toBe('not a FHIR resource (a JSON object with no resourceType), skipped');
    expect(noType.records).toEqual([]);
    expect((await readSource({ kind: 'path', path: fixture('broken.json') })).problem).toBe(
      "not valid JSON (line 4: expected ',' or '}')",
    );
    expect((await readSource({ kind: 'path', path: fixture('does-not-exist.json') })).problem).toBe('file not found');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-io-'));
    const binary = path.join(dir, 'image.png');
    await writeFile(binary, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]));
    expect((await readSource({ kind: 'path', path: binary })).problem).toContain('binary');
    expect(parseSourceText('x.json', '   \n').problem).toBe('empty file');
    expect(parseSourceText('x.json', '[{"resourceType":"Patient"}]').problem).toContain('does not start with');
  });

  it('reads text sources under the name given', () => {
    const file = parseSourceText('dropped.ndjson', '{"resourceType":"Patient","id":"a"}\n{"resourceType":"Patient","id":"b"}\n');
    expect(file.file).toBe('dropped.ndjson');
    expect(file.records.map((r) => r.line)).toEqual([1, 2]);
  });
});
