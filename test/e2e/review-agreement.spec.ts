/**
 * Annotation exchange and agreement (issue 6 §2) in the web mode: a new vault with the sample
 * notes, once the NLP has read them; reviewer Xavier accepts and rejects entities of a note from
 * the keyboard, exports in each format (a download each), and the files are imported as reviewer
 * Yuki: the first import writes the annotations, the other two formats write nothing (the same
 * annotations: lossless). Agreement is then 1; Yuki decides one entity otherwise, the agreement view shows
 * kappa below 1 and one difference, resolved from the keyboard. Screenshots light and dark.
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { copySampleVault, openVault } from './fixtures/sample-vault';
import { lockServerVault } from './fixtures/server';

const shotsDir = process.env.HEARTH_SHOTS_DIR ?? path.resolve(import.meta.dirname, '../../test-results/screens');
const X = 'Xavier';
const Y = 'Yuki';

async function setReviewer(page: Page, name: string): Promise<void> {
  await page.getByTestId('nav-settings').click();
  const field = page.getByLabel('Reviewer name');
  await field.fill(name);
  await field.locator('xpath=ancestor::div[contains(@class,"mantine-Group-root")][1]').getByRole('button', { name: 'Save' }).click();
  await expect(field.locator('xpath=ancestor::div[contains(@class,"mantine-Group-root")][1]').getByRole('button', { name: 'Save' })).toBeDisabled();
}

/** Picks an option of a Mantine Select (the input, then the option of the dropdown it opened). */
async function pick(page: Page, input: Locator, option: string): Promise<void> {
  await input.click();
  await page.getByRole('option', { name: option, exact: true }).click();
  await expect(input).toHaveValue(option);
}

