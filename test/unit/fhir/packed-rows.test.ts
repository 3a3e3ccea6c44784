/**
 * The index rows' trip from the write-prep worker to the store's thread (search/packed-rows.ts):
 * unpacked rows equal the rows packed, every kind and every optional field as it was, and
 * IndexWriter writes the same index from packed rows (read in place) as from the row objects.
 */
import { describe, expect, it } from 'vitest';
import type { Resource } from '@medplum/fhirtypes';
import { extractIndexRows, type IndexRows } from '../../../src-main/fhir/search/extract';
import { indexSchema, IndexWriter, INDEX_TABLES, KeyRegistry, TEXT_TABLE } from '../../../src-main/fhir/search/index-tables';
import { packRows, PackedItemRows, RowPacker, splitPackedRows, unpackRows, type PackedRows } from '../../../src-main/fhir/search/packed-rows';
import { loadSqlJs } from '../../../src-main/vault/sqljs';
import { corpusResources } from '../../bench/fhir/corpus';

const UCUM = 'http://unitsofmeasure.org';

/** Resources that between them give every row kind, composite groups, full text and positions. */
const varied: Resource[] = [
  {
    resourceType: 'Observation',
    id: 'bp',
    status: 'final',
    text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Blood <b>pressure</b> &amp; pulse</div>' },
    code: { coding: [{ system: 'http://loinc.org', code: '85354-9', display: 'Blood pressure panel' }], text: 'BP' },
    subject: { reference: 'Patient/p1', identifier: { system: 'urn:mrn', value: 'M1' } },
    identifier: [{ system: 'urn:lab', value: 'L-7', type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'FILL' }] } }],
    effectivePeriod: { start: '2024-03-01T10:00:00Z' },
    component: [
      { code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: { value: 120, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' } },
      { code: { coding: [{ system: 'http://loinc.org', code: '8310-5' }] }, valueQuantity: { value: 37.2, system: UCUM, code: 'Cel' } },
      { code: { coding: [{ system: 'http://loinc.org', code: 'x' }] }, valueQuantity: { value: -0, system: 'urn:other', code: 'widgets' } },
      { code: { text: 'no coding' } },
    ],
  },
  {
    resourceType: 'Location',
    id: 'loc',
    name: 'Clinic Ünïcode',
    position: { latitude: 52.37, longitude: -4.89 },
    address: { line: ['1 Main St'], city: 'Town' },
  },
  { resourceType: 'RiskAssessment', id: 'ra', status: 'final', subject: { reference: 'Patient/p1' }, prediction: [{ probabilityDecimal: 0.25 }] },
  { resourceType: 'ValueSet', id: 'vs', status: 'active', url: 'http://example.org/vs|2', version: '2' },
  { resourceType: 'Basic', id: 'bare', code: { coding: [{ code: 'c' }] } },
];

function roundTrip(items: ReadonlyArray<IndexRows | undefined>): Array<IndexRows | undefined> {
  const packed = packRows(items);
  // What postMessage does to the message (the buffer is transferred, the strings cloned).
  return unpackRows(structuredClone(packed));
}

