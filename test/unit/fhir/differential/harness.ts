/**
 * Runs the differential: one corpus in Hearth's memory repository and in Medplum's
 * MemoryRepository, the seeded queries against both, each difference either explained id by id by
 * a documented divergence (divergences.ts, docs/search-differential.md) with Hearth agreeing with
 * the spec oracle, or reported as a failure. Shared by the test and test/tools/search-differential.ts.
 */
import type { MemoryRepository } from '../../../../src-main/fhir/memory-repository';
import { type Corpus, loadCorpus, specParametersPath } from './corpus';
import { DIVERGENCES, type DivergenceContext, HEARTH_GAPS } from './divergences';
import { type DiffQuery, QueryGenerator, queryString } from './generator';
import { createMedplumPeer } from './medplum-peer';
import { loadSpecParameters, SearchOracle } from './oracle';
import { loadSpecComposites } from './oracle-features';
import { mulberry32 } from './random';

export const DEFAULT_SEED = 3;
export const QUERY_COUNT = 520;

/**
 * agree: Hearth = Medplum; divergence: they differ, every differing id explained by a documented
 * Medplum divergence; oracle-agree: judged by the oracle alone; hearth-gap: Hearth refused a form it
 * does not support yet (documented).
 */
export type Verdict =
  | { kind: 'agree' | 'divergence' | 'oracle-agree'; divergences: string[] }
  | { kind: 'hearth-gap'; gap: string }
  | { kind: 'failure'; detail: string };

export interface QueryResult {
  query: DiffQuery;
  url: string;
  hearth: number;
  /** Who judged it in the end: Medplum, or the oracle (by design, or because Medplum refused). */
  judgedBy: 'medplum' | 'oracle' | 'oracle (Medplum refused)';
  verdict: Verdict;
}

export interface DifferentialRun {
  seed: number;
  corpus: { files: string[]; resources: number; types: Record<string, number>; importMs: number };
  results: QueryResult[];
  /** The oracle and the Medplum peer of the run, for further checks. */
  context: DivergenceContext;
  ms: { medplumLoad: number; queries: number; generate: number; hearth: number; medplum: number; oracle: number };
}

export function seedFromEnv(): number {
  const text = process.env.HEARTH_DIFF_SEED;
  if (text === undefined || text === '') return DEFAULT_SEED;
  const seed = Number(text);
  if (!Number.isInteger(seed)) throw new Error(`HEARTH_DIFF_SEED must be an integer, got "${text}"`);
  return seed;
}

/** Every id Hearth returns (pages of 1,000 with _offset). */
async function hearthIds(repository: MemoryRepository, query: DiffQuery): Promise<string[]> {
  const ids: string[] = [];
  for (let offset = 0; ; offset += 1000) {
    const params = new URLSearchParams(query.pairs);
    params.set('_count', '1000');
    params.set('_offset', String(offset));
    params.set('_total', 'none');
    const bundle = await repository.search(query.resourceType, params);
    const page = (bundle.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource?.id ?? '');
    ids.push(...page);
    if (page.length < 1000) return ids;
  }
}

const setOf = (ids: readonly string[]) => new Set(ids);
const sameSet = (a: ReadonlySet<string>, b: ReadonlySet<string>) => a.size === b.size && [...a].every((id) => b.has(id));
const minus = (a: ReadonlySet<string>, b: ReadonlySet<string>) => [...a].filter((id) => !b.has(id));

function describeDifference(label: string, hearth: ReadonlySet<string>, other: ReadonlySet<string>): string {
  const onlyHearth = minus(hearth, other);
  const onlyOther = minus(other, hearth);
  return `Hearth ${hearth.size}, ${label} ${other.size}; only Hearth: ${onlyHearth.slice(0, 3).join(' ')}${onlyHearth.length > 3 ? ' …' : ''}; only ${label}: ${onlyOther.slice(0, 3).join(' ')}${onlyOther.length > 3 ? ' …' : ''}`;
}

/** The raw values of the query's first parameter on one resource, for a failure message. */
function valuesOf(oracle: SearchOracle, query: DiffQuery, id: string): string {
  const code = (query.pairs[0]?.[0] ?? '').split(/[.:]/)[0] ?? '';
  const param = oracle.param(query.resourceType, code);
  if (!param) return '';
  return JSON.stringify(oracle.values(query.resourceType, param).get(id) ?? []).slice(0, 200);
}

/** search.html#sort: ascending by each resource's lowest value, descending by its highest; no value last. */
function sortProblem(oracle: SearchOracle, query: DiffQuery, ordered: readonly string[]): string | undefined {
  if (!query.sort) return undefined;
  const { param, descending } = query.sort;
  const keyOf = (id: string) => {
    const spans = oracle.extractedValues(query.resourceType, param, id).flatMap((v) => (v.kind === 'date' ? [descending ? v.high : v.low] : []));
    if (spans.length === 0) return undefined;
    return descending ? Math.max(...spans) : Math.min(...spans);
  };
  for (let i = 1; i < ordered.length; i++) {
    const a = keyOf(ordered[i - 1] ?? '');
    const b = keyOf(ordered[i] ?? '');
    if (a === undefined || b === undefined) continue;
    if (descending ? a < b : a > b) return `out of order at ${i}: ${ordered[i - 1]} then ${ordered[i]}`;
  }
  return undefined;
}

