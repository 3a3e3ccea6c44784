/**
 * The FHIR RESTful semantics (https://hl7.org/fhir/R4/http.html) over any StoreBackend: id and
 * version assignment, meta, conditional update, deletion, history and search Bundles. The memory
 * and vault repositories are this class over their backends.
 */
import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import type { DeleteResult, ResourceCount, ResourcePage } from '../api/contract';
import { fhirError, OperationOutcomeError } from './outcome-error';
import type {
  HistoryOptions,
  ListOptions,
  NdjsonLines,
  PlannedOutcome,
  PreparedNdjsonChunk,
  PreparedOp,
  PreparedTransactionWrite,
  ResourceRepository,
  ScanOptions,
  ScanPage,
  SearchParams,
  UpdateOptions,
  VersionScanOptions,
  VersionScanPage,
  WriteBatchOptions,
  WriteOp,
  WriteOutcome,
} from './repository';
import { isResourceType, resourceTypeList } from './resource-types';
import type { ScanKey } from './scan';
import { parseInstantSpan } from './instant';
import { pageLinks, parseSearch, searchsetBundle, searchUrl, shapeResource, type SearchOptions } from './search';
import { resolveIncludes } from './search/include';
import { needsTerminology, resolveTerminology, terminologySource, type TerminologySource } from './search/terminology';
import { AbortCommit, type NewVersion, type StoreBackend, type VersionRecord, type WriteView } from './store-backend';
import { FHIR_ID_PATTERN, problemsOutcome, resourceProblems } from './validation';
import { fillBodyBytes } from './body-bytes';
import { prepareWrite, withStoreMeta, type PrepareInput, type PreparedWrite } from './write-prep';

/** Parses an If-Match value: `3`, `W/"3"` or `"3"` (http.html#concurrency). */
export function parseIfMatch(value: string): number | undefined {
  const m = /^(?:W\/)?"?(\d{1,15})"?$/.exec(value.trim());
  return m ? Number(m[1]) : undefined;
}

function key(resourceType: string, id: string): string {
  return `${resourceType}/${id}`;
}

function assertKnownType(resourceType: string): void {
  if (!isResourceType(resourceType)) {
    const shown = /^[A-Za-z]{1,64}$/.test(resourceType) ? resourceType : '(unreadable)';
    throw fhirError('not-supported', `Unknown resource type "${shown}"`, 404, ['resourceType']);
  }
}

function assertId(id: string): void {
  if (!FHIR_ID_PATTERN.test(id)) throw fhirError('invalid', 'Not a valid FHIR id', 400, ['id']);
}

function notFound(resourceType: string, id: string): OperationOutcomeError {
  return fhirError('not-found', `${resourceType}/${id} not found`, 404);
}

function gone(resourceType: string, id: string): OperationOutcomeError {
  return fhirError('deleted', `${resourceType}/${id} was deleted`, 410);
}

/** The last instant nextInstant formatted: a batch's new versions mostly share one. */
let lastInstant = { ms: Number.NaN, text: '' };

/** The instant for a new version: now, but never before the version it follows. */
function nextInstant(nowMs: number, previous: VersionRecord | undefined): string {
  const prevMs = previous ? Date.parse(previous.lastUpdated) : 0;
  const ms = Math.max(nowMs, prevMs);
  if (ms !== lastInstant.ms) lastInstant = { ms, text: new Date(ms).toISOString() };
  return lastInstant.text;
}

const DEFAULT_HISTORY_COUNT = 100;
/**
 * Smaller batches are prepared on the store's thread even while another commits: the copy to the
 * worker and back costs about what it saves, and a small write should not start a thread.
 */
export const MIN_PIPELINED_BATCH = 64;
const MAX_HISTORY_COUNT = 1000;

interface PlannedOps {
  versions: NewVersion[];
  outcomes: PlannedOutcome[];
}

/**
 * Runs prepareWrite (write-prep.ts), rows included, for a batch off the store's thread
 * (write-prep-pool.ts). null: not available now (the planner prepares on the store's thread).
 */
