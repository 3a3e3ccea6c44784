/**
 * Where the vault index's bytes go (issue 4 §2): loads `hearth sample` NDJSON through the FHIR
 * projector (fhir-projector.ts, in transactions of 500 like an import chunk; no log, no
 * encryption) and prints, per table and index, the pages it holds (bytes per resource), its
 * entries and the payload bytes per entry, read from the database image (test/tools/sqlite-pages.ts).
 *
 * Run: `npx tsx test/tools/index-breakdown.ts [RESOURCES] [FOLDER]` (default 100000; FOLDER is a
 * `hearth sample` output folder, generated into the OS temporary folder when not given, with
 * seed `index-breakdown`, and deleted afterwards). `--json` prints the figures as JSON too.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createReadStream } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Resource } from '@medplum/fhirtypes';
import { contentHash } from '../../src-main/fhir/content-hash';
import { entryForVersion, fhirProjector } from '../../src-main/fhir/fhir-projector';
import { generateSample } from '../../src-main/sample/generator';
import { loadSqlJs } from '../../src-main/vault/sqljs';
import type { JsonObject } from '../../src-main/vault/types';
import { databasePages } from './sqlite-pages';

const args = process.argv.slice(2).filter((a) => a !== '--json');
const asJson = process.argv.includes('--json');
const target = Number(args[0] ?? 100_000);
if (!Number.isInteger(target) || target < 1) throw new Error('RESOURCES must be a positive whole number');
const RESOURCES_PER_PATIENT = 350;
const BATCH = 500;

let folder = args[1];
let generated: string | null = null;
if (!folder) {
  generated = mkdtempSync(path.join(tmpdir(), 'hearth-index-breakdown-'));
  folder = generated;
  const patients = Math.max(1, Math.ceil(target / RESOURCES_PER_PATIENT));
  const sample = await generateSample({ patients, seed: 'index-breakdown', outDir: folder });
  console.log(`generated ${sample.resources} resources of ${patients} patients in ${folder}`);
}

const SQL = await loadSqlJs();
const db = new SQL.Database();
fhirProjector.createSchema(db);
const encoder = new TextEncoder();
const lastUpdated = '2026-11-27T10:00:00.000Z';
let loaded = 0;
let seq = 0;
let pendingTexts: string[] = [];
const cpuStart = process.cpuUsage();

function applyBatch(texts: string[]): void {
  const blobs: Array<{ pointer: { segment: number; offset: number; length: number }; bytes: Uint8Array }> = [];
  const entries: JsonObject[] = texts.map((text) => {
    const resource = JSON.parse(text) as Resource;
    const bytes = encoder.encode(JSON.stringify({ ...resource, meta: { ...resource.meta, versionId: '1', lastUpdated } }));
    blobs.push({ pointer: { segment: 1 + Math.floor(loaded / 60_000), offset: (loaded % 60_000) * 1000, length: bytes.length + 44 }, bytes });
    loaded++;
    return entryForVersion(
      { resourceType: resource.resourceType, id: resource.id ?? '', version: 1, lastUpdated, deleted: false, method: 'PUT', hash: contentHash(resource) },
      blobs.length - 1,
    );
  });
  seq++;
  db.run('BEGIN');
  fhirProjector.apply(db, { seq, committedAt: lastUpdated, entries, blobs });
  db.run('COMMIT');
}

const files = readdirSync(folder).filter((f) => f.endsWith('.ndjson')).sort();
// The files one after the other in name order (as an import of the folder reads them), up to the target.
outer: for (const file of files) {
  const lines = createInterface({ input: createReadStream(path.join(folder, file), { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.length === 0) continue;
    pendingTexts.push(line);
    if (pendingTexts.length === BATCH) {
      applyBatch(pendingTexts);
      pendingTexts = [];
    }
    if (loaded + pendingTexts.length >= target) break outer;
  }
}
if (pendingTexts.length > 0) applyBatch(pendingTexts);
const used = process.cpuUsage(cpuStart);
const applyCpu = (used.user + used.system) / 1e6;

const pages = databasePages(db);
const total = pages.pageCount * pages.pageSize;
const perResource = (bytes: number): string => (bytes / loaded).toFixed(1);
console.log(
  `resources: ${loaded} (${files.length} files); index ${(total / 1e6).toFixed(1)} MB = ${perResource(total)} bytes/resource; page ${pages.pageSize} B, ${pages.freelistPages} free pages; load+apply ${applyCpu.toFixed(1)} CPU s; load average ${loadavg()[0]!.toFixed(1)}`,
);
// Group each table with its indexes (FTS4 shadow tables under their virtual table's name).
const groupOf = (b: { name: string; table: string }): string => b.table.replace(/_(segments|segdir|docsize|stat)$/, '');
const groups = new Map<string, number>();
for (const b of pages.btrees) groups.set(groupOf(b), (groups.get(groupOf(b)) ?? 0) + b.bytes);
const rows = [...pages.btrees]
  .filter((b) => b.pages > 0)
  .sort((a, b) => (groups.get(groupOf(b))! - groups.get(groupOf(a))!) || groupOf(a).localeCompare(groupOf(b)) || b.bytes - a.bytes)
  .map((b) => ({
    name: b.name,
    type: b.type,
    MB: Number((b.bytes / 1e6).toFixed(2)),
    'B/resource': Number(perResource(b.bytes)),
    share: `${((100 * b.bytes) / total).toFixed(1)}%`,
    entries: b.entries,
    'payload B/entry': b.entries > 0 ? Number((b.payloadBytes / b.entries).toFixed(1)) : 0,
  }));
console.table(rows);
console.log('per table with its indexes (bytes/resource):');
for (const [name, bytes] of [...groups].sort((a, b) => b[1] - a[1])) {
  if (bytes > 0) console.log(`  ${name.padEnd(24)} ${perResource(bytes).padStart(8)}  ${((100 * bytes) / total).toFixed(1)}%`);
}
// The widest parameters: rows per resource and the text they store, per search table.
const PARAM_SQL: Record<string, string> = {
  sp_token: 'avg(length(r.code)) AS code, avg(length(r.display)) AS display, count(r.display) AS with_display',
  sp_quantity: 'avg(length(r.code)) AS code, avg(length(r.unit)) AS unit, avg(length(canon_code)) AS canon_code',
  sp_reference: 'avg(length(url)) AS url, count(url) AS with_url',
  sp_string: 'avg(length(norm)) AS norm, count(value) AS with_value',
  sp_date: 'count(grp) AS in_group',
};
// A row shared by several parameters (a parameter set, schema 12) counts under each of them.
console.log('rows per parameter (the 30 largest; a row shared by several parameters counts under each):');
const perParam = Object.entries(PARAM_SQL).flatMap(([table, columns]) =>
  (db.exec(`SELECT t.name, p.code, count(*) AS n, ${columns} FROM ${table}_v r JOIN param_set_member m ON m.psid = r.psid JOIN search_param p ON p.pid = m.pid JOIN resource_type t ON t.tid = p.tid GROUP BY m.pid`)[0]?.values ?? []).map(
    ([type, code, n, ...rest]) => ({ table, param: `${String(type)}.${String(code)}`, rows: Number(n), 'rows/resource': Number((Number(n) / loaded).toFixed(2)), detail: rest.map((v) => (typeof v === 'number' ? Number(v.toFixed(1)) : v)).join(' / ') }),
  ),
);
console.table(perParam.sort((a, b) => b.rows - a.rows).slice(0, 30));
if (asJson) console.log(JSON.stringify({ resources: loaded, indexBytes: total, pageSize: pages.pageSize, btrees: pages.btrees }));
db.close();
if (generated) rmSync(generated, { recursive: true, force: true });
