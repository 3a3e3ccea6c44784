/**
 * The compact index (search/index-tables.ts, docs/vault-format.md "Index tables"): a resource's
 * search rows are its rowid range and follow its current version exactly; a vault whose snapshot
 * has an older index schema is rebuilt from its log.
 */
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Bundle, Observation, Patient, Resource } from '@medplum/fhirtypes';
import type { Database } from 'sql.js';
import { FHIR_INDEX_SCHEMA_VERSION, fhirProjector } from '../../../src-main/fhir/fhir-projector';
import { extractIndexRows } from '../../../src-main/fhir/search/extract';
import { INDEX_KINDS, INDEX_TABLES, ROWS_PER_RESOURCE, RowMerger, TEXT_TABLE, textDocId } from '../../../src-main/fhir/search/index-tables';
import { selectRows } from '../../../src-main/fhir/search/sql-query';
import { createVaultRepository } from '../../../src-main/fhir/vault-repository';
import { createVault, openVault } from '../../../src-main/vault';
import { readMeta } from '../../../src-main/vault/index-db';
import { listSnapshots } from '../../../src-main/vault/snapshot';

const weakKdf = { kdfIterations: 1000, allowWeakKdfForTests: true } as const;

function ridOf(db: Database, type: string, id: string): number {
  const row = selectRows(db, 'SELECT rid FROM resource_key k JOIN resource_type t ON t.tid = k.tid WHERE t.name = ? AND k.id = ?', [type, id])[0];
  if (!row) throw new Error(`no key for ${type}/${id}`);
  return Number(row[0]);
}

/** Rows per index table in the resource's rowid range. */
function rowsOf(db: Database, rid: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of INDEX_KINDS) {
    const first = rid * ROWS_PER_RESOURCE;
    counts[kind] = Number(selectRows(db, `SELECT count(*) FROM ${INDEX_TABLES[kind].table} WHERE rowid BETWEEN ? AND ?`, [first, first + ROWS_PER_RESOURCE - 1])[0]![0]);
  }
  return counts;
}

/**
 * Rows per table the resource should have: its extracted rows with equal values merged (one row
 * per value and composite group, whatever the parameters sharing it).
 */
function expectedRows(resource: Resource): Record<string, number> {
  const rows = extractIndexRows(resource);
  return Object.fromEntries(
    INDEX_KINDS.map((kind) => {
      const merger = new RowMerger();
      const params = new Map<string, number>();
      for (const row of rows[kind] as ReadonlyArray<{ param: string; group?: number }>) {
        const { param, group, ...value } = row;
        const pid = params.get(param) ?? params.size;
        params.set(param, pid);
        merger.add(pid, group ?? null, [JSON.stringify(value)]);
      }
      return [kind, merger.rows.length];
    }),
  );
}

function totalRows(db: Database): number {
  return INDEX_KINDS.reduce((sum, kind) => sum + Number(selectRows(db, `SELECT count(*) FROM ${INDEX_TABLES[kind].table}`, [])[0]![0]), 0);
}

function ids(bundle: Bundle): string[] {
  return (bundle.entry ?? []).filter((e) => e.search?.mode !== 'include').map((e) => e.resource?.id ?? '').sort();
}

