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

/** The write of one sync record, to batch with other writes. */
export function recordOp(id: string, kind: SyncKind, record: object): WriteOp {
  return { kind: 'update', resource: toBasic(id, kind, record), skipUnchanged: true };
}

export const mapOp = (server: string, entry: IdMapEntry): WriteOp => recordOp(mapId(server, entry.resourceType, entry.localId), 'sync-map', { ...entry, profile: server });
export const stateOp = (server: string, state: SyncState): WriteOp => recordOp(stateId(server), 'sync-state', { ...state, profile: server });
export const conflictOp = (server: string, conflict: SyncConflict): WriteOp =>
  recordOp(conflictId(server, conflict.resourceType, conflict.localId), 'sync-conflict', { ...conflict, profile: server });

/**
 * The id map of one server, both ways. A map made `over` another is a working copy: it reads
 * through to the other and keeps its own changes, so a push or pull sets entries as answers come
 * without touching the store's index before they are written (and without copying the whole map).
 */
export class IdMap {
  private readonly byLocal = new Map<string, IdMapEntry>();
  private readonly byServer = new Map<string, string>();
  /** Server keys of the base map that this map's own entries moved away from. */
  private readonly gone = new Set<string>();

  constructor(
    entries: Iterable<IdMapEntry> = [],
    private readonly base?: IdMap,
  ) {
    for (const e of entries) this.set(e);
  }

  /** A working copy over `base` (see the class comment). */
  static over(base: IdMap): IdMap {
    return new IdMap([], base);
  }

  get size(): number {
    if (!this.base) return this.byLocal.size;
    let added = 0;
    for (const key of this.byLocal.keys()) if (!this.base.byLocalKey(key)) added++;
    return this.base.size + added;
  }

  private byLocalKey(key: string): IdMapEntry | undefined {
    return this.byLocal.get(key) ?? this.base?.byLocalKey(key);
  }

  set(entry: IdMapEntry): void {
    const old = this.byLocalKey(`${entry.resourceType}/${entry.localId}`);
    if (old) {
      const oldServer = `${old.resourceType}/${old.serverId}`;
      this.byServer.delete(oldServer);
      if (this.base) this.gone.add(oldServer);
    }
    const serverKey = `${entry.resourceType}/${entry.serverId}`;
    this.byLocal.set(`${entry.resourceType}/${entry.localId}`, entry);
    this.byServer.set(serverKey, entry.localId);
    this.gone.delete(serverKey);
  }

  /** Removes the entry of a local resource (only on a map that is not a working copy). */
  remove(resourceType: string, localId: string): void {
    const old = this.byLocal.get(`${resourceType}/${localId}`);
    if (!old) return;
    this.byLocal.delete(`${resourceType}/${localId}`);
    if (this.byServer.get(`${resourceType}/${old.serverId}`) === localId) this.byServer.delete(`${resourceType}/${old.serverId}`);
  }

  local(resourceType: string, localId: string): IdMapEntry | undefined {
    return this.byLocalKey(`${resourceType}/${localId}`);
  }

  /** The local id of a server resource, when mapped. */
  localIdOf(resourceType: string, serverId: string): string | undefined {
    const key = `${resourceType}/${serverId}`;
    const own = this.byServer.get(key);
    if (own !== undefined || !this.base || this.gone.has(key)) return own;
    return this.base.localIdOf(resourceType, serverId);
  }

  *entries(): IterableIterator<IdMapEntry> {
    if (this.base) {
      for (const e of this.base.entries()) if (!this.byLocal.has(`${e.resourceType}/${e.localId}`)) yield e;
    }
    yield* this.byLocal.values();
  }
}

export interface SyncRecords {
  profiles: StoredProfile[];
  states: Map<string, SyncState>;
  maps: Map<string, IdMapEntry[]>;
  conflicts: Map<string, SyncConflict[]>;
}

/** Where a record lives in the index, by its Basic id (a delete names only the id). */
type IndexSlot = { kind: 'sync-profile'; name: string } | { kind: 'sync-state'; server: string } | { kind: 'sync-map' | 'sync-conflict'; server: string; key: string };

/**
 * Every sync record of the vault in memory (docs/sync.md "State in the vault", "Index"): built from
 * one scan of `Basic` the first time it is needed, then kept up to date by the store's own writes,
 * so a push, pull or status costs no scan and a lookup by (profile, type, local id) or by server id
 * is a hash lookup whatever the size of the map.
 */
class SyncIndex {
  readonly profiles = new Map<string, StoredProfile>();
  readonly states = new Map<string, SyncState>();
  readonly maps = new Map<string, IdMap>();
  readonly conflicts = new Map<string, Map<string, SyncConflict>>();
  private readonly slots = new Map<string, IndexSlot>();

  apply(resource: Basic): void {
    const kind = kindOf(resource);
    if (!kind || !resource.id) return;
    this.remove(resource.id);
    // Records of a server carry its profile name in `profile` (SyncConflict has a `server` of its own).
    const record = recordOf<object>(resource);
    if (kind === 'sync-profile') {
      const profile = record as StoredProfile;
      this.profiles.set(profile.name, profile);
      this.slots.set(resource.id, { kind, name: profile.name });
    } else if (kind === 'sync-state') {
      const { profile, ...state } = record as SyncState & { profile: string };
      this.states.set(profile, state);
      this.slots.set(resource.id, { kind, server: profile });
    } else if (kind === 'sync-map') {
      const { profile, ...entry } = record as IdMapEntry & { profile: string };
      let map = this.maps.get(profile);
      if (!map) this.maps.set(profile, (map = new IdMap()));
      map.set(entry);
      this.slots.set(resource.id, { kind, server: profile, key: `${entry.resourceType}/${entry.localId}` });
    } else {
      const { profile, ...conflict } = record as SyncConflict & { profile: string };
      const key = `${conflict.resourceType}/${conflict.localId}`;
      let list = this.conflicts.get(profile);
      if (!list) this.conflicts.set(profile, (list = new Map()));
      list.set(key, conflict);
      this.slots.set(resource.id, { kind, server: profile, key });
    }
  }

