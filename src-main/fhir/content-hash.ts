/**
 * Content identity for "unchanged" detection on import: a SHA-256 of the resource in canonical
 * JSON (keys sorted) without the store-assigned meta.versionId and meta.lastUpdated.
 *
 * The canonical text is the stored hashes' definition: it must never change (a vault compares new
 * hashes with those of earlier versions). Its rules: object keys sorted by UTF-16 code units, keys
 * whose value is undefined left out, array items that JSON cannot represent written as nothing
 * (`[1,,2]`), everything else as JSON.stringify writes it; meta without versionId and lastUpdated,
 * and left out when nothing else is in it. test/unit/fhir/content-hash.test.ts checks this against
 * a plain reference implementation of those rules.
 */
import { hash } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';

/**
 * Element names as `"name":` and `,"name":`, remembered (a few hundred recur in every resource):
 * one piece of text per element instead of a quoted name, a colon and a comma.
 */
const keyTexts = new Map<string, string>();
const commaKeyTexts = new Map<string, string>();
const KEY_TEXTS_MAX = 10_000;

function keyText(key: string, first: boolean): string {
  const texts = first ? keyTexts : commaKeyTexts;
  let text = texts.get(key);
  if (text === undefined) {
    text = `${first ? '' : ','}${JSON.stringify(key)}:`;
    if (texts.size < KEY_TEXTS_MAX) texts.set(key, text);
  }
  return text;
}

/** Above this many keys an object's keys are sorted by Array.prototype.sort, below by insertion. */
const INSERTION_SORT_MAX = 24;

/**
 * Sorts `keys` in place by UTF-16 code units, as Array.prototype.sort does without a comparator
 * (keys are distinct, so stability does not matter): by insertion for the few keys of an element,
 * which allocates nothing (the built-in sort sets up a work area per call).
 */
function sortKeys(keys: string[]): void {
  const n = keys.length;
  if (n > INSERTION_SORT_MAX) {
    keys.sort();
    return;
  }
  for (let i = 1; i < n; i++) {
    const key = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > key) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = key;
  }
}

/** The canonical text of a value; undefined where JSON.stringify gives undefined (undefined, functions). */
function canonical(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) {
    let text = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) text += ',';
      const item = canonical(value[i]);
      if (item !== undefined) text += item;
    }
    return `${text}]`;
  }
  return canonicalObject(value as Record<string, unknown>, false);
}

/** `withoutStoreMeta`: the resource itself, whose meta loses versionId and lastUpdated. */
function canonicalObject(record: Record<string, unknown>, withoutStoreMeta: boolean): string {
  const keys = Object.keys(record);
  sortKeys(keys);
  let text = '{';
  let first = true;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const child = record[key];
    if (child === undefined) continue;
    let childText: string | undefined;
    if (withoutStoreMeta && key === 'meta') {
      if (!child) continue;
      const meta = child as Record<string, unknown>;
      let others = 0;
      for (const metaKey of Object.keys(meta)) if (metaKey !== 'versionId' && metaKey !== 'lastUpdated') others++;
      if (others === 0) continue;
      childText = canonicalMeta(meta);
    } else {
      childText = canonical(child);
    }
    text += keyText(key, first);
    first = false;
    // A value JSON cannot write (a function) shows as `undefined`, as it always has.
    text += childText;
  }
  return `${text}}`;
}

function canonicalMeta(meta: Record<string, unknown>): string {
  const others: Record<string, unknown> = {};
  for (const key of Object.keys(meta)) if (key !== 'versionId' && key !== 'lastUpdated') others[key] = meta[key];
  return canonicalObject(others, false);
}

/**
 * The canonical text written as UTF-8 straight into one reused buffer and hashed from there: the
 * same bytes as canonicalObject's string, without its garbage (a string per element name, value
 * and join: a sixth of what the write-prep worker allocated per resource, all for the collector).
 * Strings are escaped as JSON.stringify escapes them. Anything else than JSON's values, an own
 * `__proto__` key (canonicalMeta's copy drops it from meta) included, makes the writer give up:
 * the string walk then hashes that resource as it always has.
 */
