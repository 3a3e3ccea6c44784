/**
 * Issue 3 §3, differential testing (docs/search-differential.md): one Synthea corpus (≥5,000
 * resources, ≥10 types) in Hearth's memory repository and in @medplum/fhir-router's
 * MemoryRepository, ≥500 seeded queries drawn from the corpus over every parameter type, modifier
 * and prefix; the result sets must match, or differ only by a documented divergence (checked id by
 * id), with Hearth agreeing with a FHIRPath oracle of the spec on every query. Replay a run with
 * HEARTH_DIFF_SEED=<seed>. Skipped when ../shared/data is absent.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Observation } from '@medplum/fhirtypes';
import { corpusPresent, loadCorpus, MIN_RESOURCES, syntheaDir } from './corpus';
import { DIVERGENCES } from './divergences';
import { type DifferentialRun, QUERY_COUNT, runDifferential, seedFromEnv } from './harness';
import { countRun, countsMarkdown } from './report';

const LOAD_TIMEOUT_MS = 600_000;

describe.skipIf(!corpusPresent)(`differential search against Medplum's MemoryRepository (${syntheaDir})`, () => {
  let run: DifferentialRun;

  beforeAll(async () => {
    const seed = seedFromEnv();
    console.log(`differential seed ${seed} (replay: HEARTH_DIFF_SEED=${seed})`);
    run = await runDifferential(seed, await loadCorpus());
    console.log(countsMarkdown(run));
    console.log(`timings (ms): import ${Math.round(run.corpus.importMs)}, ${Object.entries(run.ms).map(([k, v]) => `${k} ${Math.round(v)}`).join(', ')}`);
  }, LOAD_TIMEOUT_MS);

  it('loads one corpus of at least 5,000 resources of at least 10 types into both', () => {
    expect(run.corpus.resources).toBeGreaterThanOrEqual(MIN_RESOURCES);
    expect(Object.keys(run.corpus.types).length).toBeGreaterThanOrEqual(10);
  });

  it('runs at least 500 queries over every parameter type, modifier, prefix and combination', () => {
    expect(run.results.length).toBeGreaterThanOrEqual(QUERY_COUNT);
    const counts = countRun(run);
    for (const type of ['string', 'token', 'reference', 'date', 'number', 'quantity', 'uri']) expect(counts.byType.get(type) ?? 0, type).toBeGreaterThan(0);
    for (const modifier of [':exact', ':contains', ':missing', ':not', ':text', ':[type]', ':below', ':above']) {
      expect(counts.byModifier.get(modifier) ?? 0, modifier).toBeGreaterThan(0);
    }
    for (const prefix of ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap']) expect(counts.byPrefix.get(`date ${prefix}`) ?? 0, prefix).toBeGreaterThan(0);
    for (const feature of ['or', 'and', 'chain', 'chain (untyped)', 'chain (2 levels)', '_has', '_sort', '_id', '_lastUpdated', 'composite', '_text', '_content']) {
      expect(counts.byFeature.get(feature) ?? 0, feature).toBeGreaterThan(0);
    }
    for (const modifier of [':of-type', ':identifier', ':in', ':not-in']) expect(counts.byModifier.get(modifier) ?? 0, modifier).toBeGreaterThan(0);
    // The oracle-only kinds are not vacuous: each has queries that match something.
    const nonEmpty = (test: (r: (typeof run.results)[number]) => boolean) => run.results.filter((r) => test(r) && r.hearth > 0).length;
    for (const feature of ['composite', '_text', '_content', '_lastUpdated']) expect(nonEmpty((r) => r.query.features.includes(feature)), feature).toBeGreaterThan(0);
    for (const modifier of ['of-type', 'identifier', 'in']) expect(nonEmpty((r) => r.query.modifier === modifier), modifier).toBeGreaterThan(0);
    // A large share is compared with Medplum itself, not only with the oracle (number and quantity never are).
    const withMedplum = run.results.filter((r) => r.judgedBy === 'medplum' && (r.verdict.kind === 'agree' || r.verdict.kind === 'divergence')).length;
    expect(withMedplum).toBeGreaterThan(run.results.length * 0.4);
  });

  it('finds the same result sets, apart from documented divergences explained id by id', () => {
    const failures = run.results.flatMap((r) => (r.verdict.kind === 'failure' ? [`${r.url}\n    ${r.verdict.detail}`] : []));
    expect(failures, `seed ${run.seed}`).toEqual([]);
    // Most queries that match something agree outright.
    const agreeing = run.results.filter((r) => r.verdict.kind === 'agree' || r.verdict.kind === 'oracle-agree').length;
    expect(agreeing).toBeGreaterThan(run.results.length * 0.7);
    const nonEmpty = run.results.filter((r) => r.hearth > 0).length;
    expect(nonEmpty).toBeGreaterThan(run.results.length * 0.6);
  });

  it('has divergence predicates that are not blanket tolerances: none explains a difference on a plain token or reference query', () => {
    const { oracle } = run.context;
    const observations = (oracle.byType.get('Observation') ?? []).filter((r): r is Observation => r.resourceType === 'Observation');
    const first = observations.find((o) => o.code.coding?.[0]?.code !== undefined && o.subject?.reference !== undefined);
    expect(first).toBeDefined();
    const coding = first?.code.coding?.[0];
    const subject = first?.subject?.reference ?? '';
    const cases: Array<{ pairs: Array<[string, string]>; paramType: 'token' | 'reference' }> = [
      { pairs: [['code', `${coding?.system ?? ''}|${coding?.code ?? ''}`]], paramType: 'token' },
      { pairs: [['subject', subject]], paramType: 'reference' },
    ];
    for (const c of cases) {
      const query = { resourceType: 'Observation', pairs: c.pairs, paramType: c.paramType, modifier: '', prefix: '', features: [], judge: 'medplum' as const };
      const matching = oracle.search('Observation', c.pairs);
      const outsider = observations.find((o) => !matching.has(o.id ?? ''))?.id ?? '';
      const insider = [...matching][0] ?? '';
      expect(outsider && insider).toBeTruthy();
      for (const side of ['hearth', 'medplum'] as const) {
        for (const id of [outsider, insider]) {
          expect(DIVERGENCES.filter((d) => d.explains(query, side, id, run.context)).map((d) => d.id), `${side} ${id}`).toEqual([]);
        }
      }
    }
  });
});