test.describe('annotation exchange and agreement', () => {
  const hearthUrl = process.env.HEARTH_URL;
  test.skip(!hearthUrl, 'HEARTH_URL is not set: run through playwright.config.ts, whose global setup starts `hearth serve`');
  let root: string;

  test.beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-e2e-agreement-'));
  });

  test.afterAll(async () => {
    await lockServerVault(hearthUrl);
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  test('export in each format, import as another reviewer, agreement and a difference resolved from the keyboard', async ({ page }) => {
    test.setTimeout(1_500_000);
    fs.mkdirSync(shotsDir, { recursive: true });
    await page.emulateMedia({ colorScheme: 'light' });
    // A vault with the sample patients whose notes the NLP has read (fixtures/sample-vault.ts).
    await openVault(page, hearthUrl!, copySampleVault(path.join(root, 'vault')));

    // Xavier reviews the lowest-score note: accept, reject, accept.
    await setReviewer(page, X);
    await page.getByTestId('nav-review').click();
    await expect(page.locator('[data-testid^="queue-row-"]').first()).toBeVisible({ timeout: 120_000 });
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/#\/review\/[A-Za-z0-9\-.]+$/);
    const note = new URL(page.url()).hash;
    await expect(page.getByTestId('entity-text')).toBeVisible();
    await page.keyboard.press('a');
    await expect(page.getByTestId('entity-decision')).toHaveText('accepted');
    await page.keyboard.press('j');
    await page.keyboard.press('r');
    await expect(page.getByTestId('entity-decision')).toHaveText('rejected');
    await page.keyboard.press('j');
    await page.keyboard.press('a');
    await expect(page.getByTestId('entity-decision')).toHaveText('accepted');
    await expect(page.getByTestId('save-state')).toHaveText('Saved');
    await expect(page.getByTestId('review-counts')).toContainText('2 accepted · 1 rejected');

    // Export in each format, rejected ones included.
    await page.getByTestId('nav-review').click();
    await page.getByTestId('open-annotation-exchange').click();
    await expect(page).toHaveURL(/#\/annotations/);
    const exportCard = page.getByTestId('annotation-export');
    await expect(page.getByTestId('export-reviewer')).toHaveValue(X);
    await exportCard.getByLabel(/Include rejected/).check();
    const files: string[] = [];
    for (const format of ['Comprehend Medical JSONL', 'spaCy spans JSONL', 'BRAT standoff (.zip)']) {
      await pick(page, exportCard.getByLabel('Format', { exact: true }), format);
      const download = page.waitForEvent('download');
      await page.getByTestId('export-annotations').click();
      const file = await download;
      const saved = path.join(root, file.suggestedFilename());
      await file.saveAs(saved);
      files.push(saved);
    }
    expect(files.map((f) => path.basename(f))).toEqual([`annotations-${X}.comprehend.jsonl`, `annotations-${X}.spacy.jsonl`, `annotations-brat-${X}.zip`]);
    const comprehend = JSON.parse(fs.readFileSync(files[0]!, 'utf8').trim()) as { Entities: Array<{ Hearth: { decision: string } }> };
    expect(comprehend.Entities.map((e) => e.Hearth.decision).sort()).toEqual(['accepted', 'accepted', 'rejected']);
    expect(fs.readFileSync(files[2]!).subarray(0, 4).toString('latin1')).toBe('PK\u0003\u0004');
    await page.screenshot({ path: path.join(shotsDir, 'annotations-export-light.png') });

    // Import each file as Yuki: the first writes the three annotations, the others nothing new.
    const importCard = page.getByTestId('annotation-import');
    const written: string[] = [];
    for (const file of files) {
      await importCard.locator('input[type="file"]').setInputFiles(file);
      await page.getByTestId('import-reviewer').fill(Y);
      // Close the name suggestions, which would cover the button.
      await page.getByTestId('import-reviewer').press('Escape');
      await page.getByTestId('import-annotations').click();
      const summary = page.getByTestId('import-summary');
      await expect(summary).toBeVisible();
      written.push((await summary.textContent()) ?? '');
      if (file !== files.at(-1)) await importCard.locator('input[type="file"]').setInputFiles([]);
    }
    expect(written).toEqual(['1 note · 3 annotations written · 0 errors', '1 note · 0 annotations written · 0 errors', '1 note · 0 annotations written · 0 errors']);
    await page.screenshot({ path: path.join(shotsDir, 'annotations-import-light.png') });

    // Agreement: the same annotations.
    await page.getByRole('button', { name: 'Agreement…' }).click();
    await pick(page, page.getByTestId('agreement-a'), X);
    await pick(page, page.getByTestId('agreement-b'), Y);
    await expect(page.getByTestId('agreement-kappa')).toHaveText('1.000');
    await expect(page.getByTestId('agreement-difference-count')).toHaveText('0 differences to resolve');

    // Yuki rejects the first annotation Xavier accepted.
    await setReviewer(page, Y);
    await page.evaluate((hash) => {
      (globalThis as unknown as { location: { hash: string } }).location.hash = hash;
    }, note);
    await expect(page.getByTestId('review-counts')).toContainText('2 accepted · 1 rejected');
    // Yuki decides the selected entity the other way from Xavier (it may be one he left pending).
    await expect(page.getByTestId('entity-decision')).toBeVisible();
    const before = await page.getByTestId('entity-decision').textContent();
    await page.keyboard.press(before === 'accepted' ? 'r' : 'a');
    await expect(page.getByTestId('entity-decision')).toHaveText(before === 'accepted' ? 'rejected' : 'accepted');
    await expect(page.getByTestId('save-state')).toHaveText('Saved');

    await page.evaluate((hash) => {
      (globalThis as unknown as { location: { hash: string } }).location.hash = hash;
    }, `#/agreement?a=${X}&b=${Y}`);
    await expect(page.getByTestId('agreement-difference-count')).toHaveText('1 difference to resolve');
    expect(Number(await page.getByTestId('agreement-kappa').textContent())).toBeLessThan(1);
    await page.screenshot({ path: path.join(shotsDir, 'agreement-figures-light.png') });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: path.join(shotsDir, 'agreement-figures-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });

    // The one note both reviewed.
    await page.locator('[data-testid^="agreement-doc-"]').first().click();
    await expect(page.getByTestId('difference-0')).toContainText(/only [AB]/);
    await expect(page.getByTestId('resolved-count')).toHaveText('0 of 1 resolved');
    await page.screenshot({ path: path.join(shotsDir, 'agreement-side-by-side-light.png') });
    await page.keyboard.press('1');
    await expect(page.getByTestId('resolved-count')).toHaveText('1 of 1 resolved');
    await expect(page.getByTestId('difference-resolution')).toHaveText('took A');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: path.join(shotsDir, 'agreement-side-by-side-dark.png') });

    // The resolution is the adjudicator's record: it agrees with Xavier.
    await page.keyboard.press('Escape');
    await pick(page, page.getByTestId('agreement-b'), 'adjudicated');
    await expect(page.getByTestId('agreement-kappa')).toHaveText('1.000');
  });
});
