/**
 * The in-memory repository: the FHIR semantics over Maps. Used by tests and by anything that
 * needs a throw-away store; it keeps nothing on disk.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { ResourceCount } from '../api/contract';
import { FhirRepository } from './fhir-repository';
import type { CurrentQuery, HistoryQuery, LastUpdatedCondition, NewVersion, StoreBackend, VersionRecord, WriteView } from './store-backend';

interface MemoryVersion extends VersionRecord {
  body: string | null;
  lastUpdatedMs: number;
}

export function matchesLastUpdated(ms: number, conditions: readonly LastUpdatedCondition[]): boolean {
  return conditions.every((c) => {
    const inside = (c.startMs === undefined || ms >= c.startMs) && (c.endMs === undefined || ms < c.endMs);
    return c.negate ? !inside : inside;
  });
}

class MemoryStore implements StoreBackend<MemoryVersion> {
  /** `Type/id` → versions, oldest first. */
  private readonly versionsByKey = new Map<string, MemoryVersion[]>();
  /** Serializes commits as the vault's single-writer lock does. */
  private queue: Promise<unknown> = Promise.resolve();

  commit<T>(plan: (view: WriteView) => { versions: NewVersion[]; result: T }): Promise<T> {
    const run = this.queue.then(() => {
      const view: WriteView = { current: (type, id) => this.latest(type, id) };
      const { versions, result } = plan(view);
      for (const v of versions) {
        const k = `${v.resourceType}/${v.id}`;
        const list = this.versionsByKey.get(k) ?? [];
        list.push({ ...v, lastUpdatedMs: Date.parse(v.lastUpdated) });
        this.versionsByKey.set(k, list);
      }
      return result;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private latest(type: string, id: string): MemoryVersion | undefined {
    return this.versionsByKey.get(`${type}/${id}`)?.at(-1);
  }

  async current(type: string, id: string): Promise<MemoryVersion | undefined> {
    return this.latest(type, id);
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
    const ids = query.ids ? new Set(query.ids) : undefined;
    const matches: MemoryVersion[] = [];
    for (const list of this.versionsByKey.values()) {
      const last = list.at(-1);
      if (!last || last.deleted || last.resourceType !== query.resourceType) continue;
      if (ids && !ids.has(last.id)) continue;
      if (!matchesLastUpdated(last.lastUpdatedMs, query.lastUpdated)) continue;
      matches.push(last);
    }
    matches.sort((a, b) => b.lastUpdatedMs - a.lastUpdatedMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const records = matches.slice(query.offset, query.offset + query.limit);
    return query.withTotal ? { records, total: matches.length } : { records };
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
}

/** A ResourceRepository kept in memory. */
export class MemoryRepository extends FhirRepository<MemoryVersion> {
  constructor() {
    super(new MemoryStore());
  }
}
