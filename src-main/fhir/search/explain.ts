/**
 * What a search asks of SQLite: every statement queryCurrent runs for one query (probes, page,
 * count) with SQLite's EXPLAIN QUERY PLAN of each. For tests and tools (test/unit/fhir/search-plan.test.ts).
 */
import type { BindParams, Database, SqlValue, Statement } from 'sql.js';
import type { CurrentQuery } from '../store-backend';
import { queryCurrent, selectRows } from './sql-query';

export interface ExplainedStatement {
  sql: string;
  params: SqlValue[];
  /** EXPLAIN QUERY PLAN's detail column, one line per step. */
  plan: string[];
}

/** Forwards every member of `target` except those in `overrides` (methods bound to the target). */
function forwarding<T extends object>(target: T, overrides: Partial<Record<keyof T, unknown>>): T {
  return new Proxy(target, {
    get(object, property) {
      if (Object.hasOwn(overrides, property)) return overrides[property as keyof T];
      const value: unknown = Reflect.get(object, property, object);
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}

/** Runs the search once on `db` and explains each statement it ran, in order. */
export function explainSearch(db: Database, query: CurrentQuery): ExplainedStatement[] {
  const statements: Array<{ sql: string; params: BindParams | undefined }> = [];
  const traced = forwarding(db, {
    prepare: (sql: string): Statement => {
      const statement = db.prepare(sql);
      return forwarding(statement, {
        bind: (params?: BindParams): boolean => {
          statements.push({ sql, params });
          return statement.bind(params);
        },
      });
    },
  });
  queryCurrent(traced, query, ['rid']);
  return statements.map(({ sql, params }) => {
    const values = Array.isArray(params) ? params : [];
    return { sql, params: values, plan: selectRows(db, `EXPLAIN QUERY PLAN ${sql}`, values).map((row) => String(row[3])) };
  });
}
