/**
 * The text of a clinical note held by a DocumentReference (https://hl7.org/fhir/R4/documentreference.html):
 * the first `content.attachment` with a plain-text type (text/plain, or no type), read from its
 * inline base64 `data` (datatypes.html#Attachment) or from the `Binary/<id>` its `url` names
 * (binary.html), decoded with the charset its contentType states (UTF-8 when none).
 */
import { createHash } from 'node:crypto';
import { TextDecoder } from 'node:util';
import type { Attachment, Binary, DocumentReference } from '@medplum/fhirtypes';

export type NoteText = { ok: true; text: string; ref: string; textHash: string } | { ok: false; problem: string };

/** Reads a Binary of the store; undefined when it does not exist. */
export type BinaryReader = (id: string) => Promise<Binary | undefined>;

/** Notes above this size are not analysed (the engine is linear, but a 50 MB "note" is an attachment, not a note). */
export const MAX_NOTE_CHARS = 2_000_000;

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/** `text/plain; charset=ISO-8859-1` → `iso-8859-1`; default utf-8 (rfc 2046 says us-ascii, a subset). */
export function charsetOf(contentType: string | undefined): string {
  const m = /;\s*charset\s*=\s*"?([A-Za-z0-9._:-]+)"?/i.exec(contentType ?? '');
  return m ? m[1]!.toLowerCase() : 'utf-8';
}

function isPlainText(attachment: Attachment): boolean {
  const type = mediaType(attachment.contentType);
  return type === '' || type === 'text/plain';
}

function decode(base64: string, contentType: string | undefined): { text: string } | { problem: string } {
  const charset = charsetOf(contentType);
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset, { fatal: true });
  } catch {
    return { problem: `unsupported charset ${charset.slice(0, 40)}` };
  }
  try {
    return { text: decoder.decode(Buffer.from(base64, 'base64')) };
  } catch {
    return { problem: `the text is not valid ${charset.slice(0, 40)}` };
  }
}

export function textHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

const BINARY_URL = /^(?:.*\/)?Binary\/([A-Za-z0-9\-.]{1,64})$/;

/**
 * The id of the Binary the note's text is read from (the attachment readNoteText picks), or
 * undefined when the text is inline or there is none: the queue re-processes the note when that
 * Binary is written or deleted.
 */
export function noteBinaryId(doc: DocumentReference): string | undefined {
  for (const content of doc.content ?? []) {
    const attachment = content.attachment;
    if (!isPlainText(attachment)) continue;
    if (typeof attachment.data === 'string') return undefined;
    const id = BINARY_URL.exec(attachment.url ?? '')?.[1];
    if (id !== undefined) return id;
  }
  return undefined;
}

/** The plain text of the note, or why there is none (a reason without content). */
export async function readNoteText(doc: DocumentReference, readBinary: BinaryReader): Promise<NoteText> {
  const contents = doc.content ?? [];
  for (const [index, content] of contents.entries()) {
    const attachment = content.attachment;
    if (!isPlainText(attachment)) continue;
    let decoded: { text: string } | { problem: string } | undefined;
    let ref: string;
    if (typeof attachment.data === 'string') {
      decoded = decode(attachment.data, attachment.contentType);
      ref = `content[${index}]`;
    } else {
      const id = BINARY_URL.exec(attachment.url ?? '')?.[1];
      if (id === undefined) continue;
      ref = `Binary/${id}`;
      const binary = await readBinary(id);
      if (!binary) return { ok: false, problem: `${ref} does not exist` };
      if (typeof binary.data !== 'string') return { ok: false, problem: `${ref} has no data` };
      decoded = decode(binary.data, attachment.contentType ?? binary.contentType);
    }
    if ('problem' in decoded) return { ok: false, problem: `${ref}: ${decoded.problem}` };
    if (decoded.text.length > MAX_NOTE_CHARS) return { ok: false, problem: `${ref}: the text is longer than ${MAX_NOTE_CHARS} characters` };
    return { ok: true, text: decoded.text, ref, textHash: textHash(decoded.text) };
  }
  return { ok: false, problem: 'no text/plain attachment (inline data or Binary url)' };
}