export interface WritePreparer {
  prepare(items: readonly PrepareInput[]): Promise<PreparedWrite[]> | null;
  /**
   * A transaction Bundle's text parsed, planned (planPlainTransaction) and prepared, rows included;
   * undefined when it is not a plain transaction. null: not available now.
   */
  prepareTransaction?(text: string, base: { baseUrl: string; foreignUrlsRelative?: boolean }): Promise<PreparedTransactionWrite[] | undefined> | null;
  /** An NDJSON import chunk's lines parsed, checked and prepared, rows included (io/ndjson-prep.ts). null: not available now. */
  prepareNdjson?(chunk: NdjsonLines): Promise<PreparedNdjsonChunk> | null;
}

/** What prepareWrite needs of an op, when the op has a resource to store. */
function prepareInput(op: WriteOp): PrepareInput | undefined {
  if (op.kind === 'delete') return undefined;
  const id = op.kind === 'create' ? op.assignedId : op.resource.id;
  return { resource: op.resource, kind: op.kind, id: id ?? '' };
}

export class FhirRepository<R extends VersionRecord> implements ResourceRepository {
  /** Batches between writeBatch's start and its commit's end. */
  private writesInFlight = 0;
  /** Resolves when the latest batch has asked the store to commit: commits keep the call order. */
  private commitTurn: Promise<void> = Promise.resolve();

  /**
   * `preparer`: while one batch commits, the next one's validation, hash, body and index rows are
   * prepared there (a two-stage pipeline). A batch that finds the store idle prepares on this
   * thread: handing it to another thread would only add the copy.
   */
  constructor(
    private readonly store: StoreBackend<R>,
    private readonly preparer?: WritePreparer,
  ) {}

  types(): string[] {
    return resourceTypeList();
  }

  async create<T extends Resource>(resource: T): Promise<T> {
    return (await this.writeOne({ kind: 'create', resource })) as T;
  }

  async update<T extends Resource>(resource: T, options: UpdateOptions = {}): Promise<T> {
    const op: WriteOp = { kind: 'update', resource };
    if (options.ifMatch !== undefined) op.ifMatch = options.ifMatch;
    return (await this.writeOne(op)) as T;
  }

  async delete(resourceType: string, id: string): Promise<DeleteResult> {
    assertKnownType(resourceType);
    assertId(id);
    const [outcome] = await this.writeBatch([{ kind: 'delete', resourceType, id }]);
    if (outcome?.status === 'deleted') return outcome.result;
    if (outcome?.status === 'failed') throw new OperationOutcomeError(outcome.outcome);
    throw fhirError('exception', 'Delete produced no result', 500);
  }

  async read(resourceType: string, id: string): Promise<Resource> {
    assertId(id);
    const current = await this.store.current(resourceType, id);
    if (!current) throw this.missing(resourceType, id);
    if (current.deleted) throw gone(resourceType, id);
    return this.store.body(current);
  }

  async vread(resourceType: string, id: string, versionId: string): Promise<Resource> {
    assertId(id);
    const version = /^\d{1,15}$/.test(versionId) ? Number(versionId) : NaN;
    const record = Number.isNaN(version) ? undefined : await this.store.version(resourceType, id, version);
    if (!record) assertKnownType(resourceType);
    if (!record) throw fhirError('not-found', `${resourceType}/${id} has no version ${versionId}`, 404);
    if (record.deleted) throw fhirError('deleted', `${resourceType}/${id} version ${versionId} is a deletion`, 410);
    return this.store.body(record);
  }

  /** http.html#history: Bundle type `history`, newest first; deletions have request DELETE and no resource. */
  async history(resourceType: string, id: string): Promise<Bundle> {
    assertId(id);
    const records = await this.store.versions(resourceType, id);
    if (records.length === 0) throw this.missing(resourceType, id);
    const entry: BundleEntry[] = [];
    for (const [index, record] of records.entries()) {
      const url = `${resourceType}/${id}`;
      const etag = `W/"${record.version}"`;
      if (record.deleted) {
        entry.push({
          fullUrl: url,
          request: { method: 'DELETE', url },
          response: { status: '204 No Content', etag, lastModified: record.lastUpdated },
        });
        continue;
      }
      // Newest first: the next record is the version this one followed (none, or a deletion: created).
      const previous = records[index + 1];
      const created = !previous || previous.deleted;
      entry.push({
        fullUrl: url,
        resource: await this.store.body(record),
        request: record.method === 'POST' ? { method: 'POST', url: resourceType } : { method: 'PUT', url },
        response: {
          status: created ? '201 Created' : '200 OK',
          etag,
          lastModified: record.lastUpdated,
          ...(created ? { location: `${url}/_history/${record.version}` } : {}),
        },
      });
    }
    // json.html: no empty arrays (a history with no versions has no `entry`).
    return { resourceType: 'Bundle', type: 'history', total: entry.length, ...(entry.length > 0 ? { entry } : {}) };
  }

