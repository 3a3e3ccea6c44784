/**
 * The index rows of a batch of resources (extract.ts IndexRows) packed for the trip from the
 * write-prep worker to the store's thread (write-prep-worker.ts, write-prep-pool.ts): every number
 * and string index in one Float64Array (transferred, not copied) and each distinct string of the
 * batch once (parameter names, systems and codes repeat in nearly every resource). A structured
 * clone of the row objects themselves costs more than preparing them: the receiving thread builds
 * each object again property by property, and copies every repeated string.
 *
 * unpackRows gives back rows equal to those packed (test/unit/fhir/packed-rows.test.ts): the same
 * rows in the same order, `group` only where it was set, `canonValue`/`canonCode`, `text` and
 * `position` as they were (absent, null or a value). The store's thread does not unpack them:
 * splitPackedRows gives each item's place in the batch (PackedItemRows, no row objects), and
 * IndexWriter reads the values from there (PackedItemRows.feed, row-sink.ts).
 *
 * Layout, item by item: ABSENT (an item without rows), or the count of the item's values that
 * follow, then its rows table by table (each table's row count, then its rows' values), the full
 * text and the positions.
 */
import type { PositionRow } from './near';
import type { DateRow, IndexRows, NumberRow, QuantityRow, ReferenceRow, StringRow, TextRow, TokenRow, UriRow } from './extract';
import type { IndexRowSink } from './row-sink';

export interface PackedRows {
  /** The distinct strings of the batch; the values refer to them by index. */
  strings: string[];
  /** Counts, markers, string indexes and numbers, in the order unpackRows reads them. */
  values: Float64Array;
}

/** A string index for null, and for an absent optional field. */
const NULL = -1;
const ABSENT = -2;

/**
 * Where a packer writes before copying the result out (one exact-size buffer per batch): kept
 * between batches, since every new buffer is memory outside the heap that hastens collections.
 * A packer borrows it and gives it back when it is done (a second packer meanwhile gets its own).
 */
let scratch: Float64Array | null = null;
const SCRATCH_SIZE = 1 << 16;
const SCRATCH_KEPT_MAX = 1 << 20;

/**
 * Packs the rows of a batch item by item: `add` each item's rows as soon as they are extracted
 * (so they can be collected while they are still young: a batch's row objects held until the end
 * survive collections and get copied), then `result` once. packRows does the same for rows
 * already at hand.
 */
export class RowPacker {
  readonly strings: string[] = [];
  private readonly index = new Map<string, number>();
  private values: Float64Array;
  private length = 0;

  constructor() {
    this.values = scratch ?? new Float64Array(SCRATCH_SIZE);
    scratch = null;
  }

  /** One item's rows (undefined: an item without rows). */
  add(rows: IndexRows | undefined): void {
    if (rows === undefined) this.push(ABSENT);
    else {
      // The item's value count, known once it is packed (splitPackedRows skips items by it).
      const header = this.length;
      this.push(0);
      packOne(rows, this);
      this.values[header] = this.length - header - 1;
    }
  }

  push(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(Math.max(SCRATCH_SIZE, this.values.length * 2));
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }

  string(value: string | null | undefined): void {
    if (value === null) return this.push(NULL);
    if (value === undefined) return this.push(ABSENT);
    let at = this.index.get(value);
    if (at === undefined) {
      at = this.strings.length;
      this.strings.push(value);
      this.index.set(value, at);
    }
    this.push(at);
  }

  group(row: { group?: number }): void {
    this.push(row.group === undefined ? ABSENT : row.group);
  }

  /** An optional number that may also be null: marker, then the value when there is one. */
  optionalNumber(value: number | null | undefined): void {
    if (value === undefined) this.push(ABSENT);
    else if (value === null) this.push(NULL);
    else {
      this.push(0);
      this.push(value);
    }
  }

  /** The packed batch; the packer is done (its buffer goes back for the next one). */
  result(): PackedRows {
    const values = this.values.slice(0, this.length);
    // A rare huge batch does not keep its buffer.
    if (this.values.length <= SCRATCH_KEPT_MAX) scratch = this.values;
    this.values = new Float64Array(0);
    this.length = 0;
    return { strings: this.strings, values };
  }
}

