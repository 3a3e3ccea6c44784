/**
 * System-level search (search.html#searchcontexts): `GET [base]?_type=A,B&...`, `GET [base]?...`
 * (every type) and `POST [base]/_search`. Every listed type must accept every parameter (the
 * engine's own parser decides, so only parameters common to all of them pass, plus the `_` ones);
 * each type that has resources is searched for the first `_offset + _count + 1` matches and the
 * pages are merged in the engine's order (lastUpdated newest first, then type, then each type's own order). `_sort`
 * and includes are refused; paging reaches at most MAX_SEARCH_COUNT matches deep.
 */
import type { Bundle, BundleLink, Resource } from '@medplum/fhirtypes';
import { fhirError } from '../outcome-error';
import { resourceTypeList } from '../resource-types';
import {
  assertSystemSearchParameter,
  compareAcrossTypes,
  DEFAULT_SEARCH_COUNT,
  MAX_SEARCH_COUNT,
  parseSearch,
  parseTypeList,
  searchsetBundle,
  type SearchOptions,
} from '../search';
import { absolutizeBundle, header, mediaType } from './http-parts';
import { prefersLenient, withoutFormatParams, type RestContext } from './interactions';
import type { FhirRequest, FhirResponse } from './types';

interface SystemQuery {
  /** Undefined: every type. */
  types?: string[];
  criteria: Array<[string, string]>;
  count: number;
  offset: number;
}

function wholeNumber(name: string, value: string): number {
  if (!/^\d{1,9}$/.test(value)) throw fhirError('invalid', `${name} must be a whole number`, 400, [name]);
  return Number(value);
}

function systemQuery(pairs: Array<[string, string]>): SystemQuery {
  const query: SystemQuery = { criteria: [], count: DEFAULT_SEARCH_COUNT, offset: 0 };
  for (const [name, value] of pairs) {
    if (name === '_type') {
      const listed = parseTypeList(value);
      // Repeated parameters are ANDed (search.html#combining).
      query.types = query.types ? query.types.filter((t) => listed.includes(t)) : listed;
    } else if (name === '_count') query.count = wholeNumber(name, value);
    else if (name === '_offset') query.offset = wholeNumber(name, value);
    else {
      assertSystemSearchParameter(name);
      query.criteria.push([name, value]);
    }
  }
  if (query.offset + query.count >= MAX_SEARCH_COUNT) {
    throw fhirError('too-costly', `A system-level search pages at most ${MAX_SEARCH_COUNT} matches deep (_offset + _count)`, 400, ['_offset']);
  }
  return query;
}

/** A compartment's member types and their linking parameters (`Patient/1/*`, compartment.ts). */
export interface CompartmentScope {
  type: string;
  id: string;
  members: ReadonlyArray<{ type: string; params: readonly string[] }>;
}

function pageUrl(baseUrl: string, query: SystemQuery, offset: number): string {
  const pairs: Array<[string, string]> = [
    ...(query.types ? [['_type', query.types.join(',')] as [string, string]] : []),
    ...query.criteria,
    ['_count', String(query.count)],
    ['_offset', String(offset)],
  ];
  return `${baseUrl}?${new URLSearchParams(pairs).toString()}`;
}

/** The member types of a compartment search, narrowed by `_type`; a listed type outside the compartment is a 400. */
function compartmentTypes(scope: CompartmentScope, listed: string[] | undefined): string[] {
  const members = scope.members.map((m) => m.type);
  if (listed === undefined) return members;
  const outside = listed.find((t) => !members.includes(t));
  if (outside !== undefined) throw fhirError('invalid', `_type: ${outside} is not in the ${scope.type} compartment`, 400, ['_type']);
  return listed;
}

export async function systemSearch(
  ctx: RestContext,
  request: FhirRequest,
  params: URLSearchParams,
  viaPost: boolean,
  scope?: CompartmentScope,
): Promise<FhirResponse> {
  const pairs = withoutFormatParams(params);
  if (viaPost && request.body !== undefined && request.body.length > 0) {
    if (mediaType(header(request, 'content-type')) !== 'application/x-www-form-urlencoded') {
      throw fhirError('not-supported', 'POST _search needs Content-Type application/x-www-form-urlencoded', 415);
    }
    pairs.push(...withoutFormatParams(new URLSearchParams(request.body)));
  }
  const query = systemQuery(pairs);
  const base: SearchOptions = prefersLenient(request) ? { handling: 'lenient' } : {};
  const listed = scope ? compartmentTypes(scope, query.types) : (query.types ?? resourceTypeList());
  const optionsOf = (type: string): SearchOptions => {
    const member = scope?.members.find((m) => m.type === type);
    return scope && member ? { ...base, compartment: { type: scope.type, id: scope.id, params: member.params } } : base;
  };
  // Every listed type must accept every parameter, even a type with nothing stored.
  const parsed = listed.map((type) => parseSearch(type, query.criteria, optionsOf(type)));
  const summaryCount = parsed.some((p) => p.summary === 'count');
  const stored = new Set((await ctx.repo.counts()).map((c) => c.resourceType));
  const window = summaryCount ? 0 : query.offset + query.count + 1;

  const matches: Resource[] = [];
  const warnings = new Set<string>(parsed.flatMap((p) => p.warnings));
  let total: number | undefined = 0;
  for (const type of listed.filter((t) => stored.has(t))) {
    const bundle: Bundle = await ctx.repo.search(type, [...query.criteria, ['_count', String(window)]], optionsOf(type));
    total = total !== undefined && bundle.total !== undefined ? total + bundle.total : undefined;
    for (const entry of bundle.entry ?? []) {
      if (entry.search?.mode === 'match' && entry.resource) matches.push(entry.resource);
    }
  }
  // A stable sort: equal instants of one type keep the order their search gave them.
  matches.sort(compareAcrossTypes);
  const page = summaryCount ? [] : matches.slice(query.offset, query.offset + query.count);
  const linkBase = scope ? `${ctx.options.baseUrl}/${scope.type}/${scope.id}/*` : ctx.options.baseUrl;
  const links: BundleLink[] = [{ relation: 'self', url: pageUrl(linkBase, query, query.offset) }];
  if (query.offset > 0 && query.count > 0) links.push({ relation: 'previous', url: pageUrl(linkBase, query, Math.max(0, query.offset - query.count)) });
  if (!summaryCount && query.count > 0 && matches.length > query.offset + query.count) {
    links.push({ relation: 'next', url: pageUrl(linkBase, query, query.offset + query.count) });
  }
  const bundle = searchsetBundle(page, links, total, [...warnings]);
  return { status: 200, headers: {}, body: absolutizeBundle(bundle, ctx.options.baseUrl) };
}
