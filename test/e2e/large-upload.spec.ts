/**
 * A 40+ MB upload through the web mode's Import screen must not stall the page. The file is
 * generated in a temporary folder (NDJSON Observations, nothing from ../shared, nothing kept), its
 * vault is created and locked through the API so the UI suite that follows starts from the
 * unlock screen, and the page's main thread is watched from inside (the longest gap between
 * timer ticks) while the file goes to the server.
 */
import { expect, test, type Page } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TARGET_BYTES = 42 * 1024 * 1024;
const screensDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test-results/screens');
const PASSPHRASE = 'violet harbour seventeen kites';

/**
 * Writes small NDJSON Observations (about 120 bytes a line, non-ASCII on purpose) until the file
 * holds at least `targetBytes`; returns the line count. Small lines make many records: the import
 * the upload starts must still run when the test clicks Cancel, however fast the importer gets.
 * 42 MB is about 370,000 records: some 18 s at 20,000 records/s (twice the engine's target), where
 * the test needs a second or two between seeing the job run and clicking. The 87,000 records of
 * 500-byte lines it had before would take about 4 s at that rate.
 */
function writeLargeNdjson(file: string, targetBytes: number): number {
  const fd = fs.openSync(file, 'w');
  let written = 0;
  let lines = 0;
  try {
    while (written < targetBytes) {
      const batch: string[] = [];
      for (let i = 0; i < 1000; i += 1, lines += 1) {
        batch.push(JSON.stringify({ resourceType: 'Observation', id: `lu-${lines}`, status: 'final', code: { text: `Pulse ${lines % 40}: résumé, naïve, 日本` } }));
      }
      const chunk = `${batch.join('\n')}\n`;
      fs.writeSync(fd, chunk);
      written += Buffer.byteLength(chunk);
    }
  } finally {
    fs.closeSync(fd);
  }
  return lines;
}

async function callApi<T>(hearthUrl: string, channel: string, payload: unknown): Promise<T> {
  const origin = new URL(hearthUrl).origin;
  const token = new URL(hearthUrl).hash.replace(/^#token=/, '');
  const response = await fetch(`${origin}/api/${channel}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(payload),
  });
  const result = (await response.json()) as { ok: boolean; value?: T; error?: unknown };
  if (!result.ok) throw new Error(`${channel} failed: ${JSON.stringify(result.error)}`);
  return result.value as T;
}

interface MainThreadWatch {
  last: number;
  longest: number;
}

/** Starts a watcher in the page: the longest gap between 50 ms timer ticks, in ms. */
async function watchMainThread(page: Page): Promise<void> {
  await page.evaluate(() => {
    const scope = globalThis as typeof globalThis & { mainThreadWatch?: MainThreadWatch };
    const watch: MainThreadWatch = { last: performance.now(), longest: 0 };
    scope.mainThreadWatch = watch;
    setInterval(() => {
      const now = performance.now();
      watch.longest = Math.max(watch.longest, now - watch.last);
      watch.last = now;
    }, 50);
  });
}

/** The longest gap so far, counting the one still open (a page frozen right now shows too). */
async function longestMainThreadGap(page: Page): Promise<number> {
  return page.evaluate(() => {
    const watch = (globalThis as typeof globalThis & { mainThreadWatch?: MainThreadWatch }).mainThreadWatch;
    return watch ? Math.max(watch.longest, performance.now() - watch.last) : Number.POSITIVE_INFINITY;
  });
}

test.describe('large upload in web mode', () => {
  const hearthUrl = process.env.HEARTH_URL;
  test.skip(!hearthUrl, 'HEARTH_URL is not set: run through playwright.config.ts, whose global setup starts `hearth serve`');

  let tempDir: string;

  test.beforeAll(() => {
    tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-e2e-large-'));
  });

  test.afterAll(async () => {
    // The next suite expects a locked vault (it starts on the unlock screen).
    if (hearthUrl) await callApi(hearthUrl, 'vault.lock', {}).catch(() => undefined);
    if (tempDir) fs.rmSync(tempDir, { recursive: true, force: true });
  });

  test('a 42 MB file goes to the server without stalling the page', async ({ page }) => {
    // Generating, sending and parsing 42 MB takes a while on a loaded machine; the page must not freeze.
    test.setTimeout(300_000);
    const file = path.join(tempDir, 'large-observations.ndjson');
    const lines = writeLargeNdjson(file, TARGET_BYTES);
    const size = fs.statSync(file).size;
    await callApi(hearthUrl!, 'vault.create', { path: path.join(tempDir, 'vault'), passphrase: PASSPHRASE });

    await page.goto(hearthUrl!);
    await page.getByTestId('nav-import').click();
    await page.locator('input[type="file"]').setInputFiles(file);
    await expect(page.getByTestId('selected-files')).toContainText('large-observations.ndjson');
    await watchMainThread(page);

    const started = Date.now();
    await page.getByTestId('start-import').click();
    await expect(page.getByTestId('job-status')).toHaveText('running', { timeout: 180_000 });
    const uploadMs = Date.now() - started;
    const longestGap = await longestMainThreadGap(page);
    console.log(`[large upload] ${(size / 1024 / 1024).toFixed(1)} MiB, ${lines} lines: job running after ${uploadMs} ms; longest main-thread gap ${Math.round(longestGap)} ms`);
    // Sending the text as JSON froze the page for 27 s and more before the request even left (the
    // job had not started after 60 s). Streamed, the page keeps ticking; the bound leaves room for
    // a loaded machine without letting a freeze of that kind through.
    expect(longestGap).toBeLessThan(10_000);

    fs.mkdirSync(screensDir, { recursive: true });
    await page.screenshot({ path: path.join(screensDir, '22-large-upload-running.png'), fullPage: true });

    // The upload is what is under test: the import of its records is stopped right away.
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByTestId('job-status')).toHaveText('cancelled', { timeout: 180_000 });
    await expect(page.getByTestId('report-files')).toContainText('large-observations.ndjson');
    const created = Number((await page.getByTestId('report-created').textContent())!.replace(/,/g, ''));
    console.log(`[large upload] cancelled ${Date.now() - started - uploadMs} ms after the job ran: ${created} of ${lines} records stored`);
    expect(created).toBeLessThan(lines);
  });
});
