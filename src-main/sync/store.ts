/**
 * Sync state kept in the vault (docs/sync.md "State in the vault"): server profiles, the per-server
 * state (pull cursors, the push in progress and its in-flight chunk), the id map and the conflict
 * list, each as a `Basic` (https://hl7.org/fhir/R4/basic.html) coded with Hearth's resource-kind
 * system and carrying its record as JSON in one extension. Being resources, they are encrypted in
 * the log like everything else and written in the same store transactions as the data they
 * describe; push never sends them.
 */
import { createHash } from 'node:crypto';
import type { Basic, Resource } from '@medplum/fhirtypes';
import { fhirError, OperationOutcomeError } from '../fhir/outcome-error';
import type { ResourceRepository, WriteOp } from '../fhir/repository';
import { outcomeStatus } from '../api/result';
import { RESOURCE_KIND_SYSTEM } from '../review/record';
import type { SealedSecret } from './secrets';
import type { IdMapEntry, ServerProfile, SyncConflict, SyncState } from './types';

export const SYNC_RECORD_URL = 'https://hearth.local/fhir/StructureDefinition/sync-record';
export const SYNC_KINDS = ['sync-profile', 'sync-state', 'sync-map', 'sync-conflict'] as const;
export type SyncKind = (typeof SYNC_KINDS)[number];

/** A profile as stored: the listed fields plus its sealed secret (basic password or bearer token). */
export interface StoredProfile extends ServerProfile {
  secret?: SealedSecret;
  /** SMART App Launch: access and refresh tokens, sealed (auth-profile.ts). */
  tokens?: SealedSecret;
  /** PEM CA certificates trusted for this server besides the system's (tls.ts); not secret. */
  caBundle?: string;
}

const hash = (...parts: string[]): string => createHash('sha256').update(parts.join('\0'), 'utf8').digest('hex').slice(0, 40);

export const profileId = (name: string): string => `sync-profile-${hash(name)}`;
export const stateId = (name: string): string => `sync-state-${hash(name)}`;
export const mapId = (name: string, resourceType: string, localId: string): string => `sync-map-${hash(name, resourceType, localId)}`;
export const conflictId = (name: string, resourceType: string, localId: string): string => `sync-conflict-${hash(name, resourceType, localId)}`;

/** Whether a resource is one of the sync records (never pushed, never overwritten by a pull). */
export function isSyncRecord(resource: Resource): boolean {
  if (resource.resourceType !== 'Basic') return false;
  return (resource.code?.coding ?? []).some((c) => c.system === RESOURCE_KIND_SYSTEM && (SYNC_KINDS as readonly string[]).includes(c.code ?? ''));
}

function kindOf(resource: Basic): SyncKind | undefined {
  for (const c of resource.code?.coding ?? []) {
    if (c.system === RESOURCE_KIND_SYSTEM && (SYNC_KINDS as readonly string[]).includes(c.code ?? '')) return c.code as SyncKind;
  }
  return undefined;
}

function toBasic(id: string, kind: SyncKind, record: object): Basic {
  return {
    resourceType: 'Basic',
    id,
    code: { coding: [{ system: RESOURCE_KIND_SYSTEM, code: kind }] },
    extension: [{ url: SYNC_RECORD_URL, valueString: JSON.stringify(record) }],
  };
}

function recordOf<T>(resource: Basic): T {
  const text = resource.extension?.find((e) => e.url === SYNC_RECORD_URL)?.valueString;
  if (text === undefined) throw fhirError('exception', `Basic/${resource.id} is a sync record without its data`, 500);
  return JSON.parse(text) as T;
}

function isGone(e: unknown): boolean {
  if (!(e instanceof OperationOutcomeError)) return false;
  const status = outcomeStatus(e.outcome);
  return status === 404 || status === 410;
}

/** The write of one sync record, to batch with other writes. */
export function recordOp(id: string, kind: SyncKind, record: object): WriteOp {
  return { kind: 'update', resource: toBasic(id, kind, record), skipUnchanged: true };
}

export const mapOp = (server: string, entry: IdMapEntry): WriteOp => recordOp(mapId(server, entry.resourceType, entry.localId), 'sync-map', { ...entry, profile: server });
export const stateOp = (server: string, state: SyncState): WriteOp => recordOp(stateId(server), 'sync-state', { ...state, profile: server });
export const conflictOp = (server: string, conflict: SyncConflict): WriteOp =>
  recordOp(conflictId(server, conflict.resourceType, conflict.localId), 'sync-conflict', { ...conflict, profile: server });

/** The id map of one server, both ways. */
export class IdMap {
  private readonly byLocal = new Map<string, IdMapEntry>();
  private readonly byServer = new Map<string, string>();

