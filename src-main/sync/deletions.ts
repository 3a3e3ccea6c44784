/**
 * Push of local deletions (docs/sync.md "Push"): a mapped resource deleted here since it was last
 * synced becomes `DELETE [base]/Type/serverId` with If-Match on the version the server gave last
 * (http.html#delete, http.html#concurrency). Done, or 404/410 (already gone: a DELETE repeated
 * after a lost answer), marks the id map entry deleted. A 409/412 with a moved server version is
 * a conflict (changed there, deleted here); with the same version it is a refusal (e.g. the
 * server keeps referential integrity), reported like any 4xx.
 */
import type { Resource } from '@medplum/fhirtypes';
import { outcome } from '../api/result';
import type { WriteOp } from '../fhir/repository';
import { checkCancelled, type SyncContext } from './context';
import { isGoneOnServer, isVersionConflict, lastLiveVersion, readLocal } from './forms';
import { withRetry } from './retry';
import { conflictOp, type IdMap, mapOp } from './store';
import { TransportError, weakEtag } from './transport';
import type { IdMapEntry, PushReport, SyncConflict } from './types';

/**
 * Mapped resources not seen among the current local ones: deleted here since their last sync.
 * `types` limits them to the push's types (empty: every type).
 */
export function findDeletions(map: IdMap, seen: ReadonlySet<string>, types: readonly string[], conflicted: ReadonlySet<string>): IdMapEntry[] {
  const only = types.length > 0 ? new Set(types) : undefined;
  const out: IdMapEntry[] = [];
  for (const e of map.entries()) {
    const key = `${e.resourceType}/${e.localId}`;
    if (e.deleted || seen.has(key) || conflicted.has(key) || (only && !only.has(e.resourceType))) continue;
    out.push(e);
  }
  return out.sort((a, b) => (a.resourceType + a.localId < b.resourceType + b.localId ? -1 : 1));
}

/** Sends the deletions, `chunkSize` at a time, each chunk's map entries and conflicts in one store transaction. */
export async function pushDeletions(ctx: SyncContext, entries: readonly IdMapEntry[], report: PushReport, onDone: (n: number) => void, settled?: Set<string>): Promise<void> {
  const { transport, signal, store, repository, profile } = ctx;
  const server = profile.name;
  const retry = <T>(fn: () => Promise<T>): Promise<T> => withRetry(fn, ctx.retry, signal, () => report.retries++);
  for (let i = 0; i < entries.length; i += profile.chunkSize) {
    const chunk = entries.slice(i, i + profile.chunkSize);
    const ops: WriteOp[] = [];
    for (const entry of chunk) {
      checkCancelled(signal);
      // Written again since the plan was made: a create or update for the next push (backlog), not a deletion.
      if (await readLocal(repository, entry.resourceType, entry.localId)) continue;
      const gone = (): void => {
        const now = ctx.now().toISOString();
        ops.push(mapOp(server, { ...entry, localVersion: '', syncedAt: now, deleted: now }));
        settled?.add(`${entry.resourceType}/${entry.localId}`);
        report.deleted = (report.deleted ?? 0) + 1;
      };
      try {
        await retry(() => transport.delete(entry.resourceType, entry.serverId, weakEtag(entry.serverVersion), signal));
        gone();
      } catch (e) {
        checkCancelled(signal);
        if (isGoneOnServer(e)) {
          gone();
          continue;
        }
        if (!(e instanceof TransportError) || e.status === undefined || e.status < 400 || e.status >= 500) throw e;
        let current: Resource | undefined;
        if (isVersionConflict(e)) {
          try {
            current = await retry(() => transport.read(entry.resourceType, entry.serverId, signal));
          } catch (readError) {
            if (!isGoneOnServer(readError)) throw readError;
            gone();
            continue;
          }
        }
        if (current && current.meta?.versionId !== entry.serverVersion) {
          const last = await lastLiveVersion(repository, entry.resourceType, entry.localId);
          const conflict: SyncConflict = {
            resourceType: entry.resourceType,
            localId: entry.localId,
            serverId: entry.serverId,
            kind: 'push-delete',
            detectedAt: ctx.now().toISOString(),
            local: last ?? { resourceType: entry.resourceType as Resource['resourceType'], id: entry.localId } as Resource,
            server: current,
            localDeleted: true,
          };
          ops.push(conflictOp(server, conflict));
          report.conflicts++;
          continue;
        }
        report.failed.push({
          resourceType: entry.resourceType,
          id: entry.localId,
          status: e.status,
          outcome: e.outcome.issue.length > 0 ? e.outcome : outcome('processing', `The server refused the deletion (${e.status})`, { status: e.status }),
        });
      }
    }
    await store.write(ops);
    onDone(chunk.length);
  }
}
