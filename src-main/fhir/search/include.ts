/**
 * `_include` and `_revinclude`, with `:iterate` (https://hl7.org/fhir/R4/search.html#include):
 * the resources the page's matches point at, or that point at them, through one reference
 * parameter; `:iterate` repeats on what was included, a bounded number of rounds.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { StoreBackend, VersionRecord } from '../store-backend';

export interface IncludeSpec {
  reverse: boolean;
  sourceType: string;
  param: string;
  targetType?: string;
  iterate: boolean;
}

/** Rounds of :iterate, and resources included at most: bounds the work one request can ask for. */
const MAX_ROUNDS = 4;
export const MAX_INCLUDED = 1000;

function groupByType(resources: ReadonlyArray<{ resourceType: string; id?: string }>): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const r of resources) {
    const ids = groups.get(r.resourceType);
    if (ids) ids.push(r.id ?? '');
    else groups.set(r.resourceType, [r.id ?? '']);
  }
  return groups;
}

/** The included resources (not the matches), each once, in the order found. */
export async function resolveIncludes<R extends VersionRecord>(
  store: StoreBackend<R>,
  matches: readonly Resource[],
  specs: readonly IncludeSpec[],
): Promise<Resource[]> {
  if (specs.length === 0 || matches.length === 0) return [];
  const seen = new Set(matches.map((r) => `${r.resourceType}/${r.id ?? ''}`));
  const included: Resource[] = [];
  let frontier: readonly Resource[] = matches;
  for (let round = 0; round < MAX_ROUNDS && frontier.length > 0; round++) {
    const found: Resource[] = [];
    const groups = groupByType(frontier);
    for (const spec of specs) {
      if (round > 0 && !spec.iterate) continue;
      const links: Array<{ resourceType: string; id: string }> = [];
      if (!spec.reverse) {
        const ids = groups.get(spec.sourceType);
        if (!ids) continue;
        links.push(
          ...(await store.links({ direction: 'forward', sourceType: spec.sourceType, param: spec.param, ids, ...(spec.targetType ? { targetType: spec.targetType } : {}) })),
        );
      } else {
        for (const [type, ids] of groups) {
          if (spec.targetType !== undefined && spec.targetType !== type) continue;
          links.push(...(await store.links({ direction: 'reverse', sourceType: spec.sourceType, param: spec.param, targetType: type, ids })));
        }
      }
      // The links not seen yet, in order, up to MAX_INCLUDED; their records looked up per type at once.
      const wanted: Array<{ resourceType: string; id: string }> = [];
      for (const link of links) {
        const key = `${link.resourceType}/${link.id}`;
        if (seen.has(key) || included.length + wanted.length >= MAX_INCLUDED) continue;
        seen.add(key);
        wanted.push(link);
      }
      const byKey = new Map<string, R>();
      for (const [type, ids] of groupByType(wanted)) {
        for (const record of await store.currentMany(type, ids)) byKey.set(`${type}/${record.id}`, record);
      }
      const records = wanted.flatMap(({ resourceType, id }) => {
        const record = byKey.get(`${resourceType}/${id}`);
        return record && !record.deleted ? [record] : [];
      });
      // Bodies are read (and decrypted) concurrently; the order stays that of the links.
      const resources = await Promise.all(records.map((record) => store.body(record)));
      included.push(...resources);
      found.push(...resources);
    }
    frontier = found;
  }
  return included;
}
