/** Passphrase, header version, not-a-vault and folder-lock behaviour. */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createVault, MIN_PRODUCTION_KDF_ITERATIONS, openVault, probeVault, VaultError } from '../../../src-main/vault';
import { allRecords, recordsProjector, tempFolder, testOptions, writeRecords } from './helpers';

const temp = tempFolder('hearth-access-');
afterAll(() => temp.cleanup());
let counter = 0;
const newDir = (): string => path.join(temp.dir, `v${counter++}`);
const options = { projector: recordsProjector() };

/** SHA-256 of every data file in the folder (not the runtime lock), by relative path. */
function fingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name === 'vault.lock') continue;
    const full = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, full)] = createHash('sha256').update(readFileSync(full)).digest('hex');
  }
  return out;
}

async function populatedVault(passphrase: string): Promise<string> {
  const dir = newDir();
  const vault = await createVault(dir, passphrase, testOptions({ segmentMaxBytes: 1500 }));
  for (let i = 0; i < 5; i++) await writeRecords(vault, `p${i}`, 2, 300);
  await vault.close();
  return dir;
}

describe('passphrase', () => {
  it('rejects a wrong passphrase clearly and changes no file', async () => {
    const dir = await populatedVault('right one');
    const before = fingerprint(dir);
    const error = await openVault(dir, 'wrong one', options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultError);
    expect(error).toMatchObject({ code: 'wrong-passphrase', message: 'Wrong passphrase for this vault' });
    expect(fingerprint(dir)).toEqual(before);
    expect(readdirSync(dir)).not.toContain('vault.lock');
    const vault = await openVault(dir, 'right one', options);
    expect((await allRecords(vault)).length).toBe(10);
    await vault.close();
  });

  it('changes the passphrase by re-wrapping the key only: data files stay byte-identical', async () => {
    const dir = await populatedVault('old secret');
    const before = fingerprint(dir);
    const vault = await openVault(dir, 'old secret', options);
    await expect(vault.changePassphrase('not the current one', 'x')).rejects.toMatchObject({ code: 'wrong-passphrase' });
    expect(fingerprint(dir)).toEqual(before);
    await vault.changePassphrase('old secret', 'new secret');
    expect((await allRecords(vault)).length).toBe(10);
    await vault.close();

    const after = fingerprint(dir);
    const header = 'vault.json';
    expect(after[header]).not.toBe(before[header]);
    const oldHeader = JSON.parse(readFileSync(path.join(dir, header), 'utf8')) as { kdf: { salt: string } };
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    for (const file of Object.keys(before).filter((f) => f !== header)) expect(after[file], file).toBe(before[file]);
    expect(oldHeader.kdf.salt).toMatch(/^[A-Za-z0-9+/]+=*$/);

    await expect(openVault(dir, 'old secret', options)).rejects.toMatchObject({ code: 'wrong-passphrase' });
    const reopened = await openVault(dir, 'new secret', options);
    expect((await allRecords(reopened)).length).toBe(10);
    expect((await reopened.verify()).ok).toBe(true);
    await reopened.close();
  });

  it('uses at least 600,000 PBKDF2 iterations unless a test explicitly opts out', async () => {
    expect(MIN_PRODUCTION_KDF_ITERATIONS).toBeGreaterThanOrEqual(600_000);
    const dir = newDir();
    const vault = await createVault(dir, 'production strength', options);
    await vault.close();
    const header = JSON.parse(readFileSync(path.join(dir, 'vault.json'), 'utf8')) as { kdf: { iterations: number; algorithm: string; hash: string } };
    expect(header.kdf).toMatchObject({ algorithm: 'PBKDF2', hash: 'SHA-256' });
    expect(header.kdf.iterations).toBeGreaterThanOrEqual(600_000);
    await expect(createVault(newDir(), 'weak', { ...options, kdfIterations: 1000 })).rejects.toThrow(/600000/);
  }, 30_000);
});

