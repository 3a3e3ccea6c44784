/**
 * What the FHIR semantics (fhir-repository.ts) need from a storage engine: versioned records,
 * an atomic multi-record commit, and a filtered page of current records. The memory store and
 * the vault store implement it; version numbering, validation and Bundles stay in one place.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { ResourceCount } from '../api/contract';
import type { ScanKey, ScanQuery } from './scan';
import type { PreparedRows } from './write-prep';
import type { SearchFilter, SortKey } from './search/sql-query';

export type VersionMethod = 'POST' | 'PUT' | 'DELETE';

/** Index data of one version of one resource (no content). */
export interface VersionRecord {
  resourceType: string;
  id: string;
  version: number;
  /** ISO instant, as in meta.lastUpdated. */
  lastUpdated: string;
  deleted: boolean;
  /** The interaction that produced this version, for history entry.request. */
  method: VersionMethod;
  /** Content hash ignoring meta.versionId/lastUpdated; null for deletions. */
  hash: string | null;
}

/** A version to store: the record plus its JSON body (null for deletions). */
export interface NewVersion extends VersionRecord {
  /** The JSON text, or its UTF-8 (the store keeps the array: the writer must not change it). */
  body: string | Uint8Array<ArrayBuffer> | null;
  /**
   * The body's search index rows when already extracted (write-prep.ts, on the write-prep worker);
   * a store that indexes extracts them itself otherwise.
   */
  rows?: PreparedRows;
}

/** The current state the write planner sees, from inside the commit (no other writer runs). */
export interface WriteView {
  current(resourceType: string, id: string): VersionRecord | undefined;
  /**
   * Optional hint: current() will be asked about these resources. A store may look them all up in
   * one run (a bulk load asks about hundreds per commit) and answer current() from that.
   */
  prefetch?(keys: ReadonlyArray<{ resourceType: string; id: string }>): void;
}

/** `_lastUpdated` condition: lastUpdated in [startMs, endMs) (or outside it when `negate`). */
export interface LastUpdatedCondition {
  startMs?: number;
  endMs?: number;
  negate?: boolean;
}

export interface CurrentQuery {
  resourceType: string;
  /** Only these ids (an empty list matches nothing). */
  ids?: readonly string[];
  lastUpdated: readonly LastUpdatedCondition[];
  /** Search parameter conditions, ANDed (search.html#combining). */
  filters?: readonly SearchFilter[];
  /** Sort keys before the default order (search.html#sort). */
  sort?: readonly SortKey[];
  offset: number;
  /** Rows to return (may be 0). */
  limit: number;
  withTotal: boolean;
  /** search.html#_total `estimate`: the total may be an estimate (search/sql-query.ts says how). */
  estimateTotal?: boolean;
  /**
   * The server's default (search.html#total leaves it to the server): a total only when the plan
   * knows it cheaply (search/sql-query.ts), else none; never an estimate.
   */
  cheapTotalOnly?: boolean;
}

/** Versions across resources (type or system history, http.html#history), newest first. */
export interface HistoryQuery {
  /** Absent: every type (system level). */
  resourceType?: string;
  /** `_since`: only versions with lastUpdated >= this instant. */
  sinceMs?: number;
  offset: number;
  limit: number;
}

/**
 * References between current resources, from the search index (search.html#include):
 * `forward` lists what `sourceType` resources with `ids` point at through `param`;
 * `reverse` lists the `sourceType` resources pointing through `param` at `targetType` `ids`.
 */
export interface LinkQuery {
  direction: 'forward' | 'reverse';
  sourceType: string;
  param: string;
  /** Target type: a filter going forward, required going back. */
  targetType?: string;
  ids: readonly string[];
}

/** Thrown by a planner to abandon a commit; nothing is stored. */
export class AbortCommit extends Error {
  constructor() {
    super('commit abandoned');
    this.name = 'AbortCommit';
  }
}

export interface StoreBackend<R extends VersionRecord = VersionRecord> {
  /**
   * Runs `plan` with exclusive write access, then stores its versions durably in one transaction.
   * If `plan` throws, nothing is stored and the error propagates.
   */
  commit<T>(plan: (view: WriteView) => { versions: NewVersion[]; result: T }): Promise<T>;
  current(resourceType: string, id: string): Promise<R | undefined>;
  /** The current records of several resources of one type (deleted ones too), in no particular order; missing ids are left out. */
  currentMany(resourceType: string, ids: readonly string[]): Promise<R[]>;
  version(resourceType: string, id: string, version: number): Promise<R | undefined>;
  /** Every version, newest first. */
  versions(resourceType: string, id: string): Promise<R[]>;
  /** The stored JSON of a non-deleted version. */
  body(record: R): Promise<Resource>;
  /** body() of many, in their order (a scan page), when the store reads them faster together. */
  bodies?(records: readonly R[]): Promise<Resource[]>;
  counts(): Promise<ResourceCount[]>;
  /** Current non-deleted records matching the query: `sort` first, then newest lastUpdated, then id. */
  query(query: CurrentQuery): Promise<{ records: R[]; total?: number }>;
  /** `Type`/`id` pairs linked as LinkQuery says, each once. */
  links(query: LinkQuery): Promise<Array<{ resourceType: string; id: string }>>;
  /** Versions of many resources, newest lastUpdated first, then type, id, version descending. */
  historyPage(query: HistoryQuery): Promise<R[]>;
  /** Current non-deleted records of a type in (lastUpdated, key) order, resuming after `query.after` (scan.ts). */
  scan(query: ScanQuery): Promise<Array<{ record: R; key: ScanKey }>>;
}
