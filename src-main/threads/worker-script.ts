/**
 * Finding and starting a worker thread's script, the same way in every build: a bundled script
 * next to the running bundle (out/cli/NAME.mjs beside out/cli/hearth.mjs, out/main/NAME.js beside
 * out/main/index.js), or the TypeScript source under vitest/tsx, loaded through tsx.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** How to start a worker: a built script, or (under vitest/tsx) the TypeScript source through tsx. */
export interface WorkerScript {
  file: string;
  /** The file is TypeScript: the worker registers tsx's loader before importing it. */
  viaTsx: boolean;
}

/** The script `baseName` (without extension) next to the module at `fromUrl`. */
export function resolveWorkerScript(baseName: string, fromUrl: string): WorkerScript {
  const dir = path.dirname(fileURLToPath(fromUrl));
  for (const extension of ['.mjs', '.js', '.cjs']) {
    const file = path.join(dir, baseName + extension);
    if (existsSync(file)) return { file, viaTsx: false };
  }
  const source = path.join(dir, `${baseName}.ts`);
  if (existsSync(source)) return { file: source, viaTsx: true };
  throw new Error(`The worker script ${baseName} is missing next to ${dir}`);
}

/**
 * Starts the worker. A TypeScript source needs tsx's loader inside the worker thread, and
 * `execArgv: ['--import', 'tsx']` does not reach a worker's entry module on Node 20, so a tiny
 * ES module (a data: URL, so no CommonJS globals such as `__dirname` leak into the thread)
 * registers tsx and then imports the source.
 */
export function startWorkerScript(script: WorkerScript, options: WorkerOptions = {}): Worker {
  if (!script.viaTsx) return new Worker(script.file, options);
  // The ESM build of tsx's API (require.resolve would pick its CommonJS twin).
  const tsxRoot = path.dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const tsxApi = pathToFileURL(path.join(tsxRoot, 'dist', 'esm', 'api', 'index.mjs')).href;
  const bootstrap =
    `import { register } from ${JSON.stringify(tsxApi)};\n` +
    `register();\n` +
    `await import(${JSON.stringify(pathToFileURL(script.file).href)});\n`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), options);
}

/**
 * A helper thread that answers requests (the write-prep pool, the frame sealer): started with its
 * listeners, then unreferenced, so that it never keeps the process alive while idle (its owner refs
 * it while an answer is owed). The order matters: adding a 'message' listener refs the worker's port
 * again (Node 20), and a `hearth import` of more than one chunk then never exited after its summary.
 * `onStop` runs on an error and on exit.
 */
export function startIdleWorker<Message>(script: WorkerScript, options: WorkerOptions, onMessage: (message: Message) => void, onStop: () => void): Worker {
  const worker = startWorkerScript(script, options);
  worker.on('message', onMessage);
  worker.on('error', onStop);
  worker.on('exit', onStop);
  worker.unref();
  return worker;
}