  remove(id: string): void {
    const slot = this.slots.get(id);
    if (!slot) return;
    this.slots.delete(id);
    if (slot.kind === 'sync-profile') this.profiles.delete(slot.name);
    else if (slot.kind === 'sync-state') this.states.delete(slot.server);
    else if (slot.kind === 'sync-map') {
      const [resourceType, ...rest] = slot.key.split('/');
      this.maps.get(slot.server)?.remove(resourceType!, rest.join('/'));
    } else this.conflicts.get(slot.server)?.delete(slot.key);
  }
}

/** Reads and writes the sync records through the session's repository. */
export class SyncStore {
  private index: Promise<SyncIndex> | undefined;

  constructor(
    private readonly repository: ResourceRepository,
    private readonly pageSize = 1000,
  ) {}

  /** The index, built by one scan of `Basic` on first use (a failed build is tried again next time). */
  private loaded(): Promise<SyncIndex> {
    this.index ??= this.build().catch((e: unknown) => {
      this.index = undefined;
      throw e;
    });
    return this.index;
  }

  private async build(): Promise<SyncIndex> {
    const index = new SyncIndex();
    let after: Parameters<ResourceRepository['scan']>[1]['after'];
    for (;;) {
      const page = await this.repository.scan('Basic', { limit: this.pageSize, ...(after ? { after } : {}) });
      for (const resource of page.resources) index.apply(resource as Basic);
      if (!page.next) break;
      after = page.next;
    }
    return index;
  }

  /** Forgets the index: the next use scans again (after the records were written by something other than this store). */
  reload(): void {
    this.index = undefined;
  }

  async profile(name: string): Promise<StoredProfile | undefined> {
    return (await this.loaded()).profiles.get(name);
  }

  async requireProfile(name: string): Promise<StoredProfile> {
    const found = await this.profile(name);
    if (!found) throw fhirError('not-found', `No server profile named "${name}"`, 404);
    return found;
  }

  async profiles(): Promise<StoredProfile[]> {
    return [...(await this.loaded()).profiles.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async state(server: string): Promise<SyncState> {
    return (await this.loaded()).states.get(server) ?? { pullCursor: {} };
  }

  async putProfile(profile: StoredProfile): Promise<void> {
    await this.write([recordOp(profileId(profile.name), 'sync-profile', profile)]);
  }

  async putState(server: string, state: SyncState): Promise<void> {
    await this.write([stateOp(server, state)]);
  }

  /** Writes ops in one atomic store transaction (all or nothing); the index follows once it is stored. */
  async write(ops: readonly WriteOp[]): Promise<void> {
    if (ops.length === 0) return;
    const results = await this.repository.writeBatch(ops, { atomic: true });
    const failed = results.find((r) => r.status === 'failed');
    if (failed && failed.status === 'failed') throw new OperationOutcomeError(failed.outcome);
    if (!this.index) return;
    const index = await this.index;
    results.forEach((result, i) => {
      const op = ops[i]!;
      if (result.status === 'created' || result.status === 'updated' || result.status === 'unchanged') {
        if (result.resource.resourceType === 'Basic') index.apply(result.resource as Basic);
      } else if (result.status === 'deleted' && op.kind === 'delete' && op.resourceType === 'Basic') index.remove(op.id);
    });
  }

  async deleteRecord(id: string): Promise<void> {
    await this.repository.delete('Basic', id);
    if (this.index) (await this.index).remove(id);
  }

  /** Every sync record, grouped (copies out of the index). */
  async all(): Promise<SyncRecords> {
    const index = await this.loaded();
    const out: SyncRecords = { profiles: await this.profiles(), states: new Map(index.states), maps: new Map(), conflicts: new Map() };
    for (const [server, map] of index.maps) out.maps.set(server, [...map.entries()]);
    for (const [server, list] of index.conflicts) out.conflicts.set(server, [...list.values()]);
    return out;
  }

  /**
   * A working copy of a server's id map (IdMap.over): lookups read the index, changes stay in the
   * copy until they are written through `write`.
   */
  async idMap(server: string): Promise<IdMap> {
    const index = await this.loaded();
    let map = index.maps.get(server);
    if (!map) index.maps.set(server, (map = new IdMap()));
    return IdMap.over(map);
  }

  /** How many resources are mapped for a server (a pair deleted on both sides is history, not counted). */
  async mappedCount(server: string): Promise<number> {
    let n = 0;
    for (const e of (await this.loaded()).maps.get(server)?.entries() ?? []) if (!e.deleted) n++;
    return n;
  }

  async conflicts(server: string): Promise<SyncConflict[]> {
    return [...((await this.loaded()).conflicts.get(server)?.values() ?? [])];
  }

  /** `Type/localId` of every resource with an open conflict for a server. */
  async conflictKeys(server: string): Promise<Set<string>> {
    return new Set((await this.loaded()).conflicts.get(server)?.keys() ?? []);
  }
}
