/**
 * Conflict resolution (docs/sync.md "Conflicts"): for one open `sync-conflict`, keep ours (sent
 * with If-Match on the server's current version), take theirs (the server version stored here as
 * a new version), or merge (the user's resource, validated and stored here, then sent with
 * If-Match). Nothing is overwritten silently: both sides are read again first, and when either
 * moved since the conflict was recorded — or the server moves while we send — the conflict is
 * refreshed with the new versions and nothing is forced (http.html#concurrency).
 */
import type { Resource } from '@medplum/fhirtypes';
import { outcome } from '../api/result';
import { fhirError, OperationOutcomeError } from '../fhir/outcome-error';
import type { WriteOp } from '../fhir/repository';
import { originCode, sameContent, SYNC_ORIGIN_SYSTEM, withoutServerMeta } from './content';
import type { SyncContext } from './context';
import { diffResources } from './diff';
import { isGoneOnServer, isVersionConflict, localForm, readLocal, serverForm } from './forms';
import { withRetry } from './retry';
import { conflictId, conflictOp, type IdMap, mapOp } from './store';
import { weakEtag } from './transport';
import type { ConflictDetail, IdMapEntry, ResolveChoice, ResolveResult, SyncConflict } from './types';

async function openConflict(ctx: SyncContext, resourceType: string, localId: string): Promise<{ conflict: SyncConflict; map: IdMap }> {
  const server = ctx.profile.name;
  const conflict = (await ctx.store.conflicts(server)).find((c) => c.resourceType === resourceType && c.localId === localId);
  if (!conflict) throw fhirError('not-found', `No open conflict for ${resourceType}/${localId} with "${server}"`, 404);
  // A working copy over the store's index: lookups without copying the whole map.
  return { conflict, map: await ctx.store.idMap(server) };
}

/** Both sides in local form and their field-level diff (computed here, so every UI shows the same). */
export async function conflictDetail(ctx: SyncContext, resourceType: string, localId: string): Promise<ConflictDetail> {
  const { conflict, map } = await openConflict(ctx, resourceType, localId);
  const ours = conflict.localDeleted ? undefined : conflict.local;
  const theirs = conflict.server ? localForm(conflict.server, map, localId) : undefined;
  return { conflict, ...(ours ? { ours } : {}), ...(theirs ? { theirs } : {}), diff: diffResources(ours, theirs) };
}

