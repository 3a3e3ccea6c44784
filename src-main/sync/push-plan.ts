/**
 * The plan of a push (docs/sync.md "Push", step 1): which local resources to send and which
 * deletions, read so that a push of changes costs what changed, not the size of the vault.
 *
 * A finished push of whole types leaves a watermark per type (`SyncState.pushedThrough`, `*` for
 * every type): every local version last updated before it is in step with the server, in an open
 * conflict, or listed in `SyncState.pushBacklog`. The next `changed` push then reads only
 *   - the store's index rows of each type's resources whose current version is at or after the
 *     watermark (ResourceRepository.scanVersions: no resource read), and of those only the
 *     resources whose version is not the one the id map matches (sync's own records are skipped
 *     by id, so the map entries a push writes cost the next plan an index row each, no more),
 *   - the deletions since the watermark (resources whose current version is a deletion),
 *   - the backlog.
 * Without a watermark (first push, `all` mode, a clock set back, a repository without
 * scanVersions) it reads every current resource of the types, as before, and finds deletions by
 * comparing them with the id map. Scoped pushes read the keys of their scope.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { ResourceRepository } from '../fhir/repository';
import type { ScanKey } from '../fhir/scan';
import { checkCancelled } from './context';
import { findDeletions } from './deletions';
import { readLocal } from './forms';
import { referenceTargets } from './references';
import { type IdMap, isSyncRecord } from './store';
import type { IdMapEntry, PushRun, SyncState } from './types';

export interface PlanItem {
  resourceType: string;
  id: string;
  key: string;
  refs: string[];
}

export interface PushPlan {
  items: PlanItem[];
  deletions: IdMapEntry[];
  /** Open conflicts met while planning: kept in the backlog (docs/sync.md "Push"). */
  conflicted: string[];
  /** How the plan was read (for tests and the benchmark): `since` from watermarks, `full` every resource, `scope` the scope's keys. */
  read: 'since' | 'full' | 'scope';
  /** Local resources the plan read. */
  examined: number;
  /** Index rows it read (`since`: the store's rows of what changed, sync's own records included). */
  indexRows: number;
  /**
   * The planned resources as the plan read them (JSON text, by key), up to HOLD_BUDGET_CHARS in all:
   * the push sends these instead of reading (and decrypting) each resource a second time.
   */
  held: Map<string, string>;
}

/**
 * Characters of resource JSON a plan keeps for the push (about twice that in memory): a push of
 * changes up to this size reads each resource once; beyond it the rest is read again when sent.
 */
export const HOLD_BUDGET_CHARS = 64 * 1024 * 1024;

const SCAN_PAGE = 500;
const VERSION_PAGE = 5000;
/** The ids of sync's own records (store.ts): never pushed, so a plan does not read them. */
const SYNC_RECORD_ID = /^sync-(profile|state|map|conflict)-[0-9a-f]{40}$/;
const ALL = '*';

const typeOf = (key: string): string => key.slice(0, key.indexOf('/'));

const later = (a: string | undefined, b: string | undefined): string | undefined => (a === undefined ? b : b === undefined ? a : a > b ? a : b);

/** Whether a push's run covers a type for watermarks and backlog (scoped runs cover none). */
export function covers(run: PushRun, resourceType: string): boolean {
  if (run.query !== undefined || run.reviewedOnly) return false;
  return run.types.length === 0 || run.types.includes(resourceType);
}

/**
 * The watermark of a type: the later of the type's and the all-types one; undefined when there is
 * none, or when it is after `nowMs` (the clock was set back: the plan reads everything).
 */
export function watermark(state: SyncState, resourceType: string, nowMs: number): string | undefined {
  const through = state.pushedThrough ?? {};
  const w = resourceType === ALL ? through[ALL] : later(through[ALL], through[resourceType]);
  return w !== undefined && Date.parse(w) <= nowMs ? w : undefined;
}

/** The state once a push of `run` finished at watermark `planAt`: new watermarks, the backlog of what it left out of step. */
export function finishedState(state: SyncState, run: PushRun, planAt: string, leftOver: Iterable<string>): SyncState {
  if (run.query !== undefined || run.reviewedOnly) return state;
  const through = run.types.length === 0 ? { [ALL]: planAt } : { ...(state.pushedThrough ?? {}), ...Object.fromEntries(run.types.map((t) => [t, planAt])) };
  const backlog = new Set((state.pushBacklog ?? []).filter((k) => !covers(run, typeOf(k))));
  for (const k of leftOver) backlog.add(k);
  const next: SyncState = { ...state, pushedThrough: through };
  if (backlog.size > 0) next.pushBacklog = [...backlog].sort();
  else delete next.pushBacklog;
  return next;
}

export interface PlanInput {
  repository: ResourceRepository;
  run: PushRun;
  state: SyncState;
  /** The working id map (entries marked deleted are history: `live` leaves them out). */
  map: IdMap;
  conflicted: ReadonlySet<string>;
  /** A scoped run's keys. */
  scope: Set<string> | undefined;
  /** The types of an unscoped run (its types, else every type with resources). */
  types: string[];
  /** Date.now() before anything was read. */
  nowMs: number;
  signal?: AbortSignal;
  /** Keep what the plan read for the push (`PushPlan.held`); a dry run keeps nothing. */
  hold?: boolean;
}

/** The live (not deleted) id map entry of a resource. */
export function liveEntry(map: IdMap, resourceType: string, id: string): IdMapEntry | undefined {
  const e = map.local(resourceType, id);
  return e && !e.deleted ? e : undefined;
}

