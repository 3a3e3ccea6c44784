/**
 * Maps a request path to a file of the built renderer (out/renderer), for the web server and
 * Electron's app:// protocol alike. Refuses traversal (`..`, encoded or not), NUL bytes,
 * backslashes, dot-files and anything that resolves outside the root; "/" is index.html;
 * folders are never listed.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

export function contentTypeFor(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export type StaticLookup = { kind: 'file'; file: string; contentType: string } | { kind: 'refused' } | { kind: 'missing' };

/** Where `urlPath` (the path part of a URL, still percent-encoded) points inside `root`. */
export function resolveStaticPath(root: string, urlPath: string): { kind: 'path'; file: string } | { kind: 'refused' } {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { kind: 'refused' };
  }
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\')) return { kind: 'refused' };
  const segments = decoded.split('/').filter((s) => s.length > 0);
  if (segments.some((s) => s === '..' || s === '.' || s.startsWith('.'))) return { kind: 'refused' };
  const relative = segments.length === 0 ? 'index.html' : segments.join('/');
  const absoluteRoot = path.resolve(root);
  const file = path.resolve(absoluteRoot, relative);
  const inside = path.relative(absoluteRoot, file);
  if (inside.startsWith('..') || path.isAbsolute(inside)) return { kind: 'refused' };
  return { kind: 'path', file };
}

/** Resolves and checks the file exists as a regular file (a folder is "missing": no listing). */
export async function lookupStaticFile(root: string, urlPath: string): Promise<StaticLookup> {
  const resolved = resolveStaticPath(root, urlPath);
  if (resolved.kind === 'refused') return resolved;
  try {
    // realpath: a symlink inside the root must not lead outside it.
    const real = await fs.realpath(resolved.file);
    const realRoot = await fs.realpath(root);
    const inside = path.relative(realRoot, real);
    if (inside.startsWith('..') || path.isAbsolute(inside)) return { kind: 'refused' };
    const stat = await fs.stat(real);
    if (!stat.isFile()) return { kind: 'missing' };
    return { kind: 'file', file: real, contentType: contentTypeFor(real) };
  } catch {
    return { kind: 'missing' };
  }
}
