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

function groupByType(resources: readonly Resource[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const r of resources) groups.set(r.resourceType, [...(groups.get(r.resourceType) ?? []), r.id ?? '']);
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
      const records: R[] = [];
      for (const link of links) {
        const key = `${link.resourceType}/${link.id}`;
        if (seen.has(key) || included.length + records.length >= MAX_INCLUDED) continue;
        seen.add(key);
        const record = await store.current(link.resourceType, link.id);
        if (record && !record.deleted) records.push(record);
      }
      // Bodies are read (and decrypted) concurrently; the order stays that of the links.
      const resources = await Promise.all(records.map((record) => store.body(record)));
      included.push(...resources);
      found.push(...resources);
    }
    frontier = found;
  }
  return included;
}
