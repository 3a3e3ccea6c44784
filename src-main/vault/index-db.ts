/**
 * The index database's own bookkeeping (`_vault_meta`) and the comparison verify() uses between
 * the live index and one rebuilt from the log.
 */
import { createHash } from 'node:crypto';
import type { Database, SqlValue } from 'sql.js';

export const META_TABLE = '_vault_meta';
const SAFE_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** Where the index stands in the log: everything up to (segment, offset) is applied. */
export interface IndexPosition {
  lastSeq: number;
  segment: number;
  offset: number;
  schemaVersion: number;
}

export function createMetaTable(db: Database): void {
  db.run(`CREATE TABLE IF NOT EXISTS ${META_TABLE} (key TEXT PRIMARY KEY, value INTEGER NOT NULL)`);
}

export function writeMeta(db: Database, position: IndexPosition): void {
  const statement = db.prepare(`INSERT OR REPLACE INTO ${META_TABLE} (key, value) VALUES (?, ?)`);
  try {
    for (const [key, value] of Object.entries(position)) statement.run([key, value]);
  } finally {
    statement.free();
  }
}

export function readMeta(db: Database): IndexPosition | null {
  let rows: SqlValue[][];
  try {
    rows = db.exec(`SELECT key, value FROM ${META_TABLE}`)[0]?.values ?? [];
  } catch {
    return null;
  }
  const values = new Map(rows.map(([key, value]) => [String(key), Number(value)]));
  const position = {
    lastSeq: values.get('lastSeq'),
    segment: values.get('segment'),
    offset: values.get('offset'),
    schemaVersion: values.get('schemaVersion'),
  };
  if (!Object.values(position).every((v) => Number.isSafeInteger(v))) return null;
  return position as IndexPosition;
}

/**
 * Projector tables (everything except SQLite's and the vault's own). Virtual tables (full text)
 * are left out: their rows live in their shadow tables, which are listed and compared.
 */
export function projectorTables(db: Database): string[] {
  const rows = db.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name")[0]?.values ?? [];
  return rows.map(([name]) => String(name)).filter((name) => !name.startsWith('sqlite_') && !name.startsWith('_vault'));
}

function encodeValue(value: SqlValue): string {
  if (value === null) return 'n';
  if (value instanceof Uint8Array) return `b${Buffer.from(value).toString('hex')}`;
  if (typeof value === 'number') return `d${value}`;
  return `s${JSON.stringify(value)}`;
}

/** Row count and a SHA-256 over every row ordered by all columns (independent of rowid reuse). */
export function tableDigest(db: Database, table: string): { rows: number; digest: string } {
  if (!SAFE_IDENTIFIER.test(table)) throw new Error(`Table name not accepted for hashing: ${table.length} characters`);
  const columns = (db.exec(`PRAGMA table_info("${table}")`)[0]?.values ?? []).length;
  const order = Array.from({ length: columns }, (_, i) => String(i + 1)).join(', ');
  const statement = db.prepare(`SELECT * FROM "${table}"${columns > 0 ? ` ORDER BY ${order}` : ''}`);
  const hash = createHash('sha256');
  let rows = 0;
  try {
    while (statement.step()) {
      hash.update(statement.get().map(encodeValue).join('\u0001'));
      hash.update('\u0002');
      rows++;
    }
  } finally {
    statement.free();
  }
  return { rows, digest: hash.digest('hex') };
}

/** Differences between two index databases' projector tables, as one-line problems. */
export function compareIndexes(live: Database, rebuilt: Database): string[] {
  const problems: string[] = [];
  const liveTables = projectorTables(live);
  const rebuiltTables = projectorTables(rebuilt);
  if (liveTables.join('\n') !== rebuiltTables.join('\n')) {
    problems.push(`The index has tables [${liveTables.join(', ')}] but the log rebuilds [${rebuiltTables.join(', ')}]`);
    return problems;
  }
  for (const table of liveTables) {
    if (!SAFE_IDENTIFIER.test(table)) {
      problems.push('The index holds a table whose name cannot be checked');
      continue;
    }
    const a = tableDigest(live, table);
    const b = tableDigest(rebuilt, table);
    if (a.rows !== b.rows) problems.push(`Index table ${table} has ${a.rows} rows; the log rebuilds ${b.rows}`);
    else if (a.digest !== b.digest) problems.push(`Index table ${table} differs from the one the log rebuilds`);
  }
  return problems;
}