export async function planPush(input: PlanInput): Promise<PushPlan> {
  const { repository, run, state, map, conflicted, scope, types, nowMs, signal } = input;
  const items: PlanItem[] = [];
  const held = new Map<string, string>();
  let heldChars = 0;
  const planned = new Set<string>();
  const conflictsMet = new Set<string>();
  let examined = 0;
  let rows = 0;
  /** Considers one current local resource. */
  const consider = (r: Resource): void => {
    if (isSyncRecord(r) || !r.id) return;
    const key = `${r.resourceType}/${r.id}`;
    if (planned.has(key)) return;
    if (conflicted.has(key)) {
      conflictsMet.add(key);
      return;
    }
    if (scope && !scope.has(key)) return;
    const entry = liveEntry(map, r.resourceType, r.id);
    if (entry && entry.localVersion === r.meta?.versionId && (run.mode === 'changed' || entry.syncedAt >= run.startedAt)) return;
    planned.add(key);
    items.push({ resourceType: r.resourceType, id: r.id, key, refs: referenceTargets(r).map((t) => `${t.resourceType}/${t.id}`) });
    if (input.hold && heldChars < HOLD_BUDGET_CHARS) {
      const text = JSON.stringify(r);
      heldChars += text.length;
      held.set(key, text);
    }
  };
  const scanType = async (resourceType: string, since: string | undefined, seen?: Set<string>): Promise<void> => {
    let after: Parameters<ResourceRepository['scan']>[1]['after'];
    for (;;) {
      checkCancelled(signal);
      const page = await repository.scan(resourceType, { limit: SCAN_PAGE, ...(since ? { since } : {}), ...(after ? { after } : {}) });
      examined += page.resources.length;
      for (const r of page.resources) {
        if (r.id) seen?.add(`${resourceType}/${r.id}`);
        consider(r);
      }
      if (!page.next) break;
      after = page.next;
    }
  };

  if (scope) {
    // Scoped: the scope's keys, in a deterministic order; no deletions.
    for (const key of [...scope].sort()) {
      checkCancelled(signal);
      const slash = key.indexOf('/');
      const r = await readLocal(repository, key.slice(0, slash), key.slice(slash + 1));
      examined++;
      if (r) consider(r);
    }
    return { items, deletions: [], conflicted: [...conflictsMet], read: 'scope', examined, indexRows: 0, held };
  }

  const allTypes = run.types.length === 0;
  const allSince = allTypes ? watermark(state, ALL, nowMs) : undefined;
  const scanVersions = repository.scanVersions?.bind(repository);
  const deletionKeys = new Set<string>();
  let deletions: IdMapEntry[] = [];
  let read: PushPlan['read'] = 'since';

  if (run.mode === 'all' || !scanVersions || (allTypes && allSince === undefined)) {
    // Everything of the types, and deletions by comparison with the id map.
    read = 'full';
    const seen = new Set<string>();
    for (const t of types) await scanType(t, undefined, seen);
    deletions = findDeletions(map, seen, run.types, conflicted);
    for (const d of deletions) deletionKeys.add(`${d.resourceType}/${d.localId}`);
  } else {
    // What changed since the watermark, from the store's index alone: a resource is read only when
    // its current version is not the one the id map matches; deletions are the resources whose
    // current version since then is a deletion. A push of every type looks at every type (one index
    // probe each), so a type whose last resource was deleted is not missed.
    const fullTypes: string[] = [];
    const seen = new Set<string>();
    for (const t of allTypes ? repository.types() : types) {
      const since = allSince ?? watermark(state, t, nowMs);
      if (since === undefined) {
        fullTypes.push(t);
        await scanType(t, undefined, seen);
        continue;
      }
      for (const deleted of [false, true]) {
        let after: ScanKey | undefined;
        for (;;) {
          checkCancelled(signal);
          const page = await scanVersions(t, { since, limit: VERSION_PAGE, deleted, ...(after ? { after } : {}) });
          rows += page.versions.length;
          for (const v of page.versions) {
            if (t === 'Basic' && SYNC_RECORD_ID.test(v.id)) continue;
            const key = `${t}/${v.id}`;
            if (deleted) {
              deletionKeys.add(key);
              continue;
            }
            const entry = liveEntry(map, t, v.id);
            if (entry && entry.localVersion === v.versionId && run.mode === 'changed') continue;
            const r = await readLocal(repository, t, v.id);
            examined++;
            if (r) consider(r);
          }
          if (!page.next) break;
          after = page.next;
        }
      }
    }
    // A type without a watermark (never pushed alone): its deletions by comparison with the id map.
    if (fullTypes.length > 0) for (const d of findDeletions(map, seen, fullTypes, conflicted)) deletionKeys.add(`${d.resourceType}/${d.localId}`);
  }

  // The backlog of the last push: read again whatever its lastUpdated.
  for (const key of state.pushBacklog ?? []) {
    const t = typeOf(key);
    if (!covers(run, t) || planned.has(key) || deletionKeys.has(key)) continue;
    checkCancelled(signal);
    const r = await readLocal(repository, t, key.slice(t.length + 1));
    examined++;
    if (r) consider(r);
    else deletionKeys.add(key);
  }

  if (read === 'since' || (state.pushBacklog ?? []).length > 0) {
    const out: IdMapEntry[] = [];
    for (const key of deletionKeys) {
      const t = typeOf(key);
      const entry = liveEntry(map, t, key.slice(t.length + 1));
      if (!entry || !covers(run, t) || planned.has(key)) continue;
      if (conflicted.has(key)) {
        conflictsMet.add(key);
        continue;
      }
      out.push(entry);
    }
    deletions = out.sort((a, b) => (a.resourceType + a.localId < b.resourceType + b.localId ? -1 : 1));
  }
  return { items, deletions, conflicted: [...conflictsMet], read, examined, indexRows: rows, held };
}
