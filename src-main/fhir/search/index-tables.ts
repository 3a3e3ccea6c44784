/**
 * The search index tables (one per parameter type, search.html#ptypes), shared by the vault
 * projector and the memory store so both answer searches with the same SQL (docs/vault-format.md,
 * "Index tables").
 *
 * Compact layout, for a million resources in a few hundred bytes each:
 * - Rows are clustered by resource: `rowid = rid * 2^20 + n` (rid from resource_key, n the row's
 *   sequence within the resource and table), so replacing or removing one resource's rows is a
 *   rowid range, with no secondary index for it.
 * - Parameters are small integers (`pid`, search_param: resource type + code), not text; a row carries the set
 *   of parameters (`psid`, param_set) that share its value in its resource: stored once.
 * - One secondary index per table, on (psid, key column), its rowid giving the resource (rowid >> 20);
 *   sp_date's is on (psid, span class, low), with a second for ranges (search/date-plan.ts).
 * - References store the target's rid (allocated in resource_key even before the target exists),
 *   and the URL only when it is not exactly the local `Type/id`.
 * - sp_string stores `value` only when it differs from `norm`; token and quantity systems are
 *   integers (code_system), and so are token display texts (token_display): the same few
 *   thousand LOINC, SNOMED and RxNorm displays repeat on most token rows, composites included.
 * Queries read the `<table>_v` views, which give back the column names conditions.ts uses
 * (norm/value/system/code/display/low/high/target_type/target_id/url/unit) plus `row` (the rowid).
 */
import type { Database, Statement } from 'sql.js';
import { cachedStatement } from '../../vault/statement-cache';
import type { IndexRows } from './extract';
import { PackedItemRows } from './packed-rows';
import { feedIndexRows, type IndexRowSink, type RowTable } from './row-sink';
import { DELETE_POSITIONS_SQL, INSERT_POSITION_SQL, positionSchema, positionValues } from './near';

/** Rows per resource and table: the low 20 bits of a row's rowid. */
export const ROWS_PER_RESOURCE = 2 ** 20;

/**
 * What searches read sp_token through: the columns of sp_token_v, with `system` and `display` as
 * scalar subqueries rather than the view's LEFT JOINs, plus `sid`. SQLite flattens this into the
 * query and drops the columns nobody reads, so `code = ?` (`category=laboratory`) is read from the
 * (psid, code) index alone; through the view it also read every row's table record and joined its
 * system and display: 200,000 rows cost 13x the index walk at 1,000,000 resources (docs/search.md, "Plans").
 */
const TOKEN_ROWS = `(SELECT t.rowid AS row, t.psid, t.sid, (SELECT s.system FROM code_system s WHERE s.sid = t.sid) AS system, t.code,
  (SELECT d.display FROM token_display d WHERE d.did = t.did) AS display, t.grp FROM sp_token t)`;

/**
 * Table → what queries read it through (a view, or a FROM subquery giving the view's columns), its
 * key column. The only names SQL is built from.
 */
export const INDEX_TABLES = {
  string: { table: 'sp_string', view: 'sp_string_v', key: 'norm' },
  token: { table: 'sp_token', view: TOKEN_ROWS, key: 'code' },
  reference: { table: 'sp_reference', view: 'sp_reference_v', key: 'target' },
  date: { table: 'sp_date', view: 'sp_date_v', key: 'low' },
  number: { table: 'sp_number', view: 'sp_number_v', key: 'value' },
  quantity: { table: 'sp_quantity', view: 'sp_quantity_v', key: 'value' },
  uri: { table: 'sp_uri', view: 'sp_uri_v', key: 'value' },
} as const;

export type IndexKind = keyof typeof INDEX_TABLES;
export const INDEX_KINDS = Object.keys(INDEX_TABLES) as IndexKind[];

/**
 * Full text (search.html#_text, #_content): a contentless FTS4 table (sql.js has FTS4, not FTS5).
 * Contentless FTS4 rows cannot be deleted, so a document's docid holds its version: a new version
 * writes a new docid and queries keep only the docid of the current version; stale documents stay
 * until the index is rebuilt from the log.
 *
 * The docid is `(version mod 2^20) * 2^33 + rid` (textDocId), the rid in the low bits: FTS4 stores
 * each term's doclist as docid deltas (varints), and the documents of one commit are mostly new
 * resources of consecutive rids, one byte apart, where `rid * 2^20 + version` put them three bytes
 * apart. The `content` column comes first: a term's positions in any column but the first carry a
 * column marker, and most resources have content and no narrative.
 */
