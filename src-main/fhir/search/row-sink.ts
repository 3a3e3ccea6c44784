/**
 * A resource's index rows read one row at a time, as values rather than row objects: what
 * IndexWriter (index-tables.ts) writes from. Rows extracted on the store's thread are fed from
 * their objects (feedIndexRows); rows that came packed from the write-prep worker are fed straight
 * from the packed batch (packed-rows.ts PackedItemRows.feed), so the store's thread builds no row
 * object for them (it read each once, then dropped it: garbage for its collector).
 *
 * Order: the rows of each table in IndexRows' order (string, token, reference, date, number,
 * quantity, uri), `end` after each table's rows (also when it has none), then the full text (when
 * the rows have it) and the positions.
 */
import type { IndexRows } from './extract';

/** The tables of IndexRows, in the order a sink is fed (index-tables.ts INDEX_KINDS). */
export type RowTable = 'string' | 'token' | 'reference' | 'date' | 'number' | 'quantity' | 'uri';

/** `group`: the composite group (extract.ts), undefined where the row has none. */
export interface IndexRowSink {
  string(param: string, group: number | undefined, norm: string, value: string): void;
  token(param: string, group: number | undefined, system: string | null, code: string | null, display: string | null): void;
  reference(param: string, group: number | undefined, targetType: string | null, targetId: string | null, url: string): void;
  date(param: string, group: number | undefined, low: number, high: number): void;
  number(param: string, group: number | undefined, value: number): void;
  quantity(
    param: string,
    group: number | undefined,
    value: number,
    system: string | null,
    code: string | null,
    unit: string | null,
    canonValue: number | null | undefined,
    canonCode: string | null | undefined,
  ): void;
  uri(param: string, group: number | undefined, value: string): void;
  /** Every row of `table` has been fed. */
  end(table: RowTable): void;
  text(narrative: string, content: string): void;
  position(param: string, latitude: number, longitude: number): void;
}

/** Feeds row objects to `sink`, in the sink's order. */
export function feedIndexRows(rows: IndexRows, sink: IndexRowSink): void {
  for (const r of rows.string) sink.string(r.param, r.group, r.norm, r.value);
  sink.end('string');
  for (const r of rows.token) sink.token(r.param, r.group, r.system, r.code, r.display);
  sink.end('token');
  for (const r of rows.reference) sink.reference(r.param, r.group, r.targetType, r.targetId, r.url);
  sink.end('reference');
  for (const r of rows.date) sink.date(r.param, r.group, r.low, r.high);
  sink.end('date');
  for (const r of rows.number) sink.number(r.param, r.group, r.value);
  sink.end('number');
  for (const r of rows.quantity) sink.quantity(r.param, r.group, r.value, r.system, r.code, r.unit, r.canonValue, r.canonCode);
  sink.end('quantity');
  for (const r of rows.uri) sink.uri(r.param, r.group, r.value);
  sink.end('uri');
  if (rows.text) sink.text(rows.text.narrative, rows.text.content);
  if (rows.position) for (const r of rows.position) sink.position(r.param, r.latitude, r.longitude);
}
