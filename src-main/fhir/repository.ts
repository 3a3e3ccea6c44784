/**
 * The FHIR resource repository: the RESTful interactions of https://hl7.org/fhir/R4/http.html
 * over one store. Two implementations share one contract test suite: MemoryRepository and the
 * vault-backed repository (createVaultRepository). Failures are thrown as OperationOutcomeError.
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { DeleteResult, ImportRecordError, ResourceCount, ResourcePage } from '../api/contract';
import type { OperationOutcome } from '../api/result';
import type { ScanKey } from './scan';
import type { SearchOptions } from './search';
import type { PreparedWrite } from './write-prep';

export interface UpdateOptions {
  /** Expected current version (`3` or `W/"3"`): a mismatch is a 412 conflict (http.html#concurrency). */
  ifMatch?: string;
}

export interface ListOptions {
  offset: number;
  count: number;
}

/** `_since`, `_count` and paging of a history interaction (http.html#history). */
export interface HistoryOptions {
  /** FHIR instant or date: only versions last updated at or after it. */
  since?: string;
  /** Entries per page (default 100, at most 1000). */
  count?: number;
  offset?: number;
}

/** One write of a bulk batch (import). */
export type WriteOp =
  | {
      kind: 'create';
      resource: Resource;
      /** Server-assigned id chosen by the caller (import rewrites urn:uuid references to it); default a new UUID. */
      assignedId?: string;
    }
  | {
      kind: 'update';
      resource: Resource;
      ifMatch?: string;
      /** Identical content (ignoring meta.versionId/lastUpdated) makes no new version: status `unchanged`. */
      skipUnchanged?: boolean;
    }
  | {
      kind: 'delete';
      resourceType: string;
      id: string;
      /**
       * Delete only if the current version is this one (`W/"3"` or `3`, http.html#concurrency); else
       * the op fails with 412 and nothing is deleted (an edit made since the caller read it is kept).
       * A resource already deleted or absent fails too: its version is not the one named.
       */
      ifMatch?: string;
    };

export type WriteOutcome =
  | { status: 'created' | 'updated' | 'unchanged'; resource: Resource }
  | { status: 'deleted'; result: DeleteResult }
  | { status: 'failed'; outcome: OperationOutcome }
  /** Atomic batch only: this op was fine but another failed, so nothing was stored. */
  | { status: 'rolled-back' };

/**
 * A create or update prepared off the store's thread with no resource object on it (a plain
 * transaction Bundle's write: ResourceRepository.prepareTransaction).
 */
export interface PreparedOp {
  kind: 'create' | 'update';
  type: string;
  /** The id it is stored under (assigned for a create). */
  id: string;
  ifMatch?: string;
  /** An update whose content equals the current version's makes no new version: status `unchanged`. */
  skipUnchanged?: boolean;
  prepared: PreparedWrite;
}

/** A prepared write of a transaction Bundle, with its entry's index. */
export interface PreparedTransactionWrite extends PreparedOp {
  index: number;
}

/** A chunk of an NDJSON import's lines (io/importer.ts), for ResourceRepository.prepareNdjson. */
export interface NdjsonLines {
  /** The file's name as given (put in the errors; never content). */
  file: string;
  /** The lines' texts, blank lines left out. */
  lines: string[];
  /** The 1-based line number of each text. */
  lineNumbers: number[];
}

/** A write of an NDJSON line, with its line number. */
export interface PreparedLineWrite extends PreparedOp {
  line: number;
}

/**
 * An NDJSON chunk read, checked and prepared off the store's thread (io/ndjson-prep.ts): a line
 * holding a resource with an id is an update-as-create that makes no new version when the content
 * is unchanged, one with none a create under a new id; a line that is not JSON, nests too deep or
 * is not a resource is an error with its file, line and OperationOutcome.
 */
export interface PreparedNdjsonChunk {
  /** In line order. */
  writes: PreparedLineWrite[];
  /** In line order. */
  errors: ImportRecordError[];
}

/** A WriteOutcome whose stored version is named by id, version and instant rather than given as a resource. */
export type PlannedOutcome =
  | { status: 'created' | 'updated' | 'unchanged'; id: string; versionId: string; lastUpdated: string }
  | { status: 'deleted'; result: DeleteResult }
  | { status: 'failed'; outcome: OperationOutcome }
  | { status: 'rolled-back' };

