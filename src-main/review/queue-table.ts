/**
 * The review queue's table in the search index (docs/review.md §3, docs/vault-format.md §6.1):
 * derived data like the search rows. The FHIR projector keeps one row per DocumentReference (what
 * the queue shows of the note: title, date, patient, engine counts and scores, categories, NLP
 * status, its engine annotation ids) and one per review Basic (note, reviewer, status, revision,
 * the engine annotations it decided), each computed from that resource alone, in the same SQL
 * transaction as the version it describes. So a write costs O(that resource), a crash leaves the
 * rows with their versions (or rebuilt from the log with them), and nothing is stored in the log:
 * exports, counts, history, sync and verify see no new resource.
 *
 * The queue's first answer of a session loads these rows (queue-index.ts builds its summaries from
 * them) instead of reading and decrypting every note and record.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { Database, SqlValue, Statement } from 'sql.js';
import { ENTITY_CATEGORIES, type EntityCategory } from '../nlp/types';
import { cachedStatement } from '../vault/statement-cache';
import { noteFacts, recordFacts, reviewerSummary, summaryOf, type NoteFacts, type NoteSummary, type RecordFacts, type ReviewerSummary } from './queue-index';
import { basicToRecord, REVIEW_STATUSES } from './record';
import type { ReviewStatus } from './types';

export const QUEUE_NOTE_TABLE = 'review_queue_note';
export const QUEUE_RECORD_TABLE = 'review_queue_record';

const NOTE_TYPE = 'DocumentReference';
const RECORD_TYPE = 'Basic';

export function queueTableSchema(): string[] {
  return [
    // rid: the note's resource_key; entities = the number of ids in engine_ids.
    `CREATE TABLE ${QUEUE_NOTE_TABLE} (rid INTEGER PRIMARY KEY, title TEXT NOT NULL, date TEXT, patient TEXT,
       entities INTEGER NOT NULL, min_score REAL, max_score REAL, negated INTEGER NOT NULL, categories TEXT,
       nlp TEXT NOT NULL, engine_ids TEXT NOT NULL)`,
    // rid: the Basic's resource_key; note: the DocumentReference id its subject names.
    `CREATE TABLE ${QUEUE_RECORD_TABLE} (rid INTEGER PRIMARY KEY, note TEXT NOT NULL, reviewer TEXT NOT NULL,
       status TEXT NOT NULL, revision INTEGER NOT NULL, decided TEXT NOT NULL)`,
    `CREATE INDEX ${QUEUE_RECORD_TABLE}_note ON ${QUEUE_RECORD_TABLE} (note)`,
  ];
}

// ---------------------------------------------------------------------------------------------
// Engine annotation ids, compact

/** One letter per category. Stored in the index: changing it needs an index schema bump. */
const CATEGORY_CODES: Record<EntityCategory, string> = {
  MEDICAL_CONDITION: 'C',
  MEDICATION: 'M',
  ANATOMY: 'A',
  TEST_TREATMENT_PROCEDURE: 'T',
  PROTECTED_HEALTH_INFORMATION: 'P',
  TIME_EXPRESSION: 'X',
  BEHAVIORAL_ENVIRONMENTAL_SOCIAL: 'B',
};
const CATEGORY_BY_NAME = new Map<string, string>(ENTITY_CATEGORIES.map((c) => [c, CATEGORY_CODES[c]]));
const ENGINE_ID = /^e:(\d+)-(\d+)-([A-Z_]+)(~\d+)?$/;

/**
 * `e:12-30-MEDICATION~2` → `12-30M~2`; any other id (a record may hold anything) → `!` + the id.
 * One-to-one, so engine ids and a record's decided ids compare the same encoded as raw. Ids with
 * white space are dropped by the caller (no engine id has any; the stored lists are space-separated).
 */
export function compactEngineId(id: string): string {
  const m = ENGINE_ID.exec(id);
  const code = m ? CATEGORY_BY_NAME.get(m[3]!) : undefined;
  return m && code ? `${m[1]}-${m[2]}${code}${m[4] ?? ''}` : `!${id}`;
}

