/**
 * electron-vite 6 (vite 8) build of the desktop app:
 *   main     src-main/electron/main.ts + the store, NLP, write-prep and frame-seal workers → out/main/{index,store-worker,nlp-worker,write-prep-worker,frame-seal-worker}.js (ESM)
 *   preload  src-preload/index.ts → out/preload/index.cjs (one CommonJS file: the preload is sandboxed)
 *   renderer src-renderer/index.html → out/renderer (also served by the web mode)
 * Run-time dependencies (sql.js and its wasm, ws, zod, @medplum/*) stay external in main and
 * load from node_modules (sql.js wasm is unpacked from the asar by electron-builder).
 */
import path from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import postcssPresetMantine from 'postcss-preset-mantine';
import postcssSimpleVars from 'postcss-simple-vars';

const root = import.meta.dirname;

export default defineConfig({
  main: {
    build: {
      outDir: path.join(root, 'out/main'),
      externalizeDeps: true,
      sourcemap: true,
      rolldownOptions: {
        input: {
          index: path.join(root, 'src-main/electron/main.ts'),
          'store-worker': path.join(root, 'src-main/host/store-worker.ts'),
          'nlp-worker': path.join(root, 'src-main/nlp/nlp-worker.ts'),
          'write-prep-worker': path.join(root, 'src-main/fhir/write-prep-worker.ts'),
          'frame-seal-worker': path.join(root, 'src-main/vault/frame-seal-worker.ts'),
        },
        output: { entryFileNames: '[name].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: path.join(root, 'out/preload'),
      // Everything but 'electron' is bundled: a sandboxed preload cannot require anything else.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: path.join(root, 'src-preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false },
      },
    },
  },
  renderer: {
    root: path.join(root, 'src-renderer'),
    plugins: [react()],
    css: {
      postcss: {
        plugins: [
          postcssPresetMantine(),
          postcssSimpleVars({
            variables: {
              'mantine-breakpoint-xs': '36em',
              'mantine-breakpoint-sm': '48em',
              'mantine-breakpoint-md': '62em',
              'mantine-breakpoint-lg': '75em',
              'mantine-breakpoint-xl': '88em',
            },
          }),
        ],
      },
    },
    build: {
      outDir: path.join(root, 'out/renderer'),
      emptyOutDir: true,
      // Large chart/icon libraries: one chunk warning is noise for a local app.
      chunkSizeWarningLimit: 4096,
      rolldownOptions: {
        input: path.join(root, 'src-renderer/index.html'),
      },
    },
  },
});
