/**
 * Paging checkpoints (search/sql-query.ts PageCheckpoints, docs/search.md "Plans"): a deep page in
 * the default order resumes from where an earlier page of the same query began or ended. Every
 * page the vault repository serves (with its checkpoints) must be the page computed from the first
 * match (queryCurrent with none), at the checkpoint's own offset, the next page's, further on,
 * past the end, among resources sharing one instant, and after writes that reorder the matches.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Bundle, Observation } from '@medplum/fhirtypes';
import type { Database } from 'sql.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirProjector } from '../../../src-main/fhir/fhir-projector';
import { CHECKPOINT_FROM, DRIVER_LIMIT, PageCheckpoints, queryCurrent } from '../../../src-main/fhir/search/sql-query';
import { createVaultRepository } from '../../../src-main/fhir/vault-repository';
import { createVault, type Vault } from '../../../src-main/vault';
import { currentQuery } from '../../tools/current-query';

// Three writes of 800 (one instant each): 2,160 laboratory results, more than DRIVER_LIMIT (no
// filter drives), so pages past CHECKPOINT_FROM are walked and past DRIVER_LIMIT collected; most
// pages lie within one instant.
const BATCHES = 3;
const PER_BATCH = 800;
const LABS = (BATCHES * PER_BATCH * 9) / 10;
const observation = (i: number): Observation => ({
  resourceType: 'Observation',
  id: `o${i}`,
  status: 'final',
  category: [{ coding: [{ code: i % 10 === 9 ? 'vital-signs' : 'laboratory' }] }],
  code: { text: `test ${i % 7}` },
});

describe('search: paging checkpoints', () => {
  let dir: string;
  let vault: Vault;
  let repo: ReturnType<typeof createVaultRepository>;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-checkpoints-'));
    vault = await createVault(path.join(dir, 'v'), 'test passphrase', { projector: fhirProjector, kdfIterations: 1000, allowWeakKdfForTests: true });
    repo = createVaultRepository(vault);
    for (let b = 0; b < BATCHES; b++) {
      const batch = Array.from({ length: PER_BATCH }, (_, k) => observation(b * PER_BATCH + k));
      await repo.writeBatch(batch.map((resource) => ({ kind: 'update' as const, resource })));
    }
  }, 60_000);

  afterAll(async () => {
    await vault.close();
    await rm(dir, { recursive: true, force: true });
  });

  const served = async (query: string) => {
    const bundle: Bundle = await repo.search('Observation', new URLSearchParams(query));
    return { ids: (bundle.entry ?? []).map((e) => e.resource?.id), next: bundle.link?.find((l) => l.relation === 'next')?.url };
  };
  /** The page from the first match, no checkpoint: what every served page must equal. */
  const fromScratch = (query: string) =>
    vault.read((db: Database) => {
      const current = currentQuery('Observation', query);
      const { rows } = queryCurrent(db, { ...current, limit: current.limit - 1 }, ['id']);
      return rows.map(([id]) => String(id));
    });

  /** Checkpoints that count how often one was found to resume from. */
  class Counted extends PageCheckpoints {
    resumed = 0;
    override nearest(key: string, position: number) {
      const found = super.nearest(key, position);
      if (found) this.resumed++;
      return found;
    }
  }

  it('serves every page as computed from the first match, before and after writes that reorder them', async () => {
    expect(CHECKPOINT_FROM).toBeLessThan(1100);
    expect(LABS).toBeGreaterThan(DRIVER_LIMIT);
    const offsets = [1100, 1120, 1100, 1140, 1133, 1500, 1150, 2050, 2070, 1105, LABS - 7, LABS + 20, 1100];
    const direct = new Counted();
    let generation = 0;
    const check = async (labs: number) => {
      for (const offset of offsets) {
        const query = `category=laboratory&_count=20&_offset=${offset}`;
        const page = await served(query);
        const expected = await fromScratch(query);
        expect(page.ids, query).toEqual(expected);
        expect(page.ids.length, query).toBe(Math.max(0, Math.min(20, labs - offset)));
        // The same through queryCurrent with checkpoints of its own (counted).
        const resumed = await vault.read((db: Database) => {
          const current = currentQuery('Observation', query);
          return queryCurrent(db, { ...current, limit: current.limit - 1 }, ['id'], direct.at(generation)).rows.map(([id]) => String(id));
        });
        expect(resumed, query).toEqual(expected);
        // The next link's page, served from this page's extra row.
        if (page.next) {
          const next = page.next.slice(page.next.indexOf('?') + 1);
          expect((await served(next)).ids, next).toEqual(await fromScratch(next));
        }
      }
    };
    await check(LABS);
    // Every offset after the first had a checkpoint at or before it but the end ones (a page past
    // the end records none), and 2050 (only its own, later).
    expect(direct.resumed).toBeGreaterThanOrEqual(offsets.length - 3);
    // Updates move resources to the newest instant (the front of the default order), across the
    // checkpoints just taken; a delete removes one match.
    await repo.writeBatch([1150, 1151, 1500, 3, 4].map((i) => ({ kind: 'update' as const, resource: { ...observation(i), status: 'amended' as const } })));
    await repo.writeBatch([{ kind: 'delete', resourceType: 'Observation', id: 'o1300' }]);
    generation++;
    await check(LABS - 1);
  }, 60_000);
});
