/**
 * `hearth server ...` and `hearth sync ...` in-process (sync-command.ts, as hearth.ts calls them)
 * on a real vault against Medplum over HTTP: add with a bearer token (the server requires it),
 * dry run, push, status, pull into a second vault, and the reason lines for misuse.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Patient } from '@medplum/fhirtypes';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CliError } from '../../../src-main/cli/cli-error';
import { vaultCreate, withSession, type CliIo } from '../../../src-main/cli/commands';
import { serverCommand, syncCommand } from '../../../src-main/cli/sync-command';
import { dataSet, seed } from './fixtures';
import { startMedplumServer, type MedplumServer, MEDPLUM_LOAD_TIMEOUT_MS, preloadMedplum } from './medplum-server';

const TOKEN = 'cli-bearer-9d8c7b6a5f4e';
let server: MedplumServer | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

function io(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (t) => stdout.push(t),
    err: (t) => stderr.push(t),
    env: { HEARTH_PASSPHRASE: 'a long enough passphrase', NODE_ENV: 'test', HEARTH_TEST_KDF_ITERATIONS: '1000' },
  };
}

async function newVault(): Promise<string> {
  const dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'hearth-sync-cli-')), 'vault');
  dirs.push(path.dirname(dir));
  await vaultCreate(dir, io());
  return dir;
}

beforeAll(preloadMedplum, MEDPLUM_LOAD_TIMEOUT_MS);

describe('hearth server / hearth sync', () => {
  it('adds a server, dry-runs, pushes, reports status, and pulls into another vault', async () => {
    server = await startMedplumServer({ bearer: TOKEN });
    const a = await newVault();
    await withSession(a, io(), async (session) => {
      if (!session.repository) throw new Error('a vault session has a repository');
      await seed(session.repository, dataSet(2));
    });
    const add = io();
    expect(await serverCommand(['add', a, 'medplum', server.baseUrl], { bearer: TOKEN }, add)).toBe(0);
    expect(add.stdout.join('')).toMatch(/medplum\t.*\tbearer[\s\S]*FHIR version: 4\.0\.1[\s\S]*transaction: yes, batch: yes/);
    expect(add.stdout.join('')).not.toContain(TOKEN);

    const list = io();
    await serverCommand(['list', a], {}, list);
    expect(list.stdout.join('')).toBe(`medplum\t${server.baseUrl}\tbearer\n`);

    const dry = io();
    expect(await syncCommand([a, 'push'], { server: 'medplum', dryRun: true, all: false }, dry)).toBe(0);
    expect(dry.stdout.join('')).toMatch(/would push: 10 planned \(nothing sent\)/);
    expect((await server.all('Patient')).length).toBe(0);

    const pushed = io();
    expect(await syncCommand([a, 'push'], { server: 'medplum', dryRun: false, all: false }, pushed)).toBe(0);
    expect(pushed.stdout.join('')).toMatch(/pushed: 10 planned \(transaction\)\ncreated: 10\n/);

    const status = io();
    await syncCommand([a, 'status'], { server: 'medplum', dryRun: false, all: false }, status);
    expect(status.stdout.join('')).toMatch(/mapped: 10\nconflicts: 0\nlast push: \d{4}-/);

    const b = await newVault();
    await serverCommand(['add', b, 'medplum', server.baseUrl], { bearer: TOKEN }, io());
    const pulled = io();
    expect(await syncCommand([b, 'pull'], { server: 'medplum', dryRun: false, all: false }, pulled)).toBe(0);
    expect(pulled.stdout.join('')).toMatch(/pulled: 10 received[\s\S]*created: 10\n/);

    // Both sides edit Patient/p1: the push reports a conflict; its diff; a merge from a file settles it.
    const serverId = (await server.all('Patient')).find((p) => p.meta?.tag?.some((t) => t.code?.endsWith(':Patient/p1')))!.id!;
    const theirs = (await server.repo.readResource('Patient', serverId)) as Patient;
    await server.repo.updateResource({ ...theirs, gender: 'other' });
    let ours: Patient | undefined;
    await withSession(a, io(), async (session) => {
      const p = (await session.repository!.read('Patient', 'p1')) as Patient;
      ours = (await session.repository!.update({ ...p, birthDate: '1999-09-09' })) as Patient;
    });
    expect(await syncCommand([a, 'push'], { server: 'medplum', dryRun: false, all: false }, io())).toBe(2);
    const diff = io();
    expect(await syncCommand([a, 'conflicts', 'Patient/p1'], { server: 'medplum', dryRun: false, all: false }, diff)).toBe(0);
    expect(diff.stdout.join('')).toContain('~ birthDate: "1999-09-09" -> "1951-01-02"\n~ gender: "female" -> "other"\n');
    await expect(syncCommand([a, 'resolve', 'Patient/p1'], { server: 'medplum', dryRun: false, all: false }, io())).rejects.toThrow(/one of --keep-ours/);
    const file = path.join(path.dirname(a), 'merged.json');
    await writeFile(file, JSON.stringify({ ...ours, gender: 'other' }));
    const resolved = io();
    expect(await syncCommand([a, 'resolve', 'Patient/p1'], { server: 'medplum', dryRun: false, all: false, merge: file }, resolved)).toBe(0);
    expect(resolved.stdout.join('')).toMatch(/^resolved Patient\/p1 \(merged\): server version /);
    expect(((await server.repo.readResource('Patient', serverId)) as Patient).birthDate).toBe('1999-09-09');
  });

  it('explains misuse in one reason', async () => {
    const a = await newVault();
    await expect(serverCommand(['add', a, 'x', 'http://fhir.example.org/r4'], {}, io())).rejects.toThrow(/Plain http is refused/);
    await expect(serverCommand(['add', a, 'x', 'https://fhir.example.org/r4'], { bearer: 't', basic: 'u:p' }, io())).rejects.toThrow(CliError);
    await expect(serverCommand(['add', a, 'x', 'https://fhir.example.org/r4'], { basic: 'nocolon' }, io())).rejects.toThrow(/USER:PASS/);
    await expect(syncCommand([a, 'push'], { dryRun: false, all: false }, io())).rejects.toThrow(/--server/);
    await expect(syncCommand([a, 'status'], { server: 'ghost', dryRun: false, all: false }, io())).rejects.toThrow(/No server profile named "ghost"/);
    await expect(syncCommand([a, 'pull'], { server: 'ghost', dryRun: false, all: true }, io())).rejects.toThrow(/--all belongs/);
  });
});