describe('packed index rows', () => {
  it('unpack to the rows packed, for every row kind and optional field', () => {
    const rows = varied.map((resource) => extractIndexRows(resource));
    const kinds = new Set(rows.flatMap((r) => Object.entries(r).filter(([, v]) => (Array.isArray(v) ? v.length > 0 : v !== undefined)).map(([k]) => k)));
    expect([...kinds].sort()).toEqual(['date', 'number', 'position', 'quantity', 'reference', 'string', 'text', 'token', 'uri']);
    expect(rows.some((r) => r.token.some((t) => t.group !== undefined))).toBe(true);
    expect(rows.some((r) => r.quantity.some((q) => q.canonValue === null)) && rows.some((r) => r.quantity.some((q) => typeof q.canonValue === 'number'))).toBe(true);
    expect(roundTrip(rows)).toStrictEqual(rows);
  });

  it('keep items without rows, absent optional fields and negative zero as they were', () => {
    const bare: IndexRows = { string: [], token: [], reference: [], date: [], number: [], quantity: [], uri: [] };
    const odd: IndexRows = {
      ...bare,
      quantity: [{ param: 'q', value: -0, system: null, code: null, unit: null }],
      number: [{ param: 'n', value: 1e-300, group: 0 }],
      text: { narrative: '', content: 'only content' },
      position: [],
    };
    const items = [undefined, bare, odd, undefined];
    const back = roundTrip(items);
    expect(back).toStrictEqual(items);
    expect(Object.is(back[2]!.quantity[0]!.value, -0)).toBe(true);
    expect('canonValue' in back[2]!.quantity[0]!).toBe(false);
  });

  it('unpack a corpus batch to its rows, sharing each repeated string once', () => {
    const rows = [...corpusResources(500)].map((resource) => extractIndexRows(resource));
    const packed = packRows(rows);
    expect(unpackRows(structuredClone(packed))).toStrictEqual(rows);
    const stringFields = rows.reduce((n, r) => n + r.string.length * 3 + r.token.length * 4 + r.reference.length * 4, 0);
    expect(packed.strings.length).toBeLessThan(stringFields / 4);
  });

  it('pack alike item by item, with two packers at once and a batch past the reused buffer', () => {
    // The worker packs each write's rows as it goes; a second packer must not write into the first's buffer.
    // 300 resources' rows ten times over (extraction is the slow part): past the 64 Ki values of the reused buffer.
    const distinct = [...corpusResources(300)].map((resource) => extractIndexRows(resource));
    const rows = Array.from({ length: 10 }, () => distinct).flat();
    const first = new RowPacker();
    const second = new RowPacker();
    rows.forEach((r, i) => {
      first.add(r);
      if (i % 2 === 0) second.add(r);
    });
    const firstPacked = first.result();
    const secondPacked = second.result();
    expect(firstPacked.values.length).toBeGreaterThan(1 << 16);
    // Compared as bytes: a deep comparison of 100k numbers is slow.
    const same = (a: PackedRows, b: PackedRows) => a.strings.join('\u0000') === b.strings.join('\u0000') && Buffer.from(a.values.buffer).equals(Buffer.from(b.values.buffer));
    expect(same(firstPacked, packRows(rows))).toBe(true);
    expect(same(secondPacked, packRows(rows.filter((_, i) => i % 2 === 0)))).toBe(true);
    expect(unpackRows(packRows(distinct))).toStrictEqual(distinct);
  });

  it('refuse packed values that end early, or an item that is not the length its header gives', () => {
    const packed = packRows([extractIndexRows(varied[0]!)]);
    expect(() => unpackRows({ strings: packed.strings, values: packed.values.slice(0, packed.values.length - 1) })).toThrow('packed rows end early');
    // The item's header says one value fewer than its rows take: the rows overrun the item.
    const short = packed.values.slice();
    short[0] = short[0]! - 1;
    expect(() => splitPackedRows({ strings: packed.strings, values: short })[0]!.feed(new DiscardingSink())).toThrow('not the length its header gives');
  });

  it('split into items that IndexWriter writes exactly as it writes the row objects (the same database bytes)', async () => {
    const SQL = await loadSqlJs();
    const resources = [...varied, ...corpusResources(400)];
    const rows = resources.map((resource) => extractIndexRows(resource));
    // Items without rows between the others: their place in the batch must not shift the rest.
    const items = rows.flatMap((r, i) => (i % 7 === 3 ? [undefined, r] : [r]));
    const split = splitPackedRows(structuredClone(packRows(items)));
    expect(split.length).toBe(items.length);
    expect(split.every((item, i) => (item === undefined) === (items[i] === undefined))).toBe(true);
    const build = (rowsOf: (i: number) => IndexRows | PackedItemRows): Uint8Array => {
      const db = new SQL.Database();
      try {
        for (const statement of indexSchema()) db.run(statement);
        const apply = (write: (writer: IndexWriter) => void) => {
          db.run('BEGIN');
          const writer = new IndexWriter(db, new KeyRegistry(db));
          try {
            write(writer);
            writer.flush();
          } finally {
            writer.free();
          }
          db.run('COMMIT');
        };
        // Every item as resource rid i + 1, then a second apply replacing every third resource's
        // rows with another item's (an update: remove, then the new version's rows).
        apply((w) => items.forEach((item, i) => item && w.insert(i + 1, 1 + (i % 3), 1, rowsOf(i))));
        apply((w) =>
          items.forEach((item, i) => {
            const other = (i * 5 + 2) % items.length;
            if (i % 3 !== 0 || !item || !items[other]) return;
            w.remove(i + 1);
            w.insert(i + 1, 1 + (i % 3), 2, rowsOf(other));
          }),
        );
        const count = (table: string) => Number(db.exec(`SELECT count(*) FROM ${table}`)[0]!.values[0]![0]);
        // Not trivially equal: every table has rows.
        for (const { table } of Object.values(INDEX_TABLES)) expect(count(table), table).toBeGreaterThan(0);
        expect(count(`${TEXT_TABLE}_segments`) + count('sp_position')).toBeGreaterThan(0);
        return db.export();
      } finally {
        db.close();
      }
    };
    const fromObjects = build((i) => items[i]!);
    const fromPacked = build((i) => split[i]!);
    expect(Buffer.from(fromPacked).equals(Buffer.from(fromObjects))).toBe(true);
  });
});

/** A sink that takes every value (the length check is what is tested). */
class DiscardingSink {
  string(): void {}
  token(): void {}
  reference(): void {}
  date(): void {}
  number(): void {}
  quantity(): void {}
  uri(): void {}
  end(): void {}
  text(): void {}
  position(): void {}
}
