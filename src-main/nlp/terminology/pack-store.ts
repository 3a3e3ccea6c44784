/**
 * Terminology packs in the vault, as ordinary FHIR resources (so they are encrypted, versioned and
 * synced like everything else):
 *
 * - one CodeSystem per release (https://hl7.org/fhir/R4/codesystem.html), `content = not-present`
 *   (codesystem.html#content: the concepts are not in the resource), with url, version, count,
 *   the property definitions, and the `terminology-pack` extension naming the format, the SHA-256
 *   of the pack and its parts;
 * - the pack itself (the compact JSON of icd10cm-pack.ts / rxnorm-pack.ts), gzip-compressed, in
 *   Binary resources of at most PART_BYTES each (the store refuses a base64Binary over 1 MiB).
 *
 * Why not the concepts in the CodeSystem: the ICD-10-CM pack as a complete CodeSystem (98,186
 * concepts with their index terms as designations) is a 37 MB resource; writing it through the
 * repository (structure validation and search indexing) did not finish in 600 s. The gzip pack is
 * 1.7 MB and writes in about a second (docs/terminology.md has the figures).
 *
 * Ids derive from the release (`tpack-icd10cm-2026`, `tpack-icd10cm-2026-0`...), and a pack whose
 * SHA-256 equals the stored one is not written again: re-importing a release makes no new version.
 */
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Binary, CodeSystem, Extension, Resource } from '@medplum/fhirtypes';
import { fhirError, OperationOutcomeError } from '../../fhir/outcome-error';
import type { ResourceRepository, WriteOp } from '../../fhir/repository';
import { ICD10CM_PACK_FORMAT, ICD10CM_SYSTEM_URL, icd10PackStats, type Icd10cmPackData } from './icd10cm-pack';
import type { TerminologyPackInfo } from './report-types';
import { RXNORM_PACK_FORMAT, RXNORM_SYSTEM_URL, rxnormPackStats, type RxNormPackData } from './rxnorm-pack';

export const PACK_EXTENSION_URL = 'https://hearth.local/fhir/StructureDefinition/terminology-pack';
/** Raw bytes per Binary part: well under the 1 MiB base64Binary limit. */
export const PART_BYTES = 768 * 1024;
const PACK_CONTENT_TYPE = 'application/gzip';

export type TerminologyPackData = Icd10cmPackData | RxNormPackData;
export type PackSystem = 'ICD10CM' | 'RXNORM';

/** What `terminology.list` shows of a stored pack. */
export type StoredPackInfo = TerminologyPackInfo;

export interface PackWriteResult {
  status: 'created' | 'updated' | 'unchanged';
  pack: StoredPackInfo;
}

function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** 'icd10cm-2026' → 'tpack-icd10cm-2026' (a FHIR id: letters, digits, '-' and '.', at most 64). */
export function packResourceId(version: string): string {
  const id = `tpack-${version.toLowerCase().replace(/[^a-z0-9.-]+/g, '-')}`.slice(0, 58);
  if (!/^[A-Za-z0-9\-.]{1,64}$/.test(id)) throw fhirError('invalid', 'A terminology pack version must contain letters or digits', 400);
  return id;
}

function systemOf(pack: TerminologyPackData): PackSystem {
  return pack.format === ICD10CM_PACK_FORMAT ? 'ICD10CM' : 'RXNORM';
}

