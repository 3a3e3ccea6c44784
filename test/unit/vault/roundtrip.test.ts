import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createVault, loadSqlJs, openVault, probeVault, VaultError, type Vault } from '../../../src-main/vault';
import { allRecords, blobFor, recordsProjector, tempFolder, testOptions, writeRecords } from './helpers';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function folder(): string {
  const { dir, cleanup } = tempFolder();
  cleanups.push(cleanup);
  return path.join(dir, 'vault');
}

async function expectBlobsMatch(vault: Vault): Promise<void> {
  for (const row of await allRecords(vault)) {
    expect(row.blob).not.toBeNull();
    const bytes = await vault.readBlob(row.blob!);
    expect(new TextDecoder().decode(bytes)).toBe(new TextDecoder().decode(blobFor(row.key, 200)));
  }
}

describe('vault round trip', () => {
  it('reads back blobs opened on the reading thread (up to 256 KiB) and on WebCrypto (larger), and refuses an altered one', async () => {
    const dir = folder();
    const vault = await createVault(dir, 'correct horse', testOptions());
    await writeRecords(vault, 'small', 2, 900);
    await writeRecords(vault, 'edge', 1, 256 * 1024 - 64);
    await writeRecords(vault, 'large', 1, 300 * 1024);
    const rows = await allRecords(vault);
    const sizes = { small: 900, edge: 256 * 1024 - 64, large: 300 * 1024 };
    for (const row of rows) {
      const size = sizes[row.key.split('-')[0] as keyof typeof sizes];
      expect(new TextDecoder().decode(await vault.readBlob(row.blob!))).toBe(new TextDecoder().decode(blobFor(row.key, size)));
    }
    // Frames of both sizes exist: a small one under 256 KiB, the large one over it.
    expect(Math.min(...rows.map((r) => r.blob!.length))).toBeLessThan(4096);
    expect(Math.max(...rows.map((r) => r.blob!.length))).toBeGreaterThan(256 * 1024);
    await vault.close();
    // One ciphertext byte of the first small blob flipped: it no longer authenticates.
    const small = rows.find((r) => r.key === 'small-0')!.blob!;
    const segment = path.join(dir, 'log', readdirSync(path.join(dir, 'log')).find((name) => name.startsWith(String(small.segment).padStart(6, '0')))!);
    const bytes = readFileSync(segment);
    bytes[small.offset + small.length - 20]! ^= 0x01;
    writeFileSync(segment, bytes);
    const reopened = await openVault(dir, 'correct horse', testOptions());
    try {
      await expect(reopened.readBlob(small)).rejects.toThrow(/does not authenticate/);
    } finally {
      await reopened.close();
    }
  });

  it('creates, writes, closes, reopens and reads back records and blobs', async () => {
    const dir = folder();
    expect((await probeVault(dir)).canCreate).toBe(true);
    const vault = await createVault(dir, 'correct horse', testOptions());
    expect(vault.info.formatVersion).toBe(1);
    await writeRecords(vault, 'a', 3);
    const { result, tx } = await vault.write((staged) => {
      staged.addEntry({ key: 'solo', value: 'x' });
      return staged.size;
    });
    expect(result).toBe(1);
    expect(tx?.seq).toBe(2);
    const empty = await vault.write(() => 'nothing');
    expect(empty.tx).toBeNull();
    await vault.close();

    expect(readdirSync(dir).sort()).toEqual(['index', 'log', 'vault.json']);
    const probe = await probeVault(dir);
    expect(probe).toMatchObject({ isVault: true, canCreate: false, formatVersion: 1 });

    const reopened = await openVault(dir, 'correct horse', { projector: recordsProjector() });
    const rows = await allRecords(reopened);
    expect(rows.map((r) => [r.key, r.value, r.tx])).toEqual([
      ['a-0', 'a:0', 1],
      ['a-1', 'a:1', 1],
      ['a-2', 'a:2', 1],
      ['solo', 'x', 2],
    ]);
    for (const row of rows.filter((r) => r.blob)) {
      expect(new TextDecoder().decode(await reopened.readBlob(row.blob!))).toBe(new TextDecoder().decode(blobFor(row.key, 200)));
    }
    const report = await reopened.verify();
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.transactions).toBe(2);
    expect(report.resources).toBe(4);
    await reopened.close();
  });

  it('reopens a vault closed before its first transaction (snapshot of an empty index)', async () => {
    const dir = folder();
    await (await createVault(dir, 'pw', testOptions())).close();
    expect(readdirSync(path.join(dir, 'index'))).toEqual(['snapshot-000000.hsnap']);
    const reopened = await openVault(dir, 'pw', { projector: recordsProjector() });
    expect(await allRecords(reopened)).toEqual([]);
    expect((await reopened.verify()).ok).toBe(true);
    await writeRecords(reopened, 'first', 1);
    await reopened.close();
    const again = await openVault(dir, 'pw', { projector: recordsProjector() });
    expect((await allRecords(again)).map((r) => r.tx)).toEqual([1]);
    await again.close();
  });

  it('replays the log tail after the newest snapshot, and rebuilds when the projector schema changes', async () => {
    const dir = folder();
    const vault = await createVault(dir, 'pw', testOptions());
    await writeRecords(vault, 'before', 5);
    await vault.snapshot();
    expect(readdirSync(path.join(dir, 'index'))).toEqual(['snapshot-000001.hsnap']);
    await writeRecords(vault, 'after', 4);
    // Simulate a crash after the acknowledged writes: copy the folder while it is still open.
    const crashed = folder();
    copyFolder(dir, crashed);
    await vault.close();
    expect(readdirSync(path.join(dir, 'index'))).toEqual(['snapshot-000002.hsnap']);

    const fromTail = await openVault(crashed, 'pw', { projector: recordsProjector() });
    expect((await allRecords(fromTail)).map((r) => r.key)).toEqual([...keys('after', 4), ...keys('before', 5)]);
    await expectBlobsMatch(fromTail);
    await fromTail.close();

    const rebuilt = await openVault(dir, 'pw', { projector: recordsProjector(2) });
    expect((await allRecords(rebuilt)).length).toBe(9);
    expect((await rebuilt.verify()).ok).toBe(true);
    await rebuilt.close();
  });

  it('rolls to new segments at transaction boundaries and snapshots in the background', async () => {
    const dir = folder();
    const errors: Error[] = [];
    const options = testOptions({ segmentMaxBytes: 1500, snapshotAfterTransactions: 3, onBackgroundError: (e) => errors.push(e) });
    const vault = await createVault(dir, 'pw', options);
    for (let i = 0; i < 12; i++) await writeRecords(vault, `t${String(i).padStart(2, '0')}`, 1 + (i % 4));
    await vault.close();
    expect(errors).toEqual([]);
    const segments = readdirSync(path.join(dir, 'log')).sort();
    expect(segments.length).toBeGreaterThan(3);
    expect(segments[0]).toBe('000001.hlog');
    const reopened = await openVault(dir, 'pw', { projector: recordsProjector(), segmentMaxBytes: 1500 });
    const rows = await allRecords(reopened);
    expect(rows.length).toBe([...Array(12).keys()].reduce((sum, i) => sum + 1 + (i % 4), 0));
    expect(new Set(rows.map((r) => r.blob!.segment)).size).toBeGreaterThan(3);
    await expectBlobsMatch(reopened);
    const report = await reopened.verify();
    expect(report.ok).toBe(true);
    expect(report.files.map((f) => f.file)).toEqual(['vault.json', ...segments.map((s) => `log/${s}`), 'index/snapshot-000012.hsnap']);
    await reopened.close();
  });

  it('rolls back the index and the log when the projector throws', async () => {
    const dir = folder();
    const vault = await createVault(dir, 'pw', testOptions());
    await writeRecords(vault, 'ok', 2);
    const segment = path.join(dir, 'log', '000001.hlog');
    const sizeBefore = statSync(segment).size;
    await expect(vault.write((tx) => tx.addEntry({ value: 'no key' }))).rejects.toThrow('entry without key');
    expect(statSync(segment).size).toBe(sizeBefore);
    await writeRecords(vault, 'next', 1);
    expect((await allRecords(vault)).map((r) => r.tx)).toEqual([2, 1, 1]);
    expect((await vault.verify()).ok).toBe(true);
    await vault.close();
  });

  it('rejects every call after close', async () => {
    const dir = folder();
    const vault = await createVault(dir, 'pw', testOptions());
    await writeRecords(vault, 'x', 1);
    const [row] = await allRecords(vault);
    await vault.close();
    await vault.close();
    for (const call of [() => vault.read(() => 1), () => vault.write(() => 1), () => vault.readBlob(row!.blob!), () => vault.snapshot(), () => vault.verify()]) {
      await expect(call()).rejects.toMatchObject({ code: 'closed' });
    }
    expect(readdirSync(dir)).not.toContain('vault.lock');
  });

  it('refuses a folder that is not empty, and reads wait for an in-flight commit', async () => {
    const dir = folder();
    const vault = await createVault(dir, 'pw', testOptions());
    await expect(createVault(dir, 'pw', testOptions())).rejects.toMatchObject({ code: 'exists' });
    const writing = writeRecords(vault, 'w', 50);
    await new Promise((resolve) => setImmediate(resolve));
    const seen = await vault.read((db) => Number(db.exec('SELECT count(*) FROM records')[0]?.values[0]?.[0]));
    await writing;
    expect([0, 50]).toContain(seen);
    await vault.close();
    expect(new VaultError('io', 'x')).toBeInstanceOf(Error);
  });
});

