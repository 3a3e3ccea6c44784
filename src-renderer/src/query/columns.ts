/**
 * The result table's columns per resource type, remembered in this browser's localStorage (a
 * display preference, not clinical data): simple element paths (src-main/query/paths.ts).
 */
import { defaultColumns, isSimplePath } from '../../../src-main/query/paths';

const KEY = 'hearth.query.columns.';

export function loadColumns(resourceType: string): string[] {
  try {
    const raw = window.localStorage.getItem(KEY + resourceType);
    const parsed: unknown = raw ? JSON.parse(raw) : undefined;
    if (Array.isArray(parsed) && parsed.length > 0 && parsed.every((c): c is string => typeof c === 'string' && isSimplePath(c))) return parsed;
  } catch {
    // Storage unavailable or damaged: the defaults.
  }
  return defaultColumns(resourceType);
}

export function saveColumns(resourceType: string, columns: readonly string[]): void {
  try {
    if (columns.length === 0) window.localStorage.removeItem(KEY + resourceType);
    else window.localStorage.setItem(KEY + resourceType, JSON.stringify(columns));
  } catch {
    // A full or disabled storage only loses the preference.
  }
}
