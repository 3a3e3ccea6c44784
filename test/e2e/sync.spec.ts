/**
 * The Sync screen (issue 7) in the web mode against a FHIR server no one here wrote: the spec
 * starts @medplum/fhir-router over HTTP on a loopback port (test/unit/sync/medplum-server.ts, with
 * a bearer token required), and a small vault made with the built CLI. Add the server (token typed
 * into a password field) → Test connection → Dry run (the plan) → Push → another client edits a
 * patient on the server while we edit it here → the next push finds the conflict → the diff →
 * Keep ours → the server holds ours. Screenshots go to $HEARTH_SHOTS_DIR (default test-results/screens).
 */
import { expect, test, type Page } from '@playwright/test';
import type { Patient } from '@medplum/fhirtypes';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openVault, SAMPLE_VAULT_PASSPHRASE } from './fixtures/sample-vault';
import { lockServerVault } from './fixtures/server';
import { startMedplumServer, type MedplumServer } from '../unit/sync/medplum-server';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const shotsDir = process.env.HEARTH_SHOTS_DIR ?? path.resolve(here, '../../test-results/screens');
const TOKEN = 'e2e-sync-token-5c1d9e';

async function shoot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(shotsDir, { recursive: true });
  await page.screenshot({ path: path.join(shotsDir, `${name}.png`), fullPage: true });
}