describe('verify', () => {
  it('reports an index that no longer matches the log', async () => {
    const dir = folder();
    const vault = await createVault(dir, 'pw', testOptions());
    await writeRecords(vault, 'v', 4);
    expect((await vault.verify()).ok).toBe(true);
    // Corrupt the live index behind the vault's back (read() callers must never do this).
    await vault.read((db) => db.run("UPDATE records SET value = 'tampered' WHERE key = 'v-2'"));
    const changed = await vault.verify();
    expect(changed.ok).toBe(false);
    expect(changed.problems).toEqual(['Index table records differs from the one the log rebuilds']);
    await vault.read((db) => db.run("DELETE FROM records WHERE key = 'v-3'"));
    expect((await vault.verify()).problems).toEqual(['Index table records has 3 rows; the log rebuilds 4']);
    await vault.close();
  });

  it('stays consistent while writes and background snapshots run alongside it', async () => {
    const dir = folder();
    const errors: Error[] = [];
    const vault = await createVault(dir, 'pw', testOptions({ snapshotAfterTransactions: 2, onBackgroundError: (e) => errors.push(e) }));
    const work: Array<Promise<unknown>> = [];
    for (let i = 0; i < 20; i++) {
      work.push(writeRecords(vault, `c${i}`, 2));
      if (i % 4 === 0) work.push(vault.verify().then((report) => expect(report.problems).toEqual([])));
    }
    await Promise.all(work);
    expect(errors).toEqual([]);
    expect((await vault.verify()).ok).toBe(true);
    await vault.close();
    expect(await loadSqlJs()).toBe(await loadSqlJs());
  });
});

function keys(prefix: string, count: number): string[] {
  return [...Array(count).keys()].map((i) => `${prefix}-${i}`);
}

function copyFolder(from: string, to: string): void {
  for (const entry of readdirSync(from, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name === 'vault.lock') continue;
    const source = path.join(entry.parentPath, entry.name);
    const target = path.join(to, path.relative(from, source));
    mkdirp(path.dirname(target));
    writeFile(target, readFileSync(source));
  }
}

import { mkdirSync, writeFileSync } from 'node:fs';
function mkdirp(dir: string): void {
  mkdirSync(dir, { recursive: true });
}
function writeFile(file: string, data: Uint8Array): void {
  writeFileSync(file, data);
}
