/**
 * Body templates as UTF-8 bytes: how the write-prep worker's templates cross to the store's thread
 * (prepared-columns.ts), so that the store thread builds each stored body as bytes for the vault
 * and never holds it as a string. A ~1 KB body string per write, made on the store thread and kept
 * until its commit, outlived young-generation collections with several Bundles in flight; bytes
 * live outside the JS heap. The bytes are exactly the UTF-8 of the string path's body: head and
 * tail end and start on ASCII punctuation, so no surrogate pair is split between the parts.
 */
import { fillBody, storeMetaText, type BodyTemplate } from './write-prep';

/** A BodyTemplate's head and tail as UTF-8 (views into their batch's buffer). */
export interface BodyTemplateBytes {
  head: Uint8Array;
  tail: Uint8Array;
}

/** Whether a template is in bytes (from the write-prep worker) rather than text. */
export function isTemplateBytes(template: BodyTemplate | BodyTemplateBytes): template is BodyTemplateBytes {
  return typeof template.head !== 'string';
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The stored body as UTF-8, from either form of template: from bytes, the parts are copied into one
 * array with the meta between them (its text is ASCII: a number and an ISO instant).
 */
export function fillBodyBytes(template: BodyTemplate | BodyTemplateBytes, version: number, lastUpdated: string): Uint8Array<ArrayBuffer> {
  if (!isTemplateBytes(template)) return encoder.encode(fillBody(template, version, lastUpdated));
  const meta = storeMetaText(version, lastUpdated);
  const { head, tail } = template;
  const body = new Uint8Array(head.length + meta.length + tail.length);
  body.set(head, 0);
  encoder.encodeInto(meta, body.subarray(head.length));
  body.set(tail, head.length + meta.length);
  return body;
}

/** The stored body as text, from either form of template (answers that show the stored resource). */
export function fillBodyText(template: BodyTemplate | BodyTemplateBytes, version: number, lastUpdated: string): string {
  return isTemplateBytes(template) ? decoder.decode(fillBodyBytes(template, version, lastUpdated)) : fillBody(template, version, lastUpdated);
}

/**
 * Packs a batch's templates into one buffer (moved, not copied, to the store's thread): each added
 * template is its head's then its tail's UTF-8, found again by the offsets add() returns.
 */
export class TemplatePacker {
  private bytes: Uint8Array<ArrayBuffer>;
  private used = 0;

  constructor(capacity = 64 * 1024) {
    this.bytes = new Uint8Array(capacity);
  }

  /** Adds a template; returns where its head starts, where its tail starts and where it ends. */
  add(template: BodyTemplate | BodyTemplateBytes): [start: number, split: number, end: number] {
    const start = this.used;
    this.put(template.head);
    const split = this.used;
    this.put(template.tail);
    return [start, split, this.used];
  }

  /** The packed bytes (a view of the buffer to move: it may be longer). */
  result(): Uint8Array<ArrayBuffer> {
    return this.bytes.subarray(0, this.used);
  }

  private put(part: string | Uint8Array): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const most = typeof part === 'string' ? part.length * 3 : part.length;
    if (this.bytes.length - this.used < most) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.used + most));
      grown.set(this.bytes.subarray(0, this.used));
      this.bytes = grown;
    }
    if (typeof part === 'string') {
      this.used += encoder.encodeInto(part, this.bytes.subarray(this.used)).written;
    } else {
      this.bytes.set(part, this.used);
      this.used += part.length;
    }
  }
}

/** The template of a packed write: views into `bytes` at add()'s offsets. */
export function unpackTemplate(bytes: Uint8Array, start: number, split: number, end: number): BodyTemplateBytes {
  return { head: bytes.subarray(start, split), tail: bytes.subarray(split, end) };
}
