/**
 * Loads sql.js once per thread. In Node the wasm file is found next to the package
 * (createRequire works both from source and when esbuild/electron-vite bundle this file with
 * sql.js kept external).
 */
import { createRequire } from 'node:module';
import initSqlJs, { type SqlJsStatic } from 'sql.js';

let loading: Promise<SqlJsStatic> | null = null;

export function loadSqlJs(): Promise<SqlJsStatic> {
  if (!loading) {
    const wasmPath = createRequire(import.meta.url).resolve('sql.js/dist/sql-wasm.wasm');
    loading = initSqlJs({ locateFile: () => wasmPath });
    loading.catch(() => {
      loading = null;
    });
  }
  return loading;
}
