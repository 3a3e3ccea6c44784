/**
 * Prepared writes as columns, for the trip from the write-prep worker to the store's thread
 * (write-prep-worker.ts, write-prep-pool.ts): one array per field instead of three objects per write
 * (the op, its PreparedWrite, its template). A structured clone rebuilds every object property by
 * property on the receiving thread; arrays of strings it rebuilds at a fraction of that, and the
 * objects are then made here as literals: a scratch measure (v8.serialize of a 500-write batch)
 * gave ~5-7 us per write for the objects, ~2 us for the columns and the objects made from them.
 * The rare fields (validation problems, If-Match) travel by write index. The index rows travel
 * packed apart (search/packed-rows.ts); unpacking gives the writes without them. The body templates
 * travel as UTF-8 in one buffer (body-bytes.ts), moved rather than copied, and come out as bytes.
 */
import type { OperationOutcomeIssue } from '../api/result';
import type { PreparedLineWrite, PreparedOp, PreparedTransactionWrite } from './repository';
import type { PreparedWrite } from './write-prep';
import { TemplatePacker, unpackTemplate } from './body-bytes';

export interface PreparedColumns {
  /** Each write's hash (null: a write with problems). */
  hash: Array<string | null>;
  /** The body templates' UTF-8 (TemplatePacker); its buffer can be moved to the receiving thread. */
  templates: Uint8Array<ArrayBuffer>;
  /** Per write, where its template's head starts, its tail starts and it ends in `templates` (-1s: none). */
  bounds: number[];
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

/** Columns being filled: the templates' bytes go to the packer until finished. */
type ColumnsInProgress<C extends PreparedColumns> = Omit<C, 'templates'>;

function emptyColumns(): ColumnsInProgress<PreparedColumns> {
  return { hash: [], bounds: [], problems: [] };
}

/** Adds one prepared write (its rows are not taken: they travel packed). */
function addPrepared(columns: ColumnsInProgress<PreparedColumns>, packer: TemplatePacker, prepared: PreparedWrite): void {
  const at = columns.hash.length;
  columns.hash.push(prepared.hash ?? null);
  if (prepared.template === undefined) columns.bounds.push(-1, -1, -1);
  else columns.bounds.push(...packer.add(prepared.template));
  if (prepared.problems !== undefined) columns.problems.push({ at, problems: prepared.problems });
}

/** Prepared writes as columns (without their rows). */
export function preparedColumns(writes: readonly PreparedWrite[]): PreparedColumns {
  const columns = emptyColumns();
  const packer = new TemplatePacker();
  for (const write of writes) addPrepared(columns, packer, write);
  return { ...columns, templates: packer.result() };
}

/** The prepared writes of `columns`, in order, without rows. */
export function preparedFromColumns(columns: PreparedColumns): PreparedWrite[] {
  const count = columns.hash.length;
  const { bounds, templates } = columns;
  if (bounds.length !== 3 * count) throw new Error('prepared columns of different lengths');
  const writes = new Array<PreparedWrite>(count);
  for (let i = 0; i < count; i++) {
    const hash = columns.hash[i]!;
    const start = bounds[3 * i]!;
    const write: PreparedWrite = {};
    if (hash !== null) write.hash = hash;
    if (start >= 0) write.template = unpackTemplate(templates, start, bounds[3 * i + 1]!, bounds[3 * i + 2]!);
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
  const columns: ColumnsInProgress<PreparedOpColumns> = { ...emptyColumns(), at: [], kind: [], type: [], id: [], skipUnchanged: [], ifMatch: [] };
  const packer = new TemplatePacker();
  ops.forEach((op, i) => {
    columns.at.push(at(op));
    columns.kind.push(op.kind);
    columns.type.push(op.type);
    columns.id.push(op.id);
    columns.skipUnchanged.push(op.skipUnchanged === true);
    if (op.ifMatch !== undefined) columns.ifMatch.push({ at: i, ifMatch: op.ifMatch });
    addPrepared(columns, packer, op.prepared);
  });
  return { ...columns, templates: packer.result() };
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