  async typeHistory(resourceType: string, options: HistoryOptions = {}): Promise<Bundle> {
    assertKnownType(resourceType);
    return this.historyAcross(resourceType, options);
  }

  async systemHistory(options: HistoryOptions = {}): Promise<Bundle> {
    return this.historyAcross(undefined, options);
  }

  /**
   * http.html#history at type or system level: newest first, `_since` inclusive, offset paging
   * with self/previous/next links relative to the base (`Patient/_history?...` or `_history?...`).
   */
  private async historyAcross(resourceType: string | undefined, options: HistoryOptions): Promise<Bundle> {
    const count = options.count ?? DEFAULT_HISTORY_COUNT;
    const offset = options.offset ?? 0;
    if (!Number.isSafeInteger(count) || count < 0 || count > MAX_HISTORY_COUNT) {
      throw fhirError('invalid', `_count must be a whole number from 0 to ${MAX_HISTORY_COUNT}`, 400, ['_count']);
    }
    if (!Number.isSafeInteger(offset) || offset < 0) throw fhirError('invalid', '_offset must be a whole number', 400, ['_offset']);
    let sinceMs: number | undefined;
    if (options.since !== undefined) {
      sinceMs = parseInstantSpan(options.since)?.startMs;
      if (sinceMs === undefined) throw fhirError('invalid', '_since must be a FHIR instant', 400, ['_since']);
    }
    // One extra row tells whether a next page exists.
    const records = await this.store.historyPage({
      ...(resourceType !== undefined ? { resourceType } : {}),
      ...(sinceMs !== undefined ? { sinceMs } : {}),
      offset,
      limit: count + 1,
    });
    const page = records.slice(0, count);
    const entry: BundleEntry[] = [];
    for (const record of page) {
      // A version is a creation when nothing, or a deletion, came before it.
      const previous = record.version > 1 ? await this.store.version(record.resourceType, record.id, record.version - 1) : undefined;
      entry.push(await this.historyEntry(record, !previous || previous.deleted));
    }
    const base = resourceType !== undefined ? `${resourceType}/_history` : '_history';
    const criteria: Array<[string, string]> = options.since !== undefined ? [['_since', options.since]] : [];
    const at = (o: number) => searchUrl(base, [...criteria, ['_count', String(count)], ['_offset', String(o)]]);
    const link: NonNullable<Bundle['link']> = [{ relation: 'self', url: at(offset) }];
    if (offset > 0 && count > 0) link.push({ relation: 'previous', url: at(Math.max(0, offset - count)) });
    if (count > 0 && records.length > count) link.push({ relation: 'next', url: at(offset + count) });
    return { resourceType: 'Bundle', type: 'history', link, ...(entry.length > 0 ? { entry } : {}) };
  }

  /** One history entry (http.html#history): deletions carry request DELETE and no resource. */
  private async historyEntry(record: R, created: boolean): Promise<BundleEntry> {
    const url = `${record.resourceType}/${record.id}`;
    const etag = `W/"${record.version}"`;
    if (record.deleted) {
      return {
        fullUrl: url,
        request: { method: 'DELETE', url },
        response: { status: '204 No Content', etag, lastModified: record.lastUpdated },
      };
    }
    return {
      fullUrl: url,
      resource: await this.store.body(record),
      request: record.method === 'POST' ? { method: 'POST', url: record.resourceType } : { method: 'PUT', url },
      response: {
        status: created ? '201 Created' : '200 OK',
        etag,
        lastModified: record.lastUpdated,
        ...(created ? { location: `${url}/_history/${record.version}` } : {}),
      },
    };
  }

  async counts(): Promise<ResourceCount[]> {
    return this.store.counts();
  }

