/**
 * The keyset scan behind bulk export (src-main/fhir/scan.ts) must stay a range on the index
 * resource_current_recent, never a scan of resource_current: otherwise each page would cost
 * O(store) and an export of a million resources O(n²). Checked on the projector's real schema.
 */
import { describe, expect, it } from 'vitest';
import type { Resource } from '@medplum/fhirtypes';
import { fhirProjector } from '../../../src-main/fhir/fhir-projector';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { scanSql, type ScanKey } from '../../../src-main/fhir/scan';
import { loadSqlJs } from '../../../src-main/vault/sqljs';

describe('keyset scan plan', () => {
  it('reads a range of resource_current_recent for every page shape', async () => {
    const SQL = await loadSqlJs();
    const db = new SQL.Database();
    fhirProjector.createSchema(db);
    const shapes = [
      { resourceType: 'Patient', limit: 500 },
      { resourceType: 'Patient', limit: 500, sinceMs: 1000 },
      { resourceType: 'Patient', limit: 500, after: { lastUpdatedMs: 5, rid: 9 } },
      { resourceType: 'Patient', limit: 500, sinceMs: 1000, after: { lastUpdatedMs: 5000, rid: 9 } },
    ];
    for (const shape of shapes) {
      const { sql, params } = scanSql(shape, ['type', 'id', 'seg', 'off', 'len']);
      const plan = db.exec(`EXPLAIN QUERY PLAN ${sql}`, params)[0]?.values.map((row) => String(row[3])) ?? [];
      expect(plan.some((step) => /SEARCH c USING (COVERING )?INDEX resource_current_recent \(tid=\? AND deleted=\?/.test(step))).toBe(true);
      expect(plan.filter((step) => /^SCAN /.test(step))).toEqual([]);
    }
    db.close();
  });

  it('pages through batches that share an instant without skipping or repeating a resource', async () => {
    const repo = new MemoryRepository();
    // Each batch of 500 is stored at one lastUpdated: pages of 70 cut through those groups.
    const batch = (start: number): Resource[] =>
      Array.from({ length: 500 }, (_, i) => ({ resourceType: 'Basic', id: `b${start + i}`, code: { text: 'x' } }) as Resource);
    for (let start = 0; start < 3000; start += 500) await repo.writeBatch(batch(start).map((resource) => ({ kind: 'update' as const, resource })));
    const seen: string[] = [];
    let after: ScanKey | undefined;
    do {
      const page = await repo.scan('Basic', { limit: 70, ...(after ? { after } : {}) });
      seen.push(...page.resources.map((r) => r.id ?? ''));
      after = page.next;
    } while (after);
    expect(seen).toHaveLength(3000);
    expect(new Set(seen).size).toBe(3000);
  });
});
