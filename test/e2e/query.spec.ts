/**
 * The query screen (issue 6 §4) in the web mode, over a new vault with the sample data: build
 * `Condition?code=I10` in the builder, run it with Enter, add a column, save the query (Ctrl+S),
 * reload the page and run the saved query, export the results as CSV (a browser download of every
 * match, the chosen columns), and see the cohort plot. Screenshots, light and dark, go to
 * $HEARTH_SHOTS_DIR (default test-results/screens). The vault is locked at the end.
 */
import { expect, test, type Page } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { copySampleVault, openVault } from './fixtures/sample-vault';
import { fileURLToPath } from 'node:url';
import { lockServerVault } from './fixtures/server';

const shotsDir = process.env.HEARTH_SHOTS_DIR ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test-results/screens');

async function shoot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(shotsDir, { recursive: true });
  await page.screenshot({ path: path.join(shotsDir, `${name}-light.png`), fullPage: true });
  await page.getByRole('button', { name: 'Toggle colour theme' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-mantine-color-scheme', 'dark');
  await page.screenshot({ path: path.join(shotsDir, `${name}-dark.png`), fullPage: true });
  await page.getByRole('button', { name: 'Toggle colour theme' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-mantine-color-scheme', 'light');
}

test.describe('query screen', () => {
  const hearthUrl = process.env.HEARTH_URL;
  test.skip(!hearthUrl, 'HEARTH_URL is not set: run through playwright.config.ts, whose global setup starts `hearth serve`');
  let root: string;

  test.beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-e2e-query-'));
  });

  test.afterAll(async () => {
    await lockServerVault(hearthUrl);
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  test('build, run, choose a column, save, reload, run the saved query, export CSV, plot the cohort', async ({ page }) => {
    test.setTimeout(480_000);
    // A vault with the sample patients whose notes the NLP has read (fixtures/sample-vault.ts).
    await openVault(page, hearthUrl!, copySampleVault(path.join(root, 'vault')));

    // The nav entry opens the screen; `Patient` is the starting query.
    await page.getByTestId('nav-query').click();
    await expect(page).toHaveURL(/#\/query$/);
    const raw = page.getByTestId('raw-query');
    await raw.fill('Condition');
    await page.getByTestId('add-parameter').click();
    const row = page.getByTestId('query-row').first();
    await row.getByTestId('param-code').fill('code');
    await page.keyboard.press('Escape');
    await row.getByTestId('param-value').fill('I10');
    // The builder writes the raw query.
    await expect(raw).toHaveValue('Condition?code=I10');
    await row.getByTestId('param-value').press('Enter');
    await expect(page).toHaveURL(/#\/query\?q=Condition%3Fcode%3DI10/);
    const table = page.getByTestId('query-table');
    await expect(table.getByTestId('query-row-result').first()).toBeVisible();
    const totalText = (await page.getByTestId('result-total').textContent()) ?? '';
    const total = Number(/^([\d,]+) match/.exec(totalText)?.[1]?.replace(/,/g, ''));
    expect(total).toBeGreaterThan(0);
    await expect(table.getByTestId('query-row-result').first()).toContainText('I10');

    // A column of our own: remembered for Condition.
    const picker = page.getByTestId('column-picker');
    await picker.fill('recordedDate');
    await picker.press('Enter');
    await expect(table.getByRole('columnheader', { name: 'recordedDate' })).toBeVisible();
    await page.getByTestId('query-row-result').first().click();
    await expect(page.getByTestId('resource-drawer')).toContainText('"resourceType": "Condition"');
    await page.keyboard.press('Escape');
    await shoot(page, 'query-results');

    // Ctrl+S saves it in the vault.
    await raw.click();
    await page.keyboard.press('Control+s');
    await page.getByTestId('save-name').fill('Hypertension (coded)');
    await page.getByTestId('save-confirm').click();
    // The list is read again after the save; like every call it may wait behind the NLP's writes.
    await expect(page.getByTestId('saved-queries')).toContainText('Hypertension (coded)', { timeout: 60_000 });

    // After a reload (the vault stays open in web mode) the saved query runs again with its columns.
    await page.goto(`${new URL(hearthUrl!).origin}/#/query`);
    await page.reload();
    // The NLP is reading the sample's notes meanwhile: calls may wait behind its writes.
    await expect(page.getByTestId('saved-queries')).toContainText('Hypertension (coded)', { timeout: 60_000 });
    await page.getByTestId('saved-query-open').first().click();
    await expect(raw).toHaveValue('Condition?code=I10');
    await expect(table.getByRole('columnheader', { name: 'recordedDate' })).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('result-total')).toHaveText(totalText);

    // Export CSV: one download of every match with the chosen columns.
    const downloadPromise = page.waitForEvent('download');
    await page.getByTestId('export-menu').click();
    await page.getByTestId('export-csv').click();
    const download = await downloadPromise;
    expect(download.suggestedFilename()).toMatch(/^Condition-.*\.csv$/);
    const file = path.join(root, 'export.csv');
    await download.saveAs(file);
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\r\n');
    expect(lines[0]).toContain('recordedDate');
    expect(lines[0]!.startsWith('id,')).toBe(true);
    expect(lines.length).toBe(total + 1);

    // The cohort: patients by condition category, then by sex.
    await page.getByTestId('cohort-tab').click();
    await expect(page.getByTestId('cohort-summary')).toContainText(/\d+ patients? from [\d,]+ matching Condition/);
    await expect(page.locator('.recharts-bar-rectangle').first()).toBeVisible();
    await expect(page.getByTestId('cohort-panel')).toContainText('I10');
    await shoot(page, 'query-cohort');
    await page.getByText('By age band').click();
    // Every band is listed, empty ones as a zero-width bar: wait for a bar that has a width.
    await expect(page.getByTestId('cohort-panel')).toContainText('0-9');
    await expect(page.locator('.recharts-bar-rectangle').filter({ visible: true }).first()).toBeVisible();
    await shoot(page, 'query-cohort-age');

    // Entity search as a filter: notes mentioning hypertension, not negated, concept score at least
    // 0.5, once the NLP has read the sample's notes.
    await page.getByTestId('nav-home').click();
    await expect(page.getByTestId('nlp-counts')).toHaveText(/^([\d,]+) of \1 notes processed$/, { timeout: 180_000 });
    await page.getByTestId('nav-query').click();
    await raw.fill('DocumentReference');
    await page.getByTestId('add-entity-filter').click();
    await page.getByTestId('entity-concept').fill('hypertension');
    await page.getByRole('option', { name: /^I10 / }).first().click();
    await page.getByTestId('entity-score').fill('0.5');
    await expect(raw).toHaveValue('DocumentReference?nlp-icd10cm=I10&nlp-score=ge0.5');
    await page.getByTestId('entity-score').press('Enter');
    await expect(page).toHaveURL(/#\/query\?q=DocumentReference/);
    await expect(table.getByTestId('query-row-result').first()).toBeVisible();
    const notes = Number(/^([\d,]+) match/.exec((await page.getByTestId('result-total').textContent()) ?? '')?.[1]?.replace(/,/g, ''));
    expect(notes).toBeGreaterThan(0);
    await shoot(page, 'query-entities');
    await page.getByTestId('cohort-tab').click();
    await page.getByTestId('cohort-nlp').check({ force: true });
    await expect(page.getByTestId('cohort-summary')).toContainText(/matching DocumentReference/);
    await expect(page.locator('.recharts-bar-rectangle').first()).toBeVisible();
    await shoot(page, 'query-entities-cohort');
  });
});
