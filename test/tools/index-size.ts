/**
 * Size and write rate of the vault's sql.js index (fhir-projector.ts): loads N resources from the
 * Synthea bundles of ../shared/data/synthea/r4-bundles (cycled with new ids, references rewritten
 * to match, when N exceeds the corpus) through the projector, in transactions of 200 like an
 * import, and prints bytes per resource (page_count * page_size), rows per table, apply rate
 * (resources/s, apply only: parsing and hashing are outside the timer), export size and peak RSS.
 * Run: `npx tsx test/tools/index-size.ts [N]` (default 20000).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { contentHash } from '../../src-main/fhir/content-hash';
import { entryForVersion, fhirProjector } from '../../src-main/fhir/fhir-projector';
import { loadSqlJs } from '../../src-main/vault/sqljs';
import type { JsonObject } from '../../src-main/vault/types';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const dir = path.resolve(repoRoot, '../shared/data/synthea/r4-bundles');
if (!existsSync(dir)) {
  console.log(`skipped: ${dir} is absent`);
  process.exit(0);
}
const target = Number(process.argv[2] ?? 20000);
const BATCH = 200;

/** One bundle's resources with urn:uuid references resolved to `Type/id` (as import does). */
function loadBundle(file: string): Resource[] {
  const bundle = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Bundle;
  return (bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
}
const corpus = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .flatMap(loadBundle)
  // Shared resources (organizations, practitioners) appear in several bundles: load each once.
  .filter(
    (
      (seen) => (r: Resource) =>
        !seen.has(`${r.resourceType}/${r.id}`) && Boolean(seen.add(`${r.resourceType}/${r.id}`))
    )(new Set<string>()),
  );

/** The corpus' JSON text for cycle `n`: ids get a suffix, and references to them follow. */
function cycleResources(n: number): string[] {
  const typeOf = new Map(corpus.map((r) => [r.id ?? '', r.resourceType]));
  const suffix = `-c${n}`;
  return corpus.map((r) =>
    JSON.stringify({ ...r, id: `${r.id}${suffix}` }).replace(/"urn:uuid:([0-9a-f-]{36})"/g, (whole, id: string) => {
      const type = typeOf.get(id);
      return type ? `"${type}/${id}${suffix}"` : whole;
    }),
  );
}

const SQL = await loadSqlJs();
const db = new SQL.Database();
fhirProjector.createSchema(db);
const encoder = new TextEncoder();
const lastUpdated = '2026-11-26T10:00:00.000Z';

let loaded = 0;
let applyMs = 0;
let seq = 0;
for (let cycle = 0; loaded < target; cycle++) {
  const texts = cycleResources(cycle);
  for (let start = 0; start < texts.length && loaded < target; start += BATCH) {
    const slice = texts.slice(start, Math.min(texts.length, start + BATCH, start + target - loaded));
    const blobs: Array<{ pointer: { segment: number; offset: number; length: number }; bytes: Uint8Array }> = [];
    const entries: JsonObject[] = slice.map((text) => {
      const resource = JSON.parse(text) as Resource;
      const body = JSON.stringify({ ...resource, meta: { versionId: '1', lastUpdated } });
      const bytes = encoder.encode(body);
      blobs.push({ pointer: { segment: 1, offset: loaded * 1000, length: bytes.length }, bytes });
      return entryForVersion(
        { resourceType: resource.resourceType, id: resource.id ?? '', version: 1, lastUpdated, deleted: false, method: 'POST', hash: contentHash(resource) },
        blobs.length - 1,
      );
    });
    seq += 1;
    const started = performance.now();
    db.run('BEGIN');
    fhirProjector.apply(db, { seq, committedAt: lastUpdated, entries, blobs });
    db.run('COMMIT');
    applyMs += performance.now() - started;
    loaded += slice.length;
  }
}

const scalar = (sql: string): number => Number(db.exec(sql)[0]?.values[0]?.[0] ?? 0);
const pageBytes = scalar('PRAGMA page_count') * scalar('PRAGMA page_size');
console.log(`resources: ${loaded} in ${seq} transactions of up to ${BATCH}`);
console.log(`index bytes: ${pageBytes} = ${(pageBytes / loaded).toFixed(0)} bytes/resource`);
console.log(`apply rate: ${Math.round(loaded / (applyMs / 1000))} resources/s (${(applyMs / 1000).toFixed(1)} s)`);
const tables = (db.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name")[0]?.values ?? []).map(([n]) => String(n));
for (const table of tables) {
  // Names come from sqlite_master of a database this script created.
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(table)) continue;
  console.log(`  ${table}: ${scalar(`SELECT count(*) FROM "${table}"`)} rows`);
}
const exportStarted = performance.now();
const exported = db.export();
console.log(`export: ${exported.length} bytes in ${((performance.now() - exportStarted) / 1000).toFixed(1)} s`);
console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
db.close();
