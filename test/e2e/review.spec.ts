/**
 * The review workspace (issue 6 §1) in the web mode, on a copy of the sample vault (its notes read
 * by the NLP): the queue (lowest score first), the lowest-score note reviewed from the
 * keyboard only (next entity, accept, reject, toggle negation, undo, redo, next document), and after
 * a reload the decisions are still there. Screenshots of the queue and a note, light and dark.
 */
import { expect, test, type Page } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { copySampleVault, openVault } from './fixtures/sample-vault';
import { lockServerVault } from './fixtures/server';

const shotsDir = process.env.HEARTH_SHOTS_DIR ?? path.resolve(import.meta.dirname, '../../test-results/screens');

async function negated(page: Page): Promise<boolean> {
  return page.getByTestId('trait-NEG').locator('input').or(page.locator('input[data-testid="trait-NEG"]')).first().isChecked();
}

test.describe('review workspace', () => {
  const hearthUrl = process.env.HEARTH_URL;
  test.skip(!hearthUrl, 'HEARTH_URL is not set: run through playwright.config.ts, whose global setup starts `hearth serve`');
  let root: string;

  test.beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-e2e-review-'));
  });

  test.afterAll(async () => {
    await lockServerVault(hearthUrl);
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  test('review the lowest-score note from the keyboard; decisions survive a reload', async ({ page }) => {
    test.setTimeout(420_000);
    fs.mkdirSync(shotsDir, { recursive: true });
    await page.emulateMedia({ colorScheme: 'light' });
    // A vault with the sample patients whose notes the NLP has read (fixtures/sample-vault.ts).
    await openVault(page, hearthUrl!, copySampleVault(path.join(root, 'vault')));

    // The queue, after the reviewer's name (asked once).
    await page.getByTestId('nav-review').click();
    const rows = page.locator('[data-testid^="queue-row-"]');
    const nameField = page.getByLabel('Your name');
    // The name lives in the server's settings: another spec of this run may have set it already.
    await expect(nameField.or(page.getByTestId('queue-filters'))).toBeVisible();
    if (await nameField.isVisible()) {
      await nameField.fill('E2E Reviewer');
      await page.getByRole('button', { name: 'Start reviewing' }).click();
    }
    // The first queue request builds the service's summaries of every note.
    const asked = Date.now();
    await expect(rows.first()).toBeVisible({ timeout: 120_000 });
    console.log(`[review e2e] first queue page after ${Date.now() - asked} ms`);
    const scores = (await page.getByTestId('row-score').allTextContents()).slice(0, 5).map(Number);
    expect(scores).toEqual([...scores].sort((a, b) => a - b));
    await page.screenshot({ path: path.join(shotsDir, 'review-queue-light.png') });

    // Open the lowest-score note with Enter, review it with keys only.
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/#\/review\/[A-Za-z0-9\-.]+$/);
    const firstNote = new URL(page.url()).hash;
    await expect(page.getByTestId('document-review')).toBeVisible();
    const entity = page.getByTestId('entity-text');
    await expect(entity).toBeVisible();
    const offsets = page.getByTestId('entity-panel').getByText(/offsets \d+–\d+/);
    const before = await offsets.textContent();
    await page.keyboard.press('j');
    await expect(offsets).not.toHaveText(before ?? '');
    await page.keyboard.press('a');
    await expect(page.getByTestId('entity-decision')).toHaveText('accepted');
    await page.keyboard.press('j');
    await page.keyboard.press('r');
    await expect(page.getByTestId('entity-decision')).toHaveText('rejected');
    const wasNegated = await negated(page);
    await page.keyboard.press('t');
    await page.keyboard.press('n');
    await expect.poll(() => negated(page)).toBe(!wasNegated);
    await expect(page.getByTestId('save-state')).toHaveText('Saved');
    await page.keyboard.press('Control+z');
    await expect.poll(() => negated(page)).toBe(wasNegated);
    await expect(page.getByTestId('save-state')).toHaveText('Saved');
    await page.keyboard.press('Control+Shift+Z');
    await expect.poll(() => negated(page)).toBe(!wasNegated);
    await expect(page.getByTestId('save-state')).toHaveText('Saved');
    await expect(page.getByTestId('review-counts')).toContainText('1 accepted · 1 rejected');
    await expect(page.getByTestId('review-status')).toHaveText('In progress');
    await page.screenshot({ path: path.join(shotsDir, 'review-note-light.png') });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: path.join(shotsDir, 'review-note-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });

    await page.keyboard.press('n');
    await expect(page).not.toHaveURL(new RegExp(`${firstNote.replace(/[.]/g, '\\.')}$`));
    await expect(page.getByTestId('document-review')).toBeVisible();

    // Reload, go back to the first note: the decisions are stored.
    await page.reload();
    await page.evaluate((hash) => {
      (globalThis as unknown as { location: { hash: string } }).location.hash = hash;
    }, firstNote);
    await expect(page.getByTestId('review-counts')).toContainText('1 accepted · 1 rejected');
    await expect(page.getByTestId('review-status')).toHaveText('In progress');
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await expect(page.getByTestId('entity-decision')).toHaveText('rejected');
    await expect.poll(() => negated(page)).toBe(!wasNegated);

    await page.getByTestId('nav-review').click();
    await expect(rows.first()).toBeVisible();
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: path.join(shotsDir, 'review-queue-dark.png') });
  });
});