export const TEXT_TABLE = 'sp_text';

/** Bits of the rid in a full-text docid; rids stay below 2^33 (rowid = rid * 2^20 must be an exact double). */
export const TEXT_RID_BITS = 33;
const TEXT_RID_SPAN = 2 ** TEXT_RID_BITS;

export function textDocId(rid: number, version: number): number {
  return (version % ROWS_PER_RESOURCE) * TEXT_RID_SPAN + rid;
}

/** SQL of the rid of a full-text docid (`docid` the column, or an expression). */
export function textDocRid(docid: string): string {
  return `(${docid} & ${TEXT_RID_SPAN - 1})`;
}

/** SQL of the docid of resource_current row `alias` (its current version's document). */
export function currentTextDocId(alias: string): string {
  return `(${alias}.version % ${ROWS_PER_RESOURCE}) * ${TEXT_RID_SPAN} + ${alias}.rid`;
}

/**
 * Upper limits (ms) of the date span classes 0..7 (a second, minute, hour, day, 32 days, 367 days,
 * about 10 and 100 years; class 8 is the rest): search/date-plan.ts bounds `low` per class.
 */
export const DATE_SPAN_LIMITS = [1_000, 60_000, 3_600_000, 86_400_000, 2_764_800_000, 31_708_800_000, 316_224_000_000, 3_162_240_000_000];

/**
 * The span class of a date row (stored in sp_date.span): the first class whose limit holds
 * `high - low`. Computed here rather than by an index on a CASE expression, which SQLite evaluates
 * on every insert.
 */
export function dateSpanClass(low: number, high: number): number {
  const span = high - low;
  for (let c = 0; c < DATE_SPAN_LIMITS.length; c++) if (span <= DATE_SPAN_LIMITS[c]!) return c;
  return DATE_SPAN_LIMITS.length;
}

/** sp_date rows that are not their resource's first (the partial index sp_date_later). */
export const LATER_DATE_ROW = `(rowid & ${ROWS_PER_RESOURCE - 1}) > 0`;