  constructor(entries: Iterable<IdMapEntry> = []) {
    for (const e of entries) this.set(e);
  }

  get size(): number {
    return this.byLocal.size;
  }

  set(entry: IdMapEntry): void {
    const old = this.byLocal.get(`${entry.resourceType}/${entry.localId}`);
    if (old) this.byServer.delete(`${old.resourceType}/${old.serverId}`);
    this.byLocal.set(`${entry.resourceType}/${entry.localId}`, entry);
    this.byServer.set(`${entry.resourceType}/${entry.serverId}`, entry.localId);
  }

  local(resourceType: string, localId: string): IdMapEntry | undefined {
    return this.byLocal.get(`${resourceType}/${localId}`);
  }

  /** The local id of a server resource, when mapped. */
  localIdOf(resourceType: string, serverId: string): string | undefined {
    return this.byServer.get(`${resourceType}/${serverId}`);
  }

  entries(): IterableIterator<IdMapEntry> {
    return this.byLocal.values();
  }
}

export interface SyncRecords {
  profiles: StoredProfile[];
  states: Map<string, SyncState>;
  maps: Map<string, IdMapEntry[]>;
  conflicts: Map<string, SyncConflict[]>;
}

/** Reads and writes the sync records through the session's repository. */
export class SyncStore {
  constructor(
    private readonly repository: ResourceRepository,
    private readonly pageSize = 1000,
  ) {}

  private async readRecord<T>(id: string): Promise<T | undefined> {
    try {
      return recordOf<T>((await this.repository.read('Basic', id)) as Basic);
    } catch (e) {
      if (isGone(e)) return undefined;
      throw e;
    }
  }

  async profile(name: string): Promise<StoredProfile | undefined> {
    return this.readRecord<StoredProfile>(profileId(name));
  }

  async requireProfile(name: string): Promise<StoredProfile> {
    const found = await this.profile(name);
    if (!found) throw fhirError('not-found', `No server profile named "${name}"`, 404);
    return found;
  }

  async state(server: string): Promise<SyncState> {
    const stored = await this.readRecord<SyncState & { profile: string }>(stateId(server));
    if (!stored) return { pullCursor: {} };
    const { profile: _profile, ...state } = stored;
    return state;
  }

  async putProfile(profile: StoredProfile): Promise<void> {
    await this.write([recordOp(profileId(profile.name), 'sync-profile', profile)]);
  }

  async putState(server: string, state: SyncState): Promise<void> {
    await this.write([stateOp(server, state)]);
  }

  /** Writes ops in one atomic store transaction (all or nothing). */
  async write(ops: readonly WriteOp[]): Promise<void> {
    if (ops.length === 0) return;
    const results = await this.repository.writeBatch(ops, { atomic: true });
    const failed = results.find((r) => r.status === 'failed');
    if (failed && failed.status === 'failed') throw new OperationOutcomeError(failed.outcome);
  }

  async deleteRecord(id: string): Promise<void> {
    await this.repository.delete('Basic', id);
  }

  /** Every sync record, grouped (one scan of the Basic resources). */
  async all(): Promise<SyncRecords> {
    const out: SyncRecords = { profiles: [], states: new Map(), maps: new Map(), conflicts: new Map() };
    let after: Parameters<ResourceRepository['scan']>[1]['after'];
    for (;;) {
      const page = await this.repository.scan('Basic', { limit: this.pageSize, ...(after ? { after } : {}) });
      for (const resource of page.resources) {
        const kind = kindOf(resource as Basic);
        if (!kind) continue;
        // Records of a server carry its profile name in `profile` (SyncConflict has a `server` of its own).
        const record = recordOf<object>(resource as Basic);
        if (kind === 'sync-profile') out.profiles.push(record as StoredProfile);
        else if (kind === 'sync-state') {
          const { profile, ...state } = record as SyncState & { profile: string };
          out.states.set(profile, state);
        } else if (kind === 'sync-map') {
          const { profile, ...entry } = record as IdMapEntry & { profile: string };
          let list = out.maps.get(profile);
          if (!list) out.maps.set(profile, (list = []));
          list.push(entry);
        } else {
          const { profile, ...conflict } = record as SyncConflict & { profile: string };
          let list = out.conflicts.get(profile);
          if (!list) out.conflicts.set(profile, (list = []));
          list.push(conflict);
        }
      }
      if (!page.next) break;
      after = page.next;
    }
    out.profiles.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return out;
  }

  async idMap(server: string): Promise<IdMap> {
    return new IdMap((await this.all()).maps.get(server) ?? []);
  }

  async conflicts(server: string): Promise<SyncConflict[]> {
    return (await this.all()).conflicts.get(server) ?? [];
  }
}
