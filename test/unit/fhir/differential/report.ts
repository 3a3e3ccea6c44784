/** Counts of a differential run, as Markdown (docs/search-differential.md) and as the test's coverage checks. */
import { DIVERGENCES, HEARTH_GAPS } from './divergences';
import type { DifferentialRun, QueryResult } from './harness';

export interface RunCounts {
  byType: Map<string, number>;
  byModifier: Map<string, number>;
  byPrefix: Map<string, number>;
  byFeature: Map<string, number>;
  byVerdict: Map<string, number>;
  byDivergence: Map<string, number>;
  byGap: Map<string, number>;
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** The prefixes a query exercises, as the generator recorded them (`ge+lt` for a range). */
function prefixesOf(result: QueryResult): string[] {
  const { query } = result;
  if (!['date', 'number', 'quantity'].includes(query.paramType) || query.prefix === '') return [];
  return query.prefix.split('+');
}

export function countRun(run: DifferentialRun): RunCounts {
  const counts: RunCounts = {
    byType: new Map(),
    byModifier: new Map(),
    byPrefix: new Map(),
    byFeature: new Map(),
    byVerdict: new Map(),
    byDivergence: new Map(),
    byGap: new Map(),
  };
  for (const result of run.results) {
    const { query, verdict } = result;
    bump(counts.byType, query.paramType);
    if (query.modifier !== '') bump(counts.byModifier, `:${query.modifier === 'type' ? '[type]' : query.modifier}`);
    for (const prefix of prefixesOf(result)) bump(counts.byPrefix, `${query.paramType} ${prefix}`);
    for (const feature of query.features) bump(counts.byFeature, feature);
    bump(counts.byVerdict, verdict.kind === 'failure' ? 'failure' : `${verdict.kind} (${result.judgedBy})`);
    if (verdict.kind === 'divergence') for (const d of verdict.divergences) bump(counts.byDivergence, d);
    if (verdict.kind === 'hearth-gap') bump(counts.byGap, verdict.gap);
  }
  return counts;
}

function table(title: string, map: Map<string, number>, titles?: Map<string, string>): string {
  const rows = [...map.entries()].sort(([a], [b]) => a.localeCompare(b));
  const head = titles ? `| ${title} | what | queries |\n|---|---|---:|` : `| ${title} | queries |\n|---|---:|`;
  return [head, ...rows.map(([k, n]) => (titles ? `| \`${k}\` | ${(titles.get(k) ?? '').replace(/\|/g, '\\|')} | ${n} |` : `| ${k} | ${n} |`))].join('\n');
}

export function countsMarkdown(run: DifferentialRun): string {
  const c = countRun(run);
  const types = Object.entries(run.corpus.types).sort(([a], [b]) => a.localeCompare(b));
  return [
    `Seed ${run.seed}; corpus: ${run.corpus.files.length} Synthea bundles, ${run.corpus.resources.toLocaleString('en')} resources of ${types.length} types ` +
      `(${types.map(([t, n]) => `${t} ${n}`).join(', ')}); ${run.results.length} queries.`,
    '',
    table('verdict', c.byVerdict),
    '',
    table('parameter type', c.byType),
    '',
    table('modifier', c.byModifier),
    '',
    table('prefix', c.byPrefix),
    '',
    table('feature', c.byFeature),
    '',
    table('divergence', c.byDivergence, new Map(DIVERGENCES.map((d) => [d.id, d.title]))),
    '',
    table('Hearth gap', c.byGap, new Map(HEARTH_GAPS.map((g) => [g.id, g.title]))),
    '',
  ].join('\n');
}
