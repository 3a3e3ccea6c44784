/**
 * End to end through the web mode: the built renderer in Chromium against `hearth serve`, started
 * by the global setup (playwright.config.ts), which puts its URL (with the token) in HEARTH_URL.
 *
 * One vault in a fresh temporary folder, driven like a user: create, import a Synthea bundle (or
 * the fixture when ../shared is absent), Home counts, a Patient and its history, lock, a wrong
 * passphrase, unlock, bad records with line and reason, settings, palette, dark theme. Each
 * screen is saved under test-results/screens/ for a human to look at.
 */
import { expect, test, type Page } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const syntheaDir = path.resolve(repoRoot, '../shared/data/synthea/r4-bundles');
const fixtureDir = path.resolve(repoRoot, 'test/fixtures/e2e');
const screensDir = path.resolve(repoRoot, 'test-results/screens');
const PASSPHRASE = 'copper lantern orbit tangerine';

function syntheaBundles(limit: number): string[] {
  if (!fs.existsSync(syntheaDir)) return [];
  return fs
    .readdirSync(syntheaDir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .slice(0, limit)
    .map((name) => path.join(syntheaDir, name));
}

function firstSyntheaBundle(): string | null {
  return syntheaBundles(1)[0] ?? null;
}

/** Resource counts of a Bundle, to compare with what Home shows. */
function bundleCounts(file: string): Map<string, number> {
  const bundle = JSON.parse(fs.readFileSync(file, 'utf8')) as { entry?: Array<{ resource?: { resourceType?: string } }> };
  const counts = new Map<string, number>();
  for (const entry of bundle.entry ?? []) {
    const type = entry.resource?.resourceType;
    if (type) counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  return counts;
}

/** `count` small, valid Observations, one per line, written in blocks (about 120 MB for 400k). */
function writeObservationsNdjson(file: string, count: number): void {
  const fd = fs.openSync(file, 'w');
  try {
    const block = 10_000;
    for (let start = 0; start < count; start += block) {
      const lines: string[] = [];
      for (let i = start; i < Math.min(count, start + block); i++) {
        lines.push(
          JSON.stringify({
            resourceType: 'Observation',
            id: `e2e-cancel-${i}`,
            status: 'final',
            code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
            effectiveDateTime: new Date(Date.UTC(2020, 0, 1) + i * 60_000).toISOString(),
            valueQuantity: { value: 50 + (i % 70), unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
          }),
        );
      }
      fs.writeSync(fd, lines.join('\n') + '\n');
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** The part of the DOM's Animation that shot() reads (tsconfig.node.json has no DOM types). */
interface SettlingAnimation {
  playState: string;
  effect: { getComputedTiming(): { endTime?: number | string } } | null;
}

async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(screensDir, { recursive: true });
  // Let transitions settle so the picture shows the screen, not an animation frame: CSS
  // transitions and animations (Mantine's) are waited for; a Recharts chart animates from script,
  // invisible to getAnimations(), so a screen with one still gets the fixed 400 ms (the others
  // used to get it too: 21 shots, 8.4 s of fixed waits per run).
  await page.evaluate('window.scrollTo(0, 0)');
  await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
  // (Endless ones, a loader or a striped progress bar, are part of the picture: not waited for.)
  // (A function, not a string: the page's CSP forbids the eval a string predicate needs.)
  await page.waitForFunction(() => (globalThis as unknown as { document: { getAnimations(): SettlingAnimation[] } }).document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getComputedTiming().endTime === Infinity));
  if ((await page.locator('.recharts-wrapper').count()) > 0) await page.waitForTimeout(400);
  await page.screenshot({ path: path.join(screensDir, `${name}.png`), fullPage: true });
}

/**
 * Opens the Import screen ready for new files. The screen shows either the file picker or the last
 * job's report with "Import more": wait until one of them is there before looking (isVisible does
 * not wait, and a check made before the screen rendered would skip the button).
 */
async function openImportPicker(page: Page): Promise<void> {
  await page.getByTestId('nav-import').click();
  const newImport = page.getByRole('button', { name: 'Import more' });
  await expect(newImport.or(page.locator('input[type="file"]')).first()).toBeAttached();
  if (await newImport.isVisible()) await newImport.click();
}

async function importFiles(page: Page, files: string[]): Promise<void> {
  await openImportPicker(page);
  await page.locator('input[type="file"]').setInputFiles(files);
  await expect(page.getByTestId('selected-files')).toContainText(path.basename(files[0]!));
  await page.getByTestId('start-import').click();
  await expect(page.getByTestId('job-status')).toHaveText(/succeeded|failed|cancelled/, { timeout: 120_000 });
  await expect(page.getByTestId('import-report')).toBeVisible();
}

test.describe.configure({ mode: 'serial' });

test.describe('Hearth web UI', () => {
  const hearthUrl = process.env.HEARTH_URL;
  test.skip(!hearthUrl, 'HEARTH_URL is not set: run through playwright.config.ts, whose global setup starts `hearth serve`');

  let page: Page;
  let vaultDir: string;
  /** Script errors and console errors (a CSP violation shows up here). */
  const pageErrors: string[] = [];
  const bundle = firstSyntheaBundle() ?? path.join(fixtureDir, 'small-bundle.json');
  const expected = bundleCounts(bundle);

  test.beforeAll(async ({ browser }) => {
    if (!firstSyntheaBundle()) console.warn(`Synthea bundles not found at ${syntheaDir}: importing the fixture bundle instead`);
    vaultDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-e2e-')), 'vault');
    page = await browser.newPage({ viewport: { width: 1280, height: 860 }, colorScheme: 'light' });
    page.on('pageerror', (error) => pageErrors.push(`pageerror: ${error.message}`));
    page.on('crash', () => pageErrors.push('the page crashed'));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(`console: ${message.text()} (${message.location().url})`);
    });
  });

  // A failure in CI leaves only the printed output: print what the page showed and what it logged.
  test.afterEach(async ({}, testInfo) => {
    if (testInfo.status === testInfo.expectedStatus || !page) return;
    const shown = page.isClosed() ? '(page closed)' : await page.locator('body').innerText({ timeout: 5_000 }).catch((error: Error) => `(unreadable: ${error.message})`);
    console.log(`[${testInfo.title}] URL ${page.isClosed() ? '' : page.url().replace(/#token=.*/, '#token=…')}\n[page text] ${shown.slice(0, 3000)}\n[page errors] ${pageErrors.join('\n') || 'none'}`);
  });

  test.afterAll(async () => {
    await page?.close();
    if (vaultDir) fs.rmSync(path.dirname(vaultDir), { recursive: true, force: true });
  });

  test('creates a vault in an empty folder', async () => {
    await page.goto(hearthUrl!);
    // The token leaves the address bar as soon as the app has read it.
    await expect(page).not.toHaveURL(/token=/);
    await expect(page.getByRole('heading', { name: 'Hearth' })).toBeVisible();
    await shot(page, '01-unlock-empty');

    await page.getByLabel('Vault folder').fill(vaultDir);
    const create = page.getByRole('button', { name: 'Create a new vault' });
    await expect(create).toBeVisible();
    await page.getByLabel('New passphrase').fill('short');
    await expect(create).toBeDisabled();
    await page.getByLabel('New passphrase').fill(PASSPHRASE);
    await page.getByLabel('Confirm passphrase').fill(PASSPHRASE);
    await shot(page, '02-create');
    await expect(create).toBeEnabled();
    await create.click();

    await expect(page.getByTestId('vault-path')).toContainText(vaultDir, { timeout: 30_000 });
    await expect(page.getByTestId('home-empty')).toBeVisible();
    await shot(page, '03-home-empty');
  });

  test('imports a bundle and shows the counts on Home', async () => {
    await importFiles(page, [bundle]);
    await expect(page.getByTestId('job-status')).toHaveText('succeeded');
    await expect(page.getByTestId('report-failed')).toHaveText('0');
    const total = [...expected.values()].reduce((sum, count) => sum + count, 0);
    await expect(page.getByTestId('report-created')).toHaveText(total.toLocaleString('en-US'));
    await shot(page, '04-import-report');

    await page.getByTestId('nav-home').click();
    await expect(page.getByTestId('total-resources')).toHaveText(total.toLocaleString('en-US'));
    for (const [type, count] of expected) {
      await expect(page.getByTestId(`count-${type}`)).toHaveText(count.toLocaleString('en-US'));
    }
    await shot(page, '05-home');
  });

  test('browses Patients, opens one and its history', async () => {
    await page.getByTestId('nav-resources').click();
    await page.getByTestId('type-Patient').click();
    await expect(page).toHaveURL(/#\/resources\/Patient/);
    const rows = page.getByTestId('resource-table').locator('tbody tr');
    await expect(rows).toHaveCount(expected.get('Patient') ?? 1);
    await shot(page, '06-resources-patient');

    // Keyboard: Enter opens the selected row, Esc comes back.
    await page.locator('body').click({ position: { x: 5, y: 300 } });
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/#\/resources\/Patient\/[A-Za-z0-9\-.]+$/);
    await expect(page.getByTestId('json-view')).toContainText('"resourceType": "Patient"');
    await expect(page.getByTestId('history-list')).toContainText('Version 1');
    await shot(page, '07-resource-patient');
    await page.keyboard.press('Escape');
    await expect(page).toHaveURL(/#\/resources\/Patient$/);
    // The browser's Back returns to the resource.
    await page.goBack();
    await expect(page.getByTestId('json-view')).toBeVisible();

    await page.getByTestId('nav-resources').click();
    await page.getByTestId('type-Observation').click();
    await expect(page.getByTestId('resource-table')).toBeVisible();
    await shot(page, '08-resources-observation');
  });

  test('locks, refuses a wrong passphrase, unlocks with the data still there', async () => {
    await page.getByTestId('lock-button').click();
    const unlock = page.getByRole('button', { name: 'Unlock' });
    await expect(unlock).toBeVisible();
    await expect(page.getByLabel('Vault folder')).toHaveValue(vaultDir);
    await page.getByLabel('Passphrase').fill('not the passphrase at all');
    await unlock.click();
    await expect(page.getByText(/wrong passphrase/i)).toBeVisible({ timeout: 30_000 });
    await shot(page, '09-wrong-passphrase');

    await page.getByLabel('Passphrase').fill(PASSPHRASE);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await expect(page.getByTestId('vault-path')).toContainText(vaultDir, { timeout: 30_000 });
    await page.getByTestId('nav-home').click();
    const total = [...expected.values()].reduce((sum, count) => sum + count, 0);
    await expect(page.getByTestId('total-resources')).toHaveText(total.toLocaleString('en-US'));
  });

  test('reports bad records with file, line and reason', async () => {
    const badFile = path.join(fixtureDir, 'bad-records.ndjson');
    await importFiles(page, [badFile]);
    const errors = page.getByTestId('report-errors');
    await expect(errors).toBeVisible();
    await expect(page.getByTestId('report-failed')).not.toHaveText('0');
    // Line 3 is cut-off JSON, line 4 an unknown resource type, line 5 an invalid id.
    for (const line of ['3', '4', '5']) {
      await expect(errors.locator('tbody tr').filter({ has: page.locator(`td:nth-child(2):text-is("${line}")`) })).toHaveCount(1);
    }
    await expect(errors).toContainText('bad-records.ndjson');
    await shot(page, '10-import-bad-records');

    // The good records went in: the Patient written twice has two versions.
    await page.goto(`${new URL(hearthUrl!).origin}/#/resources/Patient/e2e-patient-1`);
    await expect(page.getByTestId('json-view')).toContainText('1975-01-09');
    await expect(page.getByTestId('history-list')).toContainText('Version 2');
    await page.getByTestId('history-list').getByText('Version 1').click();
    await expect(page).toHaveURL(/_history\/1$/);
    await expect(page.getByTestId('json-view')).not.toContainText('1975-01-09');
    await shot(page, '11-resource-history-version');
  });

  test('settings, verify, palette and shortcuts', async () => {
    await page.getByTestId('nav-settings').click();
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(page.getByTestId('verify-report')).toContainText('Vault OK', { timeout: 60_000 });
    await shot(page, '12-settings');

    await page.getByTestId('nav-home').click();
    await page.keyboard.press('Control+K');
    await page.getByPlaceholder(/Type a command/).fill('Observation');
    await expect(page.getByText('Open resource type Observation')).toBeVisible();
    await shot(page, '13-command-palette');
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/#\/resources\/Observation/);

    await page.locator('body').click({ position: { x: 5, y: 300 } });
    await page.keyboard.press('Shift+?');
    await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeVisible();
    await shot(page, '14-shortcuts');
    await page.keyboard.press('Escape');
  });

  test('imports several files in one job, with Cancel while it runs', async () => {
    // Several files in one job, streamed from disk by the browser (no text goes through the page).
    const files = syntheaBundles(9).slice(1);
    test.skip(files.length < 2, `Synthea bundles not found at ${syntheaDir}`);
    const names = files.map((file) => path.basename(file));
    await openImportPicker(page);
    await page.locator('input[type="file"]').setInputFiles(files);
    await expect(page.getByTestId('selected-files').locator('tbody tr')).toHaveCount(files.length);
    await page.getByTestId('start-import').click();
    await expect(page.getByTestId('job-panel')).toBeVisible({ timeout: 60_000 });

    // The job may end before the click lands: Cancel then goes away, and a click without a bound
    // would wait for a Cancel button that never comes back (until the test's own timeout). So the
    // click has a bound, and a missed click must mean the job had finished. ("Import more" used to
    // take Cancel's place, and a click that landed as the job ended started over: CI saw it.)
    const status = page.getByTestId('job-status');
    const cancelled = await page
      .getByRole('button', { name: 'Cancel' })
      .click({ timeout: 5_000 })
      .then(
        () => true,
        () => false,
      );
    await expect(status).toHaveText(cancelled ? /cancelled|succeeded/ : 'succeeded', { timeout: 120_000 });
    await expect(page.getByTestId('import-report')).toBeVisible();

    // Each file the job reached has its row; a job that ran to the end reached them all.
    const fileRows = page.getByTestId('report-files').locator('tbody tr');
    if ((await status.textContent()) === 'succeeded') {
      await expect(fileRows).toHaveCount(files.length);
    } else {
      await expect(fileRows.first()).toBeVisible();
      expect(await fileRows.count()).toBeLessThanOrEqual(files.length);
    }
    for (const row of await fileRows.allTextContents()) {
      expect(names.some((name) => row.startsWith(name))).toBe(true);
    }
    await shot(page, '16-import-after-cancel');
  });

  test('shows the live progress of a running import and cancels it', async () => {
    // The job must still be running when the page has drawn its progress and the test clicks
    // Cancel, however fast the importer gets: 51 Synthea bundles (10k records) once finished
    // first on CI. So one generated NDJSON file of 400,000 small Observations, read by the
    // services from its path (no upload): over a minute at today's rate, still 20 s at 20,000/s.
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-e2e-cancel-'));
    const file = path.join(folder, 'observations.ndjson');
    writeObservationsNdjson(file, 400_000);
    try {
      const origin = new URL(hearthUrl!).origin;
      const token = new URL(hearthUrl!).hash.replace(/^#token=/, '');
      const response = await fetch(`${origin}/api/import.start`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ sources: [{ kind: 'path', path: file }] }),
      });
      const started = (await response.json()) as { ok: boolean; value?: { jobId: string } };
      expect(started.ok).toBe(true);
      // The screen follows any job through its #/import?job= route.
      await page.goto(`${origin}/#/import?job=${started.value!.jobId}`);
      await expect(page.getByTestId('job-status')).toHaveText('running');
      await expect(page.getByTestId('job-done')).toContainText(/[1-9][\d,]* .*records/);
      await shot(page, '15-import-progress');
      await page.getByRole('button', { name: 'Cancel' }).click();
      await expect(page.getByTestId('job-status')).toHaveText('cancelled', { timeout: 60_000 });
      await expect(page.getByTestId('import-report')).toBeVisible();
      // What was committed before the cancel stays: some records, fewer than the file holds.
      const created = Number((await page.getByTestId('report-created').textContent())!.replace(/,/g, ''));
      expect(created).toBeGreaterThan(0);
      expect(created).toBeLessThan(400_000);
      await expect(page.getByText(/cancelled/).first()).toBeVisible();
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  test('dark theme', async () => {
    await page.getByRole('button', { name: 'Toggle colour theme' }).click();
    await expect(page.locator('html')).toHaveAttribute('data-mantine-color-scheme', 'dark');
    await page.getByTestId('nav-home').click();
    await expect(page.getByTestId('total-resources')).toBeVisible();
    await shot(page, '17-dark-home');
    await page.getByTestId('nav-resources').click();
    await page.getByTestId('type-Patient').click();
    await page.getByTestId('resource-table').locator('tbody tr').first().click();
    await expect(page.getByTestId('json-view')).toBeVisible();
    await shot(page, '18-dark-resource');
    await page.getByTestId('nav-import').click();
    await shot(page, '19-dark-import');
    await page.getByTestId('nav-settings').click();
    await shot(page, '20-dark-settings');
    await page.getByTestId('lock-button').click();
    await expect(page.getByRole('button', { name: 'Unlock' })).toBeVisible();
    await shot(page, '21-dark-unlock');
    // Leave the shared settings as found for other suites.
    await page.getByRole('button', { name: 'Toggle colour theme' }).click();
    await expect(page.locator('html')).toHaveAttribute('data-mantine-color-scheme', 'light');
  });

  test('ran without script or console errors', async () => {
    expect(pageErrors).toEqual([]);
  });
});