class CanonicalBytes {
  bytes = new Uint8Array(1 << 16);
  length = 0;

  private room(more: number): void {
    if (this.length + more <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + more));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  private byte(value: number): void {
    this.room(1);
    this.bytes[this.length++] = value;
  }

  /** ASCII text that needs no escaping (numbers, literals). */
  private ascii(text: string): void {
    this.room(text.length);
    const bytes = this.bytes;
    let at = this.length;
    for (let i = 0; i < text.length; i++) bytes[at++] = text.charCodeAt(i);
    this.length = at;
  }

  /** A string as JSON.stringify quotes it, in UTF-8. */
  string(text: string): void {
    // At most 6 bytes per UTF-16 unit (`\u001f`; a lone surrogate's escape), and the quotes.
    this.room(text.length * 6 + 2);
    const bytes = this.bytes;
    let at = this.length;
    bytes[at++] = 34;
    for (let i = 0; i < text.length; i++) {
      const unit = text.charCodeAt(i);
      if (unit >= 0x20 && unit < 0x80) {
        if (unit === 34 || unit === 92) bytes[at++] = 92;
        bytes[at++] = unit;
      } else if (unit < 0x20) {
        bytes[at++] = 92;
        const short = SHORT_ESCAPES[unit]!;
        if (short !== 0) bytes[at++] = short;
        else at = writeUnicodeEscape(bytes, at, unit);
      } else if (unit < 0x800) {
        bytes[at++] = 0xc0 | (unit >> 6);
        bytes[at++] = 0x80 | (unit & 0x3f);
      } else if (unit >= 0xd800 && unit <= 0xdfff) {
        const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
        if (unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          const point = 0x10000 + ((unit - 0xd800) << 10) + (next - 0xdc00);
          bytes[at++] = 0xf0 | (point >> 18);
          bytes[at++] = 0x80 | ((point >> 12) & 0x3f);
          bytes[at++] = 0x80 | ((point >> 6) & 0x3f);
          bytes[at++] = 0x80 | (point & 0x3f);
          i++;
        } else {
          // A lone surrogate: JSON.stringify writes it as an escape.
          bytes[at++] = 92;
          at = writeUnicodeEscape(bytes, at, unit);
        }
      } else {
        bytes[at++] = 0xe0 | (unit >> 12);
        bytes[at++] = 0x80 | ((unit >> 6) & 0x3f);
        bytes[at++] = 0x80 | (unit & 0x3f);
      }
    }
    bytes[at++] = 34;
    this.length = at;
  }

  /** A value's canonical text; false where the writer gives up. */
  value(value: unknown): boolean {
    switch (typeof value) {
      case 'string':
        this.string(value);
        return true;
      case 'number':
        this.ascii(Number.isFinite(value) ? String(value) : 'null');
        return true;
      case 'boolean':
        this.ascii(value ? 'true' : 'false');
        return true;
      case 'object':
        if (value === null) {
          this.ascii('null');
          return true;
        }
        if (Array.isArray(value)) return this.array(value);
        return this.object(value as Record<string, unknown>, 'plain');
      default:
        return false;
    }
  }

  private array(items: readonly unknown[]): boolean {
    this.byte(91);
    for (let i = 0; i < items.length; i++) {
      if (i > 0) this.byte(44);
      const item = items[i];
      // An item JSON cannot write is written as nothing (canonical).
      if (item === undefined) continue;
      if (!this.value(item)) return false;
    }
    this.byte(93);
    return true;
  }