  async list(resourceType: string, options: ListOptions): Promise<ResourcePage> {
    const { records, total } = await this.store.query({
      resourceType,
      lastUpdated: [],
      offset: options.offset,
      limit: options.count,
      withTotal: true,
    });
    if (records.length === 0) assertKnownType(resourceType);
    const resources = await Promise.all(records.map((r) => this.store.body(r)));
    return { total: total ?? resources.length, offset: options.offset, resources };
  }

  /** Keyset scan of a type's current resources (bulk export; Bulk Data `_since` = `since`). */
  async scan(resourceType: string, options: ScanOptions): Promise<ScanPage> {
    const { rows, next } = await this.scanRows(resourceType, options, 1000, 'A scan page holds 1 to 1000 resources');
    const records = rows.map((r) => r.record);
    const resources = this.store.bodies ? await this.store.bodies(records) : await Promise.all(records.map((r) => this.store.body(r)));
    return next ? { resources, next } : { resources };
  }

  /** The scan's index rows, no bodies read; `deleted` lists deleted resources instead (sync's push plan). */
  async scanVersions(resourceType: string, options: VersionScanOptions): Promise<VersionScanPage> {
    const { rows, next } = await this.scanRows(resourceType, options, 10_000, 'A version scan page holds 1 to 10000 rows');
    const versions = rows.map(({ record }) => ({ id: record.id, versionId: String(record.version), lastUpdated: record.lastUpdated, deleted: record.deleted }));
    return next ? { versions, next } : { versions };
  }

  /** One keyset page of the store's current rows of a type (`scan`, `scanVersions`). */
  private async scanRows(resourceType: string, options: VersionScanOptions, maxLimit: number, limitMessage: string): Promise<{ rows: Array<{ record: R; key: ScanKey }>; next?: ScanKey }> {
    assertKnownType(resourceType);
    if (!Number.isInteger(options.limit) || options.limit < 1 || options.limit > maxLimit) throw fhirError('invalid', limitMessage, 400, ['limit']);
    let sinceMs: number | undefined;
    if (options.since !== undefined) {
      const span = parseInstantSpan(options.since);
      if (!span) throw fhirError('invalid', 'since must be a FHIR instant or date', 400, ['since']);
      sinceMs = span.startMs;
    }
    const rows = await this.store.scan({
      resourceType,
      limit: options.limit,
      ...(sinceMs !== undefined ? { sinceMs } : {}),
      ...(options.after ? { after: options.after } : {}),
      ...(options.deleted ? { deleted: true } : {}),
    });
    const last = rows.at(-1);
    return rows.length === options.limit && last ? { rows, next: last.key } : { rows };
  }

  /** search.html: see search.ts for the parameters understood. */
  async search(resourceType: string, params: SearchParams, options: SearchOptions = {}): Promise<Bundle> {
    assertKnownType(resourceType);
    const parsed = parseSearch(resourceType, params, options);
    // :in, :not-in, :above, :below read ValueSets and CodeSystems before the query (search/terminology.ts).
    const filters = needsTerminology(parsed.filters) ? await resolveTerminology(parsed.filters, this.terminology()) : parsed.filters;
    // search.html#summary: _summary=count is the total and no entries.
    const count = parsed.summary === 'count' ? 0 : parsed.count;
    const withTotal = parsed.total !== 'none' || parsed.summary === 'count';
    // One extra row tells whether a next page exists when no total is computed.
    const { records, total } = await this.store.query({
      resourceType,
      ...(parsed.ids ? { ids: parsed.ids } : {}),
      lastUpdated: parsed.lastUpdated,
      filters,
      sort: parsed.sort,
      offset: parsed.offset,
      limit: count + 1,
      withTotal,
      estimateTotal: parsed.total === 'estimate',
      // No _total: exact when cheap to know, else absent (docs/search.md, "Total").
      cheapTotalOnly: parsed.total === undefined && parsed.summary !== 'count',
    });
    const pageRecords = records.slice(0, count);
    // An estimated total cannot tell whether a next page exists; the extra row can.
    const exactTotal = parsed.total === 'estimate' ? undefined : total;
    const hasNext = count > 0 && (exactTotal !== undefined ? parsed.offset + count < exactTotal : records.length > count);
    const matches = await Promise.all(pageRecords.map((r) => this.store.body(r)));
    const included = await resolveIncludes(this.store, matches, parsed.includes);
    const shaped = (list: Resource[]) => list.map((r) => shapeResource(r, parsed));
    return searchsetBundle(shaped(matches), pageLinks(resourceType, parsed, hasNext), total, parsed.warnings, shaped(included));
  }

