/**
 * The in-memory repository: the FHIR semantics over Maps. Used by tests and by anything that
 * needs a throw-away store; it keeps nothing on disk. Searches run on an in-memory sql.js
 * database maintained by the vault's own projector (fhir-projector.ts), so both stores answer
 * every search with the same tables and the same SQL.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { Database } from 'sql.js';
import type { ResourceCount } from '../api/contract';
import { loadSqlJs } from '../vault/sqljs';
import { FhirRepository } from './fhir-repository';
import { entryForVersion, fhirProjector } from './fhir-projector';
import { scanCurrentRows, type ScanKey, type ScanQuery } from './scan';
import { queryCurrent, queryLinks } from './search/sql-query';
import type { CurrentQuery, HistoryQuery, LinkQuery, NewVersion, StoreBackend, VersionRecord, WriteView } from './store-backend';

interface MemoryVersion extends VersionRecord {
  body: string | null;
  lastUpdatedMs: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

class MemoryStore implements StoreBackend<MemoryVersion> {
  /** `Type/id` → versions, oldest first. */
  private readonly versionsByKey = new Map<string, MemoryVersion[]>();
  /** Serializes commits as the vault's single-writer lock does. */
  private queue: Promise<unknown> = Promise.resolve();
  private database: Promise<Database> | undefined;
  private seq = 0;

  private index(): Promise<Database> {
    this.database ??= loadSqlJs().then((SQL) => {
      const db = new SQL.Database();
      fhirProjector.createSchema(db);
      return db;
    });
    return this.database;
  }

  commit<T>(plan: (view: WriteView) => { versions: NewVersion[]; result: T }): Promise<T> {
    const run = this.queue.then(async () => {
      const db = await this.index();
      const view: WriteView = { current: (type, id) => this.latest(type, id) };
      const { versions, result } = plan(view);
      this.project(db, versions);
      for (const v of versions) {
        const k = `${v.resourceType}/${v.id}`;
        const list = this.versionsByKey.get(k) ?? [];
        // Bodies are kept as text here (read back with JSON.parse).
        const body = v.body === null || typeof v.body === 'string' ? v.body : decoder.decode(v.body);
        list.push({ ...v, body, lastUpdatedMs: Date.parse(v.lastUpdated) });
        this.versionsByKey.set(k, list);
      }
      return result;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Feeds the versions to the projector as one committed transaction; all or nothing. */
  private project(db: Database, versions: readonly NewVersion[]): void {
    if (versions.length === 0) return;
    const blobs: Array<{ pointer: { segment: number; offset: number; length: number }; bytes: Uint8Array }> = [];
    const entries = versions.map((v) => {
      let blob: number | undefined;
      if (v.body !== null) {
        const bytes = typeof v.body === 'string' ? encoder.encode(v.body) : v.body;
        // The projector records where a body lives; here bodies live in the Map, so the pointer is unused.
        blobs.push({ pointer: { segment: 0, offset: 0, length: bytes.length }, bytes });
        blob = blobs.length - 1;
      }
      return entryForVersion(v, blob);
    });
    this.seq += 1;
    db.run('BEGIN');
    try {
      fhirProjector.apply(db, { seq: this.seq, committedAt: new Date().toISOString(), entries, blobs });
      db.run('COMMIT');
    } catch (e) {
      db.run('ROLLBACK');
      this.seq -= 1;
      throw e;
    }
  }

  private latest(type: string, id: string): MemoryVersion | undefined {
    return this.versionsByKey.get(`${type}/${id}`)?.at(-1);
  }

  async current(type: string, id: string): Promise<MemoryVersion | undefined> {
    return this.latest(type, id);
  }

  async currentMany(type: string, ids: readonly string[]): Promise<MemoryVersion[]> {
    return ids.flatMap((id) => this.latest(type, id) ?? []);
  }

  async version(type: string, id: string, version: number): Promise<MemoryVersion | undefined> {
    return this.versionsByKey.get(`${type}/${id}`)?.find((v) => v.version === version);
  }

  async versions(type: string, id: string): Promise<MemoryVersion[]> {
    return [...(this.versionsByKey.get(`${type}/${id}`) ?? [])].reverse();
  }

  async body(record: MemoryVersion): Promise<Resource> {
    if (record.body === null) throw new Error('A deletion has no body');
    return JSON.parse(record.body) as Resource;
  }

  async counts(): Promise<ResourceCount[]> {
    const counts = new Map<string, number>();
    for (const list of this.versionsByKey.values()) {
      const last = list.at(-1);
      if (last && !last.deleted) counts.set(last.resourceType, (counts.get(last.resourceType) ?? 0) + 1);
    }
    return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([resourceType, count]) => ({ resourceType, count }));
  }

  async query(query: CurrentQuery): Promise<{ records: MemoryVersion[]; total?: number }> {
    const db = await this.index();
    const { rows, total } = queryCurrent(db, query, ['type', 'id']);
    const records = rows.map(([type, id]) => {
      const record = this.latest(String(type), String(id));
      if (!record) throw new Error('Search index names a resource the store does not hold');
      return record;
    });
    return total === undefined ? { records } : { records, total };
  }

  async links(query: LinkQuery): Promise<Array<{ resourceType: string; id: string }>> {
    return queryLinks(await this.index(), query);
  }

  async historyPage(query: HistoryQuery): Promise<MemoryVersion[]> {
    const matches: MemoryVersion[] = [];
    for (const list of this.versionsByKey.values()) {
      for (const v of list) {
        if (query.resourceType !== undefined && v.resourceType !== query.resourceType) continue;
        if (query.sinceMs !== undefined && v.lastUpdatedMs < query.sinceMs) continue;
        matches.push(v);
      }
    }
    const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    matches.sort(
      (a, b) =>
        b.lastUpdatedMs - a.lastUpdatedMs || text(a.resourceType, b.resourceType) || text(a.id, b.id) || b.version - a.version,
    );
    return matches.slice(query.offset, query.offset + query.limit);
  }

  async scan(query: ScanQuery): Promise<Array<{ record: MemoryVersion; key: ScanKey }>> {
    const rows = scanCurrentRows(await this.index(), query, ['type', 'id']);
    return rows.map(({ row: [type, id], key }) => {
      const record = this.latest(String(type), String(id));
      if (!record) throw new Error('Search index names a resource the store does not hold');
      return { record, key };
    });
  }
}

/** A ResourceRepository kept in memory. */
export class MemoryRepository extends FhirRepository<MemoryVersion> {
  constructor() {
    super(new MemoryStore());
  }
}
