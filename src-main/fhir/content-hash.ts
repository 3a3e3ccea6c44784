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

export function contentHash(resource: Resource): string {
  const record = resource as unknown as Record<string, unknown>;
  const meta = record.meta;
  // meta of another shape than an object (refused by validation before any hash): as a copy of it.
  const text =
    meta === undefined || meta === null || (typeof meta === 'object' && !Array.isArray(meta))
      ? canonicalObject(record, true)
      : canonicalObject(withOddMeta(record, meta), false);
  // One-shot hash (no Hash object per resource): the same digest as createHash's.
  return hash('sha256', text, 'base64url');
}

/** The comparable form of a resource whose meta is not an object: what the object spread keeps of it. */
function withOddMeta(record: Record<string, unknown>, meta: unknown): Record<string, unknown> {
  const { meta: _meta, ...rest } = record;
  if (!meta) return rest;
  const { versionId: _v, lastUpdated: _l, ...otherMeta } = meta as Record<string, unknown>;
  return Object.keys(otherMeta).length > 0 ? { ...rest, meta: otherMeta } : rest;
}
