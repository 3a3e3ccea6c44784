/**
 * Prepared writes as columns, for the trip from the write-prep worker to the store's thread
 * (write-prep-worker.ts, write-prep-pool.ts): one array per field instead of three objects per write
 * (the op, its PreparedWrite, its template). A structured clone rebuilds every object property by
 * property on the receiving thread; arrays of strings it rebuilds at a fraction of that, and the
 * objects are then made here as literals: a scratch measure (v8.serialize of a 500-write batch)
 * gave ~5-7 us per write for the objects, ~2 us for the columns and the objects made from them.
 * The rare fields (validation problems, If-Match) travel by write index. The index rows travel
 * packed apart (search/packed-rows.ts); unpacking gives the writes without them.
 */
import type { OperationOutcomeIssue } from '../api/result';
import type { PreparedLineWrite, PreparedOp, PreparedTransactionWrite } from './repository';
import type { PreparedWrite } from './write-prep';

export interface PreparedColumns {
  /** Each write's hash, body template head and tail (null: a write with problems). */
  hash: Array<string | null>;
  head: Array<string | null>;
  tail: Array<string | null>;
  /** The writes with validation problems, by index. */
  problems: Array<{ at: number; problems: OperationOutcomeIssue[] }>;
}

/** PreparedOps as columns, with each op's `at`: its entry index (a transaction) or line (NDJSON). */
export interface PreparedOpColumns extends PreparedColumns {
  at: number[];
  kind: Array<'create' | 'update'>;
  type: string[];
  id: string[];
  /** Whether each write is skipped when unchanged (PreparedOp.skipUnchanged). */
  skipUnchanged: boolean[];
  /** The writes with an If-Match, by index. */
  ifMatch: Array<{ at: number; ifMatch: string }>;
}

function emptyColumns(): PreparedColumns {
  return { hash: [], head: [], tail: [], problems: [] };
}

/** Adds one prepared write (its rows are not taken: they travel packed). */
function addPrepared(columns: PreparedColumns, prepared: PreparedWrite): void {
  const at = columns.hash.length;
  columns.hash.push(prepared.hash ?? null);
  columns.head.push(prepared.template?.head ?? null);
  columns.tail.push(prepared.template?.tail ?? null);
  if (prepared.problems !== undefined) columns.problems.push({ at, problems: prepared.problems });
}

/** Prepared writes as columns (without their rows). */
export function preparedColumns(writes: readonly PreparedWrite[]): PreparedColumns {
  const columns = emptyColumns();
  for (const write of writes) addPrepared(columns, write);
  return columns;
}

/** The prepared writes of `columns`, in order, without rows. */
export function preparedFromColumns(columns: PreparedColumns): PreparedWrite[] {
  const count = columns.hash.length;
  if (columns.head.length !== count || columns.tail.length !== count) throw new Error('prepared columns of different lengths');
  const writes = new Array<PreparedWrite>(count);
  for (let i = 0; i < count; i++) {
    const hash = columns.hash[i]!;
    const head = columns.head[i]!;
    const tail = columns.tail[i]!;
    const write: PreparedWrite = {};
    if (hash !== null) write.hash = hash;
    if (head !== null && tail !== null) write.template = { head, tail };
    writes[i] = write;
  }
  for (const { at, problems } of columns.problems) {
    const write = writes[at];
    if (!write) throw new Error('prepared columns name a write they do not hold');
    write.problems = problems;
  }
  return writes;
}

/** PreparedOps as columns, `at(op)` their entry index or line. */
export function preparedOpColumns<W extends PreparedOp>(ops: readonly W[], at: (op: W) => number): PreparedOpColumns {
  const columns: PreparedOpColumns = { ...emptyColumns(), at: [], kind: [], type: [], id: [], skipUnchanged: [], ifMatch: [] };
  ops.forEach((op, i) => {
    columns.at.push(at(op));
    columns.kind.push(op.kind);
    columns.type.push(op.type);
    columns.id.push(op.id);
    columns.skipUnchanged.push(op.skipUnchanged === true);
    if (op.ifMatch !== undefined) columns.ifMatch.push({ at: i, ifMatch: op.ifMatch });
    addPrepared(columns, op.prepared);
  });
  return columns;
}

/** The ops of `columns` as `make` builds each from its fields. */
function opsFromColumns<W extends PreparedOp>(columns: PreparedOpColumns, make: (at: number, kind: 'create' | 'update', type: string, id: string, prepared: PreparedWrite) => W): W[] {
  const prepared = preparedFromColumns(columns);
  const count = prepared.length;
  if (columns.at.length !== count || columns.kind.length !== count || columns.type.length !== count || columns.id.length !== count || columns.skipUnchanged.length !== count) {
    throw new Error('prepared columns of different lengths');
  }
  const ops = new Array<W>(count);
  for (let i = 0; i < count; i++) {
    const op = make(columns.at[i]!, columns.kind[i]!, columns.type[i]!, columns.id[i]!, prepared[i]!);
    if (columns.skipUnchanged[i]) op.skipUnchanged = true;
    ops[i] = op;
  }
  for (const { at, ifMatch } of columns.ifMatch) {
    const op = ops[at];
    if (!op) throw new Error('prepared columns name a write they do not hold');
    op.ifMatch = ifMatch;
  }
  return ops;
}

/** A transaction's writes from their columns (`at`: the entry index). */
export function transactionWritesFromColumns(columns: PreparedOpColumns): PreparedTransactionWrite[] {
  return opsFromColumns(columns, (index, kind, type, id, prepared) => ({ index, kind, type, id, prepared }));
}

/** An NDJSON chunk's writes from their columns (`at`: the line). */
export function lineWritesFromColumns(columns: PreparedOpColumns): PreparedLineWrite[] {
  return opsFromColumns(columns, (line, kind, type, id, prepared) => ({ line, kind, type, id, prepared }));
}
