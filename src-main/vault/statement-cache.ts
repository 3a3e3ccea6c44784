/**
 * Prepared statements kept for the life of a sql.js Database, by SQL text. SQLite compiles a
 * statement when it is prepared: ~30 us for a one-row lookup and 0.3-0.9 ms for a 64-row INSERT
 * (BatchedInsert), so an index apply that prepared its ~40 statements afresh spent several
 * microseconds per resource of a 500-resource commit doing nothing else. sql.js 1.16 keeps
 * statements across export(); close() finalizes them, and a closed Database is not used again
 * (a moved index is a new Database object, with a cache of its own).
 *
 * A cached statement is shared by everyone who asks for the same text on the same database: use it
 * for one bind/step/reset (or run()) at a time, never hold it across a call that may use it too,
 * leave it reset, and never free() it.
 */
import type { Database, Statement } from 'sql.js';

const caches = new WeakMap<Database, Map<string, Statement>>();

/** `sql` prepared on `db`, once per database (reset: no bindings, not stepping). */
export function cachedStatement(db: Database, sql: string): Statement {
  let cache = caches.get(db);
  if (cache === undefined) {
    cache = new Map();
    caches.set(db, cache);
  }
  let statement = cache.get(sql);
  if (statement === undefined) {
    statement = db.prepare(sql);
    cache.set(sql, statement);
  }
  return statement;
}

/** How many statements are cached for `db` (tests). */
export function cachedStatementCount(db: Database): number {
  return caches.get(db)?.size ?? 0;
}
