/**
 * `hearth serve --fhir DIR`: runs the command in-process over a real vault, talks to the printed
 * base URL with the printed token, then stops it and checks the vault was closed cleanly (it
 * reopens and keeps what was written).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveFhir, type CliIo } from '../../../src-main/cli/commands';
import { fhirProjector } from '../../../src-main/fhir/fhir-projector';
import { createVaultRepository } from '../../../src-main/fhir/vault-repository';
import { createVault, openVault } from '../../../src-main/vault';

const PASSPHRASE = 'correct horse battery staple';
let dir: string;
let folder: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-serve-fhir-'));
  folder = path.join(dir, 'vault');
  const vault = await createVault(folder, PASSPHRASE, { projector: fhirProjector, kdfIterations: 1000, allowWeakKdfForTests: true });
  await vault.close();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function capture(): { io: CliIo; out: () => string; printed: (text: string) => Promise<void> } {
  let out = '';
  const waiting: Array<{ text: string; resolve: () => void }> = [];
  return {
    io: {
      out: (t) => {
        out += t;
        for (const w of waiting.filter((w) => out.includes(w.text))) w.resolve();
      },
      err: () => undefined,
      env: { HEARTH_PASSPHRASE: PASSPHRASE },
    },
    out: () => out,
    /** Resolves once stdout holds `text` (awaited, not polled: opening the vault has no time limit but the test's). */
    printed: (text) => (out.includes(text) ? Promise.resolve() : new Promise((resolve) => void waiting.push({ text, resolve }))),
  };
}

describe('hearth serve --fhir', () => {
  it('prints the base URL and a random token, serves FHIR, and closes the vault when stopped', async () => {
    const { io, out, printed } = capture();
    let stop!: () => void;
    const until = new Promise<void>((resolve) => (stop = resolve));
    const running = serveFhir(folder, { softwareVersion: '9.9.9' }, io, until);
    // Ready once it says how to stop it (a failure to start ends `running` first).
    await Promise.race([printed('Press Ctrl-C'), running.then((code) => Promise.reject(new Error(`serve ended before it was ready (exit ${code})`)))]);
    const baseUrl = /FHIR endpoint: (http:\/\/127\.0\.0\.1:\d+\/fhir)/.exec(out())?.[1];
    const token = /Bearer token: ([A-Za-z0-9_-]{20,})/.exec(out())?.[1];
    expect(baseUrl).toBeDefined();
    expect(token).toBeDefined();
    const put = await fetch(`${baseUrl}/Patient/cli1`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Patient', id: 'cli1' }),
    });
    expect(put.status).toBe(201);
    const metadata = (await (await fetch(`${baseUrl}/metadata`, { headers: { Authorization: `Bearer ${token}` } })).json()) as { software?: { version?: string } };
    expect(metadata.software?.version).toBe('9.9.9');
    expect((await fetch(`${baseUrl}/metadata`)).status).toBe(401);
    stop();
    expect(await running).toBe(0);
    await expect(fetch(`${baseUrl}/metadata`)).rejects.toThrow();

    const reopened = await openVault(folder, PASSPHRASE, { projector: fhirProjector });
    try {
      expect((await createVaultRepository(reopened).read('Patient', 'cli1')).id).toBe('cli1');
    } finally {
      await reopened.close();
    }
  });

  it('refuses a folder that is not a vault before asking for a passphrase', async () => {
    const { io } = capture();
    await expect(serveFhir(path.join(dir, 'missing'), {}, io, Promise.resolve())).rejects.toThrow(/no vault/);
  });
});
