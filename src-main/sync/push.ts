/**
 * Push (docs/sync.md "Push"): the local resources selected (all, or only those changed since they
 * were last synced) go to the server in dependency order, in chunks, as transaction Bundles where
 * the server supports them, else batch Bundles, else one request each. New resources are created
 * conditionally on Hearth's origin tag (If-None-Exist), known ones updated with If-Match on the
 * version the server gave last; references are rewritten to server ids. The run and its in-flight
 * chunk are persisted first, so an interrupted push resumes without losing or duplicating anything.
 */
import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { outcome, outcomeStatus, type OperationOutcome } from '../api/result';
import { OperationOutcomeError } from '../fhir/outcome-error';
import type { WriteOp } from '../fhir/repository';
import { analyzeCapabilities, pushMode } from './capability';
import { originCode, sameContent, SYNC_ORIGIN_SYSTEM, withoutServerMeta } from './content';
import { checkCancelled, type SyncContext } from './context';
import { pushDeletions } from './deletions';
import { finishedState, liveEntry, planPush, type PlanItem } from './push-plan';
import { rewriteReferences } from './references';
import { withRetry } from './retry';
import { pushScope } from './scope';
import { conflictOp, mapOp, stateOp } from './store';
import { TransportError, weakEtag } from './transport';
import type { IdMapEntry, InFlightChunk, PushReport, PushRun, SyncConflict, SyncState } from './types';

export interface PushOptions {
  mode: 'all' | 'changed';
  /** Resource types to push; empty or absent: every type. */
  types?: string[];
  dryRun?: boolean;
  /** Only what this saved query (its Basic id) matches, and the unsynced resources it refers to. */
  query?: string;
  /** Only notes whose review is done, and the unsynced resources they refer to. */
  reviewedOnly?: boolean;
}

/** What one sent resource came back as. */
type ItemResult =
  | { kind: 'ok'; resource: Resource; created: boolean; /** 200 to a conditional create: it was already there. */ existed: boolean }
  | { kind: 'conflict'; status: number }
  | { kind: 'failed'; status?: number; outcome: OperationOutcome };

interface Prepared {
  item: PlanItem;
  local: Resource;
  body: Resource;
  entry?: IdMapEntry;
  /** urn:uuid when created inside a transaction. */
  fullUrl?: string;
  /** A reference to a resource not on the server yet was left local: the map marks it for sending again. */
  unresolved?: boolean;
}

const PLAN_LIST_LIMIT = 1000;

/** Referenced resources first (depth-first, post-order); a cycle is broken where it closes (the later push fixes the reference up). */
function dependencyOrder(items: PlanItem[]): PlanItem[] {
  const byKey = new Map(items.map((i) => [i.key, i]));
  const state = new Map<string, 1 | 2>();
  const out: PlanItem[] = [];
  for (const root of items) {
    if (state.has(root.key)) continue;
    // Iterative DFS: deep reference chains must not overflow the stack.
    const stack: Array<{ item: PlanItem; next: number }> = [{ item: root, next: 0 }];
    state.set(root.key, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.next < top.item.refs.length) {
        const target = byKey.get(top.item.refs[top.next++]!);
        if (target && !state.has(target.key)) {
          state.set(target.key, 1);
          stack.push({ item: target, next: 0 });
        }
      } else {
        state.set(top.item.key, 2);
        out.push(top.item);
        stack.pop();
      }
    }
  }
  return out;
}

function failure(e: unknown): { status?: number; outcome: OperationOutcome } {
  if (e instanceof TransportError) return { ...(e.status !== undefined ? { status: e.status } : {}), outcome: e.outcome };
  if (e instanceof OperationOutcomeError) return { status: outcomeStatus(e.outcome), outcome: e.outcome };
  return { outcome: outcome('exception', e instanceof Error ? e.message : String(e)) };
}

function entryStatus(status: string | undefined): number {
  const n = Number.parseInt(status ?? '', 10);
  return Number.isFinite(n) ? n : 0;
}