export function indexSchema(): string[] {
  return [
    'CREATE TABLE resource_type (tid INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)',
    // One integer per resource, also for reference targets not stored (yet). (id, tid) so that a
    // reference searched by id alone (no type) still finds its keys by index.
    'CREATE TABLE resource_key (rid INTEGER PRIMARY KEY, tid INTEGER NOT NULL, id TEXT NOT NULL, UNIQUE (id, tid))',
    'CREATE TABLE search_param (pid INTEGER PRIMARY KEY, tid INTEGER NOT NULL, code TEXT NOT NULL, UNIQUE (tid, code))',
    // A search row carries the set of parameters that index its value in its resource (a value
    // stored once per resource: docs/vault-format.md §6.1); `pids` is the set's sorted pids.
    'CREATE TABLE param_set (psid INTEGER PRIMARY KEY, pids TEXT NOT NULL UNIQUE)',
    'CREATE TABLE param_set_member (pid INTEGER NOT NULL, psid INTEGER NOT NULL, PRIMARY KEY (pid, psid)) WITHOUT ROWID',
    // Token and quantity systems are a few dozen URLs repeated on most rows.
    'CREATE TABLE code_system (sid INTEGER PRIMARY KEY, system TEXT NOT NULL UNIQUE)',
    'CREATE TABLE sp_string (psid INTEGER NOT NULL, norm TEXT NOT NULL, value TEXT, grp INTEGER)',
    'CREATE INDEX sp_string_key ON sp_string (psid, norm)',
    "CREATE VIEW sp_string_v AS SELECT rowid AS row, psid, norm, coalesce(value, norm) AS value, grp FROM sp_string",
    // Display texts (normalized, for :text) interned like systems: one row per distinct text.
    'CREATE TABLE token_display (did INTEGER PRIMARY KEY, display TEXT NOT NULL UNIQUE)',
    'CREATE TABLE sp_token (psid INTEGER NOT NULL, sid INTEGER, code TEXT, did INTEGER, grp INTEGER)',
    'CREATE INDEX sp_token_key ON sp_token (psid, code)',
    `CREATE VIEW sp_token_v AS
       SELECT r.rowid AS row, r.psid, s.system, r.code, d.display, r.grp
       FROM sp_token r LEFT JOIN code_system s ON s.sid = r.sid LEFT JOIN token_display d ON d.did = r.did`,
    'CREATE TABLE sp_reference (psid INTEGER NOT NULL, target INTEGER, url TEXT, grp INTEGER)',
    'CREATE INDEX sp_reference_key ON sp_reference (psid, target)',
    `CREATE VIEW sp_reference_v AS
       SELECT r.rowid AS row, r.psid, r.target, t.name AS target_type, k.id AS target_id,
              coalesce(r.url, t.name || '/' || k.id) AS url, r.grp
       FROM sp_reference r LEFT JOIN resource_key k ON k.rid = r.target LEFT JOIN resource_type t ON t.tid = k.tid`,
    'CREATE TABLE sp_date (psid INTEGER NOT NULL, low INTEGER NOT NULL, high INTEGER NOT NULL, span INTEGER NOT NULL, grp INTEGER)',
    // Every date search reads `low` per span class (search/date-plan.ts), one index range per class;
    // the rows after a resource's first have their own index for ranges (several rows per resource).
    'CREATE INDEX sp_date_span ON sp_date (psid, span, low)',
    `CREATE INDEX sp_date_later ON sp_date (psid) WHERE ${LATER_DATE_ROW}`,
    'CREATE VIEW sp_date_v AS SELECT rowid AS row, psid, low, high, grp FROM sp_date',
    'CREATE TABLE sp_number (psid INTEGER NOT NULL, value REAL NOT NULL, grp INTEGER)',
    'CREATE INDEX sp_number_key ON sp_number (psid, value)',
    'CREATE VIEW sp_number_v AS SELECT rowid AS row, psid, value, grp FROM sp_number',
    `CREATE TABLE sp_quantity (psid INTEGER NOT NULL, value REAL NOT NULL, sid INTEGER, code TEXT, unit TEXT,
       canon_value REAL, canon_code TEXT, grp INTEGER)`,
    'CREATE INDEX sp_quantity_key ON sp_quantity (psid, value)',
    `CREATE VIEW sp_quantity_v AS
       SELECT r.rowid AS row, r.psid, r.value, s.system, r.code, r.unit, r.canon_value, r.canon_code, r.grp
       FROM sp_quantity r LEFT JOIN code_system s ON s.sid = r.sid`,
    'CREATE TABLE sp_uri (psid INTEGER NOT NULL, value TEXT NOT NULL, grp INTEGER)',
    'CREATE INDEX sp_uri_key ON sp_uri (psid, value)',
    'CREATE VIEW sp_uri_v AS SELECT rowid AS row, psid, value, grp FROM sp_uri',
    // matchinfo=fts3: no %_docsize table (document lengths for matchinfo 'l'), which nothing reads.
    // content first: see TEXT_TABLE.
    `CREATE VIRTUAL TABLE ${TEXT_TABLE} USING fts4(content, narrative, content="", matchinfo=fts3)`,
    ...positionSchema(),
  ];
}

/**
 * Integer ids for type names, resources and parameters, found or allocated within one apply. Every
 * id found is remembered for the rest of the apply (one SQL transaction, so none can go stale): a
 * batch names the same reference targets, parameters and systems over and over.
 */
/** A parameter set's pids in the order a row listed them, one pid per level (KeyRegistry.paramSetId). */
interface ParamSetNode {
  psid: number | undefined;
  next: Map<number, ParamSetNode>;
}

export class KeyRegistry {
  private readonly types = new Map<string, number>();
  // Keyed by their parts (type id then code, type then id), not by one string made of them: that
  // string would be built (and hashed) again for every row that names the parameter or target.
  private readonly params = new Map<number, Map<string, number>>();
  private readonly systems = new Map<string, number>();
  private readonly displays = new Map<string, number>();
  private readonly rids = new Map<string, Map<string, number>>();
  private readonly sets = new Map<string, number>();
  private readonly singleSets = new Map<number, number>();
  /** Sets of two or more parameters by their pids in the order given (paramSetId). */
  private readonly setsByOrder = new Map<number, ParamSetNode>();
  private readonly findType: Statement;
  private readonly addType: Statement;
  private readonly findKey: Statement;
  private readonly addKey: Statement;
  /** The next free rid (one past the largest), read once per apply; undefined until needed. */
  private nextRid: number | undefined;
  private readonly findParam: Statement;
  private readonly addParam: Statement;
  private readonly findSystem: Statement;
  private readonly addSystem: Statement;
  private readonly findDisplay: Statement;
  private readonly addDisplay: Statement;
  private readonly findSet: Statement;
  private readonly addSet: Statement;
  private readonly addSetMember: Statement;

