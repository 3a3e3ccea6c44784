/**
 * The part of a create or update that does not depend on the store's state: structural validation,
 * the content hash, the stored JSON text (with the version and instant still to fill in) and,
 * optionally, the search index rows of that stored form. The write planner (fhir-repository.ts)
 * runs it on the store's thread, or the write-prep worker (write-prep-pool.ts) runs it for a batch
 * while the store thread commits the one before: the same function on either thread.
 *
 * The rows are extracted from the stored form with empty meta values: no search parameter or
 * full-text value reads meta.versionId or meta.lastUpdated (builtin `_lastUpdated` comes from the
 * current row), and the keys are in the stored body's order, so the rows equal what a replay
 * extracts from the stored body (test/unit/fhir/write-pipeline.test.ts checks this).
 */
import type { OperationOutcomeIssue } from '../api/result';
import type { Resource } from '@medplum/fhirtypes';
import { contentHash } from './content-hash';
import { extractIndexRows, type IndexRows } from './search/extract';
import { PackedItemRows } from './search/packed-rows';
import { writeProblems } from './validation';
import type { BodyTemplateBytes } from './body-bytes';

/**
 * The stored form: resourceType, id, meta first; meta ends with the store's versionId and
 * lastUpdated (the client's are dropped).
 */
export function withStoreMeta(resource: Resource, id: string, version: string, lastUpdated: string): Resource {
  const stored: Record<string, unknown> = { resourceType: resource.resourceType, id, meta: { ...otherMeta(resource.meta), versionId: version, lastUpdated } };
  // The other elements in their order, copied once (a rest object then a spread of it copied them twice).
  const record = resource as unknown as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (key === 'resourceType' || key === 'id' || key === 'meta') continue;
    // An own `__proto__` (JSON.parse makes one) stays a plain element, as a spread keeps it.
    if (key === '__proto__') Object.defineProperty(stored, key, { value: record[key], enumerable: true, writable: true, configurable: true });
    else stored[key] = record[key];
  }
  return stored as unknown as Resource;
}

function otherMeta(meta: Resource['meta']): Record<string, unknown> {
  if (!meta) return {};
  const { versionId: _v, lastUpdated: _l, ...other } = meta;
  return other;
}

/**
 * The stored JSON text around its two store-assigned values: body = head + `"versionId":…,
 * "lastUpdated":…` + tail (fillBody). Built from the parts, never by searching the text.
 */
export interface BodyTemplate {
  head: string;
  tail: string;
}

function bodyTemplate(resource: Resource, id: string, text: string | undefined): BodyTemplate {
  const fromText = text === undefined ? undefined : templateFromText(resource, id, text);
  if (fromText) return fromText;
  const { resourceType, id: _ignoredId, meta, ...rest } = resource;
  const metaText = JSON.stringify(otherMeta(meta));
  const restText = JSON.stringify(rest);
  return {
    head: `{"resourceType":${JSON.stringify(resourceType)},"id":${JSON.stringify(id)},"meta":${metaText.slice(0, -1)}${metaText === '{}' ? '' : ','}`,
    tail: restText === '{}' ? '}}' : `},${restText.slice(1)}`,
  };
}

/**
 * The template taken from `text` (JSON.stringify of the resource) when the resource starts with
 * resourceType and the stored id and has no meta: then the stored body is the text with the meta
 * put in after the id. `text` is never searched: its start is checked against the JSON of those
 * two values, and what follows is JSON.stringify's text of the other elements, in their order.
 */
function templateFromText(resource: Resource, id: string, text: string): BodyTemplate | undefined {
  if ('meta' in resource || resource.id !== id) return undefined;
  let position = 0;
  for (const key in resource) {
    if (position === 0 && key !== 'resourceType') return undefined;
    if (position === 1) {
      if (key !== 'id') return undefined;
      break;
    }
    position++;
  }
  const head = `{"resourceType":${JSON.stringify(resource.resourceType)},"id":${JSON.stringify(id)}`;
  if (!text.startsWith(head)) return undefined;
  const after = text.charCodeAt(head.length);
  // `,` before the next element, or `}` when there is none.
  if (after !== 44 && after !== 125) return undefined;
  return { head: `${head},"meta":{`, tail: `}${text.slice(head.length)}` };
}

/** Index rows as a write carries them to the projector (PreparedWrite.rows). */
export type PreparedRows = IndexRows | PackedItemRows;

/**
 * `Rows`: IndexRows where they were extracted on this thread (prepareWrite). `Template`: text where
 * prepared on this thread, bytes from the write-prep worker (body-bytes.ts).
 */
export interface PreparedWrite<Rows extends PreparedRows = PreparedRows, Template extends BodyTemplate | BodyTemplateBytes = BodyTemplate | BodyTemplateBytes> {
  /** Structural errors: the write fails with these (nothing else is filled in). */
  problems?: OperationOutcomeIssue[];
  hash?: string;
  template?: Template;
  /**
   * Search index rows of the stored form, when asked for: as objects, or (from the write-prep
   * worker) as the item's place in its packed batch, which IndexWriter reads without unpacking.
   */
  rows?: Rows;
}

export interface PrepareInput {
  resource: Resource;
  kind: 'create' | 'update';
  /** The id the resource is stored under (assigned for a create). */
  id: string;
  /**
   * Exactly JSON.stringify(resource), when the caller has it (the write-prep worker parses the
   * resource from it): the body template then comes from it instead of a second stringify.
   */
  text?: string;
}

/** Validation, hash and body template of one write; the rows too when `withRows`. */
export function prepareWrite(input: PrepareInput, withRows: boolean): PreparedWrite<IndexRows, BodyTemplate> {
  const problems = writeProblems(input.resource, input.kind === 'update' ? { requireId: true } : {});
  if (problems.length > 0) return { problems };
  const hash = contentHash(input.resource);
  const template = bodyTemplate(input.resource, input.id, input.text);
  // The rows do not depend on the meta values (see the module comment): placeholders do.
  return withRows ? { hash, template, rows: extractIndexRows(withStoreMeta(input.resource, input.id, '', '')) } : { hash, template };
}

/** The stored body: the template with its version and instant filled in. */
export function fillBody(template: BodyTemplate, version: number, lastUpdated: string): string {
  return `${template.head}${storeMetaText(version, lastUpdated)}${template.tail}`;
}

/** The store's two meta values as they stand in the body between a template's head and tail. */
export function storeMetaText(version: number, lastUpdated: string): string {
  return `"versionId":${JSON.stringify(String(version))},"lastUpdated":${JSON.stringify(lastUpdated)}`;
}

/** Whether a value is index rows handed to the projector with a commit entry (PreparedRows). */
export function isPreparedRows(value: unknown): value is PreparedRows {
  return value instanceof PackedItemRows || isIndexRows(value);
}

/** Whether a value has the shape of IndexRows. */
export function isIndexRows(value: unknown): value is IndexRows {
  if (typeof value !== 'object' || value === null) return false;
  const rows = value as Record<string, unknown>;
  return ['string', 'token', 'reference', 'date', 'number', 'quantity', 'uri'].every((kind) => Array.isArray(rows[kind]));
}
