/**
 * Issue 6 §5 in Chromium: a 50-page note (about 150 kB) with thousands of entities stays responsive
 * in the review screen. Each action (accept, next entity) is timed from the keydown to the frame
 * after the DOM shows it; the figures are printed and must stay under a generous bound (the machine
 * running the tests is shared).
 */
import { expect, test } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const PASSPHRASE = 'amber willow ninety lanterns';
const SENTENCES = [
  'He reports chest pain and shortness of breath after climbing two flights of stairs at home.',
  'She has a history of hypertension and type 2 diabetes, and takes metformin and lisinopril daily.',
  'No fever, no cough, and no nausea were reported by the patient during the visit this morning.',
  'The left knee shows mild swelling without redness; an x-ray of the knee was ordered today.',
  'Family history of breast cancer in her mother; she smokes half a pack of cigarettes a day.',
];

test.describe('review of a long note', () => {
  const hearthUrl = process.env.HEARTH_URL;
  test.skip(!hearthUrl, 'HEARTH_URL is not set: run through playwright.config.ts, whose global setup starts `hearth serve`');
  // A timed test (medians against a threshold): out of `npm test`, whose budget it strains; bench:ui measures
  // the same actions on a longer note. HEARTH_E2E_PERF=1 runs it.
  test.skip(process.env.HEARTH_E2E_PERF !== '1', 'timed spec: set HEARTH_E2E_PERF=1 to run it (npm run bench:ui measures review actions on a long note)');
  let root: string;
  const origin = hearthUrl ? new URL(hearthUrl).origin : '';
  const token = hearthUrl ? new URL(hearthUrl).hash.replace(/^#token=/, '') : '';
  const call = async <T>(channel: string, body: unknown): Promise<T> => {
    const response = await fetch(`${origin}/api/${channel}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    const result = (await response.json()) as { ok: boolean; value: T; error?: unknown };
    if (!result.ok) throw new Error(`${channel} failed: ${JSON.stringify(result.error)}`);
    return result.value;
  };

  test.beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-e2e-review-large-'));
  });

  test.afterAll(async () => {
    if (hearthUrl) await call('vault.lock', {}).catch(() => undefined);
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  test('accept and next entity stay fast on a 150 kB note', async ({ page }) => {
    test.setTimeout(300_000);
    await page.goto(hearthUrl!);
    const lockButton = page.getByTestId('lock-button');
    await expect(lockButton.or(page.getByLabel('Vault folder')).first()).toBeVisible();
    if (await lockButton.isVisible()) await lockButton.click();
    await page.getByLabel('Vault folder').fill(path.join(root, 'vault'));
    await page.getByLabel('New passphrase').fill(PASSPHRASE);
    await page.getByLabel('Confirm passphrase').fill(PASSPHRASE);
    await page.getByRole('button', { name: 'Create a new vault' }).click();
    await expect(page.getByTestId('lock-button')).toBeVisible({ timeout: 60_000 });

    const lines: string[] = [];
    for (let page = 1, length = 0; length < 150_000; page += 1) {
      const block = [`PAGE ${page}:`, ...SENTENCES.map((_, i) => SENTENCES[(i + page) % SENTENCES.length]!)].join('\n') + '\n';
      lines.push(block);
      length += block.length;
    }
    const text = lines.join('\n');
    const created = await call<{ id: string }>('resources.create', {
      resource: {
        resourceType: 'DocumentReference',
        status: 'current',
        content: [{ attachment: { contentType: 'text/plain; charset=utf-8', data: Buffer.from(text, 'utf8').toString('base64'), title: 'Long note' } }],
      },
    });
    await call('settings.update', { reviewerName: 'Timer' });
    let entities = 0;
    await expect
      .poll(
        async () => {
          const doc = await call<{ nlp: string; annotations: unknown[] }>('review.document', { documentId: created.id, reviewer: 'Timer' });
          entities = doc.annotations.length;
          return doc.nlp;
        },
        { timeout: 180_000, intervals: [2000] },
      )
      .toBe('succeeded');

    const opened = Date.now();
    await page.evaluate((id) => {
      (globalThis as unknown as { location: { hash: string } }).location.hash = `#/review/${id}`;
    }, created.id);
    await expect(page.getByTestId('entity-panel')).toBeVisible({ timeout: 60_000 });
    const openMs = Date.now() - opened;

    // In the page: press a key, wait until the DOM shows the result, then for the next frame.
    const timings = await page.evaluate(async () => {
      const scope = globalThis as unknown as {
        document: { querySelector(selector: string): { textContent: string | null } | null };
        dispatchEvent(event: unknown): boolean;
        KeyboardEvent: new (type: string, init: { key: string; bubbles: boolean }) => unknown;
        requestAnimationFrame(callback: () => void): number;
      };
      const text = (id: string): string => scope.document.querySelector(`[data-testid="${id}"]`)?.textContent ?? '';
      const frame = (): Promise<void> => new Promise((resolve) => scope.requestAnimationFrame(() => resolve()));
      const press = async (key: string, done: () => boolean): Promise<number> => {
        const start = performance.now();
        scope.dispatchEvent(new scope.KeyboardEvent('keydown', { key, bubbles: true }));
        while (!done()) await new Promise((resolve) => setTimeout(resolve, 0));
        await frame();
        return performance.now() - start;
      };
      const accept: number[] = [];
      const next: number[] = [];
      for (let i = 0; i < 10; i += 1) {
        const before = text('entity-panel');
        next.push(await press('j', () => text('entity-panel') !== before));
        accept.push(await press('a', () => text('entity-decision') === 'accepted'));
      }
      return { accept, next };
    });
    const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    console.log(
      `[review e2e] ${text.length} chars, ${entities} entities: open ${openMs} ms; accept median ${median(timings.accept).toFixed(0)} / max ${Math.max(...timings.accept).toFixed(0)} ms; next entity median ${median(timings.next).toFixed(0)} / max ${Math.max(...timings.next).toFixed(0)} ms`,
    );
    expect(entities).toBeGreaterThan(1000);
    // The target is 100 ms on a quiet machine; generous here (shared cores, headless software rendering).
    expect(median(timings.accept)).toBeLessThan(1500);
    expect(median(timings.next)).toBeLessThan(1500);
    await expect(page.getByTestId('save-state')).toHaveText('Saved', { timeout: 60_000 });
  });
});
