/**
 * Compartment search `GET Patient/[id]/[type]?params` (https://hl7.org/fhir/R4/search.html#compartments,
 * compartmentdefinition-patient.html): the type's search restricted to resources linked to the
 * patient by one of the type's compartment parameters.
 *
 * One linking parameter (most types): the ordinary search with `param=Patient/id` added, so every
 * search feature and paging works. Several (Observation: subject, performer): one search per
 * parameter, the union in first-seen order (deduplicated), paged here with `_count`/`_offset`; at
 * most 1,000 matches per parameter, and result-shaping parameters (_sort, _include, _summary...)
 * are refused there rather than applied to only part of the union.
 */
import type { Bundle, BundleEntry, BundleLink } from '@medplum/fhirtypes';
import { fhirError } from '../outcome-error';
import { searchUrl } from '../search';
import { patientCompartment } from './everything';
import { absolutizeBundle } from './http-parts';
import { withoutFormatParams, type RestContext } from './interactions';
import type { FhirResponse } from './types';

const UNION_LIMIT = 1000;
const SHAPING = new Set(['_sort', '_include', '_revinclude', '_summary', '_elements', '_total', '_contained', '_containedType']);

function pagingNumber(name: string, value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,9}$/.test(value) || Number(value) > max) throw fhirError('invalid', `${name} must be a whole number from 0 to ${max}`, 400, [name]);
  return Number(value);
}

export async function compartmentSearch(
  ctx: RestContext,
  params: URLSearchParams,
  lenient: boolean,
  compartmentType: string,
  id: string,
  targetType: string,
): Promise<FhirResponse> {
  if (compartmentType !== 'Patient') throw fhirError('not-supported', 'Only the Patient compartment can be searched', 400);
  const member = patientCompartment().find((m) => m.code === targetType);
  if (!member) throw fhirError('not-supported', `${targetType} is not in the Patient compartment`, 400);
  const reference = `Patient/${id}`;
  const pairs = withoutFormatParams(params);
  const options = lenient ? { handling: 'lenient' as const } : {};

  if (member.param.length === 1) {
    const bundle = await ctx.repo.search(targetType, [...pairs, [member.param[0]!, reference]], options);
    return { status: 200, headers: {}, body: absolutizeBundle(bundle, ctx.options.baseUrl) };
  }

  const shaping = pairs.find(([name]) => SHAPING.has(name.split(':')[0]!));
  if (shaping) throw fhirError('not-supported', `${shaping[0].split(':')[0]} is not supported in a ${targetType} compartment search (several linking parameters)`, 400);
  const count = pagingNumber('_count', pairs.findLast(([n]) => n === '_count')?.[1], 20, UNION_LIMIT);
  const offset = pagingNumber('_offset', pairs.findLast(([n]) => n === '_offset')?.[1], 0, 1_000_000_000);
  const criteria = pairs.filter(([name]) => name !== '_count' && name !== '_offset');

  const matches = new Map<string, BundleEntry>();
  const outcomes: BundleEntry[] = [];
  for (const param of member.param) {
    const page = await ctx.repo.search(targetType, [...criteria, [param, reference], ['_count', String(UNION_LIMIT)]], options);
    if (page.link?.some((l) => l.relation === 'next')) {
      throw fhirError('too-costly', `More than ${UNION_LIMIT} ${targetType} resources match through ${param}; add criteria`, 400);
    }
    for (const entry of page.entry ?? []) {
      if (entry.search?.mode === 'outcome') outcomes.push(entry);
      else if (entry.resource) matches.set(`${entry.resource.resourceType}/${entry.resource.id ?? ''}`, entry);
    }
  }
  const all = [...matches.values()];
  const base = `${reference}/${targetType}`;
  const at = (o: number) => searchUrl(base, [...criteria, ['_count', String(count)], ['_offset', String(o)]]);
  const link: BundleLink[] = [{ relation: 'self', url: at(offset) }];
  if (offset > 0 && count > 0) link.push({ relation: 'previous', url: at(Math.max(0, offset - count)) });
  if (count > 0 && offset + count < all.length) link.push({ relation: 'next', url: at(offset + count) });
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'searchset',
    total: all.length,
    link,
    entry: [...all.slice(offset, offset + count), ...outcomes.slice(0, 1)],
  };
  return { status: 200, headers: {}, body: absolutizeBundle(bundle, ctx.options.baseUrl) };
}
