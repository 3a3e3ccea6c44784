/**
 * The patient chart (issue 6 §3) in the web mode: a new vault with the sample patients, once the
 * NLP has read their notes: a chart opened from the Patient list, its trend plots (points, the
 * reference band, out-of-range points), the to-do list of conditions found in notes and not coded,
 * and a note opened from it (entities drawn, then to the review). Screenshots light and dark in
 * HEARTH_SHOTS_DIR (default test-results/screens).
 */
import { expect, test, type Page } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { copySampleVault, openVault } from './fixtures/sample-vault';
import { lockServerVault } from './fixtures/server';

const shotsDir = process.env.HEARTH_SHOTS_DIR ?? path.resolve(import.meta.dirname, '../../test-results/screens');

interface ChartShape {
  todo: unknown[];
  notes: unknown[];
  series: Array<{ points: Array<{ outOfRange: boolean }> }>;
}

async function goHash(page: Page, hash: string): Promise<void> {
  await page.evaluate((target) => {
    (globalThis as unknown as { location: { hash: string } }).location.hash = target;
  }, hash);
}

async function shoot(page: Page, name: string): Promise<void> {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.screenshot({ path: path.join(shotsDir, `${name}-light.png`), fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: path.join(shotsDir, `${name}-dark.png`), fullPage: true });
  await page.emulateMedia({ colorScheme: 'light' });
}

test.describe('patient chart', () => {
  const hearthUrl = process.env.HEARTH_URL;
  test.skip(!hearthUrl, 'HEARTH_URL is not set: run through playwright.config.ts, whose global setup starts `hearth serve`');
  let root: string;

  const api = async <T>(method: string, body: unknown): Promise<T> => {
    const origin = new URL(hearthUrl!).origin;
    const token = new URL(hearthUrl!).hash.replace(/^#token=/, '');
    const response = await fetch(`${origin}/api/${method}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    const result = (await response.json()) as { ok: boolean; value: T };
    expect(result.ok).toBe(true);
    return result.value;
  };

  test.beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-e2e-chart-'));
  });

  test.afterAll(async () => {
    await lockServerVault(hearthUrl);
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  test('a sample patient: trends against ranges, the to-do list, a note with its entities', async ({ page }) => {
    test.setTimeout(480_000);
    fs.mkdirSync(shotsDir, { recursive: true });
    await page.emulateMedia({ colorScheme: 'light' });
    // A vault with the sample patients whose notes the NLP has read (fixtures/sample-vault.ts).
    await openVault(page, hearthUrl!, copySampleVault(path.join(root, 'vault')));

    // The way in: the Patient list's Chart link.
    await goHash(page, '#/resources/Patient');
    await page.getByTestId('patient-chart-link').first().click();
    await expect(page).toHaveURL(/#\/patient\/[A-Za-z0-9\-.]+$/);
    await expect(page.getByTestId('chart-name')).not.toBeEmpty();
    await expect(page.getByTestId('chart-mrn')).toContainText('MRN');
    await expect(page.getByTestId('timeline-event').first()).toBeVisible();

    // A patient whose chart has everything to show (the sample's patients differ).
    const bundle = await api<{ entry?: Array<{ resource: { id: string } }> }>('resources.search', { query: 'Patient?_count=25' });
    let chosen: string | undefined;
    for (const entry of bundle.entry ?? []) {
      const chart = await api<ChartShape>('chart.patient', { patientId: entry.resource.id });
      if (chart.todo.length >= 2 && chart.notes.length >= 3 && chart.series.some((s) => s.points.some((p) => p.outOfRange))) {
        chosen = entry.resource.id;
        break;
      }
    }
    expect(chosen, 'a sample patient with notes, to-dos and out-of-range values').toBeDefined();
    await goHash(page, `#/patient/${chosen}`);
    await expect(page.getByTestId('timeline-year').first()).toBeVisible();
    await expect(page.getByTestId('timeline-strip')).toBeVisible();
    await shoot(page, 'chart-timeline');

    // Trends (key 2): plots with points, the reference band, out-of-range points.
    await page.keyboard.press('2');
    await expect(page).toHaveURL(/tab=trends/);
    const plot = page.getByTestId('trend-plot').first();
    await expect(plot).toBeVisible();
    expect(await plot.getByTestId('trend-point').count()).toBeGreaterThan(1);
    await expect(page.getByTestId('reference-band').first()).toBeAttached();
    expect(await page.locator('[data-testid="trend-point"][data-out-of-range="true"]').count()).toBeGreaterThan(0);
    await shoot(page, 'chart-trends');

    // Conditions (key 4): the to-do list beside the coded conditions.
    await page.keyboard.press('4');
    const todoRows = page.getByTestId('todo-row');
    await expect(todoRows.first()).toBeVisible();
    expect(await todoRows.count()).toBeGreaterThanOrEqual(2);
    await expect(page.getByTestId('coded-row').first()).toBeVisible();
    await shoot(page, 'chart-conditions');

    // A note named by a to-do opens in the Notes section with its entities drawn.
    await page.getByTestId('todo-note-link').first().click();
    await expect(page).toHaveURL(/tab=notes&note=/);
    const noteId = new URL(page.url()).hash.replace(/^.*note=/, '');
    await expect(page.getByTestId('chart-note')).toBeVisible();
    await expect(page.getByTestId('note-view')).not.toBeEmpty();
    expect(await page.getByTestId('note-view').locator('[data-ann]').count()).toBeGreaterThan(0);
    await shoot(page, 'chart-notes');
    await page.getByTestId('open-in-review').click();
    await expect(page).toHaveURL(new RegExp(`#/review/${noteId.replace(/[.\-]/g, '\\$&')}`));

    // And back: the review header's subject opens the chart on this note.
    const nameField = page.getByLabel('Your name');
    const patientLink = page.getByTestId('review-patient-link');
    await expect(nameField.or(patientLink)).toBeVisible({ timeout: 60_000 });
    if (await nameField.isVisible()) {
      await nameField.fill('E2E Reviewer');
      await page.getByRole('button', { name: 'Start reviewing' }).click();
    }
    await patientLink.click();
    await expect(page).toHaveURL(new RegExp(`#/patient/${chosen!.replace(/[.\-]/g, '\\$&')}\\?tab=notes&note=${noteId.replace(/[.\-]/g, '\\$&')}$`));
    await expect(page.getByTestId('note-row').and(page.locator(`[data-note="${noteId}"]`))).toHaveAttribute('aria-selected', 'true');
  });
});
