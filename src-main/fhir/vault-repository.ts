/**
 * The repository over an encrypted vault: version records in the sql.js index (fhir-projector.ts,
 * read through its views resource_current_v / resource_version_v),
 * resource bodies as encrypted blobs in the vault log. Every write batch is one durable vault
 * transaction.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { ResourceCount } from '../api/contract';
import type { Database, SqlValue } from 'sql.js';
import { META_TABLE } from '../vault/index-db';
import type { BlobPointer, Vault } from '../vault/types';
import { FhirRepository, type WritePreparer } from './fhir-repository';
import { entryForVersion } from './fhir-projector';
import { cachedStatement } from '../vault/statement-cache';
import { scanCurrentRows, type ScanKey, type ScanQuery } from './scan';
import { PageCheckpoints, queryCurrent, queryLinks, selectRows } from './search/sql-query';
import type { CurrentQuery, HistoryQuery, LinkQuery, NewVersion, StoreBackend, VersionMethod, VersionRecord, WriteView } from './store-backend';

export interface VaultVersion extends VersionRecord {
  pointer: BlobPointer | null;
}

const COLUMN_LIST = ['type', 'id', 'version', 'last_updated', 'deleted', 'method', 'hash', 'seg', 'off', 'len'] as const;
const COLUMNS = COLUMN_LIST.join(', ');
/**
 * One resource's rid from (id, type), as a scalar subquery: the views joined on type and id would
 * let the planner scan a whole type; the rid goes straight to the primary keys. Binds id, then type.
 */
const RID_OF = '(SELECT rid FROM resource_key WHERE id = ? AND tid = (SELECT tid FROM resource_type WHERE name = ?))';
/**
 * The current version of each of a type's ids that has one: binds the type, then the ids as a JSON
 * array. One statement for a whole transaction's keys of a type. A key alone is not a resource: a
 * reference search parameter keys its targets (search/index-tables.ts), so in a bulk load about
 * 40% of the new resources already have one. Looking up each found key's current row with a
 * statement of its own cost ~34 us a key (a statement over the four-table view costs that to run
 * in sql.js even when it finds nothing; test/tools/prefetch-cost.ts), a fifth of a million-resource
 * import's store thread.
 */
const CURRENT_OF_IDS = `SELECT ${COLUMNS} FROM resource_current_v WHERE rid IN (SELECT rid FROM resource_key WHERE tid = (SELECT tid FROM resource_type WHERE name = ?) AND id IN (SELECT value FROM json_each(?)))`;

function toRecord(row: SqlValue[]): VaultVersion {
  const [type, id, version, lastUpdated, deleted, method, hash, seg, off, len] = row;
  return {
    resourceType: String(type),
    id: String(id),
    version: Number(version),
    lastUpdated: String(lastUpdated),
    deleted: deleted === 1,
    method: String(method) as VersionMethod,
    hash: hash === null || hash === undefined ? null : String(hash),
    pointer: seg === null ? null : { segment: Number(seg), offset: Number(off), length: Number(len) },
  };
}


const decoder = new TextDecoder();

class VaultStore implements StoreBackend<VaultVersion> {
  /** Where deep pages began and ended, for the next page (search/sql-query.ts PageCheckpoints). */
  private readonly checkpoints = new PageCheckpoints();

  constructor(private readonly vault: Vault) {}

  async commit<T>(plan: (view: WriteView) => { versions: NewVersion[]; result: T }): Promise<T> {
    const { result } = await this.vault.write((tx, db) => {
      // The key first: a bulk load writes mostly new resources, and a miss there is one index probe.
      const key = cachedStatement(db, RID_OF.slice(1, -1));
      const lookup = cachedStatement(db, `SELECT ${COLUMNS} FROM resource_current_v WHERE rid = ?`);
      const currentOfIds = cachedStatement(db, CURRENT_OF_IDS);
      const read = (type: string, id: string): VaultVersion | undefined => {
        key.bind([id, type]);
        const rid = key.step() ? key.get()[0] : undefined;
        key.reset();
        if (rid === undefined || rid === null) return undefined;
        lookup.bind([rid]);
        const found = lookup.step() ? toRecord(lookup.get()) : undefined;
        lookup.reset();
        return found;
      };
      // Answers looked up ahead (prefetch); the plan writes nothing to the index, so none go stale.
      const known = new Map<string, VaultVersion | undefined>();
      try {
        const view: WriteView = {
          current(type, id) {
            const k = `${type}/${id}`;
            return known.has(k) ? known.get(k) : read(type, id);
          },
          prefetch(keys) {
            // One statement per type for all the keys' current versions (CURRENT_OF_IDS): not a
            // bind/step/reset round trip into sql.js per key.
            const idsByType = new Map<string, string[]>();
            for (const { resourceType, id } of keys) {
              const ids = idsByType.get(resourceType);
              if (ids === undefined) idsByType.set(resourceType, [id]);
              else ids.push(id);
            }
            for (const [type, ids] of idsByType) {
              const found = new Map<string, VaultVersion>();
              currentOfIds.bind([type, JSON.stringify(ids)]);
              while (currentOfIds.step()) {
                const record = toRecord(currentOfIds.get());
                found.set(record.id, record);
              }
              currentOfIds.reset();
              for (const id of ids) known.set(`${type}/${id}`, found.get(id));
            }
          },
        };
        const { versions, result: planned } = plan(view);
        for (const v of versions) {
          const blob = v.body === null ? undefined : typeof v.body === 'string' ? tx.addText(v.body) : tx.adoptBlob(v.body);
          tx.addEntry(entryForVersion(v, blob), v.rows);
        }
        return planned;
      } finally {
        key.reset();
        lookup.reset();
        currentOfIds.reset();
      }
    });
    return result;
  }

