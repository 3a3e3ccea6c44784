/**
 * A resource's two forms (docs/sync.md "Id map and references"), for the code that sends or
 * stores one resource at a time (conflict resolution, deletions): the server form carries server
 * ids in its references and Hearth's origin tag; the local form carries local ids and no server
 * meta. Push and pull build the same forms in bulk.
 */
import type { Resource } from '@medplum/fhirtypes';
import { outcomeStatus } from '../api/result';
import { OperationOutcomeError } from '../fhir/outcome-error';
import type { ResourceRepository } from '../fhir/repository';
import { originCode, SYNC_ORIGIN_SYSTEM, withoutServerMeta } from './content';
import { rewriteReferences } from './references';
import type { IdMap } from './store';
import { TransportError } from './transport';

/** What is sent for a local resource: references to mapped resources rewritten, the origin tag added, the server id when known. */
export function serverForm(local: Resource, map: IdMap, originKey: string, serverId: string | undefined): Resource {
  const body = rewriteReferences(withoutServerMeta(local), (t) => {
    const mapped = map.local(t.resourceType, t.id);
    return mapped && !mapped.deleted ? `${t.resourceType}/${mapped.serverId}` : undefined;
  });
  body.meta = { ...body.meta, tag: [...(body.meta?.tag ?? []), { system: SYNC_ORIGIN_SYSTEM, code: originCode(originKey, local.resourceType, local.id!) }] };
  if (serverId !== undefined) body.id = serverId;
  else delete body.id;
  return body;
}

/** What a server resource becomes here: references to mapped resources rewritten to local ids, server meta and origin tag removed. */
export function localForm(server: Resource, map: IdMap, localId: string): Resource {
  const incoming = rewriteReferences(withoutServerMeta(server), (t) => {
    const mapped = map.localIdOf(t.resourceType, t.id);
    return mapped !== undefined && mapped !== t.id ? `${t.resourceType}/${mapped}` : undefined;
  });
  incoming.id = localId;
  return incoming;
}

/** The current local resource; undefined when deleted or never there. */
export async function readLocal(repository: ResourceRepository, resourceType: string, id: string): Promise<Resource | undefined> {
  try {
    return await repository.read(resourceType, id);
  } catch (e) {
    if (e instanceof OperationOutcomeError && [404, 410].includes(outcomeStatus(e.outcome))) return undefined;
    throw e;
  }
}

/** The last version of a resource deleted here (what a deletion conflict shows as ours). */
export async function lastLiveVersion(repository: ResourceRepository, resourceType: string, id: string): Promise<Resource | undefined> {
  try {
    const history = await repository.history(resourceType, id);
    // Newest first (http.html#history); a deletion entry has no resource.
    return history.entry?.find((e) => e.resource !== undefined)?.resource;
  } catch (e) {
    if (e instanceof OperationOutcomeError && [404, 410].includes(outcomeStatus(e.outcome))) return undefined;
    throw e;
  }
}

/** Whether a transport error says the server has no such resource (any more). */
export const isGoneOnServer = (e: unknown): boolean => e instanceof TransportError && (e.status === 404 || e.status === 410);

/** Whether a transport error says the version moved (http.html#concurrency). */
export const isVersionConflict = (e: unknown): boolean => e instanceof TransportError && (e.status === 409 || e.status === 412);
