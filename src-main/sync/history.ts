/** History entries (http.html#history) as pull reads them: from `Type/_history` and from Bulk Data's `deleted` files. */
import type { BundleEntry } from '@medplum/fhirtypes';

/** The server id a history entry is about (request.url or fullUrl `…/Type/id[/_history/v]`), when of this type. */
export function historyEntryId(resourceType: string, entry: BundleEntry): string | undefined {
  if (entry.resource?.resourceType === resourceType && entry.resource.id) return entry.resource.id;
  for (const url of [entry.request?.url, entry.fullUrl]) {
    if (!url) continue;
    const path = url.split('?')[0]!.replace(/\/_history\/[^/]*$/, '').split('/');
    const id = path.at(-1);
    if (path.at(-2) === resourceType && id && /^[A-Za-z0-9\-.]{1,64}$/.test(id)) return id;
  }
  return undefined;
}