describe('compact index rows', () => {
  it('replaces a resource’s rows on update and removes them on delete, leaving no rows behind', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-index-'));
    const vault = await createVault(path.join(dir, 'vault'), 'test passphrase', { projector: fhirProjector, ...weakKdf });
    try {
      const repo = createVaultRepository(vault);
      const first = await repo.update({
        resourceType: 'Patient',
        id: 'p1',
        name: [{ family: 'Émile', given: ['Ann', 'Marie'] }],
        identifier: [{ system: 'urn:mrn', value: '1' }, { system: 'urn:mrn', value: '2' }],
        text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Ann Émile</div>' },
      } as Patient);
      const other = await repo.update({ resourceType: 'Patient', id: 'p2', name: [{ family: 'Other' }] } as Patient);
      const observation = await repo.update({
        resourceType: 'Observation',
        id: 'o1',
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
        subject: { reference: 'Patient/p1' },
        valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
      } as Observation);

      const before = await vault.read((db) => ({ p1: rowsOf(db, ridOf(db, 'Patient', 'p1')), total: totalRows(db) }));
      expect(before.p1).toEqual(expectedRows(first));
      expect(before.p1.string).toBeGreaterThan(0);

      const second = await repo.update({ resourceType: 'Patient', id: 'p1', name: [{ family: 'Zed' }], gender: 'female' } as Patient);
      const after = await vault.read((db) => ({ p1: rowsOf(db, ridOf(db, 'Patient', 'p1')), total: totalRows(db) }));
      expect(after.p1).toEqual(expectedRows(second));
      const sumOf = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
      expect(after.total).toBe(before.total - sumOf(before.p1) + sumOf(after.p1));
      // Searches see only the new version's values.
      expect(ids(await repo.search('Patient', [['family', 'emile']]))).toEqual([]);
      expect(ids(await repo.search('Patient', [['family', 'zed']]))).toEqual(['p1']);
      expect(ids(await repo.search('Patient', [['identifier', 'urn:mrn|1']]))).toEqual([]);

      await repo.delete('Patient', 'p1');
      const deleted = await vault.read((db) => ({ p1: rowsOf(db, ridOf(db, 'Patient', 'p1')), total: totalRows(db) }));
      expect(Object.values(deleted.p1).every((n) => n === 0)).toBe(true);
      // Only the other two resources' rows are left.
      expect(deleted.total).toBe(sumOf(expectedRows(other)) + sumOf(expectedRows(observation)));
      // The reference to the deleted patient keeps its target key: searching by it still finds o1.
      expect(ids(await repo.search('Observation', [['subject', 'Patient/p1']]))).toEqual(['o1']);
      expect(ids(await repo.search('Patient', [['family', 'zed']]))).toEqual([]);

      // Full text (when extraction gives a narrative): the document is keyed by rid and version;
      // contentless FTS4 keeps stale documents, which queries drop by that key.
      const text = extractIndexRows(first).text;
      if (text && text.narrative !== '') {
        const current = await vault.read((db) => {
          const rid = ridOf(db, 'Patient', 'p1');
          const docs = selectRows(db, `SELECT docid FROM ${TEXT_TABLE} WHERE ${TEXT_TABLE} MATCH ?`, ['ann']).map(([d]) => Number(d));
          return { docs, firstDoc: textDocId(rid, 1) };
        });
        expect(current.docs).toContain(current.firstDoc);
      }
      expect((await vault.verify()).ok).toBe(true);
    } finally {
      await vault.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

describe('index schema upgrade', () => {
  it('reopens a vault written with index schema 4 by rebuilding the index from the log', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-schema4-'));
    const folder = path.join(dir, 'vault');
    await cp(path.resolve(import.meta.dirname, 'fixtures/schema4-vault'), folder, { recursive: true });
    try {
      expect(await listSnapshots(folder)).toEqual([7]);

      const vault = await openVault(folder, 'schema 4 fixture', { projector: fhirProjector });
      try {
        const repo = createVaultRepository(vault);
        expect(((await repo.read('Patient', 'p1')) as Patient).name?.[0]?.family).toBe('Abel');
        await expect(repo.read('Patient', 'p2')).rejects.toThrow('Patient/p2 was deleted');
        expect((await repo.history('Patient', 'p1')).total).toBe(2);
        expect(await repo.counts()).toEqual([
          { resourceType: 'Observation', count: 3 },
          { resourceType: 'Patient', count: 1 },
        ]);
        expect(ids(await repo.search('Observation', [['subject', 'Patient/p1']]))).toEqual(['o1', 'o3']);
        expect(ids(await repo.search('Observation', [['code', 'http://loinc.org|8867-4']]))).toEqual(['o1', 'o2']);
        expect(ids(await repo.search('Patient', [['name', 'anna']]))).toEqual(['p1']);
        expect(await vault.read((db) => readMeta(db)?.schemaVersion)).toBe(FHIR_INDEX_SCHEMA_VERSION);
        expect((await vault.verify()).ok).toBe(true);
      } finally {
        await vault.close();
      }
      // Closing wrote a snapshot of the new schema; the next open starts from it.
      const again = await openVault(folder, 'schema 4 fixture', { projector: fhirProjector });
      try {
        expect(ids(await createVaultRepository(again).search('Observation', [['subject', 'Patient/p1']]))).toEqual(['o1', 'o3']);
        expect((await again.verify()).ok).toBe(true);
      } finally {
        await again.close();
      }
      // The stale schema-4 snapshot was replaced by one of the current schema (same seq).
      expect((await readdir(path.join(folder, 'index'))).filter((n) => n.endsWith('.hsnap'))).toEqual(['snapshot-000007.hsnap']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