function idList(ids: readonly string[]): string {
  return ids
    .filter((id) => !/\s/.test(id))
    .map(compactEngineId)
    .join(' ');
}

function idSet(list: string | null): Set<string> {
  return new Set(list ? list.split(' ') : []);
}

// ---------------------------------------------------------------------------------------------
// Writing (the FHIR projector, fhir/fhir-projector.ts)

/** A resource's row: note rows after rid are title … engine_ids, record rows note … decided. */
export type QueueRow = { table: 'note' | 'record'; values: SqlValue[] };

/**
 * The queue row of a stored resource: a note, a review record, or none (anything else, a malformed
 * record). Never throws: the projector calls it on every write and on every replay, where an
 * exception would refuse the write or stop the vault from opening; a resource whose row cannot be
 * computed (none is known: resources are validated before they are stored) gets none, the same on
 * every replay.
 */
/** Whether resources of this type can have a queue row (so the projector parses no other type's body for it). */
export function hasQueueRow(type: string): boolean {
  return type === NOTE_TYPE || type === RECORD_TYPE;
}

export function queueRowOf(resource: Resource): QueueRow | undefined {
  try {
    return rowOf(resource);
  } catch {
    return undefined;
  }
}

function rowOf(resource: Resource): QueueRow | undefined {
  if (resource.resourceType === NOTE_TYPE) {
    const { facts, engineIds } = noteFacts(resource);
    const categories = Object.keys(facts.categories).length > 0 ? JSON.stringify(facts.categories) : null;
    return {
      table: 'note',
      values: [
        facts.title,
        facts.date ?? null,
        facts.patient ?? null,
        facts.entities,
        facts.minScore ?? null,
        facts.maxScore ?? null,
        facts.hasNegated ? 1 : 0,
        categories,
        facts.nlp,
        idList(engineIds),
      ],
    };
  }
  if (resource.resourceType === RECORD_TYPE) {
    const record = basicToRecord(resource);
    if (!record) return undefined;
    const facts = recordFacts(record);
    return { table: 'record', values: [record.documentId, facts.reviewer, facts.status, facts.revision, idList(facts.decided)] };
  }
  return undefined;
}

/** The queue rows of one apply (statements prepared once per database: vault/statement-cache.ts). */
export class QueueTableWriter {
  private readonly upsertNote: Statement;
  private readonly upsertRecord: Statement;
  private readonly deleteNote: Statement;
  private readonly deleteRecord: Statement;

