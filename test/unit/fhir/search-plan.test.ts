/**
 * Search plans (search/sql-query.ts choosePlan, docs/search.md "Plans"): on a store filled with the
 * bench corpus, EXPLAIN QUERY PLAN of every statement each bench query runs. A selective query must
 * never read the whole type: no scan, and no walk of the type's (tid, deleted, last_updated_ms)
 * index; a walk of that index is allowed only in its own order (no sort), so that the page stops it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from 'sql.js';
import { fhirProjector } from '../../../src-main/fhir/fhir-projector';
import { handleFhirRequest } from '../../../src-main/fhir/rest/handler';
import { explainSearch, type ExplainedStatement } from '../../../src-main/fhir/search/explain';
import { DRIVER_LIMIT } from '../../../src-main/fhir/search/sql-query';
import { createVaultRepository } from '../../../src-main/fhir/vault-repository';
import { createVault, type Vault } from '../../../src-main/vault';
import { corpusBundles } from '../../bench/fhir/corpus';
import { queryMix } from '../../bench/fhir/queries';
import { currentQuery } from '../../tools/current-query';

const SIZE = 4000;
const mix = queryMix(SIZE);

/** Bench queries (by label) whose matches are few: their plan must be driven by those matches. */
const SELECTIVE = new Set([
  'token: identifier',
  'string: family + given',
  'date range: 1 week',
  'date range: birthdate',
  'reference: subject',
  'chained: subject.identifier',
  'chained: 2 levels',
  '_has: procedure performer',
  '_include: requester, encounter',
  '_revinclude: observations, conditions',
  '_sort: -date,code',
]);


const readsWholeType = (s: ExplainedStatement) => s.plan.some((step) => step.includes('resource_current_recent'));
/** A scan of a table; scanning a subquery's rows (the trial's `w`, a _has filter's `src`) reads what that bounded. */
const scans = (s: ExplainedStatement) => s.plan.some((step) => /^SCAN /.test(step) && !/^SCAN (\(subquery-\d+\)|w|src)$/.test(step));
/** The trial walk (the type's index in order, bounded by its TRIAL_WALK-th resource) and the read of that bound. */
const isTrial = (s: ExplainedStatement) => s.sql.includes('/* trial walk */');
const sorts = (s: ExplainedStatement) => s.plan.some((step) => step.includes('TEMP B-TREE FOR ORDER BY'));

describe('search plans on the bench corpus', () => {
  let dir: string;
  let vault: Vault;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-plan-'));
    vault = await createVault(path.join(dir, 'v'), 'test passphrase', { projector: fhirProjector, kdfIterations: 1000, allowWeakKdfForTests: true });
    const repo = createVaultRepository(vault);
    for (const bundle of corpusBundles(SIZE, 500)) {
      const response = await handleFhirRequest(
        repo,
        { method: 'POST', path: '/', headers: { 'content-type': 'application/fhir+json', prefer: 'return=minimal' }, body: JSON.stringify(bundle) },
        { baseUrl: 'http://x/fhir' },
      );
      expect(response.status).toBe(200);
    }
  }, 120_000);

  afterAll(async () => {
    await vault.close();
    await rm(dir, { recursive: true, force: true });
  });

  const explain = (resourceType: string, query: string) => vault.read((db: Database) => explainSearch(db, currentQuery(resourceType, query)));

  it('_has over many sources: no count of its targets up to DRIVER_LIMIT (the small probe, then the trial walk)', async () => {
    const { resourceType, query } = mix.find((q) => q.label === '_has: condition code')!;
    const statements = await explain(resourceType, query);
    const fullProbes = statements.filter((s) => s.sql.startsWith('SELECT count(*) FROM (SELECT DISTINCT rid') && s.params.at(-1) === DRIVER_LIMIT);
    expect(fullProbes.map((s) => s.sql)).toEqual([]);
  });

  for (const { label, resourceType, query } of mix.filter((q) => !q.label.startsWith('deep page'))) {
    it(`${label}: no scan of the type${SELECTIVE.has(label) ? ', driven by its few matches' : ', a walk only in index order'}`, async () => {
      const statements = await explain(resourceType, query);
      expect(statements.length).toBeGreaterThan(0);
      for (const statement of statements) {
        const shown = `${statement.sql}\n${statement.plan.join('\n')}`;
        expect(scans(statement), shown).toBe(false);
        if (isTrial(statement)) {
          // The trial is the walk, bounded: in index order, stopped by the full page.
          expect(sorts(statement), shown).toBe(false);
          continue;
        }
        if (SELECTIVE.has(label)) expect(readsWholeType(statement), shown).toBe(false);
        else if (readsWholeType(statement)) expect(sorts(statement), shown).toBe(false);
      }
    });
  }
});
