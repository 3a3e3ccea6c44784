/**
 * The search index tables (one per parameter type, search.html#ptypes), shared by the vault
 * projector and the memory store so both answer searches with the same SQL. Rows are keyed by
 * (type, id): a write replaces only its own resource's rows.
 */
import type { Database, Statement } from 'sql.js';
import type { IndexRows } from './extract';

/** Table → value columns, in insert order. The only table and column names SQL is built from. */
export const INDEX_TABLES = {
  string: { table: 'sp_string', columns: ['norm', 'value'], key: 'norm' },
  token: { table: 'sp_token', columns: ['system', 'code', 'display'], key: 'code' },
  reference: { table: 'sp_reference', columns: ['target_type', 'target_id', 'url'], key: 'target_id' },
  date: { table: 'sp_date', columns: ['low', 'high'], key: 'low' },
  number: { table: 'sp_number', columns: ['value'], key: 'value' },
  quantity: { table: 'sp_quantity', columns: ['value', 'system', 'code', 'unit'], key: 'value' },
  uri: { table: 'sp_uri', columns: ['value'], key: 'value' },
} as const;

export type IndexKind = keyof typeof INDEX_TABLES;
export const INDEX_KINDS = Object.keys(INDEX_TABLES) as IndexKind[];

export function indexSchema(): string[] {
  const statements: string[] = [];
  for (const kind of INDEX_KINDS) {
    const { table, columns, key } = INDEX_TABLES[kind];
    statements.push(
      `CREATE TABLE ${table} (type TEXT NOT NULL, id TEXT NOT NULL, param TEXT NOT NULL, ${columns.join(', ')})`,
      // Lookup by value (search) and by resource (replace on write, sort keys).
      `CREATE INDEX ${table}_value ON ${table} (type, param, ${key})`,
      `CREATE INDEX ${table}_resource ON ${table} (type, id, param)`,
    );
  }
  return statements;
}

/** Prepared statements for one apply (sql.js statements do not survive a snapshot export). */
export class IndexWriter {
  private readonly inserts = new Map<IndexKind, Statement>();
  private readonly deletes = new Map<IndexKind, Statement>();

  constructor(db: Database) {
    for (const kind of INDEX_KINDS) {
      const { table, columns } = INDEX_TABLES[kind];
      const marks = ['?', '?', '?', ...columns.map(() => '?')].join(', ');
      this.inserts.set(kind, db.prepare(`INSERT INTO ${table} VALUES (${marks})`));
      this.deletes.set(kind, db.prepare(`DELETE FROM ${table} WHERE type = ? AND id = ?`));
    }
  }

  remove(type: string, id: string): void {
    for (const statement of this.deletes.values()) statement.run([type, id]);
  }

  insert(type: string, id: string, rows: IndexRows): void {
    const run = (kind: IndexKind, values: Array<string | number | null>) => this.inserts.get(kind)!.run([type, id, ...values]);
    for (const r of rows.string) run('string', [r.param, r.norm, r.value]);
    for (const r of rows.token) run('token', [r.param, r.system, r.code, r.display]);
    for (const r of rows.reference) run('reference', [r.param, r.targetType, r.targetId, r.url]);
    for (const r of rows.date) run('date', [r.param, r.low, r.high]);
    for (const r of rows.number) run('number', [r.param, r.value]);
    for (const r of rows.quantity) run('quantity', [r.param, r.value, r.system, r.code, r.unit]);
    for (const r of rows.uri) run('uri', [r.param, r.value]);
  }

  free(): void {
    for (const statement of [...this.inserts.values(), ...this.deletes.values()]) statement.free();
  }
}
