/**
 * What a write's prefetch (fhir/vault-repository.ts) costs per key in sql.js, inside a transaction
 * as vault.write runs it: the key probe for a batch of ids in one statement, then either one
 * statement per found key over the resource_current_v view (before session 16) or one statement for
 * the batch's current versions (CURRENT_OF_IDS), over the tables and views of fhir/fhir-projector.ts.
 * Keys come in three kinds: resources, keys only referenced (a reference parameter keys its target
 * before the target is written) and ids never seen.
 * Run: `npx tsx test/tools/prefetch-cost.ts` (HEARTH_PREFETCH_KEYS, default 300000).
 */
import { fhirProjector } from '../../src-main/fhir/fhir-projector';
import { loadSqlJs } from '../../src-main/vault/sqljs';

const keys = Number(process.env.HEARTH_PREFETCH_KEYS ?? 300_000);
const sql = await loadSqlJs();
const db = new sql.Database();
// The projector's own tables and views (fhir-projector.ts), so the figures are those of its indexes.
fhirProjector.createSchema(db);
db.run("INSERT INTO resource_type VALUES (1, 'Observation')");
db.run("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) INSERT INTO resource_key SELECT i, 1, 'obs-' || printf('%08d', i) FROM n", [keys]);
// The first half are resources; the second half only keys (referenced, not yet written).
db.run('INSERT INTO resource_current SELECT rid, 1, 1, 0, 0 FROM resource_key WHERE rid <= ?', [keys / 2]);
db.run("INSERT INTO resource_version SELECT rid, 1, 1, NULL, 0, 0, 'create', 'hash', 1, 2, 3 FROM resource_key WHERE rid <= ?", [keys / 2]);

const COLUMNS = 'type, id, version, last_updated, deleted, method, hash, seg, off, len';
const IDS_OF_TYPE = 'tid = (SELECT tid FROM resource_type WHERE name = ?) AND id IN (SELECT value FROM json_each(?))';
const keysOf = db.prepare(`SELECT id, rid FROM resource_key WHERE ${IDS_OF_TYPE}`);
const lookup = db.prepare(`SELECT ${COLUMNS} FROM resource_current_v WHERE rid = ?`);
const currentOfIds = db.prepare(`SELECT ${COLUMNS} FROM resource_current_v WHERE rid IN (SELECT rid FROM resource_key WHERE ${IDS_OF_TYPE})`);

function perKey(ids: string[]): number {
  let found = 0;
  keysOf.bind(['Observation', JSON.stringify(ids)]);
  const rids: number[] = [];
  while (keysOf.step()) rids.push(Number(keysOf.get()[1]));
  keysOf.reset();
  for (const rid of rids) {
    lookup.bind([rid]);
    if (lookup.step()) {
      lookup.get();
      found++;
    }
    lookup.reset();
  }
  return found;
}

function oneStatement(ids: string[]): number {
  let found = 0;
  currentOfIds.bind(['Observation', JSON.stringify(ids)]);
  while (currentOfIds.step()) {
    currentOfIds.get();
    found++;
  }
  currentOfIds.reset();
  return found;
}

const BATCH = 500;
const ROUNDS = 40;
const kinds: Array<[string, number]> = [
  ['resources', 1],
  ['keys only referenced', Math.floor(keys / 2) + 1],
  ['never seen', keys + 1],
];
db.run('BEGIN');
console.log(`prefetch of ${BATCH} ids of one type, ${keys.toLocaleString('en-US')} keys, inside a transaction (µs per id)`);
for (const [kind, first] of kinds) {
  const batches = Array.from({ length: ROUNDS }, (_, round) => Array.from({ length: BATCH }, (_, k) => `obs-${String(first + ((round * BATCH + k) % Math.floor(keys / 2 - 1))).padStart(8, '0')}`));
  const time = (run: (ids: string[]) => number): [number, number] => {
    let found = 0;
    const started = performance.now();
    for (const ids of batches) found += run(ids);
    return [((performance.now() - started) * 1000) / (ROUNDS * BATCH), found];
  };
  const [before, foundBefore] = time(perKey);
  const [after, foundAfter] = time(oneStatement);
  if (foundBefore !== foundAfter) throw new Error(`the two ways found ${foundBefore} and ${foundAfter}`);
  console.log(`  ${kind.padEnd(22)} per found key: ${before.toFixed(2).padStart(7)}   one statement: ${after.toFixed(2).padStart(6)}   (found ${foundAfter})`);
}
db.run('COMMIT');
db.close();