export async function resolveConflict(ctx: SyncContext, resourceType: string, localId: string, choice: ResolveChoice): Promise<ResolveResult> {
  const { repository, store, transport, signal, profile } = ctx;
  const server = profile.name;
  const { conflict, map } = await openConflict(ctx, resourceType, localId);
  const retry = <T>(fn: () => Promise<T>): Promise<T> => withRetry(fn, ctx.retry, signal, () => undefined);
  const readServer = async (): Promise<Resource | undefined> => {
    try {
      return await retry(() => transport.read(resourceType, conflict.serverId, signal));
    } catch (e) {
      if (isGoneOnServer(e)) return undefined;
      throw e;
    }
  };
  const closeConflict: WriteOp = { kind: 'delete', resourceType: 'Basic', id: conflictId(server, resourceType, localId) };
  const entryBase = map.local(resourceType, localId);
  const settled = (serverId: string, serverVersion: string, localVersion: string, deleted: boolean): IdMapEntry => {
    const now = ctx.now().toISOString();
    const entry: IdMapEntry = { resourceType, localId, serverId, serverVersion, localVersion, syncedAt: now, ...(deleted ? { deleted: now } : {}) };
    map.set(entry);
    return entry;
  };
  const done = async (entry: IdMapEntry): Promise<ResolveResult> => {
    await store.write([mapOp(server, entry), closeConflict]);
    return { outcome: 'resolved', action: choice.action, ...(entry.deleted ? {} : { serverVersion: entry.serverVersion, localVersion: entry.localVersion }) };
  };

  /** A side moved: the conflict shows the versions as they are now; nothing is written to either side. */
  const refresh = async (localNow: Resource | undefined, serverNow: Resource | undefined): Promise<ResolveResult> => {
    // Someone already made both sides equal: that settles it.
    if (localNow && serverNow && sameContent(localNow, localForm(serverNow, map, localId))) {
      return done(settled(serverNow.id ?? conflict.serverId, serverNow.meta?.versionId ?? '', localNow.meta?.versionId ?? '', false));
    }
    const refreshed: SyncConflict = {
      resourceType,
      localId,
      serverId: serverNow?.id ?? conflict.serverId,
      kind: conflict.kind,
      detectedAt: ctx.now().toISOString(),
      local: localNow ?? conflict.local,
      ...(serverNow ? { server: serverNow } : {}),
      ...(localNow ? {} : { localDeleted: true }),
    };
    await store.write([conflictOp(server, refreshed)]);
    return { outcome: 'refreshed', action: choice.action, conflict: refreshed };
  };

  const serverNow = await readServer();
  const localNow = await readLocal(repository, resourceType, localId);
  const expectedLocal = conflict.localDeleted ? undefined : conflict.local.meta?.versionId;
  if (serverNow?.meta?.versionId !== conflict.server?.meta?.versionId || localNow?.meta?.versionId !== expectedLocal) return refresh(localNow, serverNow);

  /** Sends our version (or our deletion) with If-Match on the server's current version; a moved server refreshes the conflict. */
  const sendOurs = async (ours: Resource | undefined): Promise<ResolveResult> => {
    try {
      if (!ours) {
        if (serverNow) {
          try {
            await retry(() => transport.delete(resourceType, conflict.serverId, weakEtag(serverNow.meta?.versionId ?? ''), signal));
          } catch (e) {
            if (!isGoneOnServer(e)) throw e;
          }
        }
        return done(settled(conflict.serverId, serverNow?.meta?.versionId ?? '', '', true));
      }
      let stored: Resource;
      if (serverNow) {
        stored = await retry(() => transport.update(serverForm(ours, map, profile.originKey, conflict.serverId), weakEtag(serverNow.meta?.versionId ?? ''), signal));
      } else {
        // Gone from the server: created again, conditionally on the origin tag like every push (docs/sync.md "Idempotency").
        const tag = `${SYNC_ORIGIN_SYSTEM}|${originCode(profile.originKey, resourceType, localId)}`;
        stored = (await retry(() => transport.create(serverForm(ours, map, profile.originKey, undefined), `_tag=${encodeURIComponent(tag)}`, signal))).resource;
      }
      if (!stored.id || !stored.meta?.versionId) throw new OperationOutcomeError(outcome('processing', 'The server did not return the id and version of what it stored', { status: 502 }));
      return done(settled(stored.id, stored.meta.versionId, ours.meta?.versionId ?? '', false));
    } catch (e) {
      if (isVersionConflict(e)) return refresh(await readLocal(repository, resourceType, localId), await readServer());
      throw e;
    }
  };

  /** Stores a resource here as the next version of ours (validated like every write); If-Match on the version the user saw. */
  const storeHere = async (resource: Resource): Promise<Resource> => {
    const [result] = await repository.writeBatch([{ kind: 'update', resource, skipUnchanged: true, ...(localNow?.meta?.versionId ? { ifMatch: localNow.meta.versionId } : {}) }]);
    if (!result || result.status === 'failed') throw new OperationOutcomeError(result?.status === 'failed' ? result.outcome : outcome('exception', 'The write returned nothing'));
    if (result.status !== 'created' && result.status !== 'updated' && result.status !== 'unchanged') throw new OperationOutcomeError(outcome('exception', `Unexpected write result ${result.status}`));
    return result.resource;
  };

  if (choice.action === 'ours') return sendOurs(localNow);

  if (choice.action === 'theirs') {
    if (!serverNow) {
      // The server deleted it: taking theirs deletes it here too.
      if (localNow) {
        // On the version just read: an edit made here meanwhile is not deleted (412; the next resolve refreshes the conflict).
        const [result] = await repository.writeBatch([{ kind: 'delete', resourceType, id: localId, ...(localNow.meta?.versionId ? { ifMatch: localNow.meta.versionId } : {}) }]);
        if (result?.status === 'failed') throw new OperationOutcomeError(result.outcome);
      }
      return done(settled(conflict.serverId, entryBase?.serverVersion ?? '', '', true));
    }
    // Two writes, like a pull page: a crash between them leaves the conflict, which the next resolve finds settled (same content).
    const written = await storeHere(localForm(serverNow, map, localId));
    return done(settled(conflict.serverId, serverNow.meta?.versionId ?? '', written.meta?.versionId ?? '', false));
  }

  const merged = withoutServerMeta(choice.resource);
  if (merged.resourceType !== resourceType) throw fhirError('invalid', `The merged resource is a ${merged.resourceType}, not a ${resourceType}`, 400, ['resourceType']);
  merged.id = localId;
  // Stored here first: the merge is validated, and kept even when the server moves before it lands.
  return sendOurs(await storeHere(merged));
}
