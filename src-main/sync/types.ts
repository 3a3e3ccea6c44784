/**
 * Sync with remote FHIR R4 servers (docs/sync.md): the shapes shared by the profile store, the
 * transport, push, pull and the service. Nothing here holds a secret in clear except
 * `ServerAuth` while a request is being built.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { OperationOutcome } from '../api/result';

export type AuthKind = 'none' | 'basic' | 'bearer' | 'smart-backend' | 'smart-launch';

/** JWS algorithms SMART Backend Services requires clients to support (RS384 over RSA, ES384 over P-384). */
export type SmartAlg = 'RS384' | 'ES384';

/**
 * SMART Backend Services (client_credentials with a private_key_jwt assertion,
 * https://hl7.org/fhir/smart-app-launch/backend-services.html). `privateKey` is PEM or a JWK (JSON).
 */
export interface SmartBackendAuth {
  kind: 'smart-backend';
  clientId: string;
  privateKey: string;
  /** The JWS `kid` (default: the key's RFC 7638 thumbprint). */
  keyId?: string;
  /** Default: RS384 for an RSA key, ES384 for a P-384 key. */
  alg?: SmartAlg;
  /** Default: `token_endpoint` of [base]/.well-known/smart-configuration. */
  tokenUrl?: string;
  /** Default: `system/*.read system/*.write`. */
  scope?: string;
}

/**
 * SMART App Launch, standalone, public client with PKCE S256 in the system browser
 * (https://hl7.org/fhir/smart-app-launch/app-launch.html). Saving it stores no token: the user
 * authorizes afterwards (`SyncService.authorize`), and the tokens are sealed then.
 */
export interface SmartLaunchAuth {
  kind: 'smart-launch';
  clientId: string;
  /** Default: `openid fhirUser offline_access user/*.read user/*.write`. */
  scope?: string;
  /** Default: from [base]/.well-known/smart-configuration. */
  authorizeUrl?: string;
  tokenUrl?: string;
}

/** Credentials in clear: only in memory, only while requests are made. */
export type ServerAuth = { kind: 'none' } | { kind: 'basic'; user: string; password: string } | { kind: 'bearer'; token: string } | SmartBackendAuth | SmartLaunchAuth;

/**
 * SMART Backend Services as saved (sync.saveServer): the key as text (`privateKey`), or a file on
 * this machine the service reads it from (`privateKeyFile`, the desktop app's file picker), or
 * neither when a saved backend profile is edited: its sealed key is kept.
 */
export type SmartBackendAuthInput = Omit<SmartBackendAuth, 'privateKey'> & { privateKey?: string; privateKeyFile?: string };

/** Credentials as a profile is saved with them. */
export type ServerAuthInput = Exclude<ServerAuth, SmartBackendAuth> | SmartBackendAuthInput;

/** A server profile as listed: never with its secret. */
export interface ServerProfile {
  name: string;
  baseUrl: string;
  auth: AuthKind;
  /** The basic-auth user (not secret); the password and tokens are never listed. */
  user?: string;
  /** SMART (backend or launch): the client id, scope and endpoints as given (not secret). */
  smart?: { clientId: string; scope: string; keyId?: string; alg?: SmartAlg; tokenUrl?: string; authorizeUrl?: string };
  /** SMART App Launch: when the user authorized (absent: not yet; push and pull ask for it). */
  authorizedAt?: string;
  /** A custom CA bundle is trusted for this server (in addition to the system's). */
  customCa?: boolean;
  /** The certificates of that bundle (not secret): subject, its CN and end date, for the Sync screen ("custom CA: CN, expires …"). */
  ca?: CaSummary[];
  /** Random per profile: the origin tag's code prefix (docs/sync.md "Idempotency"), so two vaults pushing the same local ids never collide. */
  originKey: string;
  /** Resource types to pull; empty: every type the server and Hearth both know. */
  pullTypes: string[];
  /** Resources per transaction / batch Bundle. */
  chunkSize: number;
  createdAt: string;
}

/** One certificate of a profile's custom CA bundle, as listed. */
export interface CaSummary {
  subject: string;
  commonName?: string;
  /** ISO instant. */
  validTo: string;
}

export interface ServerProfileInput {
  name: string;
  baseUrl: string;
  auth: ServerAuthInput;
  pullTypes?: string[];
  chunkSize?: number;
  /** PEM certificates trusted in addition to the system's for this server (hospital CAs); `null` removes it. */
  caBundle?: string | null;
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
  /**
   * Plan watermarks of push (docs/sync.md "Push", step 1), per type (`*`: a push of every type):
   * every local version last updated before it is in step with the server, in an open conflict, or
   * listed in `pushBacklog`. A push of changes reads only what was updated (or deleted) since.
   * Instants of the repository's clock (meta.lastUpdated).
   */
  pushedThrough?: Record<string, string>;
  /** `Type/id` of resources a finished push left out of step (refused, a reference left local, deleted while sent, in conflict): the next plan reads them whatever their lastUpdated. */
  pushBacklog?: string[];
  /** A Bulk Data export pulled into the vault and not finished yet (bulk-pull.ts): resumed, not started again. */
  bulkExport?: BulkExportProgress;
}

/** An export in progress (docs/sync.md "Pull", Bulk Data): where to poll, and which files are in. */
export interface BulkExportProgress {
  /** The kick-off's Content-Location (the status URL). */
  statusUrl: string;
  /** The export's types (comma-separated `_type`), `_since` and level, so a resume asks for the same export. */
  types: string[];
  since?: string;
  level: 'bulk-system' | 'bulk-patient' | 'bulk-group';
  group?: string;
  kickedOffAt: string;
  /** The manifest once the server completed the export (absent while polling). */
  manifest?: { transactionTime: string; requiresAccessToken: boolean; output: Array<{ type: string; url: string }>; error: Array<{ type: string; url: string }>; deleted?: Array<{ type: string; url: string }> };
  /** Output (and deleted) file URLs imported completely. */
  done: string[];
  /** Of the file being imported: its URL and how many of its lines are written (a resume skips them). */
  partial?: { url: string; lines: number };
  /** Error files already reported. */
  errorsReported?: boolean;
}

export type ConflictKind = 'push-precondition' | 'push-conflict' | 'pull-both-changed' | 'push-delete' | 'pull-delete';

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
  /** How the plan read the vault: `since` the last push's watermark, `full` every resource of the types, `scope` a scope's keys (docs/sync.md "Push"). */
  planRead?: 'since' | 'full' | 'scope';
  /** Local resources the plan read. */
  planExamined?: number;
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
  /** How the resources came: Bulk Data `$export` (system, Patient or Group level) or search paging. */
  via?: 'bulk-system' | 'bulk-patient' | 'bulk-group' | 'paging';
  plan?: Array<{ key: string; action: 'create' | 'update' | 'delete' }>;
  cancelled?: boolean;
  /** Server deletions applied here (the local copy had not changed since the last sync). */
  deleted?: number;
  /** A Bulk Data export resumed after an interruption (docs/sync.md "Pull"). */
  resumed?: boolean;
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

/** Where a SMART App Launch sign-in stands (`SyncService.authorization`). */
export interface AuthorizationStatus {
  status: 'none' | 'pending' | 'authorized' | 'failed';
  /** While pending: the URL to open in the system browser. */
  url?: string;
  authorizedAt?: string;
  error?: string;
}
