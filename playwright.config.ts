/**
 * End-to-end tests: the web mode in Debian's Chromium (Playwright cannot download browsers
 * here), plus an Electron smoke test that skips when the Electron binary is absent.
 * global-setup builds the app when needed and starts `hearth serve --port 0` once per worker
 * (spec files run in parallel, the tests of one file in order in one worker); tests read their
 * worker's URL (with its token) from process.env.HEARTH_URL.
 */
import { defineConfig } from '@playwright/test';

/**
 * HEARTH_E2E_WORKERS sets the worker count (default 1); global-setup starts one web-mode server
 * per worker. Two workers work (each spec file on its worker's server) but were not yet measured
 * on an idle machine: on the loaded session-9 machine both specs of a 2-worker run timed out.
 */
const WORKERS = Number(process.env.HEARTH_E2E_WORKERS ?? 1);
// In a worker (this file is loaded there too, after TEST_PARALLEL_INDEX is set): its own server.
const workerUrl = process.env[`HEARTH_URL_${process.env.TEST_PARALLEL_INDEX ?? ''}`];
if (workerUrl) process.env.HEARTH_URL = workerUrl;

export default defineConfig({
  testDir: 'test/e2e',
  outputDir: 'test-results',
  workers: WORKERS,
  fullyParallel: false,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  globalSetup: './test/e2e/global-setup.ts',
  globalTeardown: './test/e2e/global-teardown.ts',
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
    viewport: { width: 1280, height: 800 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
});
