/**
 * The full-text index's write cost alone (search/index-tables.ts TEXT_TABLE): the bench:fhir
 * corpus's documents (narrative and content, folded as extraction does) written into an in-memory
 * sql.js database in transactions of `HEARTH_TEXT_PER_COMMIT` (default 250), each followed by a
 * multi-row INSERT into a plain table (as resource_version follows the text in the projector: its
 * statement journal makes FTS4 write its pending terms out), then COMMIT. Prints the main thread's
 * CPU time per document (/proc schedstat, so other threads and other processes do not count) and
 * the database's pages, for: no text; the schema-10 layout (docid rid * 2^20 + version, narrative
 * column first) and the schema-11 one (textDocId, content first), each by one prepared INSERT; and
 * the current layout written by IndexWriter (search/index-tables.ts), whose JavaScript adds its own
 * cost (compare the two SQL lines for the layouts). A warm-up
 * round first (sql.js' wasm tiers up), then `HEARTH_TEXT_ROUNDS` (default 3) alternated rounds.
 * `HEARTH_TEXT_SIZE` resources (default 50000). Linux only (schedstat).
 */
import fs from 'node:fs';
import os from 'node:os';
import type { Database } from 'sql.js';
import type { IndexRows } from '../../src-main/fhir/search/extract';
import { contentText, narrativeText } from '../../src-main/fhir/search/full-text';
import { indexSchema, IndexWriter, KeyRegistry, textDocId } from '../../src-main/fhir/search/index-tables';
import { foldText } from '../../src-main/fhir/search/text-query';
import { loadSqlJs } from '../../src-main/vault/sqljs';
import { corpusResources } from '../bench/fhir/corpus';

const size = Number(process.env.HEARTH_TEXT_SIZE ?? 50000);
const perCommit = Number(process.env.HEARTH_TEXT_PER_COMMIT ?? 250);
const rounds = Number(process.env.HEARTH_TEXT_ROUNDS ?? 3);
const schedstat = `/proc/self/task/${process.pid}/schedstat`;
const cpuNs = (): number => Number(fs.readFileSync(schedstat, 'utf8').split(' ')[0]);

interface Doc {
  rid: number;
  narrative: string;
  content: string;
  /** The same text as extraction's rows (built here, outside the timed writes). */
  rows: IndexRows;
}
const noRows = (): Omit<IndexRows, 'text'> => ({ string: [], token: [], reference: [], date: [], number: [], quantity: [], uri: [] });
const docs: Doc[] = [];
let rid = 0;
for (const resource of corpusResources(size)) {
  rid++;
  const narrative = foldText(narrativeText(resource));
  const content = foldText(contentText(resource));
  if (narrative || content) docs.push({ rid, narrative, content, rows: { ...noRows(), text: { narrative, content } } });
}

const SCHEMA_10 = 'CREATE VIRTUAL TABLE sp_text USING fts4(narrative, content, content="", matchinfo=fts3)';

interface Layout {
  name: string;
  /** Sets up the database; returns the writer of one transaction's documents. */
  open(db: Database): (batch: Doc[]) => void;
}
const layouts: Layout[] = [
  { name: 'no text', open: () => () => {} },
  {
    name: 'schema 10',
    open: (db) => {
      db.run(SCHEMA_10);
      const insert = db.prepare('INSERT INTO sp_text (docid, narrative, content) VALUES (CAST(? AS INTEGER), ?, ?)');
      return (batch) => {
        for (const d of batch) insert.run([d.rid * 2 ** 20 + 1, d.narrative, d.content]);
      };
    },
  },
  {
    name: 'schema 11 SQL',
    open: (db) => {
      db.run(SCHEMA_10.replace('narrative, content,', 'content, narrative,'));
      const insert = db.prepare('INSERT INTO sp_text (docid, content, narrative) VALUES (CAST(? AS INTEGER), ?, ?)');
      return (batch) => {
        for (const d of batch) insert.run([textDocId(d.rid, 1), d.content, d.narrative]);
      };
    },
  },
  {
    name: 'current (IndexWriter)',
    open: (db) => {
      for (const statement of indexSchema()) db.run(statement);
      // One writer for the run (the projector prepares one per apply: the same for every layout).
      const writer = new IndexWriter(db, new KeyRegistry(db));
      return (batch) => {
        for (const d of batch) writer.insert(d.rid, 1, 1, d.rows);
        writer.flush();
      };
    },
  },
];

const SQL = await loadSqlJs();
const results = new Map<string, number[]>();
for (let round = -1; round < rounds; round++) {
  for (const layout of layouts) {
    const db = new SQL.Database();
    db.run('PRAGMA journal_mode=MEMORY');
    db.run('PRAGMA cache_spill=OFF');
    db.run('CREATE TABLE after_text (a INTEGER PRIMARY KEY, b TEXT)');
    const write = layout.open(db);
    const start = cpuNs();
    for (let i = 0; i < docs.length; i += perCommit) {
      const batch = docs.slice(i, i + perCommit);
      db.run('BEGIN');
      write(batch);
      db.run(`INSERT INTO after_text VALUES ${batch.map(() => '(?, ?)').join(', ')}`, batch.flatMap((d) => [d.rid, 'x']));
      db.run('COMMIT');
    }
    const us = (cpuNs() - start) / 1000 / docs.length;
    const pages = Number(db.exec('PRAGMA page_count')[0]?.values[0]?.[0] ?? 0);
    db.close();
    if (round >= 0) results.set(layout.name, [...(results.get(layout.name) ?? []), us]);
    console.log(`${round < 0 ? 'warm-up' : `round ${round + 1}`}  ${layout.name.padEnd(22)} ${us.toFixed(2).padStart(6)} us CPU per document  ${pages} pages  load ${(os.loadavg()[0] ?? 0).toFixed(1)}`);
  }
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
console.log(`${docs.length} documents, ${perCommit} per commit; medians: ${[...results].map(([name, values]) => `${name} ${median(values).toFixed(2)} us`).join(', ')}`);
