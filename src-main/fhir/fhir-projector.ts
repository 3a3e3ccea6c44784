/**
 * The FHIR index inside the vault: which version of which resource lives in which encrypted blob.
 * Resource bodies stay in the vault log (UTF-8 JSON blobs); sql.js holds only these tables:
 *
 *   resource_type, resource_key, search_param  integer ids for type names, resources, parameters
 *   param_set, param_set_member  the sets of parameters that share a search row
 *   resource_version  every version (history, vread), keyed (rid, version)
 *   resource_current  the newest version per resource (read, list, search), keyed by rid
 *   resource_type_count  live resources per type (counts without a scan)
 *   sp_*, sp_text     search index rows of current resources (search/index-tables.ts)
 *   review_queue_*    the review queue's row per current note and review record (review/queue-table.ts)
 * and the views resource_version_v / resource_current_v that give back type names and ids.
 *
 * Each commit entry describes one new version: `{op:'put'|'delete', type, id, version,
 * lastUpdated, method, hash?, blob?}`. Applying a commit touches only the rows it names, so a
 * write costs O(change), never O(store).
 */
import type { Resource } from '@medplum/fhirtypes';
import type { CommittedTransaction, Database, IndexProjector, JsonObject } from '../vault/types';
import { extractIndexRows } from './search/extract';
import type { VersionRecord } from './store-backend';
import { BatchedInsert, indexSchema, IndexWriter, KeyRegistry } from './search/index-tables';
// The review queue's table (derived from notes and review records like the search rows).
import { hasQueueRow, queueRowOf, queueTableSchema, QueueTableWriter } from '../review/queue-table';
import { isPreparedRows } from './write-prep';
import { cachedStatement } from '../vault/statement-cache';

/**
 * 3: search index tables (sp_*, search/index-tables.ts); 4: absolute references indexed by URL only;
 * 5: compact keys (resource_key rid, search_param pid, rows clustered by rid), full-text table;
 * 6: Location positions for `near` (sp_position, search/near.ts), full text folded (foldText, search/text-query.ts);
 * 7: date range indexes (sp_date by span class, and rows after a resource's first);
 * 8: rows of the NLP search parameters on DocumentReference (nlp/results/search-parameters.ts);
 * 9: token display texts interned (token_display), full text without %_docsize (matchinfo=fts3), and the
 *    review queue's tables, one row per note and per review record (review/queue-table.ts);
 * 10: sp_date's span class a column (sp_date.span) and its only key index (pid, span, low), no (pid, low).
 * 11: full-text docids `(version mod 2^20) * 2^33 + rid` and the content column first (search/index-tables.ts TEXT_TABLE).
 * 12: a value stored once per resource and table: rows carry a parameter set (psid; param_set,
 *     param_set_member) instead of a parameter (search/index-tables.ts RowMerger).
 */
export const FHIR_INDEX_SCHEMA_VERSION = 12;

const SCHEMA = [
  ...indexSchema(),
  // Every version (history, vread); the type as a small integer, for type history.
  `CREATE TABLE resource_version (
     rid INTEGER NOT NULL, version INTEGER NOT NULL, tid INTEGER NOT NULL,
     last_updated TEXT, last_updated_ms INTEGER NOT NULL,
     deleted INTEGER NOT NULL, method TEXT NOT NULL, hash TEXT,
     seg INTEGER, off INTEGER, len INTEGER,
     PRIMARY KEY (rid, version)) WITHOUT ROWID`,
  // The newest version per resource: only what list and search filter and sort on; the rest is
  // read from its resource_version row.
  `CREATE TABLE resource_current (
     rid INTEGER PRIMARY KEY, tid INTEGER NOT NULL, version INTEGER NOT NULL,
     last_updated_ms INTEGER NOT NULL, deleted INTEGER NOT NULL)`,
  // list/search order: newest first (then id, sorted among equal instants).
  'CREATE INDEX resource_current_recent ON resource_current (tid, deleted, last_updated_ms DESC)',
  // Type and system history (http.html#history) with _since, newest first.
  'CREATE INDEX resource_version_recent ON resource_version (last_updated_ms DESC)',
  'CREATE INDEX resource_version_type_recent ON resource_version (tid, last_updated_ms DESC)',
  'CREATE TABLE resource_type_count (type TEXT PRIMARY KEY, count INTEGER NOT NULL) WITHOUT ROWID',
  // What readers see: the type name, the id and the instant text put back.
  `CREATE VIEW resource_version_v AS
     SELECT v.rid, v.tid, t.name AS type, k.id, v.version,
            coalesce(v.last_updated, strftime('%Y-%m-%dT%H:%M:%fZ', v.last_updated_ms / 1000.0, 'unixepoch')) AS last_updated,
            v.last_updated_ms, v.deleted, v.method, v.hash, v.seg, v.off, v.len
     FROM resource_version v JOIN resource_key k ON k.rid = v.rid JOIN resource_type t ON t.tid = v.tid`,
  `CREATE VIEW resource_current_v AS
     SELECT c.rid, c.tid, t.name AS type, k.id, c.version,
            coalesce(v.last_updated, strftime('%Y-%m-%dT%H:%M:%fZ', v.last_updated_ms / 1000.0, 'unixepoch')) AS last_updated,
            c.last_updated_ms, c.deleted, v.method, v.hash, v.seg, v.off, v.len
     FROM resource_current c JOIN resource_key k ON k.rid = c.rid JOIN resource_type t ON t.tid = c.tid
       JOIN resource_version v ON v.rid = c.rid AND v.version = c.version`,
  ...queueTableSchema(),
];

