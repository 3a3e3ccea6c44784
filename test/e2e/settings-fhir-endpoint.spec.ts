/**
 * The Settings switch of the local FHIR endpoint, end to end in the web mode (the global setup's
 * `hearth serve`): a user creates a vault, turns "Local FHIR endpoint" on, reads the base URL and
 * the bearer token from the page, and this test (a client outside the app) calls GET /metadata
 * with that token; a new token retires the old one; locking stops the endpoint. A screenshot of
 * the section goes to test-results/screens/settings-fhir-endpoint.png.
 */
import { expect, test } from '@playwright/test';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const screensDir = path.resolve(repoRoot, 'test-results/screens');
const PASSPHRASE = 'copper lantern orbit tangerine';

async function metadataStatus(baseUrl: string, token: string | undefined): Promise<{ status: number; body: unknown } | 'refused'> {
  try {
    const response = await fetch(`${baseUrl}/metadata`, {
      headers: { Accept: 'application/fhir+json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    });
    return { status: response.status, body: (await response.json()) as unknown };
  } catch {
    return 'refused';
  }
}

test.describe('Settings: local FHIR endpoint (web mode)', () => {
  const hearthUrl = process.env.HEARTH_URL;
  test.skip(!hearthUrl, 'HEARTH_URL is not set: run through playwright.config.ts, whose global setup starts `hearth serve`');

  let vaultRoot: string;
  test.beforeAll(() => {
    vaultRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-e2e-fhir-'));
  });
  test.afterAll(() => {
    if (vaultRoot) fs.rmSync(vaultRoot, { recursive: true, force: true });
  });

  test('turns the endpoint on, shows URL and token, and a client reads /metadata with them', async ({ page }) => {
    await page.goto(hearthUrl!);
    // Another spec may have left a vault unlocked in the shared server: start from the lock screen.
    const lockButton = page.getByTestId('lock-button');
    const folder = page.getByLabel('Vault folder');
    await expect(lockButton.or(folder).first()).toBeVisible();
    if (await lockButton.isVisible()) await lockButton.click();

    const vaultDir = path.join(vaultRoot, 'vault');
    await page.getByLabel('Vault folder').fill(vaultDir);
    await page.getByLabel('New passphrase').fill(PASSPHRASE);
    await page.getByLabel('Confirm passphrase').fill(PASSPHRASE);
    await page.getByRole('button', { name: 'Create a new vault' }).click();
    await expect(page.getByTestId('vault-path')).toContainText(vaultDir, { timeout: 90_000 });

    await page.getByTestId('nav-settings').click();
    const section = page.getByTestId('fhir-endpoint-settings');
    await expect(section).toBeVisible();
    await expect(section.getByTestId('fhir-endpoint-state')).toHaveText('Off');
    await expect(section.getByTestId('fhir-endpoint-url')).toHaveCount(0);

    await section.getByRole('switch', { name: 'Serve the vault over FHIR' }).click();
    await expect(section.getByTestId('fhir-endpoint-state')).toHaveText('Running', { timeout: 30_000 });
    const baseUrl = await section.getByTestId('fhir-endpoint-url').inputValue();
    expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/fhir$/);
    // The token is masked until shown, like a password.
    const tokenField = section.getByTestId('fhir-endpoint-token');
    expect(await tokenField.inputValue()).not.toMatch(/^[A-Za-z0-9_-]{43}$/);
    await section.getByRole('button', { name: 'Show Bearer token' }).click();
    const token = await tokenField.inputValue();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    await section.scrollIntoViewIfNeeded();
    fs.mkdirSync(screensDir, { recursive: true });
    await page.waitForTimeout(300);
    await section.screenshot({ path: path.join(screensDir, 'settings-fhir-endpoint.png') });

    const answer = await metadataStatus(baseUrl, token);
    expect(answer).not.toBe('refused');
    if (answer === 'refused') return;
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1', implementation: { url: baseUrl } });
    expect(await metadataStatus(baseUrl, undefined)).toMatchObject({ status: 401 });

    // "New token": the page shows another token; the old one is refused at once.
    await section.getByRole('button', { name: 'New token' }).click();
    await expect(tokenField).not.toHaveValue(token, { timeout: 30_000 });
    const renewed = await tokenField.inputValue();
    expect(await metadataStatus(baseUrl, token)).toMatchObject({ status: 401 });
    expect(await metadataStatus(baseUrl, renewed)).toMatchObject({ status: 200 });

    // A port another program holds: the section shows the error state, and port 0 recovers.
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const address = holder.address();
    const takenPort = typeof address === 'object' && address ? address.port : 0;
    try {
      const portField = section.getByLabel('Port', { exact: true });
      await portField.fill(String(takenPort));
      await section.getByRole('button', { name: 'Save port' }).click();
      await expect(section.getByTestId('fhir-endpoint-error')).toContainText(`Port ${takenPort} is already in use`, { timeout: 60_000 });
      await expect(section.getByTestId('fhir-endpoint-state')).toHaveText('Not running');
      await expect(section.getByTestId('fhir-endpoint-token')).toHaveCount(0);
      await page.waitForTimeout(300);
      await section.screenshot({ path: path.join(screensDir, 'settings-fhir-endpoint-port-taken.png') });
      await portField.fill('0');
      await section.getByRole('button', { name: 'Save port' }).click();
      await expect(section.getByTestId('fhir-endpoint-state')).toHaveText('Running', { timeout: 60_000 });
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
    const current = await section.getByTestId('fhir-endpoint-url').inputValue();
    await section.getByRole('button', { name: 'Show Bearer token' }).click();
    const currentToken = await tokenField.inputValue();
    expect(await metadataStatus(current, currentToken)).toMatchObject({ status: 200 });

    // Lock stops the endpoint; the switch stays on for the next unlock. Then switch it off again.
    await page.getByTestId('lock-button').click();
    // Locking closes the vault (and may write a snapshot): slow on a busy machine.
    await expect(page.getByRole('button', { name: 'Unlock' })).toBeVisible({ timeout: 60_000 });
    expect(await metadataStatus(current, currentToken)).toBe('refused');
    await page.getByLabel('Passphrase').fill(PASSPHRASE);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await expect(page.getByTestId('vault-path')).toContainText(vaultDir, { timeout: 90_000 });
    await page.getByTestId('nav-settings').click();
    await expect(section.getByTestId('fhir-endpoint-state')).toHaveText('Running', { timeout: 30_000 });
    await section.getByRole('switch', { name: 'Serve the vault over FHIR' }).click();
    // Saving settings fsyncs settings.json: slow on a busy disk.
    await expect(section.getByTestId('fhir-endpoint-state')).toHaveText('Off', { timeout: 60_000 });
    await page.getByTestId('lock-button').click();
    // Locking closes the vault (and may write a snapshot): slow on a busy machine.
    await expect(page.getByRole('button', { name: 'Unlock' })).toBeVisible({ timeout: 60_000 });
  });
});
