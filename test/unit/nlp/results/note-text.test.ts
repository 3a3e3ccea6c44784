import { describe, expect, it } from 'vitest';
import type { Binary, DocumentReference } from '@medplum/fhirtypes';
import { charsetOf, readNoteText, textHash } from '../../../../src-main/nlp/results/note-text';

function doc(...attachments: Array<Record<string, string>>): DocumentReference {
  return { resourceType: 'DocumentReference', status: 'current', content: attachments.map((attachment) => ({ attachment })) };
}

const b64 = (bytes: Buffer) => bytes.toString('base64');
const binaries = new Map<string, Binary>([['b1', { resourceType: 'Binary', contentType: 'text/plain', data: b64(Buffer.from('From a Binary.', 'utf8')) }]]);
const readBinary = async (id: string) => binaries.get(id);

describe('readNoteText', () => {
  it('decodes inline data with the charset of its content type', async () => {
    const latin1 = await readNoteText(doc({ contentType: 'text/plain; charset=ISO-8859-1', data: b64(Buffer.from('Caf\xe9', 'latin1')) }), readBinary);
    expect(latin1).toEqual({ ok: true, text: 'Café', ref: 'content[0]', textHash: textHash('Café') });
    const utf16 = await readNoteText(doc({ contentType: 'text/plain;charset="utf-16le"', data: b64(Buffer.from('é ok', 'utf16le')) }), readBinary);
    expect(utf16).toMatchObject({ ok: true, text: 'é ok' });
    // No content type: UTF-8.
    expect(await readNoteText(doc({ data: b64(Buffer.from('naïve', 'utf8')) }), readBinary)).toMatchObject({ ok: true, text: 'naïve' });
  });

  it('skips attachments that are not plain text and follows a Binary url', async () => {
    const result = await readNoteText(doc({ contentType: 'application/pdf', data: 'JVBERi0=' }, { contentType: 'text/plain', url: 'http://localhost/fhir/Binary/b1' }), readBinary);
    expect(result).toMatchObject({ ok: true, text: 'From a Binary.', ref: 'Binary/b1' });
  });

  it('says why there is no text, without content', async () => {
    expect(await readNoteText(doc({ contentType: 'text/plain', url: 'Binary/missing' }), readBinary)).toEqual({ ok: false, problem: 'Binary/missing does not exist' });
    expect(await readNoteText(doc({ contentType: 'text/plain; charset=x-klingon', data: 'AAAA' }), readBinary)).toEqual({ ok: false, problem: 'content[0]: unsupported charset x-klingon' });
    expect(await readNoteText(doc({ contentType: 'text/plain', data: b64(Buffer.from([0xff, 0xfe, 0xc3])) }), readBinary)).toEqual({ ok: false, problem: 'content[0]: the text is not valid utf-8' });
    expect(await readNoteText(doc({ contentType: 'text/html', data: 'PGI+' }), readBinary)).toMatchObject({ ok: false, problem: expect.stringContaining('no text/plain') });
  });

  it('reads the charset parameter', () => {
    expect(charsetOf('text/plain; charset=UTF-8')).toBe('utf-8');
    expect(charsetOf('text/plain')).toBe('utf-8');
    expect(charsetOf(undefined)).toBe('utf-8');
  });
});