/**
 * The instant text is stored only when SQLite's strftime would not give it back from the
 * milliseconds (other precision or offset, or a year outside 0000-9999).
 */
function storedInstant(text: string, ms: number): string | null {
  if (ms < -62167219200000 || ms > 253402300799999) return text;
  return new Date(ms).toISOString() === text ? null : text;
}

/** The last instant parsed by instantOf: the versions of one commit mostly share one. */
let lastInstant = { text: '', ms: Number.NaN, stored: null as string | null };

/** An entry's lastUpdated as milliseconds and as stored (storedInstant); ms NaN when it does not parse. */
function instantOf(text: string): { ms: number; stored: string | null } {
  if (text !== lastInstant.text || Number.isNaN(lastInstant.ms)) {
    const ms = Date.parse(text);
    lastInstant = { text, ms, stored: Number.isNaN(ms) ? text : storedInstant(text, ms) };
  }
  return lastInstant;
}

const decoder = new TextDecoder();

/** One new version, as written into a commit entry. */
export interface VersionEntry {
  op: 'put' | 'delete';
  type: string;
  id: string;
  version: number;
  lastUpdated: string;
  method: 'POST' | 'PUT' | 'DELETE';
  hash?: string;
  /** Index of the transaction blob holding the body (put only). */
  blob?: number;
}

/** The commit entry of one new version whose body (if any) is the transaction's blob `blob`. */
export function entryForVersion(v: VersionRecord, blob: number | undefined): JsonObject {
  return toEntry({
    op: v.deleted ? 'delete' : 'put',
    type: v.resourceType,
    id: v.id,
    version: v.version,
    lastUpdated: v.lastUpdated,
    method: v.method,
    ...(v.hash !== null ? { hash: v.hash } : {}),
    ...(blob !== undefined ? { blob } : {}),
  });
}

export function toEntry(entry: VersionEntry): JsonObject {
  const json: JsonObject = {
    op: entry.op,
    type: entry.type,
    id: entry.id,
    version: entry.version,
    lastUpdated: entry.lastUpdated,
    method: entry.method,
  };
  if (entry.hash !== undefined) json.hash = entry.hash;
  if (entry.blob !== undefined) json.blob = entry.blob;
  return json;
}

/** Checks an entry read back from the log; a malformed one aborts the apply (and the commit). */
function parseEntry(entry: JsonObject): VersionEntry {
  const { op, type, id, version, lastUpdated, method, hash, blob } = entry;
  if (
    (op !== 'put' && op !== 'delete') ||
    typeof type !== 'string' ||
    typeof id !== 'string' ||
    typeof version !== 'number' ||
    typeof lastUpdated !== 'string' ||
    (method !== 'POST' && method !== 'PUT' && method !== 'DELETE') ||
    (hash !== undefined && typeof hash !== 'string') ||
    (op === 'put' && typeof blob !== 'number')
  ) {
    throw new Error('Malformed FHIR index entry');
  }
  const parsed: VersionEntry = { op, type, id, version, lastUpdated, method };
  if (typeof hash === 'string') parsed.hash = hash;
  if (typeof blob === 'number') parsed.blob = blob;
  return parsed;
}

