/**
 * The round trip behind test/unit/fhir/search-examples.test.ts and the coverage report: every
 * value extracted into the search index must find its own resource again when searched for with
 * the parameter's own syntax (search.html#ptypes). Shared so the report counts exactly what the
 * test checks.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { DATE_MAX_MS, DATE_MIN_MS, extractIndexRows, type IndexRows } from '../../src-main/fhir/search/extract';
import type { ResourceRepository } from '../../src-main/fhir/repository';

export const repoRoot = path.resolve(import.meta.dirname, '../..');
export const examplesDir = path.resolve(repoRoot, '../shared/data/fhir-r4/examples');

/** At most this many examples per type: the conformance types have hundreds of large ones. */
const PER_TYPE = 25;

/** The R4 examples, by file name order, at most PER_TYPE per type, one per Type/id; undefined when absent. */
export function loadExamples(): Resource[] | undefined {
  if (!existsSync(examplesDir)) return undefined;
  const perType = new Map<string, number>();
  const seen = new Set<string>();
  const resources: Resource[] = [];
  for (const file of readdirSync(examplesDir).filter((f) => f.endsWith('.json') && f !== 'package.json').sort()) {
    const type = file.slice(0, file.indexOf('-'));
    if ((perType.get(type) ?? 0) >= PER_TYPE) continue;
    const resource = JSON.parse(readFileSync(path.join(examplesDir, file), 'utf8')) as Resource;
    if (typeof resource.resourceType !== 'string' || typeof resource.id !== 'string') continue;
    const key = `${resource.resourceType}/${resource.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    perType.set(resource.resourceType, (perType.get(resource.resourceType) ?? 0) + 1);
    resources.push(resource);
  }
  return resources;
}

/** search.html#escaping */
function esc(value: string): string {
  return value.replace(/[\\,|$]/g, (c) => `\\${c}`);
}

function isoOrUndefined(ms: number): string | undefined {
  if (ms <= DATE_MIN_MS || ms >= DATE_MAX_MS) return undefined;
  const iso = new Date(ms).toISOString();
  return /^\d{4}-/.test(iso) ? iso : undefined;
}

export interface RoundTripQuery {
  resourceType: string;
  id: string;
  param: string;
  /** `name[:modifier]` and value. */
  name: string;
  value: string;
}

/** One query per indexed parameter of the resource, from the first of its values. */
export function roundTripQueries(resource: Resource): RoundTripQuery[] {
  const rows: IndexRows = extractIndexRows(resource);
  const queries = new Map<string, RoundTripQuery>();
  const add = (param: string, name: string, value: string | undefined) => {
    if (value === undefined || value === '' || queries.has(param)) return;
    // Composite component rows (`code$n`) and modifier rows (`code:identifier`, `code:of-type`)
    // are not searched by their own param name: the query side for them comes later.
    if (param.includes('$') || param.includes(':')) return;
    queries.set(param, { resourceType: resource.resourceType, id: resource.id ?? '', param, name, value });
  };
  for (const r of rows.string) add(r.param, r.param, esc(r.value));
  for (const r of rows.token) {
    if (r.system && r.code) add(r.param, r.param, `${esc(r.system)}|${esc(r.code)}`);
    else if (r.code) add(r.param, r.param, esc(r.code));
    else if (r.system) add(r.param, r.param, `${esc(r.system)}|`);
    else if (r.display) add(r.param, `${r.param}:text`, esc(r.display.split(' ')[0] ?? ''));
  }
  for (const r of rows.reference) {
    if (r.targetType && r.targetId) add(r.param, r.param, `${r.targetType}/${r.targetId}`);
    else if (/^[a-z][a-z0-9+.-]*:/i.test(r.url)) add(r.param, r.param, esc(r.url));
  }
  for (const r of rows.date) {
    const low = isoOrUndefined(r.low);
    const high = isoOrUndefined(r.high - 1);
    if (low) add(r.param, r.param, `ge${low}`);
    else if (high) add(r.param, r.param, `le${high}`);
  }
  for (const r of rows.number) add(r.param, r.param, String(r.value));
  for (const r of rows.quantity) {
    if (r.system && r.code) add(r.param, r.param, `${r.value}|${esc(r.system)}|${esc(r.code)}`);
    else if (r.code ?? r.unit) add(r.param, r.param, `${r.value}||${esc(r.code ?? r.unit ?? '')}`);
    else add(r.param, r.param, String(r.value));
  }
  for (const r of rows.uri) add(r.param, r.param, esc(r.value));
  return [...queries.values()];
}

export interface RoundTripReport {
  stored: number;
  refused: number;
  queries: number;
  /** `Type.param` pairs whose query found its resource. */
  passed: Set<string>;
  failures: Array<{ query: RoundTripQuery; problem: string }>;
}

/** Stores the examples, then runs every round-trip query (restricted by `_id` to its own resource). */
export async function runRoundTrip(repo: ResourceRepository, examples: readonly Resource[]): Promise<RoundTripReport> {
  const outcomes = await repo.writeBatch(examples.map((resource) => ({ kind: 'update', resource })));
  const stored = examples.filter((_, i) => outcomes[i]?.status === 'created');
  const report: RoundTripReport = { stored: stored.length, refused: examples.length - stored.length, queries: 0, passed: new Set(), failures: [] };
  for (const resource of stored) {
    for (const query of roundTripQueries(resource)) {
      report.queries += 1;
      try {
        const bundle = await repo.search(query.resourceType, [
          ['_id', query.id],
          [query.name, query.value],
          ['_summary', 'count'],
        ]);
        if (bundle.total === 1) report.passed.add(`${query.resourceType}.${query.param}`);
        else report.failures.push({ query, problem: `total ${bundle.total ?? 'missing'}` });
      } catch (e) {
        report.failures.push({ query, problem: e instanceof Error ? e.message.slice(0, 120) : 'error' });
      }
    }
  }
  return report;
}
