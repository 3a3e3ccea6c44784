/**
 * The FHIR projector's apply (fhir-projector.ts) writes keys, versions and current rows in
 * multi-row statements after reading what it needs: a resource first named as a reference target
 * keeps that rid when it is written, and a resource written several times in one commit ends with
 * its last version's rows and counts. Several parameters indexing one value in one resource share
 * one row (a parameter set), which every one of them still finds.
 */
import { describe, expect, it } from 'vitest';
import type { Observation, Resource } from '@medplum/fhirtypes';
import type { Database } from 'sql.js';
import { entryForVersion, fhirProjector } from '../../../src-main/fhir/fhir-projector';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { loadSqlJs } from '../../../src-main/vault/sqljs';
import { cachedStatementCount } from '../../../src-main/vault/statement-cache';
import type { JsonObject } from '../../../src-main/vault/types';

const encoder = new TextEncoder();
const lastUpdated = '2026-11-27T10:00:00.000Z';

interface Write {
  resource: Resource;
  version: number;
  deleted?: boolean;
}

let seq = 0;
function apply(db: Database, writes: Write[]): void {
  const blobs: Array<{ pointer: { segment: number; offset: number; length: number }; bytes: Uint8Array }> = [];
  const entries: JsonObject[] = writes.map(({ resource, version, deleted = false }) => {
    let blob: number | undefined;
    if (!deleted) {
      const bytes = encoder.encode(JSON.stringify({ ...resource, meta: { versionId: String(version), lastUpdated } }));
      blobs.push({ pointer: { segment: 1, offset: blobs.length * 1000, length: bytes.length }, bytes });
      blob = blobs.length - 1;
    }
    const record = { resourceType: resource.resourceType, id: resource.id ?? '', version, lastUpdated, deleted, method: deleted ? ('DELETE' as const) : ('PUT' as const), hash: null };
    return entryForVersion(record, blob);
  });
  db.run('BEGIN');
  fhirProjector.apply(db, { seq: ++seq, committedAt: lastUpdated, entries, blobs });
  db.run('COMMIT');
}

const rows = (db: Database, sql: string): unknown[][] => db.exec(sql)[0]?.values ?? [];
const patient = (id: string, family: string): Resource => ({ resourceType: 'Patient', id, name: [{ family }] });