  constructor(private readonly db: Database) {
    this.findType = cachedStatement(db, 'SELECT tid FROM resource_type WHERE name = ?');
    this.addType = cachedStatement(db, 'INSERT INTO resource_type (name) VALUES (?) RETURNING tid');
    this.findKey = cachedStatement(db, 'SELECT rid FROM resource_key WHERE id = ? AND tid = ?');
    // Keys get rids counted here (the same max + 1 SQLite would pick): a RETURNING statement builds
    // an ephemeral table on every run, several times the cost of the insert itself.
    this.addKey = cachedStatement(db, 'INSERT INTO resource_key (rid, tid, id) VALUES (?, ?, ?)');
    this.findParam = cachedStatement(db, 'SELECT pid FROM search_param WHERE tid = ? AND code = ?');
    this.addParam = cachedStatement(db, 'INSERT INTO search_param (tid, code) VALUES (?, ?) RETURNING pid');
    this.findSystem = cachedStatement(db, 'SELECT sid FROM code_system WHERE system = ?');
    this.addSystem = cachedStatement(db, 'INSERT INTO code_system (system) VALUES (?) RETURNING sid');
    this.findDisplay = cachedStatement(db, 'SELECT did FROM token_display WHERE display = ?');
    this.addDisplay = cachedStatement(db, 'INSERT INTO token_display (display) VALUES (?) RETURNING did');
    this.findSet = cachedStatement(db, 'SELECT psid FROM param_set WHERE pids = ?');
    this.addSet = cachedStatement(db, 'INSERT INTO param_set (pids) VALUES (?) RETURNING psid');
    this.addSetMember = cachedStatement(db, 'INSERT INTO param_set_member (pid, psid) VALUES (?, ?)');
  }

  private findOrAdd(find: Statement, add: Statement, findArgs: Array<string | number>, addArgs: Array<string | number>): number {
    find.bind(findArgs);
    const found = find.step() ? Number(find.get()[0]) : undefined;
    find.reset();
    if (found !== undefined) return found;
    add.bind(addArgs);
    add.step();
    const added = Number(add.get()[0]);
    add.reset();
    return added;
  }

  typeId(name: string): number {
    let tid = this.types.get(name);
    if (tid === undefined) {
      tid = this.findOrAdd(this.findType, this.addType, [name], [name]);
      this.types.set(name, tid);
    }
    return tid;
  }

  private allocateRid(): number {
    if (this.nextRid === undefined) {
      const max = this.db.exec('SELECT max(rid) FROM resource_key')[0]?.values[0]?.[0];
      this.nextRid = typeof max === 'number' ? max + 1 : 1;
    }
    return this.nextRid;
  }

  /** The rids found or allocated so far for resources of `type`, by id. */
  private ridsOf(type: string): Map<string, number> {
    let ids = this.rids.get(type);
    if (ids === undefined) {
      ids = new Map();
      this.rids.set(type, ids);
    }
    return ids;
  }

  resourceId(type: string, id: string): number {
    const ids = this.ridsOf(type);
    let rid = ids.get(id);
    if (rid === undefined) {
      const tid = this.typeId(type);
      this.findKey.bind([id, tid]);
      const found = this.findKey.step() ? Number(this.findKey.get()[0]) : undefined;
      this.findKey.reset();
      if (found !== undefined) {
        rid = found;
      } else {
        rid = this.allocateRid();
        this.addKey.run([rid, tid, id]);
        this.nextRid = rid + 1;
      }
      ids.set(id, rid);
    }
    return rid;
  }

