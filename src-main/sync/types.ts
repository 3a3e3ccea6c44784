/**
 * Sync with remote FHIR R4 servers (docs/sync.md): the shapes shared by the profile store, the
 * transport, push, pull and the service. Nothing here holds a secret in clear except
 * `ServerAuth` while a request is being built.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { OperationOutcome } from '../api/result';

export type AuthKind = 'none' | 'basic' | 'bearer';

/** Credentials in clear: only in memory, only while requests are made. */
export type ServerAuth = { kind: 'none' } | { kind: 'basic'; user: string; password: string } | { kind: 'bearer'; token: string };

/** A server profile as listed: never with its secret. */
export interface ServerProfile {
  name: string;
  baseUrl: string;
  auth: AuthKind;
  /** The basic-auth user (not secret); the password and tokens are never listed. */
  user?: string;
  /** Random per profile: the origin tag's code prefix (docs/sync.md "Idempotency"), so two vaults pushing the same local ids never collide. */
  originKey: string;
  /** Resource types to pull; empty: every type the server and Hearth both know. */
  pullTypes: string[];
  /** Resources per transaction / batch Bundle. */
  chunkSize: number;
  createdAt: string;
}

export interface ServerProfileInput {
  name: string;
  baseUrl: string;
  auth: ServerAuth;
  pullTypes?: string[];
  chunkSize?: number;
}

/** One local resource ↔ one server resource (docs/sync.md "Id map"). */
export interface IdMapEntry {
  resourceType: string;
  localId: string;
  serverId: string;
  /** meta.versionId the server gave back last (what If-Match sends). */
  serverVersion: string;
  /** The local meta.versionId that matches `serverVersion` (same content on both sides then). */
  localVersion: string;
  /** When this pair was last synced (push or pull). */
  syncedAt: string;
  /** When the local resource's deletion reached the server (or the server had it gone already): the pair is history. */
  deleted?: string;
}

/** The in-flight chunk of a push: written before the request, cleared with the id map entries of its results. */
export interface InFlightChunk {
  /** `Type/localId@localVersion` of every resource sent. */
  keys: string[];
  sentAt: string;
}

/** What a push that has not finished was asked to do; a resumed push continues it. */
export interface PushRun {
  mode: 'all' | 'changed';
  types: string[];
  startedAt: string;
  /** Only what this saved query matches (and the unsynced resources it refers to). */
  query?: string;
  /** Only notes whose review is done (and the unsynced resources they refer to). */
  reviewedOnly?: boolean;
}

/** Per-server sync state (docs/sync.md "State"). */
export interface SyncState {
  /** Pull cursor per type: the largest server meta.lastUpdated stored so far. */
  pullCursor: Record<string, string>;
  lastPushAt?: string;
  lastPullAt?: string;
  /** The push in progress (absent when none). */
  pushRun?: PushRun;
  inFlight?: InFlightChunk;
}

export type ConflictKind = 'push-precondition' | 'push-conflict' | 'pull-both-changed' | 'push-delete';

/** A resource changed on both sides: nothing overwritten, both versions kept until resolved. */
export interface SyncConflict {
  resourceType: string;
  localId: string;
  serverId: string;
  kind: ConflictKind;
  detectedAt: string;
  local: Resource;
  /** The server's current version (absent when the server no longer has it). */
  server?: Resource;
  /** Deleted here: `local` is its last version before the deletion. */
  localDeleted?: boolean;
}

/** A resource a push or pull could not sync, and why (never retried: 4xx other than 409/412/429). */
export interface SyncFailure {
  resourceType: string;
  id: string;
  status?: number;
  outcome: OperationOutcome;
}

export interface PushReport {
  dryRun: boolean;
  /** How the resources went: transaction, batch or single requests. */
  mode: 'transaction' | 'batch' | 'single' | 'none';
  planned: number;
  created: number;
  updated: number;
  unchanged: number;
  conflicts: number;
  failed: SyncFailure[];
  /** Requests repeated after a timeout, reset, 429 or 5xx. */
  retries: number;
  /** Dry run: what would be sent (`Type/id` and create, update or delete), at most 1,000. */
  plan?: Array<{ key: string; action: 'create' | 'update' | 'delete' }>;
  cancelled?: boolean;
  /** Local deletions pushed (DELETE done, or the server had it gone already). */
  deleted?: number;
}

export interface PullReport {
  dryRun: boolean;
  /** Server resources read. */
  received: number;
  created: number;
  updated: number;
  unchanged: number;
  conflicts: number;
  failed: SyncFailure[];
  retries: number;
  pages: number;
  plan?: Array<{ key: string; action: 'create' | 'update' }>;
  cancelled?: boolean;
}

export interface ConnectionReport {
  baseUrl: string;
  fhirVersion?: string;
  /** fhirVersion is 4.0.x. */
  r4: boolean;
  software?: string;
  transaction: boolean;
  batch: boolean;
  /** Types with their supported interactions (`read`, `create`, `update`, `search-type`...). */
  resources: Array<{ type: string; interactions: string[]; conditionalCreate: boolean }>;
  problems: string[];
}

export interface SyncStatus {
  server: string;
  mapped: number;
  conflicts: number;
  pullCursor: Record<string, string>;
  lastPushAt?: string;
  lastPullAt?: string;
  /** A push was interrupted: the next push resumes it. */
  pendingPush?: PushRun & { inFlight: number };
}

/** One difference between two versions of a resource, at a JSON path such as `name[0].given[1]`. */
export interface FieldDiff {
  path: string;
  /** Relative to ours: `added` is only in theirs, `removed` only in ours. */
  kind: 'added' | 'removed' | 'changed';
  ours?: unknown;
  theirs?: unknown;
}

/** A conflict with both sides in local form (local ids in references, no server meta) and their field-level diff. */
export interface ConflictDetail {
  conflict: SyncConflict;
  /** Our version (absent: deleted here). */
  ours?: Resource;
  /** The server's version as it would be stored here (absent: the server has none). */
  theirs?: Resource;
  diff: FieldDiff[];
}

export type ResolveChoice = { action: 'ours' } | { action: 'theirs' } | { action: 'merge'; resource: Resource };

export interface ResolveResult {
  /** `refreshed`: a side moved since the conflict was recorded; the conflict now shows the new versions and nothing was written. */
  outcome: 'resolved' | 'refreshed';
  action: ResolveChoice['action'];
  /** The refreshed conflict. */
  conflict?: SyncConflict;
  /** The server version now in step (absent when the resource is deleted on both sides). */
  serverVersion?: string;
  localVersion?: string;
}