describe('header and folder checks', () => {
  it('reports an unknown format version clearly', async () => {
    const dir = await populatedVault('pw');
    const file = path.join(dir, 'vault.json');
    const { checksum: _old, ...body } = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    body.formatVersion = 7;
    const serialise = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
    const checksum = createHash('sha256').update(serialise(body)).digest('hex');
    writeFileSync(file, serialise({ ...body, checksum }));
    const error = await openVault(dir, 'pw', options).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'unsupported-version', file: 'vault.json' });
    expect((error as Error).message).toContain('format version 7');
    expect(await probeVault(dir)).toMatchObject({ isVault: true, formatVersion: 7 });
  });

  it('says "not a vault" for a missing folder, an empty folder and someone else\'s files', async () => {
    const missing = newDir();
    await expect(openVault(missing, 'pw', options)).rejects.toMatchObject({ code: 'not-a-vault' });
    const empty = newDir();
    mkdirSync(empty);
    await expect(openVault(empty, 'pw', options)).rejects.toMatchObject({ code: 'not-a-vault' });
    expect(await probeVault(empty)).toMatchObject({ exists: true, isVault: false, canCreate: true });
    const other = newDir();
    mkdirSync(other);
    writeFileSync(path.join(other, 'notes.txt'), 'hello');
    await expect(openVault(other, 'pw', options)).rejects.toMatchObject({ code: 'not-a-vault' });
    expect(await probeVault(other)).toMatchObject({ isVault: false, canCreate: false });
    await expect(createVault(other, 'pw', testOptions())).rejects.toMatchObject({ code: 'exists' });
    writeFileSync(path.join(other, 'vault.json'), '{"name":"some other app"}');
    await expect(openVault(other, 'pw', options)).rejects.toMatchObject({ code: 'not-a-vault' });
    expect(await probeVault(missing)).toMatchObject({ exists: false, canCreate: true });
  });
});

describe('folder lock', () => {
  it('refuses a vault held by a live process, in this process or another', async () => {
    const dir = await populatedVault('pw');
    const vault = await openVault(dir, 'pw', options);
    const error = await openVault(dir, 'pw', options).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'locked-by-other-process', file: 'vault.lock' });
    expect((error as Error).message).toContain('another Hearth process');
    await vault.close();

    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      writeFileSync(path.join(dir, 'vault.lock'), `${sleeper.pid}\n`);
      await expect(openVault(dir, 'pw', options)).rejects.toMatchObject({ code: 'locked-by-other-process' });
    } finally {
      sleeper.kill('SIGKILL');
      await new Promise((resolve) => sleeper.on('exit', resolve));
    }
    // The holder is gone now: its stale lock is taken over.
    const reopened = await openVault(dir, 'pw', options);
    expect(readFileSync(path.join(dir, 'vault.lock'), 'utf8').trim()).toBe(String(process.pid));
    await reopened.close();
    expect(readdirSync(dir)).not.toContain('vault.lock');
  });
});

describe('interrupted creation', () => {
  it('lets a folder left by a crash during createVault be created again, and nothing else', async () => {
    const dir = newDir();
    mkdirSync(path.join(dir, 'log'), { recursive: true });
    mkdirSync(path.join(dir, 'index'));
    writeFileSync(path.join(dir, 'log', '000001.hlog'), Buffer.alloc(40, 7));
    writeFileSync(path.join(dir, 'vault.lock'), '999999999\n'); // a dead process
    expect(await probeVault(dir)).toMatchObject({ isVault: false, canCreate: true });
    const vault = await createVault(dir, 'fresh start', testOptions());
    await writeRecords(vault, 'k', 1, 10);
    await vault.close();
    const reopened = await openVault(dir, 'fresh start', options);
    expect((await allRecords(reopened)).length).toBe(1);
    await reopened.close();

    // A second segment, a snapshot or any foreign file means it is not a creation leftover.
    for (const extra of [['log', '000002.hlog'], ['index', 'snapshot-000001.hsnap'], ['notes.txt']]) {
      const other = newDir();
      mkdirSync(path.join(other, 'log'), { recursive: true });
      mkdirSync(path.join(other, 'index'));
      writeFileSync(path.join(other, ...extra), 'x');
      expect(await probeVault(other)).toMatchObject({ canCreate: false });
      await expect(createVault(other, 'no', testOptions())).rejects.toMatchObject({ code: 'exists' });
    }
  });
});