  /**
   * The rids of the resources a commit writes (in its order), and whether each was allocated here
   * (then the resource has no stored version). A first version (`likelyNew`) whose key is not known
   * yet gets the next rid, and all those keys are inserted together: multi-row INSERT OR IGNOREs,
   * not a statement (or a lookup that misses and then an insert) per resource. A key that turns out
   * to exist (a reference target stored before its resource) keeps its stored rid; the one given
   * to it stays unused.
   */
  writtenResourceIds(written: ReadonlyArray<{ type: string; id: string; likelyNew: boolean }>): Array<{ rid: number; allocated: boolean }> {
    const result: Array<{ rid: number; allocated: boolean }> = [];
    const added: Array<{ ids: Map<string, number>; tid: number; id: string; rid: number }> = [];
    const batch = new BatchedInsert(this.db, 'INSERT OR IGNORE INTO resource_key (rid, tid, id) VALUES', '(?, ?, ?)');
    let inserted = 0;
    try {
      for (const { type, id, likelyNew } of written) {
        const ids = this.ridsOf(type);
        const known = ids.get(id);
        if (known !== undefined || !likelyNew) {
          result.push({ rid: known ?? this.resourceId(type, id), allocated: false });
          continue;
        }
        const tid = this.typeId(type);
        const rid = this.allocateRid();
        this.nextRid = rid + 1;
        ids.set(id, rid);
        added.push({ ids, tid, id, rid });
        batch.add([rid, tid, id]);
        result.push({ rid, allocated: true });
      }
      inserted = batch.flush();
    } finally {
      batch.free();
    }
    if (inserted === added.length) return result;
    // Some keys existed already: their stored rids, for every entry given the unused one.
    const stored = new Map<number, number>();
    for (const { ids, tid, id, rid } of added) {
      this.findKey.bind([id, tid]);
      const found = this.findKey.step() ? Number(this.findKey.get()[0]) : undefined;
      this.findKey.reset();
      if (found === undefined || found === rid) continue;
      stored.set(rid, found);
      ids.set(id, found);
    }
    return result.map((r) => {
      const found = stored.get(r.rid);
      return found === undefined ? r : { rid: found, allocated: false };
    });
  }

  paramId(tid: number, code: string): number {
    let codes = this.params.get(tid);
    if (codes === undefined) {
      codes = new Map();
      this.params.set(tid, codes);
    }
    let pid = codes.get(code);
    if (pid === undefined) {
      pid = this.findOrAdd(this.findParam, this.addParam, [tid, code], [tid, code]);
      codes.set(code, pid);
    }
    return pid;
  }

  /**
   * The id of the set of parameters `pids` (interned in param_set / param_set_member): what a
   * search row carries. `pids` is sorted in place; a set of one is cached by its pid alone.
   */
  paramSetId(pids: number[]): number {
    if (pids.length === 1) {
      const pid = pids[0]!;
      let psid = this.singleSets.get(pid);
      if (psid === undefined) {
        psid = this.paramSetOf(String(pid), pids);
        this.singleSets.set(pid, psid);
      }
      return psid;
    }
    // Resources of one shape list a set's parameters in the same order: found by that order first,
    // with no sort and no key string (both allocate, for several rows of every resource).
    let node: ParamSetNode | undefined;
    let level = this.setsByOrder;
    for (const pid of pids) {
      node = level.get(pid);
      if (node === undefined) {
        node = { psid: undefined, next: new Map() };
        level.set(pid, node);
      }
      level = node.next;
    }
    if (node!.psid !== undefined) return node!.psid;
    pids.sort((a, b) => a - b);
    const key = pids.join(',');
    let psid = this.sets.get(key);
    if (psid === undefined) {
      psid = this.paramSetOf(key, pids);
      this.sets.set(key, psid);
    }
    node!.psid = psid;
    return psid;
  }

  private paramSetOf(key: string, pids: readonly number[]): number {
    this.findSet.bind([key]);
    const found = this.findSet.step() ? Number(this.findSet.get()[0]) : undefined;
    this.findSet.reset();
    if (found !== undefined) return found;
    this.addSet.bind([key]);
    this.addSet.step();
    const psid = Number(this.addSet.get()[0]);
    this.addSet.reset();
    for (const pid of pids) this.addSetMember.run([pid, psid]);
    return psid;
  }

  /** The integer id of an interned text (found in `known`, else looked up or added); null stays null. */
  private interned(known: Map<string, number>, find: Statement, add: Statement, text: string | null): number | null {
    if (text === null) return null;
    let id = known.get(text);
    if (id === undefined) {
      id = this.findOrAdd(find, add, [text], [text]);
      known.set(text, id);
    }
    return id;
  }

  /** A token or quantity system's integer id; null stays null. */
  systemId(system: string | null): number | null {
    return this.interned(this.systems, this.findSystem, this.addSystem, system);
  }

  /** A token display text's integer id; null stays null. */
  displayId(display: string | null): number | null {
    return this.interned(this.displays, this.findDisplay, this.addDisplay, display);
  }

  /** Leaves every statement reset (they are cached per database and outlive the apply: statement-cache.ts). */
  free(): void {
    for (const s of [this.findType, this.addType, this.findKey, this.addKey, this.findParam, this.addParam, this.findSystem, this.addSystem, this.findDisplay, this.addDisplay, this.findSet, this.addSet, this.addSetMember]) {
      s.reset();
    }
  }
}

export type Cell = string | number | null;