export async function runDifferential(seed: number, preloaded?: Corpus): Promise<DifferentialRun> {
  const corpus = preloaded ?? (await loadCorpus());
  const oracle = new SearchOracle(corpus.resources, loadSpecParameters(specParametersPath), loadSpecComposites(specParametersPath));
  const loadStart = performance.now();
  const medplum = await createMedplumPeer(corpus.resources);
  const medplumLoad = performance.now() - loadStart;
  const generateStart = performance.now();
  const queries = new QueryGenerator(oracle, mulberry32(seed)).generate(QUERY_COUNT);
  const generateMs = performance.now() - generateStart;
  const context: DivergenceContext = { oracle, medplum };

  const results: QueryResult[] = [];
  const timing = { hearth: 0, medplum: 0, oracle: 0 };
  const queryStart = performance.now();
  for (const query of queries) {
    const url = `${query.resourceType}?${queryString(query)}`;
    let hearthList: string[];
    try {
      const t0 = performance.now();
      hearthList = await hearthIds(corpus.repository, query);
      timing.hearth += performance.now() - t0;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const gap = HEARTH_GAPS.find((g) => g.applies(query, message));
      results.push({ query, url, hearth: -1, judgedBy: query.judge, verdict: gap ? { kind: 'hearth-gap', gap: gap.id } : { kind: 'failure', detail: `Hearth refused: ${message}` } });
      continue;
    }
    const hearth = setOf(hearthList);
    const sortIssue = sortProblem(oracle, query, hearthList);
    const record = (judgedBy: QueryResult['judgedBy'], verdict: Verdict) =>
      results.push({ query, url, hearth: hearth.size, judgedBy, verdict: sortIssue ? { kind: 'failure', detail: `Hearth sort: ${sortIssue}` } : verdict });

    const t1 = performance.now();
    const expected = oracle.search(query.resourceType, query.pairs);
    timing.oracle += performance.now() - t1;
    // Hearth against the spec oracle, on every query.
    const specProblem = sameSet(hearth, expected) ? undefined : describeDifference('oracle', hearth, expected);

    if (query.judge === 'oracle') {
      record('oracle', specProblem ? { kind: 'failure', detail: specProblem } : { kind: 'oracle-agree', divergences: [] });
      continue;
    }
    const t2 = performance.now();
    const answer = await medplum.search(query.resourceType, queryString(query));
    timing.medplum += performance.now() - t2;
    if (process.env.HEARTH_DIFF_SLOW && performance.now() - t2 > 200) console.log('slow medplum', Math.round(performance.now() - t2), url.slice(0, 120));
    if ('refused' in answer) {
      record('oracle (Medplum refused)', specProblem ? { kind: 'failure', detail: specProblem } : { kind: 'oracle-agree', divergences: [] });
      continue;
    }
    if (specProblem) {
      record('medplum', { kind: 'failure', detail: `Hearth differs from the spec oracle: ${specProblem}` });
      continue;
    }
    const peer = setOf(answer.ids);
    const onlyHearth = minus(hearth, peer);
    const onlyMedplum = minus(peer, hearth);
    if (onlyHearth.length === 0 && onlyMedplum.length === 0) {
      record('medplum', { kind: 'agree', divergences: [] });
      continue;
    }
    // Every id Medplum differs on must be explained by a documented divergence that applies to this query.
    const used = new Set<string>();
    const unexplained: string[] = [];
    for (const [side, ids] of [['hearth', onlyHearth], ['medplum', onlyMedplum]] as const) {
      for (const id of ids) {
        // Where Hearth itself departs from the spec, the spec-vs-Medplum predicates cannot speak for it.
        const reason = hearth.has(id) === expected.has(id) ? DIVERGENCES.find((d) => d.explains(query, side, id, context)) : undefined;
        if (reason) used.add(reason.id);
        else unexplained.push(`${side === 'hearth' ? 'only Hearth' : 'only Medplum'} ${query.resourceType}/${id} ${valuesOf(oracle, query, id)}`);
      }
    }
    record(
      'medplum',
      unexplained.length === 0
        ? { kind: 'divergence', divergences: [...used].sort() }
        : { kind: 'failure', detail: `unexplained difference from Medplum: ${unexplained.slice(0, 4).join('; ')}` },
    );
  }
  const types: Record<string, number> = {};
  for (const r of corpus.resources) types[r.resourceType] = (types[r.resourceType] ?? 0) + 1;
  return {
    seed,
    corpus: { files: corpus.files, resources: corpus.resources.length, types, importMs: corpus.importMs },
    results,
    context,
    ms: { medplumLoad, queries: performance.now() - queryStart, generate: generateMs, ...timing },
  };
}
