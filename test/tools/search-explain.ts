/**
 * Every statement a bench query's search runs (search/explain.ts), with SQLite's plan and its CPU
 * time (process.cpuUsage, median of `HEARTH_EXPLAIN_REPEAT` runs, default 5), on a vault kept by
 * test/tools/search-profile.ts (`HEARTH_PROFILE_VAULT`). CPU time moves less than wall time on a
 * shared machine; each figure is also given as a ratio to a cheap baseline statement run in between
 * (a primary-key read of one resource, the same in every run).
 * `HEARTH_PROFILE_VAULT=/tmp/v HEARTH_PROFILE_SIZE=300000 [HEARTH_PROFILE_ONLY=14,20] npx tsx test/tools/search-explain.ts`
 */
import type { Database, SqlValue } from 'sql.js';
import { fhirProjector } from '../../src-main/fhir/fhir-projector';
import { explainSearch } from '../../src-main/fhir/search/explain';
import { selectRows } from '../../src-main/fhir/search/sql-query';
import { openVault } from '../../src-main/vault';
import { queryMix } from '../bench/fhir/queries';
import { currentQuery } from './current-query';

const folder = process.env.HEARTH_PROFILE_VAULT;
if (folder === undefined) throw new Error('HEARTH_PROFILE_VAULT: a vault filled by test/tools/search-profile.ts');
const size = Number(process.env.HEARTH_PROFILE_SIZE ?? 50000);
const repeat = Number(process.env.HEARTH_EXPLAIN_REPEAT ?? 5);
const only = process.env.HEARTH_PROFILE_ONLY?.split(',').map(Number);
const vault = await openVault(folder, 'profile passphrase', { projector: fhirProjector });


/** Median CPU milliseconds of `repeat` runs of one statement, and its row count. */
function cpuOf(db: Database, sql: string, params: SqlValue[]): { ms: number; rows: number } {
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i < repeat; i++) {
    const started = process.cpuUsage();
    rows = selectRows(db, sql, params).length;
    const used = process.cpuUsage(started);
    times.push((used.user + used.system) / 1000);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)]!, rows };
}

const BASELINE = 'SELECT rid, version, last_updated_ms FROM resource_current WHERE rid = ?';
await vault.read((db: Database) => {
  const baselineOf = (): number => {
    let total = 0;
    // A thousand point reads: one figure well above the timer's resolution.
    for (let rid = 1000; rid < 2000; rid++) total += cpuOf(db, BASELINE, [rid * 97]).ms;
    return total / 1000;
  };
  const mix = queryMix(size);
  mix.forEach((query, index) => {
    if (only && !only.includes(index + 1)) return;
    const statements = explainSearch(db, currentQuery(query.resourceType, query.query));
    console.log(`\n#${index + 1} ${query.label}: ${query.resourceType}?${query.query}`);
    let sum = 0;
    for (const statement of statements) {
      const { ms, rows } = cpuOf(db, statement.sql, statement.params);
      const base = baselineOf();
      sum += ms;
      console.log(`  ${ms.toFixed(2)} ms cpu (${(ms / base).toFixed(0)}x a point read of ${(base * 1000).toFixed(1)} µs), ${rows} rows`);
      console.log(`    ${statement.sql.replace(/\s+/g, ' ').slice(0, 400)}`);
      for (const step of statement.plan) console.log(`      ${step}`);
    }
    console.log(`  total ${sum.toFixed(2)} ms cpu over ${statements.length} statements`);
  });
});
await vault.close();