/** Columns of each table as inserted (rowid first); a pending row is this many cells. */
const INSERT_COLUMNS: Record<IndexKind, readonly string[]> = {
  string: ['rowid', 'psid', 'norm', 'value', 'grp'],
  token: ['rowid', 'psid', 'sid', 'code', 'did', 'grp'],
  reference: ['rowid', 'psid', 'target', 'url', 'grp'],
  date: ['rowid', 'psid', 'low', 'high', 'span', 'grp'],
  number: ['rowid', 'psid', 'value', 'grp'],
  quantity: ['rowid', 'psid', 'value', 'sid', 'code', 'unit', 'canon_value', 'canon_code', 'grp'],
  uri: ['rowid', 'psid', 'value', 'grp'],
};

/**
 * Rows per multi-row INSERT. Each sql.js call crosses from JS into wasm and back (binding, step,
 * reset); one statement for 64 rows pays that once, the B-tree work stays the same.
 */
const ROWS_PER_STATEMENT = 64;

/**
 * Rows of one table collected by add() and written by flush() in multi-row INSERTs of up to
 * ROWS_PER_STATEMENT rows (`<head> <tuple>, <tuple>, ...`; one statement per row count, prepared
 * once per database: statement-cache.ts). Rows are written in the order added.
 */
export class BatchedInsert {
  private readonly statements = new Map<number, Statement>();
  private readonly cells: Cell[] = [];
  /** The cells of one statement when a flush takes several (reused: no array per statement). */
  private readonly chunk: Cell[] = [];
  private readonly width: number;

  constructor(
    private readonly db: Database,
    private readonly head: string,
    private readonly tuple: string,
  ) {
    this.width = tuple.split('?').length - 1;
  }

  add(values: readonly Cell[]): void {
    if (values.length !== this.width) throw new Error(`A row of ${values.length} values for ${this.width} columns`);
    const cells = this.cells;
    for (let i = 0; i < values.length; i++) cells.push(values[i]!);
  }

  /**
   * A row of `first`, `second`, then `middle`'s cells, then `last`: add([first, second, ...middle, last])
   * without building that array (a spread also makes an iterator result per cell).
   */
  addAround(first: Cell, second: Cell, middle: readonly Cell[], last: Cell): void {
    if (middle.length + 3 !== this.width) throw new Error(`A row of ${middle.length + 3} values for ${this.width} columns`);
    const cells = this.cells;
    cells.push(first, second);
    for (let i = 0; i < middle.length; i++) cells.push(middle[i]!);
    cells.push(last);
  }

  /** Writes every row added since the last flush; returns how many rows the statements inserted. */
  flush(): number {
    const rows = this.cells.length / this.width;
    let changed = 0;
    for (let at = 0; at < rows; at += ROWS_PER_STATEMENT) {
      const count = Math.min(ROWS_PER_STATEMENT, rows - at);
      let statement = this.statements.get(count);
      if (!statement) {
        statement = cachedStatement(this.db, `${this.head} ${Array.from({ length: count }, () => this.tuple).join(', ')}`);
        this.statements.set(count, statement);
      }
      statement.run(count === rows ? this.cells : this.chunkOf(at * this.width, count * this.width));
      changed += this.db.getRowsModified();
    }
    this.cells.length = 0;
    return changed;
  }

  /** cells[from, from + length) in the reused chunk array (sql.js binds as many values as the array holds). */
  private chunkOf(from: number, length: number): Cell[] {
    const chunk = this.chunk;
    chunk.length = length;
    for (let i = 0; i < length; i++) chunk[i] = this.cells[from + i]!;
    return chunk;
  }

  /** Forgets this batch's statements (each was left reset by run(); the database's cache keeps them). */
  free(): void {
    this.statements.clear();
  }
}

/** An index row as written: its value cells (between psid and grp), the parameters sharing it, its group. */
interface MergedRow {
  pids: number[];
  grp: number | null;
  values: Cell[];
}

