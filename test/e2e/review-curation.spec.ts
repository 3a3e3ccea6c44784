/**
 * Curation actions of the review workspace (issue 6 §1) in the web mode, on one copy of the sample
 * vault (its notes read by the NLP): change a concept with the concept search, resize a span with
 * the keyboard and the mouse (the concept is kept), and bulk accept above a score, every occurrence
 * of a text in this note, and in all notes (a job). Which note and text to use is read through the
 * API first (the sample's notes are generated), every decision is checked back through the API.
 */
import { expect, test, type Page } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ReviewAnnotation, ReviewDocument, ReviewQueuePage } from '../../src-main/review/types';
import { copySampleVault, openVault } from './fixtures/sample-vault';
import { lockServerVault } from './fixtures/server';

const shotsDir = process.env.HEARTH_SHOTS_DIR ?? path.resolve(import.meta.dirname, '../../test-results/screens');
const REVIEWER = 'Curator';

/** One `domain.method` call on the web-mode server (the UI's own transport: POST with the run's token). */
async function call<T>(hearthUrl: string, method: string, input: object): Promise<T> {
  const url = new URL(hearthUrl);
  const token = url.hash.replace(/^#token=/, '');
  const response = await fetch(`${url.origin}/api/${method}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(input),
  });
  const result = (await response.json()) as { ok: true; value: T } | { ok: false; error: unknown };
  if (!result.ok) throw new Error(`${method}: ${JSON.stringify(result.error)}`);
  return result.value;
}

const key = (text: string): string => text.toLowerCase();
const pendingEngine = (annotation: ReviewAnnotation): boolean => annotation.origin === 'engine' && annotation.decision === 'pending';

/** Selects an annotation by clicking its badge (the first two blocks of a note are always drawn: ids with begin < 3000). */
async function selectEntity(page: Page, annotation: ReviewAnnotation): Promise<void> {
  await page.getByTestId('note-view').locator(`[data-ann="${annotation.id}"]`).click();
  await expect(page.getByTestId('entity-panel')).toContainText(`offsets ${annotation.begin}–${annotation.end}`);
}

async function offsets(page: Page): Promise<[number, number]> {
  const found = /offsets (\d+)–(\d+)/.exec((await page.getByTestId('entity-panel').textContent()) ?? '');
  if (!found) throw new Error('no offsets in the entity panel');
  return [Number(found[1]), Number(found[2])];
}

test.describe('review curation', () => {
  const hearthUrl = process.env.HEARTH_URL;
  test.skip(!hearthUrl, 'HEARTH_URL is not set: run through playwright.config.ts, whose global setup starts `hearth serve`');
  let root: string;

  test.beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-e2e-curation-'));
  });

  test.afterAll(async () => {
    await lockServerVault(hearthUrl);
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  test('concept search, span resize by keyboard and mouse, bulk accept by score and by text', async ({ page }) => {
    test.setTimeout(420_000);
    fs.mkdirSync(shotsDir, { recursive: true });
    await page.emulateMedia({ colorScheme: 'light' });
    await openVault(page, hearthUrl!, copySampleVault(path.join(root, 'vault')));
    await call(hearthUrl!, 'settings.update', { reviewerName: REVIEWER });
    await page.getByTestId('nav-review').click();
    const nameField = page.getByLabel('Your name');
    await expect(nameField.or(page.getByTestId('queue-filters'))).toBeVisible();
    if (await nameField.isVisible()) {
      await nameField.fill(REVIEWER);
      await page.getByRole('button', { name: 'Start reviewing' }).click();
    }
    const asked = Date.now();
    await expect(page.locator('[data-testid^="queue-row-"]').first()).toBeVisible({ timeout: 120_000 });
    console.log(`[curation e2e] first queue page after ${Date.now() - asked} ms`);

    // The notes: one with a condition text twice (pending), and another note with the same text.
    const queue = await call<ReviewQueuePage>(hearthUrl!, 'review.queue', { viewer: REVIEWER, sort: 'score', descending: false, offset: 0, count: 40 });
    const docs: ReviewDocument[] = [];
    for (const item of queue.items) docs.push(await call<ReviewDocument>(hearthUrl!, 'review.document', { documentId: item.documentId, reviewer: REVIEWER }));
    const occurrences = (doc: ReviewDocument, text: string) => doc.annotations.filter((a) => pendingEngine(a) && key(a.text) === key(text));
    const drawn = (a: ReviewAnnotation) => pendingEngine(a) && a.begin < 3000;
    let twice: { doc: ReviewDocument; annotation: ReviewAnnotation; other: ReviewDocument } | undefined;
    for (const doc of docs) {
      for (const annotation of doc.annotations) {
        if (!drawn(annotation) || annotation.category !== 'MEDICAL_CONDITION' || occurrences(doc, annotation.text).length < 2) continue;
        const other = docs.find((d) => d !== doc && occurrences(d, annotation.text).length > 0);
        if (other) twice = { doc, annotation, other };
        if (twice) break;
      }
      if (twice) break;
    }
    expect(twice, 'a condition text twice in one of the first 40 notes and in another note').toBeDefined();
    const { doc, annotation: occurrence, other } = twice!;
    const text = occurrence.text;
    // Another note for the concept, resize and score steps, so the text's occurrences stay pending.
    // A single-word condition of 6 letters or more: its resize handles are on one line, far enough apart for a drag.
    const workable = (a: ReviewAnnotation) => drawn(a) && a.category === 'MEDICAL_CONDITION' && /^[A-Za-z]{6,}$/.test(a.text) && key(a.text) !== key(text);
    const work = docs.find((d) => d !== doc && d !== other && d.annotations.some(workable))!;
    const target = work.annotations.find(workable)!;

    // 1. Concept search: a condition of `work` gets another ICD-10-CM code from the search box.
    await page.evaluate((hash) => {
      (globalThis as unknown as { location: { hash: string } }).location.hash = hash;
    }, `#/review/${work.documentId}`);
    await expect(page.getByTestId('document-review')).toBeVisible();
    await selectEntity(page, target);
    await page.keyboard.press('c');
    const search = page.getByLabel('Concept search');
    await expect(search).toBeFocused();
    await search.fill('asthma');
    const options = page.getByRole('listbox', { name: 'Concepts' }).getByRole('option');
    await expect(options.first()).toContainText(/J45/);
    const chosen = (await options.first().locator('.mantine-Text-root').first().textContent())!.trim();
    await expect(page.getByTestId('concept-search')).toContainText(/\d+ ms ·/);
    await page.screenshot({ path: path.join(shotsDir, 'review-concept-search.png') });
    await options.first().click();
    const concept = page.getByTestId('entity-concept');
    await expect(concept).toContainText(chosen);
    await expect(page.getByTestId('save-state')).toHaveText('Saved');

    // 2. Resize from the keyboard: the start one later, then back; the end one earlier, then back.
    const [begin, end] = await offsets(page);
    await page.keyboard.press('Shift+ArrowRight');
    await expect.poll(() => offsets(page)).toEqual([begin + 1, end]);
    await expect(concept).toContainText(chosen);
    await page.keyboard.press('Shift+ArrowLeft');
    await page.keyboard.press('Alt+ArrowLeft');
    await expect.poll(() => offsets(page)).toEqual([begin, end - 1]);
    await expect(concept).toContainText(chosen);
    await page.keyboard.press('Alt+ArrowRight');
    await expect.poll(() => offsets(page)).toEqual([begin, end]);
    await expect(page.getByTestId('save-state')).toHaveText('Saved');

    // Resize with the mouse: drag the start handle to the middle of the span (both handles are on one line).
    const note = page.getByTestId('note-view');
    await note.locator('[data-handle="begin"]').scrollIntoViewIfNeeded();
    const from = (await note.locator('[data-handle="begin"]').boundingBox())!;
    const to = (await note.locator('[data-handle="end"]').boundingBox())!;
    const y = from.y + from.height / 2;
    await page.mouse.move(from.x + from.width / 2, y);
    await page.mouse.down();
    await page.mouse.move((from.x + to.x) / 2, y, { steps: 5 });
    await page.mouse.up();
    await expect.poll(async () => (await offsets(page))[0]).toBeGreaterThan(begin);
    const [dragBegin, dragEnd] = await offsets(page);
    expect(dragEnd).toBe(end);
    expect(dragBegin).toBeLessThan(end);
    await expect(concept).toContainText(chosen);
    await expect(page.getByTestId('save-state')).toHaveText('Saved');
    await page.screenshot({ path: path.join(shotsDir, 'review-span-resized.png') });
    // Stored: the span and the concept kept with it.
    const stored = await call<ReviewDocument>(hearthUrl!, 'review.document', { documentId: work.documentId, reviewer: REVIEWER });
    const resized = stored.annotations.find((a) => a.begin === dragBegin && a.end === dragEnd && a.concept?.code === chosen);
    expect(resized, 'the dragged span with its concept, as stored').toBeDefined();
    expect(resized!.edited).toBe(true);

    // 3. Bulk accept above a score in this note: every pending engine entity scoring at least 0.9.
    const beforeScore = await call<ReviewDocument>(hearthUrl!, 'review.document', { documentId: work.documentId, reviewer: REVIEWER });
    const aboveScore = beforeScore.annotations.filter((a) => pendingEngine(a) && (a.score ?? 0) >= 0.9).length;
    expect(aboveScore).toBeGreaterThan(0);
    await page.keyboard.press('b');
    await expect(page.getByLabel('Minimum score')).toHaveValue('0.9');
    await page.getByTestId('bulk-run').click();
    await expect(page.getByText(`${aboveScore} accepted in 1 document.`)).toBeVisible();
    const afterScore = await call<ReviewDocument>(hearthUrl!, 'review.document', { documentId: work.documentId, reviewer: REVIEWER });
    expect(afterScore.annotations.filter((a) => pendingEngine(a) && (a.score ?? 0) >= 0.9)).toEqual([]);

    // Every occurrence of the text in this note.
    const inDoc = occurrences(doc, text).length;
    await page.evaluate((hash) => {
      (globalThis as unknown as { location: { hash: string } }).location.hash = hash;
    }, `#/review/${doc.documentId}`);
    await expect(page.getByTestId('review-title')).toHaveText(doc.title);
    await selectEntity(page, occurrence);
    await page.keyboard.press('b');
    await page.getByRole('radio', { name: `Every occurrence of “${text}” in this document` }).check();
    await page.screenshot({ path: path.join(shotsDir, 'review-bulk-accept.png') });
    await page.getByTestId('bulk-run').click();
    await expect(page.getByText(`${inDoc} accepted in 1 document.`)).toBeVisible();
    await expect(page.getByTestId('entity-decision')).toHaveText('accepted');
    const afterDoc = await call<ReviewDocument>(hearthUrl!, 'review.document', { documentId: doc.documentId, reviewer: REVIEWER });
    expect(occurrences(afterDoc, text)).toEqual([]);
    expect(afterDoc.annotations.filter((a) => key(a.text) === key(text) && a.decision === 'accepted').length).toBeGreaterThanOrEqual(inDoc);
    const stillPendingOther = occurrences(await call<ReviewDocument>(hearthUrl!, 'review.document', { documentId: other.documentId, reviewer: REVIEWER }), text);
    expect(stillPendingOther.length).toBeGreaterThan(0);

    // Every occurrence in all notes: over many notes it runs as a job; the note view waits for it.
    // The last bulk dialog must be gone (its closing transition included) before "b" opens a new one.
    await expect(page.getByRole('dialog')).toHaveCount(0);
    await page.keyboard.press('b');
    await expect(page.getByRole('dialog')).toBeVisible();
    await page.getByRole('radio', { name: `Every occurrence of “${text}” in all documents` }).check();
    await page.getByTestId('bulk-run').click();
    const done = page.getByText(/^Accepted \d+ annotations in \d+ notes/);
    await expect(done).toBeVisible({ timeout: 120_000 });
    const [, accepted, notes] = /Accepted (\d+) annotations in (\d+) notes/.exec((await done.textContent()) ?? '')!.map(Number);
    expect(notes).toBeGreaterThanOrEqual(1);
    expect(accepted).toBeGreaterThanOrEqual(stillPendingOther.length);
    await page.screenshot({ path: path.join(shotsDir, 'review-bulk-accepted-all.png') });
    expect(occurrences(await call<ReviewDocument>(hearthUrl!, 'review.document', { documentId: other.documentId, reviewer: REVIEWER }), text)).toEqual([]);
  });
});