  current(type: string, id: string): Promise<VaultVersion | undefined> {
    return this.vault.read((db) => {
      const row = selectRows(db, `SELECT ${COLUMNS} FROM resource_current_v WHERE rid = ${RID_OF}`, [id, type])[0];
      return row ? toRecord(row) : undefined;
    });
  }

  /** One statement for all: `_include`/`_revinclude` look up tens of resources per page. */
  currentMany(type: string, ids: readonly string[]): Promise<VaultVersion[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.vault.read((db) =>
      selectRows(
        db,
        `SELECT ${COLUMNS} FROM resource_current_v WHERE rid IN
           (SELECT rid FROM resource_key WHERE tid = (SELECT tid FROM resource_type WHERE name = ?) AND id IN (${ids.map(() => '?').join(', ')}))`,
        [type, ...ids],
      ).map(toRecord),
    );
  }

  version(type: string, id: string, version: number): Promise<VaultVersion | undefined> {
    return this.vault.read((db) => {
      const row = selectRows(db, `SELECT ${COLUMNS} FROM resource_version_v WHERE rid = ${RID_OF} AND version = ?`, [id, type, version])[0];
      return row ? toRecord(row) : undefined;
    });
  }

  versions(type: string, id: string): Promise<VaultVersion[]> {
    return this.vault.read((db) =>
      selectRows(db, `SELECT ${COLUMNS} FROM resource_version_v WHERE rid = ${RID_OF} ORDER BY version DESC`, [id, type]).map(toRecord),
    );
  }

  async body(record: VaultVersion): Promise<Resource> {
    if (!record.pointer) throw new Error('A deletion has no body');
    return JSON.parse(decoder.decode(await this.vault.readBlob(record.pointer))) as Resource;
  }

  /** A scan page's bodies: the blobs of records written together lie together in the log (Vault.readBlobs). */
  async bodies(records: readonly VaultVersion[]): Promise<Resource[]> {
    const pointers = records.map((record) => {
      if (!record.pointer) throw new Error('A deletion has no body');
      return record.pointer;
    });
    return (await this.vault.readBlobs(pointers)).map((bytes) => JSON.parse(decoder.decode(bytes)) as Resource);
  }

  counts(): Promise<ResourceCount[]> {
    return this.vault.read((db) =>
      selectRows(db, 'SELECT type, count FROM resource_type_count WHERE count > 0 ORDER BY type', []).map(([type, count]) => ({
        resourceType: String(type),
        count: Number(count),
      })),
    );
  }

  query(query: CurrentQuery): Promise<{ records: VaultVersion[]; total?: number }> {
    return this.vault.read((db) => {
      // The index's last applied commit (index-db.ts): checkpoints hold for that state only.
      const generation = Number(selectRows(db, `SELECT value FROM ${META_TABLE} WHERE key = 'lastSeq'`, [])[0]?.[0] ?? -1);
      const { rows, total } = queryCurrent(db, query, COLUMN_LIST, this.checkpoints.at(generation));
      const records = rows.map(toRecord);
      return total === undefined ? { records } : { records, total };
    });
  }

  links(query: LinkQuery): Promise<Array<{ resourceType: string; id: string }>> {
    return this.vault.read((db) => queryLinks(db, query));
  }

  historyPage(query: HistoryQuery): Promise<VaultVersion[]> {
    return this.vault.read((db) => {
      const where: string[] = [];
      const params: SqlValue[] = [];
      if (query.resourceType !== undefined) {
        where.push('type = ?');
        params.push(query.resourceType);
      }
      if (query.sinceMs !== undefined) {
        where.push('last_updated_ms >= ?');
        params.push(query.sinceMs);
      }
      const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
      return selectRows(
        db,
        `SELECT ${COLUMNS} FROM resource_version_v ${filter} ORDER BY last_updated_ms DESC, type ASC, id ASC, version DESC LIMIT ? OFFSET ?`,
        [...params, query.limit, query.offset],
      ).map(toRecord);
    });
  }

  scan(query: ScanQuery): Promise<Array<{ record: VaultVersion; key: ScanKey }>> {
    return this.vault.read((db) => scanCurrentRows(db, query, COLUMN_LIST).map(({ row, key }) => ({ record: toRecord(row), key })));
  }
}

export interface VaultRepositoryOptions {
  /** Prepares a batch off this thread while the one before commits (write-prep-pool.ts). */
  preparer?: WritePreparer;
}

/** A ResourceRepository over an open vault created or opened with `fhirProjector`. */
export function createVaultRepository(vault: Vault, options: VaultRepositoryOptions = {}): FhirRepository<VaultVersion> {
  return new FhirRepository(new VaultStore(vault), options.preparer);
}