function packOne(rows: IndexRows, p: RowPacker): void {
  p.push(rows.string.length);
  for (const r of rows.string) {
    p.group(r);
    p.string(r.param);
    p.string(r.norm);
    p.string(r.value);
  }
  p.push(rows.token.length);
  for (const r of rows.token) {
    p.group(r);
    p.string(r.param);
    p.string(r.system);
    p.string(r.code);
    p.string(r.display);
  }
  p.push(rows.reference.length);
  for (const r of rows.reference) {
    p.group(r);
    p.string(r.param);
    p.string(r.targetType);
    p.string(r.targetId);
    p.string(r.url);
  }
  p.push(rows.date.length);
  for (const r of rows.date) {
    p.group(r);
    p.string(r.param);
    p.push(r.low);
    p.push(r.high);
  }
  p.push(rows.number.length);
  for (const r of rows.number) {
    p.group(r);
    p.string(r.param);
    p.push(r.value);
  }
  p.push(rows.quantity.length);
  for (const r of rows.quantity) {
    p.group(r);
    p.string(r.param);
    p.push(r.value);
    p.string(r.system);
    p.string(r.code);
    p.string(r.unit);
    p.optionalNumber(r.canonValue);
    p.string(r.canonCode);
  }
  p.push(rows.uri.length);
  for (const r of rows.uri) {
    p.group(r);
    p.string(r.param);
    p.string(r.value);
  }
  if (rows.text === undefined) p.push(ABSENT);
  else {
    p.string(rows.text.narrative);
    p.string(rows.text.content);
  }
  if (rows.position === undefined) p.push(ABSENT);
  else {
    p.push(rows.position.length);
    for (const r of rows.position) {
      p.string(r.param);
      p.push(r.latitude);
      p.push(r.longitude);
    }
  }
}

/** Packs the rows of each item (undefined: an item without rows). */
export function packRows(items: ReadonlyArray<IndexRows | undefined>): PackedRows {
  const p = new RowPacker();
  for (const rows of items) p.add(rows);
  return p.result();
}

class Reader {
  constructor(
    private readonly packed: PackedRows,
    public at = 0,
  ) {}

  number(): number {
    const value = this.packed.values[this.at++];
    if (value === undefined) throw new Error('packed rows end early');
    return value;
  }

  /** A string that is never null. */
  text(): string {
    return this.stringAt(this.number());
  }

  nullable(): string | null {
    const at = this.number();
    return at === NULL ? null : this.stringAt(at);
  }

  optional(): string | null | undefined {
    const at = this.number();
    return at === ABSENT ? undefined : at === NULL ? null : this.stringAt(at);
  }

  optionalNumber(): number | null | undefined {
    const marker = this.number();
    return marker === ABSENT ? undefined : marker === NULL ? null : this.number();
  }

  get done(): boolean {
    return this.at === this.packed.values.length;
  }

  stringAt(at: number): string {
    const value = this.packed.strings[at];
    if (value === undefined) throw new Error('packed rows name no string');
    return value;
  }
}

/**
 * Row objects are built with their group last and only when set, as extraction builds them: each
 * as one object literal (a group added afterwards would give every such row a separate property
 * store and a map transition).
 */
function unpackOne(r: Reader): IndexRows {
  const string: StringRow[] = [];
  for (let n = r.number(); n > 0; n--) {
    const group = r.number();
    const param = r.text();
    const norm = r.text();
    const value = r.text();
    string.push(group === ABSENT ? { param, norm, value } : { param, norm, value, group });
  }
  const token: TokenRow[] = [];
  for (let n = r.number(); n > 0; n--) {
    const group = r.number();
    const param = r.text();
    const system = r.nullable();
    const code = r.nullable();
    const display = r.nullable();
    token.push(group === ABSENT ? { param, system, code, display } : { param, system, code, display, group });
  }
  const reference: ReferenceRow[] = [];
  for (let n = r.number(); n > 0; n--) {
    const group = r.number();
    const param = r.text();
    const targetType = r.nullable();
    const targetId = r.nullable();
    const url = r.text();
    reference.push(group === ABSENT ? { param, targetType, targetId, url } : { param, targetType, targetId, url, group });
  }
  const date: DateRow[] = [];
  for (let n = r.number(); n > 0; n--) {
    const group = r.number();
    const param = r.text();
    const low = r.number();
    const high = r.number();
    date.push(group === ABSENT ? { param, low, high } : { param, low, high, group });
  }
  const number: NumberRow[] = [];
  for (let n = r.number(); n > 0; n--) {
    const group = r.number();
    const param = r.text();
    const value = r.number();
    number.push(group === ABSENT ? { param, value } : { param, value, group });
  }
  const quantity: QuantityRow[] = [];
  for (let n = r.number(); n > 0; n--) {
    const group = r.number();
    const row: QuantityRow = { param: r.text(), value: r.number(), system: r.nullable(), code: r.nullable(), unit: r.nullable() };
    const canonValue = r.optionalNumber();
    if (canonValue !== undefined) row.canonValue = canonValue;
    const canonCode = r.optional();
    if (canonCode !== undefined) row.canonCode = canonCode;
    if (group !== ABSENT) row.group = group;
    quantity.push(row);
  }
  const uri: UriRow[] = [];
  for (let n = r.number(); n > 0; n--) {
    const group = r.number();
    const param = r.text();
    const value = r.text();
    uri.push(group === ABSENT ? { param, value } : { param, value, group });
  }
  const rows: IndexRows = { string, token, reference, date, number, quantity, uri };
  const narrative = r.number();
  if (narrative !== ABSENT) {
    const text: TextRow = { narrative: r.stringAt(narrative), content: r.text() };
    rows.text = text;
  }
  const positions = r.number();
  if (positions !== ABSENT) {
    const position: PositionRow[] = [];
    for (let n = positions; n > 0; n--) position.push({ param: r.text(), latitude: r.number(), longitude: r.number() });
    rows.position = position;
  }
  return rows;
}

