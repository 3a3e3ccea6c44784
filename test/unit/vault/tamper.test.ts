/**
 * Tamper evidence: any single flipped byte in any vault file is reported, naming the file; a torn
 * tail of the last segment is recovered, damage anywhere else is not skipped.
 */
import { appendFileSync, mkdirSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVault, openVault, VaultError, type Vault } from '../../../src-main/vault';
import { allRecords, recordsProjector, tempFolder, testOptions, writeRecords } from './helpers';

const temp = tempFolder('hearth-tamper-');
afterAll(() => temp.cleanup());
const PASS = 'tamper-pass';
const open = (dir: string): Promise<Vault> => openVault(dir, PASS, { projector: recordsProjector(), segmentMaxBytes: 2000 });

/** Every data file of a vault, relative to its folder (vault.lock is runtime state, not data). */
function vaultFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name !== 'vault.lock')
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

function copyFolder(from: string, to: string): void {
  for (const file of vaultFiles(from)) {
    mkdirSync(path.dirname(path.join(to, file)), { recursive: true });
    writeFileSync(path.join(to, file), readFileSync(path.join(from, file)));
  }
}

/** Opens, reads every blob, verifies: returns the VaultError or failing report entry that names a file. */
async function detect(dir: string): Promise<{ file: string | undefined; message: string } | null> {
  let vault: Vault;
  try {
    vault = await open(dir);
  } catch (error) {
    if (!(error instanceof VaultError)) throw error;
    return { file: error.file, message: error.message };
  }
  try {
    for (const row of await allRecords(vault)) {
      try {
        await vault.readBlob(row.blob!);
      } catch (error) {
        if (!(error instanceof VaultError)) throw error;
        return { file: error.file, message: error.message };
      }
    }
    const report = await vault.verify();
    const bad = report.files.find((f) => !f.ok);
    if (bad) return { file: bad.file, message: bad.problem ?? '' };
    if (!report.ok) return { file: undefined, message: report.problems.join('; ') };
    return null;
  } finally {
    await vault.close();
  }
}

describe('tamper evidence', () => {
  let dir = '';
  beforeAll(async () => {
    dir = path.join(temp.dir, 'flip');
    const vault = await createVault(dir, PASS, testOptions({ segmentMaxBytes: 2000, snapshotAfterTransactions: 1000 }));
    for (let i = 0; i < 16; i++) await writeRecords(vault, `r${String(i).padStart(2, '0')}`, 1 + (i % 3), 150);
    await vault.close();
  });

  it('reports a single flipped byte anywhere (>= 1,000 positions) as damage to that file', async () => {
    const files = vaultFiles(dir);
    const segments = files.filter((f) => f.startsWith('log/'));
    expect(segments.length).toBeGreaterThanOrEqual(3);
    expect(files.filter((f) => f.startsWith('index/'))).toHaveLength(1);
    expect(files).toContain('vault.json');
    expect(await detect(dir)).toBeNull();

    const sizes = files.map((file) => statSync(path.join(dir, file)).size);
    const totalBytes = sizes.reduce((a, b) => a + b, 0);
    const positions: Array<{ file: string; offset: number }> = [];
    files.forEach((file, i) => {
      // At least 60 per file, the rest spread in proportion to size.
      const count = Math.max(60, Math.round((1000 * sizes[i]!) / totalBytes));
      for (let n = 0; n < count; n++) positions.push({ file, offset: Math.floor(Math.random() * sizes[i]!) });
    });
    expect(positions.length).toBeGreaterThanOrEqual(1000);

    const missed: string[] = [];
    for (const { file, offset } of positions) {
      const full = path.join(dir, file);
      const original = readFileSync(full);
      const damaged = Buffer.from(original);
      damaged[offset] = damaged[offset]! ^ (1 + Math.floor(Math.random() * 255));
      writeFileSync(full, damaged);
      try {
        const found = await detect(dir);
        if (!found || found.file !== file || !found.message.includes(file)) {
          missed.push(`${file}@${offset}: ${found ? `${found.file} / ${found.message}` : 'not detected'}`);
        }
      } finally {
        writeFileSync(full, original);
      }
    }
    expect(missed).toEqual([]);
    expect(await detect(dir)).toBeNull();
  }, 240_000);
});

