/**
 * Screenshots of the Sync screen's SMART server form and sign-in card, and of the query builder's
 * `_has` rows, in the web mode (not a test: run by hand after `npx electron-vite build` and
 * `npm run build:cli`):
 *
 *   npx tsx test/tools/sync-query-shots.ts [OUT_DIR]      (default /tmp/hearth-shots)
 *
 * Starts `hearth serve --port 0` with a throw-away settings folder and an empty vault in a
 * temporary folder, drives Chromium (/usr/bin/chromium) through Playwright, and removes both.
 */
import { chromium, type Page } from '@playwright/test';
import { createServer } from 'node:http';
import { execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const cli = path.join(repoRoot, 'out/cli/hearth.mjs');
const outDir = path.resolve(process.argv[2] ?? '/tmp/hearth-shots');
const PASSPHRASE = 'amber willow ninety lanterns';

function serve(configDir: string): Promise<{ url: string; stop: () => void }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'serve', '--port', '0'], { env: { ...process.env, HEARTH_CONFIG_DIR: configDir }, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]+/.exec(output);
      if (match) resolve({ url: match[0], stop: () => child.kill() });
    });
    child.on('exit', (code) => reject(new Error(`hearth serve exited (${code})`)));
  });
}

async function api(url: string, channel: string, input: unknown): Promise<unknown> {
  const u = new URL(url);
  const response = await fetch(`${u.origin}/api/${channel}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${u.hash.replace(/^#token=/, '')}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(input),
  });
  const body = (await response.json()) as { ok: boolean; value?: unknown; error?: unknown };
  if (!body.ok) throw new Error(`${channel}: ${JSON.stringify(body.error)}`);
  return body.value;
}

async function shoot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(400);
  await page.screenshot({ path: path.join(outDir, `${name}.png`) });
  console.log(path.join(outDir, `${name}.png`));
}

async function main(): Promise<void> {
  fs.mkdirSync(outDir, { recursive: true });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-shots-'));
  const vault = path.join(root, 'vault');
  execFileSync(process.execPath, [cli, 'vault', 'create', vault], { env: { ...process.env, HEARTH_PASSPHRASE: PASSPHRASE }, stdio: 'ignore' });
  const server = await serve(path.join(root, 'config'));
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await api(server.url, 'vault.unlock', { path: vault, passphrase: PASSPHRASE });
    await page.goto(server.url);
    await page.waitForSelector('[data-testid="vault-path"]', { timeout: 60_000 });

    // The form: SMART backend, checks shown on their fields.
    await page.evaluate(`location.hash = '#/sync'`);
    await page.getByTestId('sync-add-server').first().click();
    await page.getByText('SMART backend', { exact: true }).click();
    await page.getByLabel('Name', { exact: false }).first().fill('lake');
    await page.getByLabel('Base URL', { exact: false }).fill('http://fhir.example.org/r4');
    await page.getByRole('button', { name: 'Save' }).click();
    await shoot(page, 'sync-form-smart-backend-checks');
    await page.getByLabel('Base URL', { exact: false }).fill('https://fhir.example.org/r4');
    await page.getByLabel('Client id', { exact: false }).fill('hearth-backend');
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    await page.getByLabel('Private key', { exact: false }).fill(pem);
    await page.getByRole('button', { name: 'Endpoints and key details…' }).click();
    await page.getByLabel('Token endpoint', { exact: false }).fill('https://auth.example.org/token');
    await shoot(page, 'sync-form-smart-backend-filled');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('sync-server-lake').waitFor();

    // Editing it: the key is kept unless a new one is given.
    await page.getByRole('button', { name: 'Edit lake' }).click();
    await page.getByText('leave this empty to keep it', { exact: false }).waitFor();
    await shoot(page, 'sync-form-smart-backend-edit');
    await page.keyboard.press('Escape');

    // A SMART sign-in profile and its card: discovery fails where nothing listens; then against a
    // loopback server that only answers its .well-known/smart-configuration (the sign-in stays pending).
    await api(server.url, 'sync.saveServer', { name: 'ehr', baseUrl: 'http://127.0.0.1:9/fhir', auth: { kind: 'smart-launch', clientId: 'hearth-app' } });
    await page.evaluate(`location.hash = '#/sync?server=ehr'`);
    await page.reload();
    await page.getByTestId('sync-authorization').waitFor();
    await page.getByTestId('sync-authorize').click();
    await page.getByText('Could not start the sign-in').waitFor({ timeout: 60_000 });
    await shoot(page, 'sync-smart-sign-in-failed');
    const smart = createServer((req, res) => {
      const origin = `http://127.0.0.1:${(smart.address() as { port: number }).port}`;
      if (req.url === '/fhir/.well-known/smart-configuration') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ authorization_endpoint: `${origin}/authorize`, token_endpoint: `${origin}/token`, code_challenge_methods_supported: ['S256'] }));
      } else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => smart.listen(0, '127.0.0.1', resolve));
    const smartBase = `http://127.0.0.1:${(smart.address() as { port: number }).port}/fhir`;
    await api(server.url, 'sync.saveServer', { name: 'ehr', baseUrl: smartBase, auth: { kind: 'smart-launch', clientId: 'hearth-app' } });
    await page.reload();
    const popup = page.waitForEvent('popup');
    await page.getByTestId('sync-authorize').click();
    await (await popup).close();
    await page.getByTestId('sync-authorize-link').waitFor();
    await shoot(page, 'sync-smart-sign-in-pending');
    smart.close();
    await page.getByRole('button', { name: 'Edit ehr' }).click();
    await page.getByText('After saving, sign in with', { exact: false }).waitFor();
    await shoot(page, 'sync-form-smart-launch-edit');
    await page.keyboard.press('Escape');

    // The query builder: Patient referred to by an Observation through subject, nested Provenance.
    await page.evaluate(`location.hash = '#/query'`);
    await page.getByTestId('add-has').click();
    const row = page.getByTestId('has-row');
    await row.getByTestId('has-type').click();
    await page.getByRole('option', { name: 'Observation', exact: true }).click();
    await row.getByTestId('has-param').click();
    await page.getByRole('option', { name: 'subject', exact: true }).click();
    await row.getByTestId('param-code').fill('cod');
    await shoot(page, 'query-has-autocomplete');
    await page.getByRole('option', { name: /^code\b/ }).first().click();
    await row.getByTestId('param-value').fill('http://loinc.org|8867-4');
    await shoot(page, 'query-has');
    await row.getByTestId('has-nest').click();
    await row.getByTestId('has-type').nth(1).click();
    await page.getByRole('option', { name: 'Provenance', exact: true }).click();
    if ((await row.getByTestId('has-param').nth(1).inputValue()) === '') {
      await row.getByTestId('has-param').nth(1).click();
      await page.getByRole('option', { name: 'target', exact: true }).click();
    }
    await row.getByTestId('param-code').fill('agent');
    await row.getByTestId('param-value').fill('Practitioner/pr1');
    await page.getByTestId('raw-query').click();
    await shoot(page, 'query-has-nested');
    await page.keyboard.press('Enter');
    await page.waitForTimeout(1500);
    await shoot(page, 'query-has-nested-run');
  } finally {
    await browser.close();
    server.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

await main();
