/**
 * A folder given as an import source becomes the files it holds: the `output` list of a Bulk
 * Data manifest when the folder has one (an `$export` result, or `hearth sample` output:
 * hl7.org/fhir/uv/bulkdata/export.html#response---complete-status), else every `.ndjson`,
 * `.ndjson.gz`, `.jsonl` and `.json` file in it (a Synthea `fhir/` folder), in name order. A
 * Synthea CSV folder (a `patients.csv` with Synthea's header) is converted by synthea-csv.ts.
 * Manifest entries must name files inside the folder: a URL elsewhere is reported, not fetched
 * (Hearth is offline).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ImportSource } from '../api/contract';
import { isSyntheaCsvFolder } from './synthea-csv';

/** A Synthea CSV output folder: converted table by table (synthea-csv.ts), not read as files. */
export interface SyntheaCsvSource {
  kind: 'synthea-csv';
  path: string;
}

export interface ExpandedSources {
  sources: Array<ImportSource | SyntheaCsvSource>;
  /** Folders or manifest entries that could not be used, with the reason (shown in the report). */
  problems: Array<{ file: string; problem: string }>;
}

const IMPORTABLE = /\.(ndjson|ndjson\.gz|jsonl|json)$/i;
const MANIFEST = 'manifest.json';

interface ManifestOutput {
  type?: unknown;
  url?: unknown;
}

/** The manifest's output files, resolved inside `folder`; problems for the others. */
function manifestFiles(folder: string, manifest: unknown): ExpandedSources | undefined {
  if (typeof manifest !== 'object' || manifest === null || !Array.isArray((manifest as { output?: unknown }).output)) return undefined;
  const result: ExpandedSources = { sources: [], problems: [] };
  for (const entry of (manifest as { output: ManifestOutput[] }).output) {
    const url = typeof entry?.url === 'string' ? entry.url : undefined;
    if (!url) {
      result.problems.push({ file: path.join(folder, MANIFEST), problem: 'a manifest output entry has no url' });
      continue;
    }
    let name = url;
    if (/^[a-z][a-z0-9+.-]*:/i.test(url)) {
      // A file:// URL or an absolute URL whose last segment is a file of this folder.
      try {
        name = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
      } catch {
        name = '';
      }
    }
    const resolved = path.resolve(folder, name);
    if (!name || path.dirname(resolved) !== path.resolve(folder)) {
      result.problems.push({ file: url.slice(0, 200), problem: 'the manifest names a file outside the folder (Hearth reads local files only)' });
      continue;
    }
    result.sources.push({ kind: 'path', path: resolved });
  }
  return result;
}

export async function expandSourceFolders(sources: readonly ImportSource[]): Promise<ExpandedSources> {
  const result: ExpandedSources = { sources: [], problems: [] };
  for (const source of sources) {
    if (source.kind !== 'path') {
      result.sources.push(source);
      continue;
    }
    const info = await stat(source.path).catch(() => undefined);
    if (!info?.isDirectory()) {
      result.sources.push(source);
      continue;
    }
    if (await isSyntheaCsvFolder(source.path)) {
      result.sources.push({ kind: 'synthea-csv', path: source.path });
      continue;
    }
    const names = await readdir(source.path).catch(() => undefined);
    if (!names) {
      result.problems.push({ file: source.path, problem: 'cannot read the folder' });
      continue;
    }
    if (names.includes(MANIFEST)) {
      let manifest: unknown;
      try {
        manifest = JSON.parse(await readFile(path.join(source.path, MANIFEST), 'utf8'));
      } catch {
        manifest = undefined;
      }
      const listed = manifestFiles(source.path, manifest);
      if (listed) {
        result.sources.push(...listed.sources);
        result.problems.push(...listed.problems);
        continue;
      }
      result.problems.push({ file: path.join(source.path, MANIFEST), problem: 'not a Bulk Data manifest (no output list): importing the folder\'s files instead' });
    }
    const files = names.filter((name) => IMPORTABLE.test(name) && name !== MANIFEST).sort();
    if (files.length === 0) result.problems.push({ file: source.path, problem: 'the folder holds no .ndjson, .ndjson.gz or .json file' });
    result.sources.push(...files.map((name) => ({ kind: 'path' as const, path: path.join(source.path, name) })));
  }
  return result;
}