export interface WriteBatchOptions {
  /** All or nothing (transaction Bundles, http.html#transaction). */
  atomic?: boolean;
}

/** A keyset scan of one type's current resources (bulk export). */
export interface ScanOptions {
  /** FHIR instant: only resources last updated at or after it (Bulk Data `_since`). */
  since?: string;
  /** The `next` of the previous page; absent: the first page. */
  after?: ScanKey;
  /** Resources per page, 1 to 1000. */
  limit: number;
}

export interface ScanPage {
  /** Oldest lastUpdated first. */
  resources: Resource[];
  /** Where the next page starts; absent when this page was the last. */
  next?: ScanKey;
}

/** A keyset scan of index rows only, no bodies (sync's push plan: what changed since its last push). */
export interface VersionScanOptions extends ScanOptions {
  /** Deleted resources (whose current version is the deletion) instead of live ones. */
  deleted?: boolean;
}

export interface VersionScanPage {
  versions: Array<{ id: string; versionId: string; lastUpdated: string; deleted: boolean }>;
  next?: ScanKey;
}

/** Search parameters as decoded pairs, in request order. */
export type SearchParams = URLSearchParams | ReadonlyArray<readonly [string, string]>;

export interface ResourceRepository {
  /** Every resource type the store accepts, sorted. */
  types(): string[];
  /** http.html#create: the server assigns the id and meta.versionId = 1. */
  create<T extends Resource>(resource: T): Promise<T>;
  /** http.html#read: 404 `not-found`, 410 `deleted`. */
  read(resourceType: string, id: string): Promise<Resource>;
  /** http.html#vread */
  vread(resourceType: string, id: string, versionId: string): Promise<Resource>;
  /** http.html#update, including update-as-create when the id is new. */
  update<T extends Resource>(resource: T, options?: UpdateOptions): Promise<T>;
  /** http.html#delete: records a deleted version; deleting a deleted resource is a no-op. */
  delete(resourceType: string, id: string): Promise<DeleteResult>;
  /** http.html#history (instance level): a `history` Bundle, newest first. */
  history(resourceType: string, id: string): Promise<Bundle>;
  /** http.html#history (type level): versions of every resource of a type, newest first, paged. */
  typeHistory(resourceType: string, options?: HistoryOptions): Promise<Bundle>;
  /** http.html#history (system level): versions of every resource, newest first, paged. */
  systemHistory(options?: HistoryOptions): Promise<Bundle>;
  /** Current, non-deleted resources per type (types with none are left out). */
  counts(): Promise<ResourceCount[]>;
  /** A page of current resources of a type, newest lastUpdated first. */
  list(resourceType: string, options: ListOptions): Promise<ResourcePage>;
  /** search.html: the parameters of search.ts; `handling: 'lenient'` turns unsupported parameters into warnings. */
  search(resourceType: string, params: SearchParams, options?: SearchOptions): Promise<Bundle>;
  /** Many writes in one durable store transaction; per-op results in op order. */
  writeBatch(ops: readonly WriteOp[], options?: WriteBatchOptions): Promise<WriteOutcome[]>;
  /** Every current resource of a type, page by page, each page as cheap as the first (no `_offset`). */
  scan(resourceType: string, options: ScanOptions): Promise<ScanPage>;
  /** The scan's index rows without reading any resource (optional: sync plans a push from it, else reads every resource). */
  scanVersions?(resourceType: string, options: VersionScanOptions): Promise<VersionScanPage>;
  /**
   * Optional: a transaction Bundle's text parsed, planned, validated and indexed off the store's
   * thread (the write-prep worker). null: no such thread now; undefined: not a Bundle of plain
   * creates and updates (the caller runs it on its own thread).
   */
  prepareTransaction?(text: string, base: { baseUrl: string; foreignUrlsRelative?: boolean }): Promise<PreparedTransactionWrite[] | undefined> | null;
  /** With prepareTransaction: writeBatch of its prepared writes. */
  writePrepared?(ops: readonly PreparedOp[], options?: WriteBatchOptions): Promise<PlannedOutcome[]>;
  /**
   * Optional: an NDJSON import chunk parsed, checked, validated and indexed off the store's thread
   * (the write-prep worker), for writePrepared. null: no such thread now (the caller reads the
   * chunk on its own thread).
   */
  prepareNdjson?(chunk: NdjsonLines): Promise<PreparedNdjsonChunk> | null;
}