describe('FHIR projector apply', () => {
  it('keeps a reference target’s rid, and the last of several versions written in one commit', async () => {
    const SQL = await loadSqlJs();
    const db = new SQL.Database();
    try {
      fhirProjector.createSchema(db);
      apply(db, [
        { resource: { resourceType: 'Observation', id: 'o1', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/p1' } }, version: 1 },
        { resource: patient('p0', 'Zero'), version: 1 },
      ]);
      const [[targetRid]] = rows(db, "SELECT target FROM sp_reference_v WHERE target_id = 'p1'") as [[number]];
      apply(db, [
        { resource: patient('p2', 'Before'), version: 1 },
        { resource: patient('p1', 'One'), version: 1 },
        { resource: patient('p2', 'After'), version: 2 },
        { resource: patient('p3', 'Gone'), version: 1 },
        { resource: patient('p3', 'Gone'), version: 2, deleted: true },
        { resource: patient('p0', 'Zero'), version: 2, deleted: true },
        { resource: patient('p0', 'Again'), version: 3 },
      ]);
      expect(rows(db, "SELECT rid FROM resource_key WHERE id = 'p1'")).toEqual([[targetRid]]);
      expect(rows(db, 'SELECT id, version, deleted FROM resource_current_v ORDER BY id')).toEqual([
        ['o1', 1, 0],
        ['p0', 3, 0],
        ['p1', 1, 0],
        ['p2', 2, 0],
        ['p3', 2, 1],
      ]);
      expect(rows(db, "SELECT id, count(*) FROM resource_version_v WHERE type = 'Patient' GROUP BY id ORDER BY id")).toEqual([
        ['p0', 3],
        ['p1', 1],
        ['p2', 2],
        ['p3', 2],
      ]);
      expect(rows(db, "SELECT count FROM resource_type_count WHERE type = 'Patient'")).toEqual([[3]]);
      // Search rows of the current versions only.
      const families = rows(db, "SELECT k.id, s.norm FROM sp_string_v s JOIN param_set_member m ON m.psid = s.psid JOIN search_param p ON p.pid = m.pid JOIN resource_key k ON k.rid = s.row >> 20 WHERE p.code = 'family' ORDER BY k.id");
      expect(families).toEqual([
        ['p0', 'again'],
        ['p1', 'one'],
        ['p2', 'after'],
      ]);
      // One key per resource, none left over from the first versions.
      expect(rows(db, 'SELECT count(*), count(DISTINCT id) FROM resource_key')).toEqual([[5, 5]]);
    } finally {
      db.close();
    }
  });

  it('writes more rows than one statement holds, in order, and keeps the same id under two types apart', async () => {
    const SQL = await loadSqlJs();
    const db = new SQL.Database();
    try {
      fhirProjector.createSchema(db);
      // 150 versions: three multi-row statements (64 rows each at most) for the version rows.
      const writes: Write[] = [];
      for (let i = 0; i < 150; i++) writes.push({ resource: patient(`p${i}`, `Family${i}`), version: 1 });
      // The same id as a Patient and as an Observation (one key each), the Observation naming the Patient.
      writes.push({ resource: { resourceType: 'Observation', id: 'p7', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/p7' } }, version: 1 });
      apply(db, writes);
      const versions = rows(db, "SELECT id FROM resource_version_v WHERE type = 'Patient' ORDER BY rid") as string[][];
      expect(versions.map(([id]) => id)).toEqual(writes.slice(0, 150).map((w) => w.resource.id));
      const families = rows(db, "SELECT k.id, s.norm FROM sp_string_v s JOIN param_set_member m ON m.psid = s.psid JOIN search_param p ON p.pid = m.pid JOIN resource_key k ON k.rid = s.row >> 20 WHERE p.code = 'family' ORDER BY s.row");
      expect(families).toEqual(writes.slice(0, 150).map((w) => [w.resource.id, `family${w.resource.id!.slice(1)}`]));
      expect(rows(db, "SELECT t.name FROM resource_key k JOIN resource_type t ON t.tid = k.tid WHERE k.id = 'p7' ORDER BY t.name")).toEqual([['Observation'], ['Patient']]);
      expect(rows(db, "SELECT target_type, target_id FROM sp_reference_v r JOIN param_set_member m ON m.psid = r.psid JOIN search_param p ON p.pid = m.pid WHERE p.code = 'subject'")).toEqual([['Patient', 'p7']]);
      expect(rows(db, 'SELECT count(*) FROM resource_key')).toEqual([[151]]);
    } finally {
      db.close();
    }
  });
});

describe('a value stored once per resource (parameter sets)', () => {
  // A blood pressure: the systolic code and value on the Observation and again on its first
  // component. Extraction gives code 8480-6 under code, combo-code, component-code and the `$0`
  // component of three composites (code-value-quantity group 0, combo-code-value-quantity groups 0
  // and 1, component-code-value-quantity group 0).
  const bloodPressure: Observation = {
    resourceType: 'Observation',
    id: 'bp',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] },
    valueQuantity: { value: 120, unit: 'mm[Hg]', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
    component: [
      { code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: { value: 120, unit: 'mm[Hg]', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } },
      { code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] }, valueQuantity: { value: 80, unit: 'mm[Hg]', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } },
    ],
  };

  it('writes one row per value and composite group, with the set of the parameters that share it', async () => {
    const SQL = await loadSqlJs();
    const db = new SQL.Database();
    try {
      fhirProjector.createSchema(db);
      apply(db, [{ resource: bloodPressure, version: 1 }]);
      const tokenRows = (code: string) =>
        rows(
          db,
          `SELECT t.grp, group_concat(p.code, ' ') FROM (SELECT * FROM sp_token_v WHERE code = '${code}') t
             JOIN param_set_member m ON m.psid = t.psid JOIN search_param p ON p.pid = m.pid
           GROUP BY t.row ORDER BY t.grp, 2`,
        ).map(([grp, codes]) => [grp, String(codes).split(' ').sort().join(' ')]);
      // Rows with two different groups never merge; plain parameters join a row with a group.
      expect(tokenRows('8480-6')).toEqual([
        [0, 'code code-value-quantity$0 combo-code combo-code-value-quantity$0 component-code component-code-value-quantity$0'],
        [1, 'combo-code-value-quantity$0'],
      ]);
      expect(tokenRows('8462-4')).toEqual([
        [1, 'component-code-value-quantity$0'],
        [2, 'combo-code combo-code-value-quantity$0 component-code'],
      ]);
      // Each value once per group: no two rows of the resource with the same value and group.
      const duplicates = rows(db, 'SELECT count(*) FROM (SELECT 1 FROM sp_quantity GROUP BY value, sid, code, unit, canon_value, canon_code, grp HAVING count(*) > 1)');
      expect(duplicates).toEqual([[0]]);
    } finally {
      db.close();
    }
  });

  it('answers every parameter sharing a row, and composites on their own group only', async () => {
    const repo = new MemoryRepository();
    const { component: _, ...withoutComponents } = bloodPressure;
    const outcomes = await repo.writeBatch([{ kind: 'update', resource: bloodPressure }, { kind: 'update', resource: { ...withoutComponents, id: 'other' } }]);
    expect(outcomes.map((o) => o.status)).toEqual(['created', 'created']);
    const found = async (query: string) =>
      ((await repo.search('Observation', new URLSearchParams(query))).entry ?? []).map((e) => e.resource?.id).sort();
    expect(await found('code=http://loinc.org|8480-6')).toEqual(['bp', 'other']);
    expect(await found('combo-code=8462-4')).toEqual(['bp']);
    expect(await found('component-code=8480-6')).toEqual(['bp']);
    expect(await found('code=8462-4')).toEqual([]);
    expect(await found('value-quantity=120')).toEqual(['bp', 'other']);
    expect(await found('component-value-quantity=80')).toEqual(['bp']);
    expect(await found('code-value-quantity=8480-6$120')).toEqual(['bp', 'other']);
    expect(await found('component-code-value-quantity=8462-4$80')).toEqual(['bp']);
    // 8462-4 and 120 are on different components (groups): no match.
    expect(await found('component-code-value-quantity=8462-4$120')).toEqual([]);
    expect(await found('combo-code-value-quantity=8480-6$120')).toEqual(['bp', 'other']);
    expect(await found('combo-code-value-quantity=8462-4$120')).toEqual([]);
    expect(await found('_sort=-component-value-quantity&component-code=8462-4')).toEqual(['bp']);
  });
  it('prepares its statements once per database: a second apply of the same shape prepares none', async () => {
    const SQL = await loadSqlJs();
    const db = new SQL.Database();
    try {
      fhirProjector.createSchema(db);
      apply(db, [{ resource: patient('s1', 'First'), version: 1 }, { resource: patient('s2', 'Second'), version: 1 }]);
      const prepared = cachedStatementCount(db);
      expect(prepared).toBeGreaterThan(10);
      apply(db, [{ resource: patient('s3', 'Third'), version: 1 }, { resource: patient('s4', 'Fourth'), version: 1 }]);
      expect(cachedStatementCount(db)).toBe(prepared);
      expect(rows(db, "SELECT count(*) FROM sp_string_v WHERE value IN ('First', 'Second', 'Third', 'Fourth')")).toEqual([[4]]);
    } finally {
      db.close();
    }
  });
});
