/**
 * The Terminology screen in the web mode (issue 5): a new vault with two notes the NLP has
 * processed, the empty state, a folder without releases (its OperationOutcome), then the official
 * ICD-10-CM FY2026 order file with the FY2017 Alphabetic Index and the RxNorm partial tables from
 * ../shared/data/terminology imported as one job: progress, the report, the stored packs, and the
 * NLP panel offering to re-run the notes processed before. Screenshots in
 * test-results/screens (or HEARTH_SHOTS_DIR). Skips without ../shared.
 */
import { expect, test } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const screensDir = process.env.HEARTH_SHOTS_DIR ?? path.resolve(here, '../../test-results/screens');
const terminologyDir = path.resolve(here, '../../../shared/data/terminology');
const releases = [path.join(terminologyDir, 'icd10cm-2026'), path.join(terminologyDir, 'icd10cm-index-2017'), path.join(terminologyDir, 'rxnorm-partial')];
const PASSPHRASE = 'amber lantern quietly rowing';

function note(id: string, text: string) {
  return { resourceType: 'DocumentReference', id, status: 'current', content: [{ attachment: { contentType: 'text/plain', data: Buffer.from(text, 'utf8').toString('base64') } }] };
}

test.describe('terminology', () => {
  const hearthUrl = process.env.HEARTH_URL;
  test.skip(!hearthUrl, 'HEARTH_URL is not set: run through playwright.config.ts, whose global setup starts `hearth serve`');
  test.skip(!releases.every((dir) => fs.existsSync(dir)), `the official releases are not in ${terminologyDir} (../shared is absent)`);
  let root: string;

  /** The services over HTTP, as the page calls them (POST /api/<channel>, bearer token). */
  async function call<T>(channel: string, input: unknown): Promise<T> {
    const url = new URL(hearthUrl!);
    const token = url.hash.replace(/^#token=/, '');
    const response = await fetch(`${url.origin}/api/${channel}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(input),
    });
    const result = (await response.json()) as { ok: boolean; value?: T; error?: unknown };
    if (!result.ok) throw new Error(`${channel}: ${JSON.stringify(result.error)}`);
    return result.value as T;
  }

  test.beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-e2e-terminology-'));
  });

  test.afterAll(async () => {
    if (hearthUrl) await call('vault.lock', {}).catch(() => undefined);
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  test('imports the official ICD-10-CM and RxNorm files and offers to re-run the notes', async ({ page }) => {
    test.setTimeout(420_000);
    fs.mkdirSync(screensDir, { recursive: true });
    await page.goto(hearthUrl!);
    // Another spec may have left a vault unlocked in the shared server: start from the lock screen.
    const lockButton = page.getByTestId('lock-button');
    const folder = page.getByLabel('Vault folder');
    await expect(lockButton.or(folder).first()).toBeVisible();
    if (await lockButton.isVisible()) await lockButton.click();
    await page.getByLabel('Vault folder').fill(path.join(root, 'vault'));
    await page.getByLabel('New passphrase').fill(PASSPHRASE);
    await page.getByLabel('Confirm passphrase').fill(PASSPHRASE);
    await page.getByRole('button', { name: 'Create a new vault' }).click();
    await expect(page.getByTestId('lock-button')).toBeVisible({ timeout: 60_000 });

    // Two notes, processed with the built-in lexicon before any pack is stored.
    await call('resources.update', { resource: note('n1', 'Assessment: essential hypertension. Continue lisinopril 10 mg daily.') });
    await call('resources.update', { resource: note('n2', 'Type 2 diabetes mellitus, on metformin 500 mg twice daily.') });
    await expect.poll(async () => (await call<{ current: number }>('nlp.status', {})).current, { timeout: 120_000 }).toBe(2);

    await page.getByTestId('nav-terminology').click();
    await expect(page).toHaveURL(/#\/terminology$/);
    await expect(page.getByTestId('terminology-empty')).toContainText('icd10cm-order-YYYY.txt');
    await page.screenshot({ path: path.join(screensDir, '40-terminology-empty.png'), fullPage: true });

    // A folder without any release: the job fails with the services' OperationOutcome.
    const emptyFolder = path.join(root, 'downloads');
    fs.mkdirSync(emptyFolder);
    await page.getByTestId('terminology-paths').fill(emptyFolder);
    await page.getByTestId('start-terminology-import').click();
    await expect(page.getByTestId('terminology-job-error')).toContainText('No terminology release found', { timeout: 60_000 });
    await page.screenshot({ path: path.join(screensDir, '41-terminology-bad-folder.png'), fullPage: true });
    await page.getByRole('button', { name: 'Import another release' }).click();

    await page.getByTestId('terminology-paths').fill(releases.join('\n'));
    // What the progress panel shows while the job runs is recorded in the page and checked once the
    // job has ended: the panel goes away with the job, and a machine that reads the files in a
    // second or two could finish between two looks of a test that waited for it on screen.
    await page.evaluate(() => {
      interface Doc {
        body: unknown;
        querySelector(selector: string): { textContent: string | null } | null;
      }
      const scope = globalThis as unknown as {
        document: Doc;
        MutationObserver: new (callback: () => void) => { observe(target: unknown, options: Record<string, boolean>): void };
        hearthTerminologySeen?: { messages: string[]; done: string[] };
      };
      const seen = { messages: [] as string[], done: [] as string[] };
      scope.hearthTerminologySeen = seen;
      const look = (): void => {
        const message = scope.document.querySelector('[data-testid="terminology-job-message"]')?.textContent;
        const done = scope.document.querySelector('[data-testid="terminology-job-done"]')?.textContent;
        if (message && seen.messages.at(-1) !== message) seen.messages.push(message);
        if (done && seen.done.at(-1) !== done) seen.done.push(done);
      };
      new scope.MutationObserver(look).observe(scope.document.body, { subtree: true, childList: true, characterData: true });
    });
    const started = Date.now();
    await page.getByTestId('start-terminology-import').click();
    await expect(page).toHaveURL(/#\/terminology\?job=/);
    await page.screenshot({ path: path.join(screensDir, '42-terminology-progress.png'), fullPage: true });

    await expect(page.getByTestId('terminology-job-status')).toHaveText('succeeded', { timeout: 300_000 });
    // Progress while the files were read (the ICD-10-CM order file alone is 14.7 MB).
    const seen = await page.evaluate(() => (globalThis as unknown as { hearthTerminologySeen: { messages: string[]; done: string[] } }).hearthTerminologySeen);
    expect(seen.messages.some((message) => message.startsWith('Reading'))).toBe(true);
    expect(seen.done.some((done) => /^[1-9][\d,]* records read$/.test(done))).toBe(true);
    const seconds = Math.round((Date.now() - started) / 100) / 10;
    console.log(`[e2e] terminology import of ICD-10-CM FY2026 + FY2017 index + RxNorm partial: ${seconds} s (job start to succeeded, as the page saw it)`);
    const report = page.getByTestId('terminology-report');
    await expect(report.getByTestId('report-icd10-codes')).toHaveText('98,186');
    await expect(report.getByTestId('report-icd10-billable')).toHaveText('74,719');
    await expect(report.getByTestId('report-icd10-index')).toContainText('59,397 joined');
    await expect(report.getByTestId('report-rxnorm-concepts')).toHaveText('26,792');
    await expect(report.getByTestId('report-rxnorm-tty')).toContainText('SCD');
    await expect(page.getByTestId('terminology-packs')).toContainText('icd10cm-2026');
    await expect(page.getByTestId('terminology-packs')).toContainText('rxnorm-partial');

    // The engine now includes the packs: the two notes were processed by the older one.
    await expect(page.getByTestId('nlp-notice')).toContainText('2 notes were processed by an older engine', { timeout: 180_000 });
    await page.screenshot({ path: path.join(screensDir, '43-terminology-report.png'), fullPage: true });
    await page.getByRole('button', { name: 'Re-run' }).click();
    await expect(page.getByTestId('nlp-notice')).toHaveCount(0, { timeout: 180_000 });
    await expect(page.getByTestId('nlp-counts')).toContainText('2 of 2 notes processed', { timeout: 180_000 });
  });
});