  /** ValueSets and CodeSystems by canonical URL: the newest stored one, else the R4 definitions'. */
  private terminology(): TerminologySource {
    const newest = async (type: 'ValueSet' | 'CodeSystem', url: string): Promise<Resource | undefined> => {
      const [base = url, version] = url.split('|');
      const params: Array<[string, string]> = [['url', base], ['_count', '1']];
      if (version) params.push(['version', version]);
      return (await this.search(type, params)).entry?.[0]?.resource;
    };
    return terminologySource({
      valueSet: async (url) => {
        const found = await newest('ValueSet', url);
        return found?.resourceType === 'ValueSet' ? found : undefined;
      },
      codeSystem: async (url) => {
        const found = await newest('CodeSystem', url);
        return found?.resourceType === 'CodeSystem' ? found : undefined;
      },
    });
  }

  async writeBatch(ops: readonly WriteOp[], options: WriteBatchOptions = {}): Promise<WriteOutcome[]> {
    if (ops.length === 0) return [];
    // Ids first: they do not depend on the store, and the prepared body names them.
    const fixed = ops.map((op): WriteOp => (op.kind === 'create' && op.assignedId === undefined ? { ...op, assignedId: randomUUID() } : op));
    const pipelined = this.writesInFlight > 0 && this.preparer !== undefined && ops.length >= MIN_PIPELINED_BATCH;
    const steps = fixed.map(planStepOf);
    const outcomes = await this.inCommitOrder(
      () => (pipelined ? this.prepareElsewhere(fixed) : Promise.resolve(undefined)),
      (prepared) => this.commitSteps(steps, (index) => prepared?.[index] ?? prepareWrite(prepareInput(fixed[index]!)!, false), options),
    );
    return outcomes.map((outcome, index): WriteOutcome => {
      if (outcome.status === 'deleted' || outcome.status === 'failed' || outcome.status === 'rolled-back') return outcome;
      const op = fixed[index]!;
      if (op.kind === 'delete') throw fhirError('exception', 'A deletion planned as a stored version', 500);
      return { status: outcome.status, resource: withStoreMeta(op.resource, outcome.id, outcome.versionId, outcome.lastUpdated) };
    });
  }

  /**
   * A transaction Bundle's text read, planned and prepared on the write-prep thread
   * (rest/transaction-plan.ts planPlainTransaction, write-prep-worker.ts): writes for
   * writePrepared, in entry order. null: no such thread now; undefined: not a plain transaction
   * (the caller runs it on this thread).
   */
  prepareTransaction(text: string, base: { baseUrl: string; foreignUrlsRelative?: boolean }): Promise<PreparedTransactionWrite[] | undefined> | null {
    return this.preparer?.prepareTransaction?.(text, base) ?? null;
  }

  /**
   * An NDJSON import chunk's lines parsed, checked and prepared on the write-prep thread
   * (io/ndjson-prep.ts), for writePrepared. null: no such thread now (the importer reads the lines
   * on this thread).
   */
  prepareNdjson(chunk: NdjsonLines): Promise<PreparedNdjsonChunk> | null {
    return this.preparer?.prepareNdjson?.(chunk) ?? null;
  }

  /**
   * writeBatch for writes prepared elsewhere (prepareTransaction): no resource object is built on
   * this thread; a stored write's outcome names its id, version and instant (the stored body is
   * the template filled with them: fillBody).
   */
  async writePrepared(ops: readonly PreparedOp[], options: WriteBatchOptions = {}): Promise<PlannedOutcome[]> {
    if (ops.length === 0) return [];
    return this.inCommitOrder(
      () => Promise.resolve(undefined),
      () => this.commitSteps(ops, (index) => ops[index]!.prepared, options),
    );
  }