  /**
   * An object's members in key order. `kind` 'resource': the resource itself, its meta written
   * without the store's two values and left out when nothing else is in it (canonicalObject);
   * 'meta': such a meta (canonicalMeta); 'plain': any other object.
   */
  object(record: Record<string, unknown>, kind: 'plain' | 'resource' | 'meta'): boolean {
    const keys = Object.keys(record);
    sortKeys(keys);
    this.byte(123);
    let first = true;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (key === '__proto__') return false;
      if (kind === 'meta' && (key === 'versionId' || key === 'lastUpdated')) continue;
      const child = record[key];
      if (child === undefined) continue;
      const storeMeta = kind === 'resource' && key === 'meta';
      if (storeMeta && (!child || !hasOtherThanStoreMeta(child as Record<string, unknown>))) continue;
      if (!first) this.byte(44);
      first = false;
      this.string(key);
      this.byte(58);
      if (!(storeMeta ? this.object(child as Record<string, unknown>, 'meta') : this.value(child))) return false;
    }
    this.byte(125);
    return true;
  }
}

/** Whether meta holds anything besides the store's versionId and lastUpdated. */
function hasOtherThanStoreMeta(meta: Record<string, unknown>): boolean {
  for (const key of Object.keys(meta)) if (key !== 'versionId' && key !== 'lastUpdated') return true;
  return false;
}

/** JSON.stringify's one-letter escapes of the control characters (0: written as \u00XX). */
const SHORT_ESCAPES = new Uint8Array(32);
SHORT_ESCAPES[8] = 98; // \b
SHORT_ESCAPES[9] = 116; // \t
SHORT_ESCAPES[10] = 110; // \n
SHORT_ESCAPES[12] = 102; // \f
SHORT_ESCAPES[13] = 114; // \r

const HEX_DIGITS = '0123456789abcdef';

/** `u` and four lowercase hex digits (the backslash is written by the caller). */
function writeUnicodeEscape(bytes: Uint8Array, at: number, unit: number): number {
  bytes[at++] = 117;
  bytes[at++] = HEX_DIGITS.charCodeAt(unit >> 12);
  bytes[at++] = HEX_DIGITS.charCodeAt((unit >> 8) & 15);
  bytes[at++] = HEX_DIGITS.charCodeAt((unit >> 4) & 15);
  bytes[at++] = HEX_DIGITS.charCodeAt(unit & 15);
  return at;
}

const canonicalBytes = new CanonicalBytes();
/** Above this many bytes a resource's buffer is not kept for the next one. */
const CANONICAL_BYTES_KEPT_MAX = 1 << 20;

/** The hash of a resource whose meta is an object or absent, from its canonical bytes when it can be. */
function resourceHash(record: Record<string, unknown>): string {
  const writer = canonicalBytes;
  writer.length = 0;
  const written = writer.object(record, 'resource');
  const digest = written ? hash('sha256', writer.bytes.subarray(0, writer.length), 'base64url') : hash('sha256', canonicalObject(record, true), 'base64url');
  if (writer.bytes.length > CANONICAL_BYTES_KEPT_MAX) writer.bytes = new Uint8Array(1 << 16);
  return digest;
}

export function contentHash(resource: Resource): string {
  const record = resource as unknown as Record<string, unknown>;
  const meta = record.meta;
  // meta of another shape than an object (refused by validation before any hash): as a copy of it.
  if (meta === undefined || meta === null || (typeof meta === 'object' && !Array.isArray(meta))) return resourceHash(record);
  // One-shot hash (no Hash object per resource): the same digest as createHash's.
  return hash('sha256', canonicalObject(withOddMeta(record, meta), false), 'base64url');
}

/** The comparable form of a resource whose meta is not an object: what the object spread keeps of it. */
function withOddMeta(record: Record<string, unknown>, meta: unknown): Record<string, unknown> {
  const { meta: _meta, ...rest } = record;
  if (!meta) return rest;
  const { versionId: _v, lastUpdated: _l, ...otherMeta } = meta as Record<string, unknown>;
  return Object.keys(otherMeta).length > 0 ? { ...rest, meta: otherMeta } : rest;
}
