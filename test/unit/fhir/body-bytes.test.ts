/**
 * Body templates as UTF-8 (fhir/body-bytes.ts): the body built as bytes from a template that crossed
 * as columns (the write-prep worker's path) is exactly the UTF-8 of the body text the string path
 * builds, for text with non-ASCII characters, surrogate pairs, escapes and a lone surrogate (which
 * JSON.stringify escapes, so no part holds one).
 */
import { describe, expect, it } from 'vitest';
import type { Resource } from '@medplum/fhirtypes';
import { fillBodyBytes, fillBodyText, isTemplateBytes, TemplatePacker, unpackTemplate } from '../../../src-main/fhir/body-bytes';
import { preparedColumns, preparedFromColumns } from '../../../src-main/fhir/prepared-columns';
import { fillBody, prepareWrite, type PrepareInput } from '../../../src-main/fhir/write-prep';

const encoder = new TextEncoder();

const resources: Resource[] = [
  { resourceType: 'Patient', id: 'ascii', gender: 'female', name: [{ family: 'Smith', given: ['Ann'] }] },
  { resourceType: 'Patient', id: 'accents', name: [{ family: 'Müller-Lüdenscheidt', given: ['Zoë', 'Ærøskøbing', 'Ñandú'] }] },
  { resourceType: 'Patient', id: 'scripts', name: [{ text: '王小明 · Иван · محمد · 𠮷野家' }] },
  { resourceType: 'Patient', id: 'emoji', name: [{ text: 'smile 😀 family 👨‍👩‍👧 flag 🇳🇿' }] },
  { resourceType: 'Patient', id: 'escapes', name: [{ text: 'quote " backslash \\ tab \t newline \n ls \u2028' }] },
  { resourceType: 'Patient', id: 'lone', name: [{ text: 'lone high \ud800 and low \udc00' }] },
  { resourceType: 'Patient', id: 'meta-kept', meta: { tag: [{ code: 'ţag €' }], versionId: 'client', lastUpdated: '2000-01-01T00:00:00Z' }, gender: 'other' },
];

describe('body bytes', () => {
  it('are the UTF-8 of the string path’s body, from either template form', () => {
    // With the resource text (the worker's templateFromText) and without (stringified parts).
    const inputs: PrepareInput[] = resources.flatMap((resource) => [
      { resource, kind: 'update' as const, id: resource.id! },
      { resource, kind: 'update' as const, id: resource.id!, text: JSON.stringify(resource) },
    ]);
    const here = inputs.map((input) => prepareWrite(input, false));
    const crossed = preparedFromColumns(structuredClone(preparedColumns(here)));
    here.forEach((write, i) => {
      const template = write.template!;
      const bytesTemplate = crossed[i]!.template!;
      expect(isTemplateBytes(bytesTemplate)).toBe(true);
      for (const [version, instant] of [[1, '2026-11-29T04:00:00.000Z'], [1234567, '2026-11-29T04:00:00.123+13:00']] as const) {
        const text = fillBody(template, version, instant);
        const expected = encoder.encode(text);
        expect(fillBodyBytes(bytesTemplate, version, instant)).toStrictEqual(expected);
        expect(fillBodyBytes(template, version, instant)).toStrictEqual(expected);
        expect(fillBodyText(bytesTemplate, version, instant)).toBe(text);
        expect((JSON.parse(text) as Resource).meta?.versionId).toBe(String(version));
      }
    });
  });

  it('pack past the packer’s first buffer and give back each template', () => {
    const packer = new TemplatePacker(16);
    const templates = resources.map((resource) => prepareWrite({ resource, kind: 'create', id: resource.id! }, false).template!);
    const bounds = templates.map((template) => packer.add(template));
    // A bytes template packs as itself.
    const again = packer.add(unpackTemplate(packer.result(), ...bounds[3]!));
    const bytes = packer.result();
    const decoder = new TextDecoder();
    templates.forEach((template, i) => {
      const back = unpackTemplate(bytes, ...bounds[i]!);
      expect({ head: decoder.decode(back.head), tail: decoder.decode(back.tail) }).toEqual({ head: template.head, tail: template.tail });
    });
    expect(fillBodyBytes(unpackTemplate(bytes, ...again), 2, 'x')).toStrictEqual(fillBodyBytes(templates[3]!, 2, 'x'));
  });
});