  /**
   * Commits keep the call order: `prepare` runs at once (while an earlier batch commits), the
   * commit once every earlier batch's commit is queued in the store.
   */
  private async inCommitOrder<P, T>(prepare: () => Promise<P>, commit: (prepared: P) => Promise<T>): Promise<T> {
    this.writesInFlight++;
    const turn = this.commitTurn;
    let release = (): void => undefined;
    this.commitTurn = new Promise<void>((resolve) => (release = resolve));
    try {
      const prepared = await prepare();
      await turn;
      const committing = commit(prepared);
      // The store has queued this commit (its lock is taken in call order): the next batch may follow.
      release();
      return await committing;
    } finally {
      release();
      this.writesInFlight--;
    }
  }

  /** Prepared writes by op index from the preparer; undefined when it is unavailable or failed. */
  private async prepareElsewhere(ops: readonly WriteOp[]): Promise<Array<PreparedWrite | undefined> | undefined> {
    const inputs: PrepareInput[] = [];
    const at: number[] = [];
    ops.forEach((op, index) => {
      const input = prepareInput(op);
      if (input) {
        inputs.push(input);
        at.push(index);
      }
    });
    const pending = inputs.length > 0 ? this.preparer?.prepare(inputs) : null;
    if (!pending) return undefined;
    let results: PreparedWrite[];
    try {
      results = await pending;
    } catch {
      // The worker failed or went away: this thread prepares the batch as it does alone.
      return undefined;
    }
    if (results.length !== inputs.length) return undefined;
    const byOp = new Array<PreparedWrite | undefined>(ops.length);
    at.forEach((index, i) => (byOp[index] = results[i]));
    return byOp;
  }

  private async commitSteps(steps: readonly PlanStep[], ready: (index: number) => PreparedWrite, options: WriteBatchOptions): Promise<PlannedOutcome[]> {
    try {
      return await this.store.commit((view) => {
        const planned = this.plan(steps, ready, view);
        if (options.atomic && planned.outcomes.some((o) => o.status === 'failed')) {
          throw new AtomicFailure(planned.outcomes);
        }
        return { versions: planned.versions, result: planned.outcomes };
      });
    } catch (e) {
      if (e instanceof AtomicFailure) {
        return e.outcomes.map((o) => (o.status === 'failed' ? o : { status: 'rolled-back' }));
      }
      throw e;
    }
  }

  /**
   * Only stored types can have records, so the type list (a large file to load) is consulted
   * only on a miss: to tell an unknown type from an unknown id.
   */
  private missing(resourceType: string, id: string): OperationOutcomeError {
    assertKnownType(resourceType);
    return notFound(resourceType, id);
  }

  private async writeOne(op: WriteOp): Promise<Resource> {
    const [outcome] = await this.writeBatch([op]);
    if (!outcome) throw fhirError('exception', 'Write produced no result', 500);
    if (outcome.status === 'failed') throw new OperationOutcomeError(outcome.outcome);
    if (outcome.status === 'created' || outcome.status === 'updated' || outcome.status === 'unchanged') return outcome.resource;
    throw fhirError('exception', 'Unexpected write result', 500);
  }

