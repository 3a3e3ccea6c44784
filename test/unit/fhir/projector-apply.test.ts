/**
 * The FHIR projector's apply (fhir-projector.ts) writes keys, versions and current rows in
 * multi-row statements after reading what it needs: a resource first named as a reference target
 * keeps that rid when it is written, and a resource written several times in one commit ends with
 * its last version's rows and counts.
 */
import { describe, expect, it } from 'vitest';
import type { Resource } from '@medplum/fhirtypes';
import type { Database } from 'sql.js';
import { entryForVersion, fhirProjector } from '../../../src-main/fhir/fhir-projector';
import { loadSqlJs } from '../../../src-main/vault/sqljs';
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
});
