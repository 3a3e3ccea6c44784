/**
 * Pull (docs/sync.md "Pull"): per resource type, the server's resources last updated at or after
 * the type's cursor (`_lastUpdated=ge…&_sort=_lastUpdated`), page by page through Bundle.link
 * `next`, stored as new local versions with references rewritten to local ids. Each page's
 * resources are written first, then — in one store transaction — their id map entries, any
 * conflicts and the advanced cursor; a page pulled again after a crash changes nothing (the id
 * map or the unchanged content recognises every resource).
 */
import { createHash } from 'node:crypto';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { outcome, outcomeStatus } from '../api/result';
import { OperationOutcomeError } from '../fhir/outcome-error';
import type { WriteOp } from '../fhir/repository';
import { bulkPull } from './bulk-pull';
import { historyEntryId } from './history';
import { analyzeCapabilities, searchableTypes } from './capability';
import { originOf, sameContent, withoutServerMeta } from './content';
import { checkCancelled, type SyncContext } from './context';
import { rewriteReferences } from './references';
import { withRetry } from './retry';
import { conflictOp, isSyncRecord, mapOp, stateOp } from './store';
import type { IdMapEntry, PullReport, SyncConflict, SyncState } from './types';

export interface PullOptions {
  /** Types to pull; absent: the profile's pullTypes, else every type both sides know. */
  types?: string[];
  dryRun?: boolean;
  /** Resources per page asked of the server (default 100). */
  pageSize?: number;
  /** Bulk Data $export where the server offers it (default true; a dry run always pages). */
  bulk?: boolean;
  /** Group-level $export of this Group id (bulk-pull.ts). */
  group?: string;
}

const PLAN_LIST_LIMIT = 1000;

async function readLocal(ctx: SyncContext, resourceType: string, id: string): Promise<Resource | undefined> {
  try {
    return await ctx.repository.read(resourceType, id);
  } catch (e) {
    if (e instanceof OperationOutcomeError && [404, 410].includes(outcomeStatus(e.outcome))) return undefined;
    throw e;
  }
}

