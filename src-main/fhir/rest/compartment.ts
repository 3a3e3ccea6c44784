/**
 * Compartment search (https://hl7.org/fhir/R4/search.html#compartments,
 * compartmentdefinition.html) for the five R4 compartments, Patient, Encounter, RelatedPerson,
 * Practitioner and Device (tables in compartments.ts):
 *
 *   GET [Compartment]/[id]/[type]?params   the type's search restricted to resources linked to the
 *                                          focal resource by one of the type's compartment
 *                                          parameters (Observation in Patient: subject OR performer)
 *   GET [Compartment]/[id]/*?params        the same over every member type (system-level search
 *                                          rules: parameters every member type accepts, `_type`
 *                                          narrows the types)
 *
 * The restriction is one OR filter of the search itself (SearchOptions.compartment), so every
 * search feature, `_sort`, `_include`, `_total` and paging work, with no cap; links are based at
 * `Compartment/id/Type`. A type that is not a member is a 400 (never an empty answer that looks
 * like "nothing linked").
 */
import { fhirError } from '../outcome-error';
import type { SearchOptions } from '../search';
import { FHIR_ID_PATTERN } from '../validation';
import { compartmentMembers, compartmentParams, isCompartmentType, type CompartmentType } from './compartments';
import { absolutizeBundle } from './http-parts';
import { withoutFormatParams, type RestContext } from './interactions';
import { systemSearch } from './system-search';
import type { FhirRequest, FhirResponse } from './types';

function compartmentOf(compartmentType: string, id: string): CompartmentType {
  if (!isCompartmentType(compartmentType)) {
    throw fhirError('not-supported', `${compartmentType} is not a compartment (Patient, Encounter, RelatedPerson, Practitioner, Device)`, 400);
  }
  if (!FHIR_ID_PATTERN.test(id)) throw fhirError('invalid', 'A compartment is a resource type and a valid id', 400);
  return compartmentType;
}

export async function compartmentSearch(
  ctx: RestContext,
  params: URLSearchParams,
  lenient: boolean,
  compartmentType: string,
  id: string,
  targetType: string,
): Promise<FhirResponse> {
  const compartment = compartmentOf(compartmentType, id);
  const linking = compartmentParams(compartment, targetType);
  if (!linking) throw fhirError('not-supported', `${targetType} is not in the ${compartment} compartment`, 400);
  const options: SearchOptions = { compartment: { type: compartment, id, params: linking } };
  if (lenient) options.handling = 'lenient';
  const bundle = await ctx.repo.search(targetType, withoutFormatParams(params), options);
  return { status: 200, headers: {}, body: absolutizeBundle(bundle, ctx.options.baseUrl) };
}

/** `GET [Compartment]/[id]/*`: every member type of the compartment, merged like a system-level search. */
export async function compartmentSearchAll(
  ctx: RestContext,
  request: FhirRequest,
  params: URLSearchParams,
  compartmentType: string,
  id: string,
): Promise<FhirResponse> {
  const compartment = compartmentOf(compartmentType, id);
  const members = compartmentMembers(compartment).map((type) => ({ type, params: compartmentParams(compartment, type) ?? [] }));
  return systemSearch(ctx, request, params, false, { type: compartment, id, members });
}