/** Three patients with an observation each, imported by the built CLI (no NLP: there are no notes). */
function makeVault(root: string): string {
  const source = path.join(root, 'source');
  fs.mkdirSync(source, { recursive: true });
  const patients = [0, 1, 2].map((i) => ({ resourceType: 'Patient', id: `p${i}`, name: [{ family: `Sync${i}`, given: ['E2e'] }], gender: i % 2 ? 'female' : 'male', birthDate: `198${i}-05-0${i + 1}` }));
  const observations = [0, 1, 2].map((i) => ({
    resourceType: 'Observation',
    id: `o${i}`,
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
    subject: { reference: `Patient/p${i}` },
    valueQuantity: { value: 60 + i, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
  }));
  fs.writeFileSync(path.join(source, 'Patient.ndjson'), patients.map((p) => JSON.stringify(p)).join('\n'));
  fs.writeFileSync(path.join(source, 'Observation.ndjson'), observations.map((o) => JSON.stringify(o)).join('\n'));
  const vault = path.join(root, 'vault');
  const env = { ...process.env, HEARTH_PASSPHRASE: SAMPLE_VAULT_PASSPHRASE, HEARTH_NEW_PASSPHRASE: SAMPLE_VAULT_PASSPHRASE };
  const cli = path.join(repoRoot, 'out/cli/hearth.mjs');
  execFileSync(process.execPath, [cli, 'vault', 'create', vault], { cwd: repoRoot, env, stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync(process.execPath, [cli, 'import', vault, source, '--no-nlp'], { cwd: repoRoot, env, stdio: ['ignore', 'ignore', 'inherit'] });
  return vault;
}

/** A call on the web-mode API, as the UI makes it (HEARTH_URL carries the token). */
async function api<T>(hearthUrl: string, channel: string, input: unknown): Promise<T> {
  const url = new URL(hearthUrl);
  const token = url.hash.replace(/^#token=/, '');
  const response = await fetch(`${url.origin}/api/${channel}`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(input) });
  const body = (await response.json()) as { ok: boolean; value?: T; error?: unknown };
  if (!body.ok) throw new Error(`${channel}: ${JSON.stringify(body.error)}`);
  return body.value as T;
}

test.describe('sync screen', () => {
  const hearthUrl = process.env.HEARTH_URL;
  test.skip(!hearthUrl, 'HEARTH_URL is not set: run through playwright.config.ts, whose global setup starts `hearth serve`');
  let root: string;
  let server: MedplumServer | undefined;

  test.beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-e2e-sync-'));
    server = await startMedplumServer({ bearer: TOKEN });
  });

  test.afterAll(async () => {
    await lockServerVault(hearthUrl);
    await server?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  test('add a server, test it, dry run, push, meet a conflict and keep ours', async ({ page }) => {
    test.setTimeout(300_000);
    const medplum = server!;
    await openVault(page, hearthUrl!, makeVault(root));

    await page.getByTestId('nav-sync').click();
    await expect(page).toHaveURL(/#\/sync$/);
    await expect(page.getByTestId('sync-empty')).toBeVisible();
    await shoot(page, 'sync-empty');

    await page.getByTestId('sync-add-server').click();
    await page.getByLabel('Name').fill('medplum');
    await page.getByLabel('Base URL').fill(medplum.baseUrl);
    await page.getByText('Bearer token').click();
    const token = page.getByLabel(/^Token/);
    await expect(token).toHaveAttribute('type', 'password');
    await token.fill(TOKEN);
    await page.getByRole('button', { name: 'Save' }).click();
    // The first sync call loads the sync code in the store worker: slow on a busy machine.
    await expect(page.getByTestId('sync-server-medplum')).toBeVisible({ timeout: 60_000 });
    await expect(page).toHaveURL(/#\/sync\?server=medplum$/);
    expect(await page.locator('body').innerText()).not.toContain(TOKEN);

    await page.getByRole('button', { name: 'Test connection' }).click();
    const connection = page.getByTestId('sync-connection-report');
    await expect(connection).toContainText('FHIR 4.0.1', { timeout: 60_000 });
    await expect(connection).toContainText('transaction yes');

    // Dry run first: the plan, and nothing on the server.
    await page.getByTestId('sync-push-dry').click();
    await expect(page.getByTestId('sync-plan')).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('sync-plan').locator('tr')).toHaveCount(6);
    await expect(page.getByTestId('sync-report-planned')).toHaveText('6 planned');
    expect(await medplum.all('Patient')).toHaveLength(0);
    await shoot(page, 'sync-dry-run');

    await page.getByRole('button', { name: 'Close' }).click();
    await page.getByTestId('sync-push').click();
    await expect(page.getByTestId('sync-report-created')).toHaveText('6 created', { timeout: 60_000 });
    await expect(page.getByTestId('sync-status')).toContainText('6 resources in step');
    expect(await medplum.all('Patient')).toHaveLength(3);

    // Both sides edit Patient/p1: another client on the server, and us here.
    const onServer = (await medplum.all('Patient')).find((p) => p.meta?.tag?.some((t) => t.code?.endsWith(':Patient/p1'))) as Patient;
    await medplum.repo.updateResource({ ...onServer, gender: 'other' });
    const ours = await api<Patient>(hearthUrl!, 'resources.read', { resourceType: 'Patient', id: 'p1' });
    await api<Patient>(hearthUrl!, 'resources.update', { resource: { ...ours, birthDate: '1999-09-09' } });

    await page.getByRole('button', { name: 'Close' }).click();
    await page.getByTestId('sync-push').click();
    await expect(page.getByTestId('sync-report-conflicts')).toHaveText('1 conflict', { timeout: 60_000 });
    await page.getByTestId('conflict-Patient/p1').click();
    const panel = page.getByTestId('conflict-panel');
    await expect(panel).toBeVisible();
    const diff = panel.getByTestId('conflict-diff');
    await expect(diff.locator('tbody tr')).toHaveCount(2);
    await expect(diff.locator('tbody tr[data-kind="changed"]').first()).toContainText('birthDate');
    await shoot(page, 'sync-conflict');

    await panel.getByRole('button', { name: 'Keep ours' }).click();
    await expect(page.getByText('No conflicts: nothing changed on both sides.')).toBeVisible();
    const after = (await medplum.repo.readResource('Patient', onServer.id!)) as Patient;
    expect(after.birthDate).toBe('1999-09-09');
    expect(after.gender).toBe('female');
    await shoot(page, 'sync-resolved');
  });
});