/** Whether two rows' value cells are equal (numbers, texts and NULLs, compared as SQLite stores them). */
function sameCells(a: readonly Cell[], b: readonly Cell[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Rows of one table beyond which RowMerger finds equal values by a map of their cells, not a scan. */
const MERGE_SCAN_LIMIT = 32;

/**
 * One resource's rows of one table, merged as they are added: a row of parameter `pid` goes onto
 * a row with the same value cells whose group allows it, else becomes a new row. Two rows with
 * different groups never merge (a composite's components match on (resource, grp)); a row without
 * a group (a plain parameter, which never reads grp) merges with one that has one, and the merged
 * row keeps that group. Most resources have a few rows per table: they are scanned; past
 * MERGE_SCAN_LIMIT rows (long lists) a map of the cells' JSON finds the candidates.
 */
export class RowMerger {
  readonly rows: MergedRow[] = [];
  private byCells: Map<string, MergedRow[]> | undefined;

  add(pid: number, grp: number | null, values: Cell[]): void {
    let candidates: MergedRow[] = this.rows;
    let key: string | undefined;
    if (this.byCells === undefined && this.rows.length >= MERGE_SCAN_LIMIT) {
      this.byCells = new Map();
      for (const row of this.rows) this.indexed(JSON.stringify(row.values)).push(row);
    }
    if (this.byCells !== undefined) {
      key = JSON.stringify(values);
      candidates = this.byCells.get(key) ?? [];
    }
    for (const row of candidates) {
      if (grp !== null && row.grp !== null && row.grp !== grp) continue;
      if (!sameCells(row.values, values)) continue;
      if (!row.pids.includes(pid)) row.pids.push(pid);
      if (row.grp === null) row.grp = grp;
      return;
    }
    const row: MergedRow = { pids: [pid], grp, values };
    this.rows.push(row);
    if (key !== undefined) this.indexed(key).push(row);
  }

  private indexed(key: string): MergedRow[] {
    let list = this.byCells!.get(key);
    if (list === undefined) {
      list = [];
      this.byCells!.set(key, list);
    }
    return list;
  }

  clear(): void {
    this.rows.length = 0;
    this.byCells = undefined;
  }
}

/**
 * One resource's rows as IndexWriter.insert feeds them (row-sink.ts), queued for its flush: each
 * table's rows merged (RowMerger) and added to the table's pending INSERT when the table ends.
 */
class RowQueue implements IndexRowSink {
  private readonly merger = new RowMerger();
  private rid = 0;
  private tid = 0;
  private version = 0;
  private first = 0;
  private positions = 0;

  constructor(
    private readonly keys: KeyRegistry,
    private readonly pending: ReadonlyMap<IndexKind, BatchedInsert>,
    private readonly pendingPositions: Cell[][],
    private readonly pendingText: [number, string, string][],
  ) {}

  /** The resource the rows fed next belong to. */
  start(rid: number, tid: number, version: number): void {
    this.rid = rid;
    this.tid = tid;
    this.version = version;
    this.first = rid * ROWS_PER_RESOURCE;
    this.positions = 0;
    this.merger.clear();
  }

  private add(param: string, group: number | undefined, values: Cell[]): void {
    this.merger.add(this.keys.paramId(this.tid, param), group ?? null, values);
  }

  string(param: string, group: number | undefined, norm: string, value: string): void {
    this.add(param, group, [norm, value === norm ? null : value]);
  }

  token(param: string, group: number | undefined, system: string | null, code: string | null, display: string | null): void {
    this.add(param, group, [this.keys.systemId(system), code, this.keys.displayId(display)]);
  }

  reference(param: string, group: number | undefined, targetType: string | null, targetId: string | null, url: string): void {
    const target = targetType !== null && targetId !== null ? this.keys.resourceId(targetType, targetId) : null;
    // The URL is kept only when the view cannot rebuild it (absolute, versioned or a canonical).
    const local = target !== null && url === `${targetType}/${targetId}`;
    this.add(param, group, [target, local ? null : url]);
  }

  date(param: string, group: number | undefined, low: number, high: number): void {
    this.add(param, group, [low, high, dateSpanClass(low, high)]);
  }

  number(param: string, group: number | undefined, value: number): void {
    this.add(param, group, [value]);
  }

  quantity(
    param: string,
    group: number | undefined,
    value: number,
    system: string | null,
    code: string | null,
    unit: string | null,
    canonValue: number | null | undefined,
    canonCode: string | null | undefined,
  ): void {
    this.add(param, group, [value, this.keys.systemId(system), code, unit, canonValue ?? null, canonCode ?? null]);
  }

  uri(param: string, group: number | undefined, value: string): void {
    this.add(param, group, [value]);
  }

  end(kind: RowTable): void {
    const merged = this.merger.rows;
    if (merged.length >= ROWS_PER_RESOURCE) throw new Error(`A resource has more than ${ROWS_PER_RESOURCE} ${kind} index rows`);
    const batch = this.pending.get(kind)!;
    for (let n = 0; n < merged.length; n++) {
      const { pids, grp, values } = merged[n]!;
      batch.addAround(this.first + n, this.keys.paramSetId(pids), values, grp);
    }
    this.merger.clear();
  }

  text(narrative: string, content: string): void {
    if (narrative !== '' || content !== '') this.pendingText.push([textDocId(this.rid, this.version), content, narrative]);
  }

  position(param: string, latitude: number, longitude: number): void {
    this.pendingPositions.push([this.first + this.positions++, this.keys.paramId(this.tid, param), ...positionValues({ param, latitude, longitude })]);
  }
}

/**
 * The search rows of one apply (its statements are prepared once per database: statement-cache.ts). Rows are
 * collected per table and written by flush() in multi-row statements: the caller flushes before
 * the apply ends; remove() flushes first, so a resource's rows never outlive its removal.
 */
export class IndexWriter {
  private readonly deletes = new Map<IndexKind, Statement>();
  private readonly pending: Map<IndexKind, BatchedInsert>;
  private readonly pendingPositions: Cell[][] = [];
  /** [docid, content, narrative] */
  private readonly pendingText: [number, string, string][] = [];
  private readonly insertText: Statement;
  private readonly insertPosition: Statement;
  private readonly deletePositions: Statement;
  /** What insert() feeds a resource's rows to (reused). */
  private readonly sink: RowQueue;

  constructor(
    private readonly db: Database,
    private readonly keys: KeyRegistry,
  ) {
    // sql.js binds a number above 2^31 as a double; FTS4 refuses a double docid (rowids convert).
    for (const kind of INDEX_KINDS) {
      const { table } = INDEX_TABLES[kind];
      this.deletes.set(kind, cachedStatement(db, `DELETE FROM ${table} WHERE rowid BETWEEN ? AND ?`));
    }
    this.pending = new Map(
      INDEX_KINDS.map((kind) => {
        const columns = INSERT_COLUMNS[kind];
        return [kind, new BatchedInsert(db, `INSERT INTO ${INDEX_TABLES[kind].table} (${columns.join(', ')}) VALUES`, `(${columns.map(() => '?').join(', ')})`)];
      }),
    );
    // One row per statement: SQLite stages a multi-row INSERT into a virtual table in a temporary
    // table first, which costs more than the statements it saves.
    this.insertText = cachedStatement(db, `INSERT INTO ${TEXT_TABLE} (docid, content, narrative) VALUES (CAST(? AS INTEGER), ?, ?)`);
    this.insertPosition = cachedStatement(db, INSERT_POSITION_SQL);
    this.deletePositions = cachedStatement(db, DELETE_POSITIONS_SQL);
    this.sink = new RowQueue(keys, this.pending, this.pendingPositions, this.pendingText);
  }

  /** Writes every pending row: the caller's last call in an apply. */
  flush(): void {
    this.flushRows();
    // In docid order: FTS4 writes its pending terms out as a new segment whenever a docid is not
    // above the one before, and at COMMIT; so the apply's documents make one segment. Text is written
    // here only (remove() leaves it queued): a new version's document never replaces a row.
    this.pendingText.sort((a, b) => a[0] - b[0]);
    for (const values of this.pendingText) this.insertText.run(values);
    this.pendingText.length = 0;
  }

  /** Writes the pending rows of the sp_* tables. */
  private flushRows(): void {
    for (const batch of this.pending.values()) batch.flush();
    for (const values of this.pendingPositions) this.insertPosition.run(values);
    this.pendingPositions.length = 0;
  }

  /** Removes the resource's rows: one rowid range per table. */
  remove(rid: number): void {
    this.flushRows();
    const first = rid * ROWS_PER_RESOURCE;
    for (const statement of this.deletes.values()) statement.run([first, first + ROWS_PER_RESOURCE - 1]);
    this.deletePositions.run([first, first + ROWS_PER_RESOURCE - 1]);
  }

  /**
   * Queues the rows of a resource that has none (a new one, or after remove()). Rows of one table
   * with the same value cells are written once, with the set of their parameters (RowMerger).
   * Packed rows (from the write-prep worker) are read from their values: no row objects.
   */
  insert(rid: number, tid: number, version: number, rows: IndexRows | PackedItemRows): void {
    const sink = this.sink;
    sink.start(rid, tid, version);
    if (rows instanceof PackedItemRows) rows.feed(sink);
    else feedIndexRows(rows, sink);
  }

  /** Leaves every statement reset (cached per database: statement-cache.ts). */
  free(): void {
    for (const batch of this.pending.values()) batch.free();
    for (const statement of [...this.deletes.values(), this.insertText, this.insertPosition, this.deletePositions]) statement.reset();
  }
}