function codeSystemFor(pack: TerminologyPackData, id: string, hash: string, partIds: string[], bytes: number): CodeSystem {
  const subExtensions: Extension[] = [
    { url: 'format', valueString: `${pack.format}/${pack.formatVersion}` },
    { url: 'version', valueString: pack.version },
    { url: 'sha256', valueString: hash },
    { url: 'bytes', valueInteger: bytes },
    ...partIds.map((partId) => ({ url: 'part', valueReference: { reference: `Binary/${partId}` } })),
  ];
  if (pack.format === ICD10CM_PACK_FORMAT) {
    const stats = icd10PackStats(pack);
    if (pack.indexVersion !== undefined) subExtensions.push({ url: 'indexVersion', valueString: pack.indexVersion });
    subExtensions.push({ url: 'indexTerms', valueInteger: stats.indexTermsJoined });
    return {
      resourceType: 'CodeSystem',
      id,
      extension: [{ url: PACK_EXTENSION_URL, extension: subExtensions }],
      url: ICD10CM_SYSTEM_URL,
      version: pack.version.replace(/^icd10cm-/, ''),
      name: 'ICD10CM',
      title: 'ICD-10-CM (terminology pack)',
      status: 'active',
      publisher: 'CDC National Center for Health Statistics',
      content: 'not-present',
      count: stats.codes,
      property: [{ code: 'billable', description: 'Valid for HIPAA-covered transactions (a leaf of the tabular list)', type: 'boolean' }],
    };
  }
  const stats = rxnormPackStats(pack);
  subExtensions.push({ url: 'source', valueString: pack.source });
  return {
    resourceType: 'CodeSystem',
    id,
    extension: [{ url: PACK_EXTENSION_URL, extension: subExtensions }],
    url: RXNORM_SYSTEM_URL,
    version: pack.version.replace(/^rxnorm-/, ''),
    name: 'RxNorm',
    title: 'RxNorm (terminology pack)',
    status: 'active',
    publisher: 'U.S. National Library of Medicine',
    content: 'not-present',
    count: stats.concepts,
    property: [
      { code: 'tty', description: 'RxNorm term type (IN, PIN, MIN, BN, SCD, SBD...)', type: 'code' },
      { code: 'ingredient', description: 'Ingredient RXCUI (brands and clinical drugs)', type: 'code' },
      { code: 'strength', description: 'Normalised strength of a clinical drug, e.g. 500 mg', type: 'string' },
      { code: 'dose-form', description: 'Normalised dose form of a clinical drug, e.g. oral tablet', type: 'string' },
    ],
  };
}

/** The pack description of a stored CodeSystem; undefined when it is not a terminology pack. */
export function storedPackInfo(resource: Resource): StoredPackInfo | undefined {
  if (resource.resourceType !== 'CodeSystem' || !resource.id) return undefined;
  const extension = resource.extension?.find((e) => e.url === PACK_EXTENSION_URL);
  if (!extension) return undefined;
  const sub = (url: string) => extension.extension?.filter((e) => e.url === url) ?? [];
  const version = sub('version')[0]?.valueString;
  const hash = sub('sha256')[0]?.valueString;
  if (version === undefined || hash === undefined) return undefined;
  const system: PackSystem = resource.url === ICD10CM_SYSTEM_URL ? 'ICD10CM' : 'RXNORM';
  return {
    codeSystemId: resource.id,
    system,
    url: resource.url ?? '',
    version,
    count: resource.count ?? 0,
    sha256: hash,
    parts: sub('part').length,
    bytes: sub('bytes')[0]?.valueInteger ?? 0,
    ...(resource.meta?.lastUpdated ? { lastUpdated: resource.meta.lastUpdated } : {}),
  };
}

async function readOrUndefined(repository: ResourceRepository, type: string, id: string): Promise<Resource | undefined> {
  try {
    return await repository.read(type, id);
  } catch (e) {
    // Never written (404) or deleted (410): both mean "no current pack".
    if (e instanceof OperationOutcomeError && (e.outcome.issue?.[0]?.code === 'not-found' || e.outcome.issue?.[0]?.code === 'deleted')) return undefined;
    throw e;
  }
}