export async function pull(ctx: SyncContext, options: PullOptions = {}): Promise<PullReport> {
  const { profile, repository, store, transport, signal } = ctx;
  const server = profile.name;
  const report: PullReport = { dryRun: options.dryRun === true, received: 0, created: 0, updated: 0, unchanged: 0, conflicts: 0, failed: [], retries: 0, pages: 0 };
  const retry = <T>(fn: () => Promise<T>): Promise<T> => withRetry(fn, ctx.retry, signal, () => report.retries++);
  // From the store's index (no scan): the map is a working copy, written back page by page.
  let state: SyncState = await store.state(server);
  const map = await store.idMap(server);
  const conflicted = await store.conflictKeys(server);
  const cs = await retry(() => transport.capabilities(signal));
  const capability = analyzeCapabilities(transport.baseUrl, cs);
  if (!capability.r4) throw new OperationOutcomeError(outcome('not-supported', capability.problems.join('; '), { status: 400 }));
  const local = new Set(repository.types());
  const asked = options.types && options.types.length > 0 ? options.types : profile.pullTypes.length > 0 ? profile.pullTypes : searchableTypes(capability);
  const types = asked.filter((t) => local.has(t)).sort();
  const plan: NonNullable<PullReport['plan']> = [];
  const startedAt = ctx.now().toISOString();

  /** The local id for a server resource: from the origin tag (ours), the id map, else the server id when free here. */
  const localIdFor = async (resource: Resource): Promise<string> => {
    const origin = originOf(resource, profile.originKey);
    if (origin?.startsWith(`${resource.resourceType}/`)) return origin.slice(resource.resourceType.length + 1);
    const mapped = map.localIdOf(resource.resourceType, resource.id!);
    if (mapped) return mapped;
    const existing = await readLocal(ctx, resource.resourceType, resource.id!);
    // Taken by an unmapped local resource: a deterministic other id, so a repeated pull finds the same one.
    if (existing && !sameContent(existing, resource) && !map.local(resource.resourceType, resource.id!)) {
      return `s-${createHash('sha256').update(`${server}\0${resource.resourceType}\0${resource.id!}`).digest('hex').slice(0, 40)}`;
    }
    return resource.id!;
  };

  /** `advanceCursor` false for Bulk Data files: not sorted by lastUpdated, their cursor is the manifest's transactionTime. */
  const processPage = async (resourceType: string, bundle: Bundle, advanceCursor = true): Promise<void> => {
    report.pages++;
    const resources = (bundle.entry ?? [])
      .filter((e) => e.search?.mode === undefined || e.search.mode === 'match')
      .map((e) => e.resource)
      .filter((r): r is Resource => r !== undefined && r.resourceType === resourceType && typeof r.id === 'string');
    const writes: Array<{ op: WriteOp; serverId: string; serverVersion: string; localId: string; created: boolean }> = [];
    const recordOps: WriteOp[] = [];
    let cursor = state.pullCursor[resourceType];
    for (const resource of resources) {
      report.received++;
      const lastUpdated = resource.meta?.lastUpdated;
      if (lastUpdated && (cursor === undefined || lastUpdated > cursor)) cursor = lastUpdated;
      if (isSyncRecord(resource)) continue;
      const serverVersion = resource.meta?.versionId ?? '';
      const localId = await localIdFor(resource);
      const key = `${resourceType}/${localId}`;
      const entry = map.local(resourceType, localId);
      if (entry && entry.serverId === resource.id && entry.serverVersion === serverVersion) {
        report.unchanged++;
        continue;
      }
      const incoming = rewriteReferences(withoutServerMeta(resource), (t) => {
        const mapped = map.localIdOf(t.resourceType, t.id);
        return mapped !== undefined && mapped !== t.id ? `${t.resourceType}/${mapped}` : undefined;
      });
      incoming.id = localId;
      const current = await readLocal(ctx, resourceType, localId);
      if (current && sameContent(current, incoming)) {
        // Already here (our own push, or a page written before an interruption): only the map moves.
        report.unchanged++;
        const next: IdMapEntry = { resourceType, localId, serverId: resource.id!, serverVersion, localVersion: current.meta?.versionId ?? '', syncedAt: startedAt };
        map.set(next);
        recordOps.push(mapOp(server, next));
        continue;
      }
      const localChanged = current !== undefined && (entry === undefined || entry.localVersion !== current.meta?.versionId);
      if (conflicted.has(key) || localChanged) {
        // Changed on both sides since the last sync: keep both, overwrite nothing.
        report.conflicts++;
        if (!options.dryRun) {
          const conflict: SyncConflict = { resourceType, localId, serverId: resource.id!, kind: 'pull-both-changed', detectedAt: startedAt, local: current ?? incoming, server: resource };
          recordOps.push(conflictOp(server, conflict));
        }
        continue;
      }
      if (options.dryRun) {
        if (plan.length < PLAN_LIST_LIMIT) plan.push({ key, action: current ? 'update' : 'create' });
        if (current) report.updated++;
        else report.created++;
        continue;
      }
      const op: WriteOp = { kind: 'update', resource: incoming, skipUnchanged: true, ...(current?.meta?.versionId ? { ifMatch: current.meta.versionId } : {}) };
      writes.push({ op, serverId: resource.id!, serverVersion, localId, created: current === undefined });
    }
    if (options.dryRun) return;
    if (writes.length > 0) {
      const results = await repository.writeBatch(writes.map((w) => w.op));
      results.forEach((result, i) => {
        const w = writes[i]!;
        if (result.status === 'created' || result.status === 'updated' || result.status === 'unchanged') {
          if (result.status === 'unchanged') report.unchanged++;
          else if (w.created) report.created++;
          else report.updated++;
          const next: IdMapEntry = { resourceType, localId: w.localId, serverId: w.serverId, serverVersion: w.serverVersion, localVersion: result.resource.meta?.versionId ?? '', syncedAt: startedAt };
          map.set(next);
          recordOps.push(mapOp(server, next));
        } else if (result.status === 'failed') {
          report.failed.push({ resourceType, id: w.localId, status: outcomeStatus(result.outcome), outcome: result.outcome });
        }
      });
    }
    if (advanceCursor && cursor !== undefined) state = { ...state, pullCursor: { ...state.pullCursor, [resourceType]: cursor } };
    await store.write([...recordOps, stateOp(server, state)]);
  };

  /**
   * Server deletions (docs/sync.md "Pull", deletions) of resources mapped here: deleted here too when
   * the local copy is the version last synced, a conflict (`pull-delete`) when it changed here since.
   * Like a page: the local deletions first, then their map entries and conflicts in one store
   * transaction; repeated after a crash, a resource already deleted here only has its entry marked.
   */
  const applyServerDeletions = async (resourceType: string, serverIds: Iterable<string>): Promise<void> => {
    const deletes: WriteOp[] = [];
    const after: IdMapEntry[] = [];
    const recordOps: WriteOp[] = [];
    for (const serverId of serverIds) {
      const localId = map.localIdOf(resourceType, serverId);
      if (localId === undefined) continue;
      const entry = map.local(resourceType, localId);
      const key = `${resourceType}/${localId}`;
      // An open conflict is settled first: its resolution reads the server again.
      if (!entry || entry.deleted || entry.serverId !== serverId || conflicted.has(key)) continue;
      const gone: IdMapEntry = { ...entry, localVersion: '', syncedAt: startedAt, deleted: startedAt };
      const current = await readLocal(ctx, resourceType, localId);
      if (!current) {
        // Deleted on both sides: the pair is history.
        if (!options.dryRun) {
          map.set(gone);
          recordOps.push(mapOp(server, gone));
        }
        continue;
      }
      if (current.meta?.versionId !== entry.localVersion) {
        report.conflicts++;
        if (!options.dryRun) recordOps.push(conflictOp(server, { resourceType, localId, serverId, kind: 'pull-delete', detectedAt: startedAt, local: current }));
        continue;
      }
      if (options.dryRun) {
        report.deleted = (report.deleted ?? 0) + 1;
        if (plan.length < PLAN_LIST_LIMIT) plan.push({ key, action: 'delete' });
        continue;
      }
      // Conditional on the version just read: an edit made here since then is not deleted with it (below).
      deletes.push({ kind: 'delete', resourceType, id: localId, ifMatch: `W/"${entry.localVersion}"` });
      after.push(gone);
    }
    if (options.dryRun) return;
    if (deletes.length > 0) {
      const results = await repository.writeBatch(deletes);
      for (const [i, result] of results.entries()) {
        const gone = after[i]!;
        if (result.status === 'deleted') {
          report.deleted = (report.deleted ?? 0) + 1;
          map.set(gone);
          recordOps.push(mapOp(server, gone));
        } else if (result.status === 'failed' && outcomeStatus(result.outcome) === 412) {
          // Changed (or deleted) here between the read and the delete: nothing was deleted.
          const now = await readLocal(ctx, resourceType, gone.localId);
          if (!now) {
            map.set(gone);
            recordOps.push(mapOp(server, gone));
          } else {
            report.conflicts++;
            recordOps.push(conflictOp(server, { resourceType, localId: gone.localId, serverId: gone.serverId, kind: 'pull-delete', detectedAt: startedAt, local: now }));
          }
        } else if (result.status === 'failed') {
          report.failed.push({ resourceType, id: gone.localId, status: outcomeStatus(result.outcome), outcome: result.outcome });
        }
      }
    }
    await store.write(recordOps);
  };

  /** Types with a live id map entry (computed once, only when a type without a cursor asks). */
  let mappedTypes: Set<string> | undefined;
  const hasMapped = (resourceType: string): boolean => {
    if (!mappedTypes) {
      mappedTypes = new Set();
      for (const e of map.entries()) if (!e.deleted) mappedTypes.add(e.resourceType);
    }
    return mappedTypes.has(resourceType);
  };
  /**
   * The server's deletions of a type since `since` (http.html#history: `Type/_history?_since=`,
   * entries with request.method DELETE, newest first: a resource created again after its deletion
   * is not deleted), when the CapabilityStatement lists `history-type` for it. Without a cursor
   * (never pulled) the whole history, and only when something of the type is mapped.
   */
  const historyDeletions = async (resourceType: string, since: string | undefined): Promise<void> => {
    const history = transport.history?.bind(transport);
    const supported = capability.resources.find((r) => r.type === resourceType)?.interactions.includes('history-type');
    if (!history || !supported || (since === undefined && !hasMapped(resourceType))) return;
    const params: Array<[string, string]> = [['_count', String(options.pageSize ?? 100)]];
    if (since) params.push(['_since', since]);
    const newest = new Set<string>();
    const deleted: string[] = [];
    let page: Bundle | undefined = await retry(() => history(resourceType, params, signal));
    while (page) {
      checkCancelled(signal);
      for (const e of page.entry ?? []) {
        const id = historyEntryId(resourceType, e);
        if (id === undefined || newest.has(id)) continue;
        newest.add(id);
        if (e.request?.method === 'DELETE') deleted.push(id);
      }
      const current: Bundle = page;
      page = await retry(() => transport.nextPage(current, signal));
    }
    for (let i = 0; i < deleted.length; i += 100) await applyServerDeletions(resourceType, deleted.slice(i, i + 100));
  };

  // Bulk Data first when offered: one export for every type, `_since` the oldest cursor (none if a type has none yet).
  const cursors = types.map((t) => state.pullCursor[t]);
  const since = cursors.every((c): c is string => c !== undefined) ? cursors.sort()[0] : undefined;
  const bulk =
    options.dryRun || options.bulk === false
      ? undefined
      : await bulkPull(ctx, cs, {
          types,
          ...(since ? { since } : {}),
          ...(options.group !== undefined ? { group: options.group } : {}),
          report,
          write: (resourceType, resources) => processPage(resourceType, { resourceType: 'Bundle', type: 'collection', entry: resources.map((resource) => ({ resource })) }, false),
          deleted: applyServerDeletions,
          progress: {
            current: () => state.bulkExport,
            save: async (progress, persist) => {
              state = { ...state };
              if (progress) state.bulkExport = progress;
              else delete state.bulkExport;
              if (persist) await store.putState(server, state);
            },
          },
          finish: async (transactionTime) => {
            state = { ...state, pullCursor: { ...state.pullCursor, ...Object.fromEntries(types.map((t) => [t, transactionTime])) } };
            delete state.bulkExport;
            await store.putState(server, state);
          },
        });
  if (bulk) {
    report.via = bulk.level;
    if (bulk.resumed) report.resumed = true;
  } else report.via = 'paging';

  let typeIndex = 0;
  for (const resourceType of bulk ? [] : types) {
    checkCancelled(signal);
    const cursor = state.pullCursor[resourceType];
    const params: Array<[string, string]> = [
      ['_sort', '_lastUpdated'],
      ['_count', String(options.pageSize ?? 100)],
    ];
    // `ge`, not `gt`: resources sharing the cursor's instant are seen again and recognised by version.
    if (cursor) params.push(['_lastUpdated', `ge${cursor}`]);
    let page: Bundle | undefined = await retry(() => transport.search(resourceType, params, signal));
    while (page) {
      checkCancelled(signal);
      await processPage(resourceType, page);
      const current: Bundle = page;
      page = await retry(() => transport.nextPage(current, signal));
    }
    // A search lists no deleted resources: the history since the cursor the pull started from does.
    await historyDeletions(resourceType, cursor);
    typeIndex++;
    ctx.onProgress?.({ done: report.received, message: `Pulled ${resourceType} (${typeIndex} of ${types.length} types)` });
  }
  if (options.dryRun) {
    report.plan = plan;
    return report;
  }
  state = { ...state, lastPullAt: startedAt };
  await store.putState(server, state);
  return report;
}