describe('torn tail and mid-log damage', () => {
  const source = path.join(temp.dir, 'tail-source');
  /** The last segment's length after the snapshot and after each later transaction. */
  let snapshotEnd = 0;
  const txEnds: number[] = [];
  const segment = 'log/000001.hlog';

  beforeAll(async () => {
    const vault = await createVault(source, PASS, testOptions());
    for (let i = 0; i < 4; i++) await writeRecords(vault, `base${i}`, 2, 300);
    await vault.snapshot();
    snapshotEnd = statSync(path.join(source, segment)).size;
    for (let i = 0; i < 8; i++) {
      await writeRecords(vault, `tail${i}`, 1 + (i % 3), 300 + i * 97);
      txEnds.push(statSync(path.join(source, segment)).size);
    }
    // The "crash image": the folder as it is with acknowledged writes and no closing snapshot.
    copyFolder(source, path.join(temp.dir, 'tail-image'));
    await vault.close();
  });

  const image = (name: string): string => {
    const target = path.join(temp.dir, name);
    copyFolder(path.join(temp.dir, 'tail-image'), target);
    return target;
  };

  it('recovers a last segment cut at random points after the snapshot', async () => {
    for (let trial = 0; trial < 25; trial++) {
      const dir = image(`cut-${trial}`);
      const zeroTail = trial % 3 === 0;
      // Zero-filled tails (a file extended whose data never reached the disk) start at a frame boundary.
      const cut = zeroTail
        ? [snapshotEnd, ...txEnds][Math.floor(Math.random() * txEnds.length)]!
        : snapshotEnd + Math.floor(Math.random() * (txEnds[txEnds.length - 1]! - snapshotEnd));
      truncateSync(path.join(dir, segment), cut);
      if (zeroTail) appendFileSync(path.join(dir, segment), Buffer.alloc(1 + Math.floor(Math.random() * 5000)));
      const kept = txEnds.filter((end) => end <= cut).length;
      const vault = await open(dir);
      const tails = new Set((await allRecords(vault)).map((r) => r.key.split('-')[0]).filter((k) => k!.startsWith('tail')));
      expect(tails.size, `cut at ${cut}`).toBe(kept);
      expect(statSync(path.join(dir, segment)).size).toBe(kept === 0 ? snapshotEnd : txEnds[kept - 1]);
      expect((await vault.verify()).ok).toBe(true);
      await writeRecords(vault, 'after-recovery', 1);
      await vault.close();
      const again = await open(dir);
      expect((await allRecords(again)).some((r) => r.key === 'after-recovery-0')).toBe(true);
      await again.close();
    }
  }, 60_000);

  it('reports a cut that removes acknowledged transactions covered by the snapshot', async () => {
    const dir = image('cut-too-far');
    truncateSync(path.join(dir, segment), snapshotEnd - 10);
    await expect(open(dir)).rejects.toMatchObject({ code: 'damaged', file: segment });
  });

  it('reports (never skips) a damaged frame in the middle of the log', async () => {
    const dir = image('middle');
    const full = path.join(dir, segment);
    const bytes = readFileSync(full);
    const middle = txEnds[2]! + 40;
    bytes[middle] = bytes[middle]! ^ 0x55;
    writeFileSync(full, bytes);
    await expect(open(dir)).rejects.toMatchObject({ code: 'damaged', file: segment });
    const error = await open(dir).catch((e: unknown) => e);
    expect(String((error as Error).message)).toContain(segment);
  });

  it('reports a zeroed region that does not reach the end of the last segment', async () => {
    const dir = image('zeroed-middle');
    const full = path.join(dir, segment);
    const bytes = readFileSync(full);
    bytes.fill(0, txEnds[3]!, txEnds[4]!);
    writeFileSync(full, bytes);
    await expect(open(dir)).rejects.toMatchObject({ code: 'damaged', file: segment });
  });

  it('reports a missing segment', async () => {
    const dir = path.join(temp.dir, 'missing-segment');
    const vault = await createVault(dir, PASS, testOptions({ segmentMaxBytes: 1500 }));
    for (let i = 0; i < 8; i++) await writeRecords(vault, `m${i}`, 2, 300);
    await vault.close();
    const segments = readdirSync(path.join(dir, 'log')).sort();
    expect(segments.length).toBeGreaterThan(2);
    const { rmSync } = await import('node:fs');
    rmSync(path.join(dir, 'log', segments[1]!));
    await expect(open(dir)).rejects.toMatchObject({ code: 'damaged', file: `log/${segments[1]}` });
  });
});