export async function push(ctx: SyncContext, options: PushOptions): Promise<PushReport> {
  const { profile, repository, store, transport, signal } = ctx;
  const server = profile.name;
  const report: PushReport = { dryRun: options.dryRun === true, mode: 'none', planned: 0, created: 0, updated: 0, unchanged: 0, conflicts: 0, failed: [], retries: 0 };
  // From the store's index (no scan of the records): a working copy, its writes reach the index chunk by chunk.
  // A deleted pair is history: a resource created again with its id is a new one (`liveEntry`).
  let state: SyncState = await store.state(server);
  const working = await store.idMap(server);
  const map = { local: (resourceType: string, id: string): IdMapEntry | undefined => liveEntry(working, resourceType, id), set: (e: IdMapEntry): void => working.set(e) };
  const conflicted = await store.conflictKeys(server);
  const allTypes = repository.types();
  // An interrupted push is finished first, as it was asked (docs/sync.md "Resume").
  const run: PushRun = state.pushRun ?? {
    mode: options.mode,
    types: options.types && options.types.length > 0 ? options.types.filter((t) => allTypes.includes(t)) : [],
    startedAt: ctx.now().toISOString(),
    ...(options.query !== undefined ? { query: options.query } : {}),
    ...(options.reviewedOnly ? { reviewedOnly: true } : {}),
  };
  if (run.query !== undefined && run.reviewedOnly) throw new OperationOutcomeError(outcome('invalid', 'Push either by saved query or reviewed notes only, not both', { status: 400 }));
  // The plan watermark (push-plan.ts): the repository's clock before anything is read. The write of
  // the unchanged state waits for the store's writer, so every write that took an earlier instant is
  // committed and seen by the plan's reads; a dry run sets no watermark and needs no barrier.
  const nowMs = Date.now();
  const planAt = new Date(nowMs).toISOString();
  if (!options.dryRun) await store.putState(server, state);
  const scope = await pushScope(ctx, run, working);
  const types = run.types.length > 0 ? run.types : (await repository.counts()).map((c) => c.resourceType);
  const plan = await planPush({ repository, run, state, map: working, conflicted, scope, types, nowMs, hold: options.dryRun !== true, ...(signal ? { signal } : {}) });
  const ordered = dependencyOrder(plan.items);
  const deletions = plan.deletions;
  report.planned = ordered.length + deletions.length;
  report.planRead = plan.read;
  report.planExamined = plan.examined;
  if (options.dryRun) {
    const listed: NonNullable<PushReport['plan']> = ordered.slice(0, PLAN_LIST_LIMIT).map((i) => ({ key: i.key, action: map.local(i.resourceType, i.id) ? 'update' : 'create' }));
    for (const d of deletions.slice(0, Math.max(0, PLAN_LIST_LIMIT - listed.length))) listed.push({ key: `${d.resourceType}/${d.localId}`, action: 'delete' });
    report.plan = listed;
    return report;
  }
  /** Keys brought in step by this push (sent and mapped at their version, or deleted on the server). */
  const settled = new Set<string>();
  /** What this push had to bring in step: what it leaves out of step is the next plan's backlog. */
  const leftOver = (): string[] => [...ordered.map((i) => i.key), ...deletions.map((d) => `${d.resourceType}/${d.localId}`), ...plan.conflicted].filter((k) => !settled.has(k));
  const finish = (): SyncState => {
    const next = finishedState({ ...state, lastPushAt: run.startedAt }, run, planAt, leftOver());
    delete next.pushRun;
    delete next.inFlight;
    return next;
  };
  const retry = <T>(fn: () => Promise<T>): Promise<T> => withRetry(fn, ctx.retry, signal, () => report.retries++);
  const capability = analyzeCapabilities(transport.baseUrl, await retry(() => transport.capabilities(signal)));
  if (!capability.r4) throw new OperationOutcomeError(outcome('not-supported', capability.problems.join('; '), { status: 400 }));
  report.mode = pushMode(capability);
  if (ordered.length === 0 && deletions.length === 0) {
    // Nothing to send: the watermark moves (an empty plan stays cheap); a finished run is cleared.
    const next = state.pushRun ? finish() : finishedState(state, run, planAt, plan.conflicted);
    await store.putState(server, next);
    return report;
  }

  const planned = new Set(ordered.map((i) => i.key));
  /** Resources sent while a reference of theirs could not be resolved yet (a cycle): sent again at the end. */
  const fixups: PlanItem[] = [];

  /** The server form of a local resource; references to resources not on the server yet use `pendingUrls` or stay local (then `unresolved`). */
  const toServer = (local: Resource, entry: IdMapEntry | undefined, pendingUrls: Map<string, string>): { body: Resource; unresolved: boolean } => {
    let unresolved = false;
    const body = rewriteReferences(withoutServerMeta(local), (t) => {
      const key = `${t.resourceType}/${t.id}`;
      const mapped = map.local(t.resourceType, t.id);
      if (mapped) return `${t.resourceType}/${mapped.serverId}`;
      const pending = pendingUrls.get(key);
      if (pending) return pending;
      if (planned.has(key)) unresolved = true;
      return undefined;
    });
    const tags = body.meta?.tag ?? [];
    body.meta = { ...body.meta, tag: [...tags, { system: SYNC_ORIGIN_SYSTEM, code: originCode(profile.originKey, local.resourceType, local.id!) }] };
    if (entry) body.id = entry.serverId;
    else delete body.id;
    return { body, unresolved };
  };

  const sendSingle = async (p: Prepared): Promise<ItemResult> => {
    try {
      if (p.entry) {
        const resource = await retry(() => transport.update(p.body, weakEtag(p.entry!.serverVersion), signal));
        return { kind: 'ok', resource, created: false, existed: false };
      }
      const tag = p.body.meta!.tag!.find((t) => t.system === SYNC_ORIGIN_SYSTEM)!;
      const result = await retry(() => transport.create(p.body, `_tag=${encodeURIComponent(`${SYNC_ORIGIN_SYSTEM}|${tag.code}`)}`, signal));
      return { kind: 'ok', resource: result.resource, created: result.status === 201, existed: result.status === 200 };
    } catch (e) {
      checkCancelled(signal);
      if (e instanceof TransportError && (e.status === 409 || e.status === 412)) return { kind: 'conflict', status: e.status };
      return { kind: 'failed', ...failure(e) };
    }
  };

  const requestEntry = (p: Prepared): BundleEntry => {
    if (p.entry) return { resource: p.body, request: { method: 'PUT', url: `${p.body.resourceType}/${p.entry.serverId}`, ifMatch: weakEtag(p.entry.serverVersion) } };
    const tag = p.body.meta!.tag!.find((t) => t.system === SYNC_ORIGIN_SYSTEM)!;
    return {
      ...(p.fullUrl ? { fullUrl: p.fullUrl } : {}),
      resource: p.body,
      request: { method: 'POST', url: p.body.resourceType, ifNoneExist: `_tag=${SYNC_ORIGIN_SYSTEM}|${tag.code}` },
    };
  };

  const fromResponse = (entry: BundleEntry | undefined): ItemResult => {
    const status = entryStatus(entry?.response?.status);
    if (status >= 200 && status < 300 && entry?.resource) return { kind: 'ok', resource: entry.resource, created: status === 201, existed: status === 200 && entry.response?.location === undefined };
    if (status === 409 || status === 412) return { kind: 'conflict', status };
    const o = entry?.response?.outcome;
    return { kind: 'failed', status, outcome: o && o.resourceType === 'OperationOutcome' ? (o as OperationOutcome) : outcome('processing', `The server answered ${status || 'nothing'}`, { status }) };
  };

  /** Sends one group; with a transaction a 4xx for the whole Bundle falls back to single requests to learn which resource it was. */
  const sendGroup = async (group: Prepared[]): Promise<ItemResult[]> => {
    if (report.mode === 'single' || group.length === 1) {
      const out: ItemResult[] = [];
      for (const p of group) out.push(await sendSingle(p));
      return out;
    }
    const bundle: Bundle = { resourceType: 'Bundle', type: report.mode === 'transaction' ? 'transaction' : 'batch', entry: group.map(requestEntry) };
    try {
      const response = await retry(() => transport.bundle(bundle, signal));
      return group.map((_, i) => fromResponse(response.entry?.[i]));
    } catch (e) {
      checkCancelled(signal);
      if (e instanceof TransportError && e.status !== undefined && e.status >= 400 && e.status < 500) {
        const out: ItemResult[] = [];
        for (const p of group) {
          // Inside a transaction, a new resource referred to by urn:uuid: once created, the map has it.
          const again = toServer(p.local, p.entry, new Map());
          if (again.unresolved) p.unresolved = true;
          out.push(await sendSingle({ ...p, body: again.body }));
          const last = out[out.length - 1]!;
          if (last.kind === 'ok' && last.resource.id && last.resource.meta?.versionId) {
            map.set({ resourceType: p.item.resourceType, localId: p.item.id, serverId: last.resource.id, serverVersion: last.resource.meta.versionId, localVersion: p.local.meta?.versionId ?? '', syncedAt: ctx.now().toISOString() });
          }
        }
        return out;
      }
      throw e;
    }
  };

  /** Settles results: checks conditional-create hits and 412s against what was sent (a resent chunk), records map entries and conflicts. */
  const settle = async (group: Prepared[], results: ItemResult[]): Promise<WriteOp[]> => {
    const ops: WriteOp[] = [];
    for (let i = 0; i < group.length; i++) {
      const p = group[i]!;
      let result = results[i]!;
      if (result.kind === 'ok' && result.existed && !sameContent(result.resource, p.body)) {
        // Created by an earlier, interrupted push with older content: update it now.
        const entry = { serverId: result.resource.id!, serverVersion: result.resource.meta?.versionId ?? '' };
        const body = { ...p.body, id: entry.serverId };
        const again = await sendSingle({ ...p, body, entry: { ...entry, resourceType: p.item.resourceType, localId: p.item.id, localVersion: '', syncedAt: '' } });
        result = again.kind === 'ok' ? { ...again, created: false, existed: false } : again;
      }
      if (result.kind === 'conflict' && p.entry) {
        // Our own earlier update may have landed before the interruption: the same content is no conflict.
        let current: Resource | undefined;
        try {
          current = await retry(() => transport.read(p.item.resourceType, p.entry!.serverId, signal));
        } catch (e) {
          checkCancelled(signal);
          current = undefined;
        }
        if (current && sameContent(current, p.body)) result = { kind: 'ok', resource: current, created: false, existed: false };
        else {
          const conflict: SyncConflict = {
            resourceType: p.item.resourceType,
            localId: p.item.id,
            serverId: p.entry.serverId,
            kind: result.status === 412 ? 'push-precondition' : 'push-conflict',
            detectedAt: ctx.now().toISOString(),
            local: p.local,
            ...(current ? { server: current } : {}),
          };
          ops.push(conflictOp(server, conflict));
          report.conflicts++;
          continue;
        }
      }
      if (result.kind === 'conflict') {
        report.failed.push({ resourceType: p.item.resourceType, id: p.item.id, status: result.status, outcome: outcome('conflict', `The server refused the create (${result.status})`, { status: result.status }) });
        continue;
      }
      if (result.kind === 'failed') {
        report.failed.push({ resourceType: p.item.resourceType, id: p.item.id, ...(result.status !== undefined ? { status: result.status } : {}), outcome: result.outcome });
        continue;
      }
      const resource = result.resource;
      if (!resource.id || !resource.meta?.versionId) {
        report.failed.push({ resourceType: p.item.resourceType, id: p.item.id, outcome: outcome('processing', 'The server did not return the id and version of what it stored') });
        continue;
      }
      if (result.created) report.created++;
      else if (p.entry && p.entry.serverVersion === resource.meta.versionId) report.unchanged++;
      else if (p.entry) report.updated++;
      else report.unchanged++;
      // An empty localVersion keeps a resource with a dangling reference in the next push's plan.
      const localVersion = p.unresolved ? '' : (p.local.meta?.versionId ?? '');
      const entry: IdMapEntry = { resourceType: p.item.resourceType, localId: p.item.id, serverId: resource.id, serverVersion: resource.meta.versionId, localVersion, syncedAt: ctx.now().toISOString() };
      map.set(entry);
      ops.push(mapOp(server, entry));
      if (localVersion !== '') settled.add(p.item.key);
    }
    return ops;
  };

  type Locals = Array<{ item: PlanItem; local: Resource }>;
  /**
   * The chunk's resources: as the plan read them when it kept them (`plan.held`, used once), else
   * read now. What is sent is what the map records as in step (its version), so an edit made
   * here since the plan is a change for the next push, and a deletion since is found by the next
   * plan (its watermark is the instant before this plan read anything).
   */
  const readChunk = async (chunk: PlanItem[]): Promise<Locals> => {
    const locals: Locals = [];
    for (const item of chunk) {
      const text = plan.held.get(item.key);
      if (text !== undefined) {
        plan.held.delete(item.key);
        locals.push({ item, local: JSON.parse(text) as Resource });
        continue;
      }
      try {
        locals.push({ item, local: await repository.read(item.resourceType, item.id) });
      } catch {
        // Deleted locally since the plan: left out of step, so the next plan reads it (backlog) and sends the deletion.
      }
    }
    return locals;
  };
  const inFlightOf = (locals: Locals): InFlightChunk => ({ keys: locals.map((l) => `${l.item.key}@${l.local.meta?.versionId ?? ''}`), sentAt: ctx.now().toISOString() });

  /** Sends one chunk; returns its bookkeeping (map entries, conflicts) for the chunk's store transaction. */
  const sendChunk = async (locals: Locals, isFixup: boolean): Promise<WriteOp[]> => {
    // Groups: a transaction takes the whole chunk (new resources referred to by urn:uuid); batch and
    // single requests cannot refer to each other, so a group ends before a resource that needs one created in it.
    const pending = new Map<string, string>();
    let group: Prepared[] = [];
    const ops: WriteOp[] = [];
    const flush = async (): Promise<void> => {
      if (group.length === 0) return;
      const results = await sendGroup(group);
      ops.push(...(await settle(group, results)));
      group = [];
      pending.clear();
    };
    for (const { item, local } of locals) {
      const entry = map.local(item.resourceType, item.id);
      let built = toServer(local, entry, report.mode === 'transaction' ? pending : new Map());
      if (report.mode !== 'transaction' && item.refs.some((r) => group.some((g) => g.item.key === r && !g.entry))) {
        await flush();
        built = toServer(local, map.local(item.resourceType, item.id), new Map());
      }
      const prepared: Prepared = { item, local, body: built.body, ...(entry ? { entry: map.local(item.resourceType, item.id)! } : {}), ...(built.unresolved ? { unresolved: true } : {}) };
      if (!prepared.entry && report.mode === 'transaction') {
        prepared.fullUrl = `urn:uuid:${randomUUID()}`;
        pending.set(item.key, prepared.fullUrl);
      }
      if (built.unresolved && !isFixup) fixups.push(item);
      group.push(prepared);
    }
    await flush();
    return ops;
  };

  // The chunks: the plan's, then the fix-ups (all known once the plan's last chunk is sent).
  const size = profile.chunkSize;
  const mainChunks = Math.ceil(ordered.length / size);
  const chunkAt = (n: number): { items: PlanItem[]; fixup: boolean } | undefined => {
    if (n < mainChunks) return { items: ordered.slice(n * size, (n + 1) * size), fixup: false };
    const k = n - mainChunks;
    return k * size < fixups.length ? { items: fixups.slice(k * size, (k + 1) * size), fixup: true } : undefined;
  };

  // One store transaction per chunk (docs/sync.md "Push", step 5): a chunk's results are written with
  // the next chunk's in-flight keys, and the first chunk's keys with the run. A crash anywhere leaves
  // the run persisted; what a lost answer had landed is found by the conditional creates and the
  // 412 content check (section 4), so the in-flight keys are what status reports, not what resume needs.
  let done = 0;
  let current = chunkAt(0);
  let locals = current ? await readChunk(current.items) : [];
  state = { ...state, pushRun: run, ...(current ? { inFlight: inFlightOf(locals) } : {}) };
  await store.putState(server, state);
  for (let n = 0; current; n++) {
    checkCancelled(signal);
    const before = { created: report.created, updated: report.updated, unchanged: report.unchanged };
    const ops = await sendChunk(locals, current.fixup);
    // A fix-up is the same resource again, not another one pushed.
    if (current.fixup) Object.assign(report, before);
    const next = chunkAt(n + 1);
    const nextLocals = next ? await readChunk(next.items) : [];
    state = { ...state };
    if (next) state.inFlight = inFlightOf(nextLocals);
    else delete state.inFlight;
    // The last chunk of a push without deletions also finishes the run, in the same transaction.
    if (!next && deletions.length === 0) state = finish();
    await store.write([...ops, stateOp(server, state)]);
    if (!current.fixup) {
      done += current.items.length;
      ctx.onProgress?.({ done, total: report.planned, message: `Pushed ${done} of ${report.planned}` });
    }
    current = next;
    locals = nextLocals;
  }
  if (deletions.length > 0) {
    await pushDeletions(ctx, deletions, report, (n) => {
      done += n;
      ctx.onProgress?.({ done, total: report.planned, message: `Pushed ${done} of ${report.planned}` });
    }, settled);
    state = finish();
    await store.putState(server, state);
  }
  return report;
}