  constructor(db: Database) {
    this.upsertNote = cachedStatement(db, `INSERT OR REPLACE INTO ${QUEUE_NOTE_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.upsertRecord = cachedStatement(db, `INSERT OR REPLACE INTO ${QUEUE_RECORD_TABLE} VALUES (?, ?, ?, ?, ?, ?)`);
    this.deleteNote = cachedStatement(db, `DELETE FROM ${QUEUE_NOTE_TABLE} WHERE rid = ?`);
    this.deleteRecord = cachedStatement(db, `DELETE FROM ${QUEUE_RECORD_TABLE} WHERE rid = ?`);
  }

  /**
   * The new current version of resource `rid` of `type`: its row (undefined when it has none, a
   * deletion included). `isNew`: the resource had no version before (no row to remove).
   */
  write(type: string, rid: number, row: QueueRow | undefined, isNew: boolean): void {
    if (type !== NOTE_TYPE && type !== RECORD_TYPE) return;
    if (row) (row.table === 'note' ? this.upsertNote : this.upsertRecord).run([rid, ...row.values]);
    else if (!isNew) (type === NOTE_TYPE ? this.deleteNote : this.deleteRecord).run([rid]);
  }

  /** Leaves the statements reset (run() does; they stay cached for the next apply). */
  free(): void {
    for (const s of [this.upsertNote, this.upsertRecord, this.deleteNote, this.deleteRecord]) s.reset();
  }
}

// ---------------------------------------------------------------------------------------------
// Reading (review/service.ts)

/** A review record as the queue tracks it: the Basic's id and its note's. */
export interface TrackedRecord {
  id: string;
  documentId: string;
}

const NOTE_COLUMNS = 'k.id, n.title, n.date, n.patient, n.entities, n.min_score, n.max_score, n.negated, n.categories, n.nlp';
const NOTE_RID = `(SELECT rid FROM resource_key WHERE id = ? AND tid = (SELECT tid FROM resource_type WHERE name = '${NOTE_TYPE}'))`;
/** A record row with the engine ids of its note (NULL when the note has no row), oldest first as a scan reads them. */
const RECORD_SELECT = `SELECT k.id, r.note, r.reviewer, r.status, r.revision, r.decided,
    (SELECT n.engine_ids FROM ${QUEUE_NOTE_TABLE} n WHERE n.rid = (SELECT rid FROM resource_key WHERE id = r.note
       AND tid = (SELECT tid FROM resource_type WHERE name = '${NOTE_TYPE}')))
  FROM ${QUEUE_RECORD_TABLE} r JOIN resource_key k ON k.rid = r.rid JOIN resource_current c ON c.rid = r.rid`;
const RECORD_ORDER = 'ORDER BY c.last_updated_ms, r.rid';

function text(v: SqlValue | undefined): string | undefined {
  return v === null || v === undefined ? undefined : String(v);
}

function num(v: SqlValue | undefined): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

function statusOf(v: SqlValue | undefined): ReviewStatus {
  const s = String(v);
  return (REVIEW_STATUSES as readonly string[]).includes(s) ? (s as ReviewStatus) : 'unreviewed';
}

function nlpOf(v: SqlValue | undefined): NoteFacts['nlp'] {
  return v === 'succeeded' || v === 'failed' ? v : 'none';
}

function factsOf(row: SqlValue[]): { documentId: string; facts: NoteFacts } {
  const [id, title, date, patient, entities, minScore, maxScore, negated, categories, nlp] = row;
  const facts: NoteFacts = {
    title: String(title),
    entities: Number(entities),
    hasNegated: negated === 1,
    categories: categories ? (JSON.parse(String(categories)) as NoteFacts['categories']) : {},
    nlp: nlpOf(nlp),
  };
  const d = text(date);
  if (d !== undefined) facts.date = d;
  const p = text(patient);
  if (p !== undefined) facts.patient = p;
  const lo = num(minScore);
  if (lo !== undefined) facts.minScore = lo;
  const hi = num(maxScore);
  if (hi !== undefined) facts.maxScore = hi;
  return { documentId: String(id), facts };
}

interface RecordRow {
  record: TrackedRecord;
  facts: RecordFacts;
  /** The note's engine ids, undefined when the note has no row (not stored, or deleted). */
  engineIds: string | null;
}

function recordRow(row: SqlValue[]): RecordRow {
  const [id, note, reviewer, status, revision, decided, engineIds] = row;
  return {
    record: { id: String(id), documentId: String(note) },
    facts: { reviewer: String(reviewer), status: statusOf(status), revision: Number(revision), decided: String(decided ?? '') === '' ? [] : String(decided).split(' ') },
    engineIds: typeof engineIds === 'string' ? engineIds : null,
  };
}

/** Runs a prepared statement with `params`, row by row, and resets it. */
function rows(statement: Statement, params: SqlValue[], fn: (row: SqlValue[]) => void): void {
  try {
    statement.bind(params);
    while (statement.step()) fn(statement.get());
  } finally {
    statement.reset();
  }
}

function each(db: Database, sql: string, params: SqlValue[], fn: (row: SqlValue[]) => void): void {
  const statement = db.prepare(sql);
  try {
    rows(statement, params, fn);
  } finally {
    statement.free();
  }
}

/** Adds the reviewers' parts to the summaries of their notes (notes without a summary are left out). */
function addReviewers(rows: readonly RecordRow[], summaryFacts: Map<string, { facts: NoteFacts; reviewers: Map<string, ReviewerSummary> }>): void {
  const engineSets = new Map<string, Set<string>>();
  for (const { record, facts, engineIds } of rows) {
    const note = summaryFacts.get(record.documentId);
    if (!note || engineIds === null) continue;
    let ids = engineSets.get(record.documentId);
    if (!ids) {
      ids = idSet(engineIds);
      engineSets.set(record.documentId, ids);
    }
    note.reviewers.set(facts.reviewer, reviewerSummary(facts, ids));
  }
}

/** Every note's summary and every review record (with a row), from the queue table. */
export function loadQueueTable(db: Database): { summaries: NoteSummary[]; records: TrackedRecord[] } {
  const notes = new Map<string, { facts: NoteFacts; reviewers: Map<string, ReviewerSummary> }>();
  each(db, `SELECT ${NOTE_COLUMNS} FROM ${QUEUE_NOTE_TABLE} n JOIN resource_key k ON k.rid = n.rid`, [], (row) => {
    const { documentId, facts } = factsOf(row);
    notes.set(documentId, { facts, reviewers: new Map() });
  });
  const rows: RecordRow[] = [];
  each(db, `${RECORD_SELECT} ${RECORD_ORDER}`, [], (row) => rows.push(recordRow(row)));
  addReviewers(rows, notes);
  const summaries = [...notes].map(([documentId, { facts, reviewers }]) => summaryOf(documentId, facts, reviewers));
  return { summaries, records: rows.map((r) => r.record) };
}

/**
 * Notes and records read one by one (notes changed since the queue was loaded), with statements
 * prepared once per read of the index; free() before the read ends.
 */
export class QueueTableReader {
  private readonly noteRow: Statement;
  private readonly recordsOfNote: Statement;
  private readonly recordRow: Statement;

  constructor(db: Database) {
    this.noteRow = db.prepare(`SELECT ${NOTE_COLUMNS} FROM ${QUEUE_NOTE_TABLE} n JOIN resource_key k ON k.rid = n.rid WHERE n.rid = ${NOTE_RID}`);
    this.recordsOfNote = db.prepare(`${RECORD_SELECT} WHERE r.note = ? ${RECORD_ORDER}`);
    this.recordRow = db.prepare(
      `SELECT k.id, r.note FROM ${QUEUE_RECORD_TABLE} r JOIN resource_key k ON k.rid = r.rid
         WHERE r.rid = (SELECT rid FROM resource_key WHERE id = ? AND tid = (SELECT tid FROM resource_type WHERE name = '${RECORD_TYPE}'))`,
    );
  }

  /** One note's summary (undefined when it has no row: not stored, deleted) and its records. */
  note(documentId: string): { summary?: NoteSummary; records: TrackedRecord[] } {
    const notes = new Map<string, { facts: NoteFacts; reviewers: Map<string, ReviewerSummary> }>();
    rows(this.noteRow, [documentId], (row) => notes.set(documentId, { facts: factsOf(row).facts, reviewers: new Map() }));
    const records: RecordRow[] = [];
    rows(this.recordsOfNote, [documentId], (row) => records.push(recordRow(row)));
    addReviewers(records, notes);
    const note = notes.get(documentId);
    const tracked = records.map((r) => r.record);
    return note ? { summary: summaryOf(documentId, note.facts, note.reviewers), records: tracked } : { records: tracked };
  }

  /** A review record's note, from its row (undefined: no such record, deleted, or not a review record). */
  record(basicId: string): TrackedRecord | undefined {
    let found: TrackedRecord | undefined;
    rows(this.recordRow, [basicId], (row) => {
      found = { id: String(row[0]), documentId: String(row[1]) };
    });
    return found;
  }

  free(): void {
    for (const s of [this.noteRow, this.recordsOfNote, this.recordRow]) s.free();
  }
}