export const fhirProjector: IndexProjector = {
  schemaVersion: FHIR_INDEX_SCHEMA_VERSION,

  createSchema(db: Database) {
    for (const statement of SCHEMA) db.run(statement);
  },

  apply(db: Database, tx: CommittedTransaction) {
    // Statements are prepared once per database and kept (statement-cache.ts); each is left reset.
    // Version and current rows are written together after the loop (multi-row INSERTs): nothing in
    // the loop reads them back (a resource written twice in one commit: `liveness` below).
    const versions = new BatchedInsert(db, 'INSERT INTO resource_version VALUES', '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    // A key allocated in this apply has no current row: a plain insert (OR REPLACE costs more).
    const newCurrent = new BatchedInsert(db, 'INSERT INTO resource_current VALUES', '(?, ?, ?, ?, ?)');
    const replacedCurrent = new BatchedInsert(db, 'INSERT OR REPLACE INTO resource_current VALUES', '(?, ?, ?, ?, ?)');
    const currentState = cachedStatement(db, 'SELECT deleted FROM resource_current WHERE rid = ?');
    const bumpCount = cachedStatement(db, 
      'INSERT INTO resource_type_count (type, count) VALUES (?, ?) ON CONFLICT(type) DO UPDATE SET count = count + excluded.count',
    );
    const keys = new KeyRegistry(db);
    const searchIndex = new IndexWriter(db, keys);
    const queueTable = new QueueTableWriter(db);
    // Live-count changes per type, written once per type at the end (one upsert, not one per entry).
    // A type whose changes cancel out is still upserted: its row exists exactly as per-entry upserts leave it.
    const countDeltas = new Map<string, number>();
    try {
      // JSON and extraction first, then all the SQL: runs of sql.js calls cost measurably less per
      // call than the same calls interleaved with a resource's JavaScript work.
      const prepared = tx.entries.map((raw, index) => {
        const entry = parseEntry(raw);
        const pointer = entry.blob !== undefined ? tx.blobs[entry.blob]?.pointer : undefined;
        if (entry.op === 'put' && !pointer) throw new Error('FHIR index entry names a missing blob');
        const instant = instantOf(entry.lastUpdated);
        const lastUpdatedMs = instant.ms;
        if (Number.isNaN(lastUpdatedMs)) throw new Error('FHIR index entry has a bad lastUpdated');
        const bytes = entry.blob !== undefined ? tx.blobs[entry.blob]?.bytes : undefined;
        // Rows extracted before the commit (write-prep.ts) are the ones the body gives; a replay extracts them.
        // The body is parsed only when something needs it: no prepared rows, or a note / review record's queue row.
        const derived = tx.derived?.[index];
        let resource: Resource | undefined;
        const parsed = (body: Uint8Array): Resource => (resource ??= JSON.parse(decoder.decode(body)) as Resource);
        const put = entry.op === 'put';
        const rows = !put ? undefined : isPreparedRows(derived) ? derived : bytes ? extractIndexRows(parsed(bytes)) : undefined;
        const queueRow = put && bytes && hasQueueRow(entry.type) ? queueRowOf(parsed(bytes)) : undefined;
        return { entry, pointer, lastUpdatedMs, storedLastUpdated: instant.stored, rows, queueRow };
      });
      const written = keys.writtenResourceIds(prepared.map(({ entry }) => ({ type: entry.type, id: entry.id, likelyNew: entry.version === 1 })));
      // Whether each resource written so far in this apply is live (its current row is not written yet).
      const liveness = new Map<number, boolean>();
      for (const [at, { entry, pointer, lastUpdatedMs, storedLastUpdated, rows, queueRow }] of prepared.entries()) {
        const deleted = entry.op === 'delete' ? 1 : 0;
        const tid = keys.typeId(entry.type);
        const { rid, allocated } = written[at]!;
        // A key allocated just now has no current row to look up.
        let wasLive = liveness.get(rid) ?? false;
        if (!allocated && !liveness.has(rid)) {
          currentState.bind([rid]);
          wasLive = currentState.step() && currentState.get()[0] === 0;
          currentState.reset();
        }
        liveness.set(rid, deleted === 0);
        versions.add([
          rid,
          entry.version,
          tid,
          storedLastUpdated,
          lastUpdatedMs,
          deleted,
          entry.method,
          entry.hash ?? null,
          pointer?.segment ?? null,
          pointer?.offset ?? null,
          pointer?.length ?? null,
        ]);
        (allocated ? newCurrent : replacedCurrent).add([rid, tid, entry.version, lastUpdatedMs, deleted]);
        // Search rows follow the current version; a new resource has none to remove.
        if (wasLive) searchIndex.remove(rid);
        if (rows) searchIndex.insert(rid, tid, entry.version, rows);
        queueTable.write(entry.type, rid, queueRow, allocated);
        const delta = (deleted ? 0 : 1) - (wasLive ? 1 : 0);
        if (delta !== 0) countDeltas.set(entry.type, (countDeltas.get(entry.type) ?? 0) + delta);
      }
      searchIndex.flush();
      versions.flush();
      // New resources first: a resource written again in this apply has its insert before its replacements.
      newCurrent.flush();
      replacedCurrent.flush();
      for (const [type, delta] of countDeltas) bumpCount.run([type, delta]);
    } finally {
      versions.free();
      newCurrent.free();
      replacedCurrent.free();
      currentState.reset();
      searchIndex.free();
      queueTable.free();
      keys.free();
    }
  },

  summarize(db: Database) {
    const resources = Number(db.exec('SELECT coalesce(sum(count), 0) FROM resource_type_count')[0]?.values[0]?.[0] ?? 0);
    const versions = Number(db.exec('SELECT count(*) FROM resource_version')[0]?.values[0]?.[0] ?? 0);
    return { resources, versions };
  },
};