/** The rows packRows packed, item by item. */
export function unpackRows(packed: PackedRows): Array<IndexRows | undefined> {
  return splitPackedRows(packed).map((item) => item?.unpack());
}

/**
 * One item's rows inside a packed batch: what the store's thread keeps of them until IndexWriter
 * reads them (feed). Every item of a batch shares its strings and values.
 */
export class PackedItemRows {
  /** `start`: where the item's values begin; `end`: just past them. */
  constructor(
    readonly packed: PackedRows,
    readonly start: number,
    readonly end: number,
  ) {}

  /** The rows as objects (extract.ts IndexRows), equal to those packed. */
  unpack(): IndexRows {
    const reader = new Reader(this.packed, this.start);
    const rows = unpackOne(reader);
    this.checkEnd(reader);
    return rows;
  }

  /** Feeds the rows to `sink` (row-sink.ts order) from the packed values: no row object is built. */
  feed(sink: IndexRowSink): void {
    const reader = new Reader(this.packed, this.start);
    feedOne(reader, sink);
    this.checkEnd(reader);
  }

  private checkEnd(reader: Reader): void {
    if (reader.at !== this.end) throw new Error('packed rows: an item is not the length its header gives');
  }
}

/** Each item's place in the batch (undefined: an item without rows), item by item; nothing unpacked. */
export function splitPackedRows(packed: PackedRows): Array<PackedItemRows | undefined> {
  const reader = new Reader(packed);
  const items: Array<PackedItemRows | undefined> = [];
  while (!reader.done) {
    const header = reader.number();
    if (header === ABSENT) items.push(undefined);
    else {
      const end = reader.at + header;
      if (!Number.isInteger(header) || header < 0) throw new Error('packed rows: a bad item header');
      if (end > packed.values.length) throw new Error('packed rows end early');
      items.push(new PackedItemRows(packed, reader.at, end));
      reader.at = end;
    }
  }
  return items;
}

/** unpackOne's reading, handing the values to `sink` instead of building rows. */
function feedOne(r: Reader, sink: IndexRowSink): void {
  const groupOf = (value: number) => (value === ABSENT ? undefined : value);
  for (let n = r.number(); n > 0; n--) {
    const group = groupOf(r.number());
    sink.string(r.text(), group, r.text(), r.text());
  }
  sink.end('string');
  for (let n = r.number(); n > 0; n--) {
    const group = groupOf(r.number());
    sink.token(r.text(), group, r.nullable(), r.nullable(), r.nullable());
  }
  sink.end('token');
  for (let n = r.number(); n > 0; n--) {
    const group = groupOf(r.number());
    sink.reference(r.text(), group, r.nullable(), r.nullable(), r.text());
  }
  sink.end('reference');
  for (let n = r.number(); n > 0; n--) {
    const group = groupOf(r.number());
    sink.date(r.text(), group, r.number(), r.number());
  }
  sink.end('date');
  for (let n = r.number(); n > 0; n--) {
    const group = groupOf(r.number());
    sink.number(r.text(), group, r.number());
  }
  sink.end('number');
  for (let n = r.number(); n > 0; n--) {
    const group = groupOf(r.number());
    sink.quantity(r.text(), group, r.number(), r.nullable(), r.nullable(), r.nullable(), r.optionalNumber(), r.optional());
  }
  sink.end('quantity');
  for (let n = r.number(); n > 0; n--) {
    const group = groupOf(r.number());
    sink.uri(r.text(), group, r.text());
  }
  sink.end('uri');
  const narrative = r.number();
  if (narrative !== ABSENT) sink.text(r.stringAt(narrative), r.text());
  const positions = r.number();
  if (positions !== ABSENT) for (let n = positions; n > 0; n--) sink.position(r.text(), r.number(), r.number());
}