  /** Decides every op's result against the current state plus the earlier ops of the batch. */
  private plan(steps: readonly PlanStep[], ready: (index: number) => PreparedWrite, view: WriteView): PlannedOps {
    const pending = new Map<string, VersionRecord>();
    const current = (type: string, id: string) => pending.get(key(type, id)) ?? view.current(type, id);
    const nowMs = Date.now();
    const versions: NewVersion[] = [];
    const outcomes: PlannedOutcome[] = [];
    const store = (v: NewVersion) => {
      versions.push(v);
      pending.set(key(v.resourceType, v.id), v);
    };
    if (view.prefetch) {
      const keys: Array<{ resourceType: string; id: string }> = [];
      for (const step of steps) if (typeof step.type === 'string' && typeof step.id === 'string') keys.push({ resourceType: step.type, id: step.id });
      view.prefetch(keys);
    }

    for (const [index, op] of steps.entries()) {
      if (op.kind === 'delete') {
        const id = op.id ?? '';
        if (!isResourceType(op.type) || !FHIR_ID_PATTERN.test(id)) {
          outcomes.push({ status: 'failed', outcome: problemsOutcome(resourceProblems({ resourceType: op.type, id })) });
          continue;
        }
        const existing = current(op.type, id);
        if (op.ifMatch !== undefined) {
          const expected = parseIfMatch(op.ifMatch);
          if (expected === undefined || !existing || existing.deleted || existing.version !== expected) {
            outcomes.push({
              status: 'failed',
              outcome: fhirError('conflict', `Version conflict: ${op.type}/${id} is not at version ${op.ifMatch.slice(0, 20)}`, 412).outcome,
            });
            continue;
          }
        }
        if (!existing) {
          outcomes.push({ status: 'failed', outcome: notFound(op.type, id).outcome });
        } else if (existing.deleted) {
          outcomes.push({ status: 'deleted', result: { resourceType: op.type, id, versionId: String(existing.version) } });
        } else {
          const version = existing.version + 1;
          store({
            resourceType: op.type,
            id,
            version,
            lastUpdated: nextInstant(nowMs, existing),
            deleted: true,
            method: 'DELETE',
            hash: null,
            body: null,
          });
          outcomes.push({ status: 'deleted', result: { resourceType: op.type, id, versionId: String(version) } });
        }
        continue;
      }

      // Validation, hash and body template: from the preparer's thread, or here (the same function).
      const prepared = ready(index);
      if (prepared.problems && prepared.problems.length > 0) {
        outcomes.push({ status: 'failed', outcome: problemsOutcome(prepared.problems) });
        continue;
      }
      const { hash, template } = prepared;
      if (hash === undefined || template === undefined) throw fhirError('exception', 'A prepared write lacks its hash or body', 500);
      const type = op.type;
      const id = op.id ?? randomUUID();
      const existing = current(type, id);
      if (op.kind === 'create' && existing) {
        outcomes.push({ status: 'failed', outcome: fhirError('duplicate', `${type}/${id} already exists`, 409).outcome });
        continue;
      }
      if (op.kind === 'update' && op.ifMatch !== undefined) {
        const expected = parseIfMatch(op.ifMatch);
        if (expected === undefined || !existing || existing.version !== expected) {
          outcomes.push({
            status: 'failed',
            outcome: fhirError('conflict', `Version conflict: ${type}/${id} is not at version ${op.ifMatch.slice(0, 20)}`, 412).outcome,
          });
          continue;
        }
      }
      if (op.kind === 'update' && op.skipUnchanged && existing && !existing.deleted && existing.hash === hash) {
        outcomes.push({ status: 'unchanged', id, versionId: String(existing.version), lastUpdated: existing.lastUpdated });
        continue;
      }
      const version = (existing?.version ?? 0) + 1;
      const lastUpdated = nextInstant(nowMs, existing);
      store({
        resourceType: type,
        id,
        version,
        lastUpdated,
        deleted: false,
        method: op.kind === 'create' ? 'POST' : 'PUT',
        hash,
        // Bytes for the store: from a worker's template no body string is made on this thread (body-bytes.ts).
        body: fillBodyBytes(template, version, lastUpdated),
        ...(prepared.rows ? { rows: prepared.rows } : {}),
      });
      outcomes.push({ status: !existing || existing.deleted ? 'created' : 'updated', id, versionId: String(version), lastUpdated });
    }
    return { versions, outcomes };
  }
}

/** One write as the planner reads it (a WriteOp, or a PreparedOp without its resource object). */
interface PlanStep {
  kind: 'create' | 'update' | 'delete';
  /** The resource type (unchecked until validation: a malformed resource may have none). */
  type: string;
  /** The id it is stored under; absent only for an update without one (validation refuses it). */
  id?: string;
  ifMatch?: string;
  skipUnchanged?: boolean;
}

function planStepOf(op: WriteOp): PlanStep {
  if (op.kind === 'delete') return { kind: 'delete', type: op.resourceType, id: op.id, ...(op.ifMatch !== undefined ? { ifMatch: op.ifMatch } : {}) };
  const id = op.kind === 'create' ? op.assignedId : op.resource.id;
  const step: PlanStep = { kind: op.kind, type: op.resource.resourceType };
  if (id !== undefined) step.id = id;
  if (op.kind === 'update') {
    if (op.ifMatch !== undefined) step.ifMatch = op.ifMatch;
    if (op.skipUnchanged) step.skipUnchanged = true;
  }
  return step;
}

/** Carries an atomic batch's outcomes out of the abandoned commit. */
class AtomicFailure extends AbortCommit {
  constructor(readonly outcomes: PlannedOutcome[]) {
    super();
  }
}