/** Stores a pack (CodeSystem + Binary parts) in one atomic batch; an identical pack is left as it is. */
export async function writeTerminologyPack(repository: ResourceRepository, pack: TerminologyPackData): Promise<PackWriteResult> {
  const json = JSON.stringify(pack);
  const hash = sha256(json);
  const id = packResourceId(pack.version);
  const existing = await readOrUndefined(repository, 'CodeSystem', id);
  const existingInfo = existing ? storedPackInfo(existing) : undefined;
  if (existing && existingInfo?.sha256 === hash) return { status: 'unchanged', pack: existingInfo };

  const compressed = gzipSync(json, { level: 6 });
  const partIds: string[] = [];
  const ops: WriteOp[] = [];
  for (let offset = 0, index = 0; offset < compressed.length; offset += PART_BYTES, index++) {
    const partId = `${id}-${index}`;
    partIds.push(partId);
    const part: Binary = { resourceType: 'Binary', id: partId, contentType: PACK_CONTENT_TYPE, data: compressed.subarray(offset, offset + PART_BYTES).toString('base64') };
    ops.push({ kind: 'update', resource: part, skipUnchanged: true });
  }
  // Parts of a previous, larger version of this pack would otherwise linger.
  for (let index = partIds.length; index < (existingInfo?.parts ?? 0); index++) ops.push({ kind: 'delete', resourceType: 'Binary', id: `${id}-${index}` });
  const codeSystem = codeSystemFor(pack, id, hash, partIds, compressed.length);
  ops.push({ kind: 'update', resource: codeSystem });
  const outcomes = await repository.writeBatch(ops, { atomic: true });
  const failed = outcomes.find((o) => o.status === 'failed');
  if (failed?.status === 'failed') throw new OperationOutcomeError(failed.outcome);
  const written = outcomes[outcomes.length - 1];
  const stored = written && 'resource' in written ? written.resource : codeSystem;
  return { status: existing ? 'updated' : 'created', pack: storedPackInfo(stored) ?? storedPackInfo(codeSystem)! };
}

/** Every terminology pack stored in the vault (current versions). */
export async function listTerminologyPacks(repository: ResourceRepository): Promise<StoredPackInfo[]> {
  const packs: StoredPackInfo[] = [];
  const pageSize = 200;
  for (let offset = 0; ; offset += pageSize) {
    const page = await repository.list('CodeSystem', { offset, count: pageSize });
    for (const resource of page.resources) {
      const info = storedPackInfo(resource);
      if (info) packs.push(info);
    }
    if (page.resources.length < pageSize || offset + pageSize >= page.total) break;
  }
  return packs.sort((a, b) => a.system.localeCompare(b.system) || a.version.localeCompare(b.version));
}

function assertPackShape(value: unknown, system: PackSystem): asserts value is TerminologyPackData {
  const record = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const format = system === 'ICD10CM' ? ICD10CM_PACK_FORMAT : RXNORM_PACK_FORMAT;
  const arrays = system === 'ICD10CM' ? ['codes', 'shortTitles', 'longTitles', 'indexTermPaths', 'indexTermCodes'] : ['rxcuis', 'ttys', 'names', 'synonymConcepts', 'brandConcepts', 'drugConcepts'];
  if (record['format'] !== format || record['formatVersion'] !== 1 || typeof record['version'] !== 'string' || arrays.some((name) => !Array.isArray(record[name]))) {
    throw fhirError('invalid', `The stored ${system} pack is not a ${format} version 1`, 422);
  }
}

/** Reads a stored pack back: its parts, checked against the SHA-256 the CodeSystem records. */
export async function readTerminologyPack(repository: ResourceRepository, info: StoredPackInfo): Promise<TerminologyPackData> {
  const codeSystem = await repository.read('CodeSystem', info.codeSystemId);
  if (codeSystem.resourceType !== 'CodeSystem') throw fhirError('invalid', 'Not a CodeSystem', 422);
  const extension = codeSystem.extension?.find((e) => e.url === PACK_EXTENSION_URL);
  const references = (extension?.extension ?? []).filter((e) => e.url === 'part').map((e) => e.valueReference?.reference ?? '');
  const chunks: Buffer[] = [];
  for (const reference of references) {
    const partId = reference.replace(/^Binary\//, '');
    const part = await repository.read('Binary', partId);
    if (part.resourceType !== 'Binary' || typeof part.data !== 'string') throw fhirError('invalid', `Terminology pack part ${partId} has no data`, 422);
    chunks.push(Buffer.from(part.data, 'base64'));
  }
  const json = gunzipSync(Buffer.concat(chunks)).toString('utf8');
  if (sha256(json) !== info.sha256) throw fhirError('invalid', `Terminology pack ${info.version} does not match its SHA-256 (a part is missing or changed)`, 422);
  const parsed: unknown = JSON.parse(json);
  assertPackShape(parsed, info.system);
  return parsed;
}

export { systemOf as packSystemOf };
