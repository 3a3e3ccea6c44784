/**
 * Push scopes (docs/sync.md "Push"): the resources a saved query matches (src-main/query/saved.ts),
 * or the notes whose review is done (src-main/review), each with the resources they refer to that
 * the server does not have yet (transitively), so what is pushed never points at nothing.
 */
import type { Basic, Resource } from '@medplum/fhirtypes';
import { fhirError } from '../fhir/outcome-error';
import { matchPages, matchQuery } from '../query/pages';
import { fromBasic } from '../query/saved';
import { basicToRecord, isReviewBasic } from '../review/record';
import { checkCancelled, type SyncContext } from './context';
import { readLocal } from './forms';
import { liveEntry } from './push-plan';
import { referenceTargets } from './references';
import type { IdMap } from './store';
import type { PushRun } from './types';

const NOTE_TYPE = 'DocumentReference';

/** Ids of the notes some reviewer marked done. */
async function reviewedNotes(ctx: SyncContext): Promise<Set<string>> {
  const out = new Set<string>();
  let after: Parameters<SyncContext['repository']['scan']>[1]['after'];
  for (;;) {
    checkCancelled(ctx.signal);
    const page = await ctx.repository.scan('Basic', { limit: 1000, ...(after ? { after } : {}) });
    for (const r of page.resources) {
      if (r.resourceType !== 'Basic' || !isReviewBasic(r)) continue;
      const record = basicToRecord(r);
      if (record?.status === 'done') out.add(record.documentId);
    }
    if (!page.next) break;
    after = page.next;
  }
  return out;
}

/** The `Type/id` keys a scoped push may send; undefined when the run is not scoped. */
export async function pushScope(ctx: SyncContext, run: PushRun, map: IdMap): Promise<Set<string> | undefined> {
  if (run.query === undefined && !run.reviewedOnly) return undefined;
  const keys = new Set<string>();
  const queue: Resource[] = [];
  const add = (r: Resource): void => {
    const key = `${r.resourceType}/${r.id}`;
    if (keys.has(key)) return;
    keys.add(key);
    queue.push(r);
  };
  if (run.query !== undefined) {
    const saved = await readLocal(ctx.repository, 'Basic', run.query);
    const query = saved ? fromBasic(saved as Basic) : undefined;
    if (!query) throw fhirError('not-found', `No saved query with id "${run.query}"`, 404);
    const { resourceType, pairs } = matchQuery(query.query, false);
    for await (const page of matchPages(ctx.repository, resourceType, pairs, ctx.signal ? { signal: ctx.signal } : {})) for (const r of page.resources) add(r);
    checkCancelled(ctx.signal);
  } else {
    for (const id of await reviewedNotes(ctx)) {
      const note = await readLocal(ctx.repository, NOTE_TYPE, id);
      if (note) add(note);
    }
  }
  // What they refer to, as needed: targets the server does not have yet, and theirs in turn.
  while (queue.length > 0) {
    checkCancelled(ctx.signal);
    const r = queue.pop()!;
    for (const t of referenceTargets(r)) {
      const key = `${t.resourceType}/${t.id}`;
      if (keys.has(key) || liveEntry(map, t.resourceType, t.id)) continue;
      const target = await readLocal(ctx.repository, t.resourceType, t.id).catch(() => undefined);
      if (target) add(target);
    }
  }
  return keys;
}
