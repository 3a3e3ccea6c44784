/**
 * Crash safety: a child writes as fast as it can and is SIGKILLed at a random instant; the vault
 * must reopen with every acknowledged transaction present and none half-applied.
 * HEARTH_TORTURE_TRIALS overrides the trial count (`npm run torture` runs 500).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { open as openFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createVault, openVault, type IndexProjector } from '../../../src-main/vault';
import { allRecords, recordsProjector, tempFolder, testOptions, writeRecords } from './helpers';

// 20 trials (two vaults, each verified) in `npm test` to keep the suite in its budget; `npm run torture` runs 500.
const TRIALS = Number(process.env.HEARTH_TORTURE_TRIALS ?? 20);
const TRIALS_PER_VAULT = 10;
const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
// Inside the repo so that the bundle's external `sql.js` import resolves from node_modules. The
// frame-seal worker is bundled next to it (as in out/cli), so that the writer seals snapshot chunks
// and large commits' blob frames there once it is ready, and the kills land mid-seal too.
const bundleDir = path.join(repoRoot, 'node_modules/.cache/hearth-vault-tests', `crash-${process.pid}`);
const bundle = path.join(bundleDir, 'crash-writer.mjs');
const temp = tempFolder('hearth-crash-');

beforeAll(async () => {
  mkdirSync(bundleDir, { recursive: true });
  await build({
    entryPoints: [path.join(here, 'fixtures/crash-writer.ts'), path.join(repoRoot, 'src-main/vault/frame-seal-worker.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['sql.js'],
    outdir: bundleDir,
    entryNames: '[name]',
    outExtension: { '.js': '.mjs' },
    logLevel: 'silent',
  });
});
afterAll(() => {
  temp.cleanup();
  rmSync(bundleDir, { recursive: true, force: true });
});

interface Ack {
  seq: number;
  txId: string;
  entries: number;
}

/** Runs the writer until a random instant after READY (which names its write depth), then SIGKILLs it; returns its ACKs. */
function runAndKill(dir: string, seed: number, killAfterMs: number): Promise<{ acks: Ack[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle, dir, 'crash-pass', String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (!timer && stdout.includes('READY ')) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') return reject(new Error(`writer exited on its own (code ${code}): ${stderr}`));
      const acks = stdout
        .split('\n')
        .filter((line) => line.startsWith('ACK '))
        .map((line) => {
          const [, seq, txId, entries] = line.split(' ');
          return { seq: Number(seq), txId: txId!, entries: Number(entries) };
        });
      resolve({ acks, stderr });
    });
  });
}

/** What the killed writer left behind (read before reopening, which cleans it up). */
function crashLeftovers(dir: string): { snapshotTemp: boolean; lastSegmentBytes: number } {
  const snapshotTemp = readdirSync(path.join(dir, 'index')).some((name) => name.endsWith('.tmp'));
  const segments = readdirSync(path.join(dir, 'log')).filter((name) => name.endsWith('.hlog')).sort();
  return { snapshotTemp, lastSegmentBytes: statSync(path.join(dir, 'log', segments[segments.length - 1]!)).size };
}

describe('crash safety', () => {
  it(
    `keeps every acknowledged transaction whole across ${TRIALS} SIGKILLs`,
    async () => {
      const acked = new Map<string, Ack>();
      let dir = '';
      let totalAcks = 0;
      let killedDuringSnapshot = 0;
      let tornTails = 0;
      const lastSegmentBytes: number[] = [];
      for (let trial = 0; trial < TRIALS; trial++) {
        if (trial % TRIALS_PER_VAULT === 0) {
          dir = path.join(temp.dir, `v${trial}`);
          acked.clear();
        }
        const killAfterMs = Math.floor(Math.random() * 500);
        const { acks, stderr } = await runAndKill(dir, trial * 7919 + 17, killAfterMs);
        expect(stderr).toBe('');
        for (const ack of acks) acked.set(ack.txId, ack);
        totalAcks += acks.length;

        const leftovers = crashLeftovers(dir);
        killedDuringSnapshot += leftovers.snapshotTemp ? 1 : 0;
        lastSegmentBytes.push(leftovers.lastSegmentBytes);
        const vault = await openVault(dir, 'crash-pass', { projector: recordsProjector(), segmentMaxBytes: 256 * 1024 });
        try {
          if (crashLeftovers(dir).lastSegmentBytes < leftovers.lastSegmentBytes) tornTails++;
          const rows = await allRecords(vault);
          const byTx = new Map<string, { seq: number; count: number; expected: number }>();
          for (const row of rows) {
            const [txId, entries, size] = row.value.split('|');
            const group = byTx.get(txId!) ?? { seq: row.tx, count: 0, expected: Number(entries) };
            expect(row.tx, `rows of ${txId} share one seq`).toBe(group.seq);
            group.count++;
            byTx.set(txId!, group);
            const body = await vault.readBlob(row.blob!);
            expect(body.length).toBe(Number(size));
            expect(new TextDecoder().decode(body.subarray(0, row.key.length + 1))).toBe(`${row.key}|`);
          }
          for (const [txId, group] of byTx) expect(group.count, `transaction ${txId} is whole`).toBe(group.expected);
          for (const ack of acked.values()) {
            expect(byTx.get(ack.txId)?.seq, `acknowledged ${ack.txId}`).toBe(ack.seq);
          }
          const seqs = [...new Set([...byTx.values()].map((g) => g.seq))].sort((a, b) => a - b);
          expect(seqs).toEqual(seqs.map((_, i) => i + 1));
          if (trial % TRIALS_PER_VAULT === TRIALS_PER_VAULT - 1) expect((await vault.verify()).problems).toEqual([]);
        } finally {
          await vault.close();
        }
      }
      expect(totalAcks).toBeGreaterThan(TRIALS);
      // Counts only (no content): how often a kill interrupted a snapshot write.
      console.info(`crash trials: ${TRIALS}, acknowledged transactions: ${totalAcks}, kills during a snapshot write: ${killedDuringSnapshot}, torn tails cut: ${tornTails}`);
    },
    Math.max(120_000, TRIALS * 4_000),
  );
});

/**
 * Pipelined commits (docs/vault-format.md section 5): fdatasync is held or failed through a spy on
 * FileHandle.prototype.datasync (every handle of this worker; restored after each test).
 */
describe('durability of pipelined commits', () => {
  let restore: Array<() => void> = [];
  afterEach(() => {
    for (const undo of restore) undo();
    restore = [];
  });

  /** Holds every fdatasync while `hold` is set, to be released or failed by the test. */
  async function controlDatasync(): Promise<{ held: Array<{ release: () => void; fail: (error: Error) => void }>; setHold: (on: boolean) => void }> {
    const probe = await openFile(fileURLToPath(import.meta.url), 'r');
    const proto = Object.getPrototypeOf(probe) as FileHandle;
    await probe.close();
    const original = proto.datasync;
    const held: Array<{ release: () => void; fail: (error: Error) => void }> = [];
    let hold = false;
    const spy = vi.spyOn(proto, 'datasync').mockImplementation(function (this: FileHandle): Promise<void> {
      if (!hold) return original.call(this);
      return new Promise<void>((resolve, reject) => {
        held.push({ release: () => void original.call(this).then(resolve, reject), fail: reject });
      });
    });
    restore.push(() => spy.mockRestore());
    return { held, setHold: (on) => (hold = on) };
  }

  /** recordsProjector, noting the seq of every transaction it applies. */
  function recordingProjector(applied: number[]): IndexProjector {
    const inner = recordsProjector();
    return { ...inner, apply: (db, tx) => (inner.apply(db, tx), applied.push(tx.seq)) };
  }

  /** Polls every 2 ms; bounded by 30 s of time (2,000 polls were ~4 s, short on a loaded machine). */
  async function until(condition: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
    if (!condition()) throw new Error(`timed out waiting for ${what}`);
  }

  const eio = (): Error => Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });

  it('acknowledges a commit only after its fdatasync, applies the next meanwhile, and lets readers see only durable commits', async () => {
    const dir = path.join(temp.dir, 'pipelined');
    const applied: number[] = [];
    const vault = await createVault(dir, 'pw', testOptions({ projector: recordingProjector(applied) }));
    try {
      await writeRecords(vault, 'a', 1);
      const sync = await controlDatasync();
      sync.setHold(true);
      const acked: string[] = [];
      const b = writeRecords(vault, 'b', 2).then(() => acked.push('b'));
      await until(() => sync.held.length === 1, "b's fdatasync");
      const c = writeRecords(vault, 'c', 2).then(() => acked.push('c'));
      // c is applied and appended while b's fdatasync is still running; neither is acknowledged.
      await until(() => applied.includes(3), 'c applied');
      expect(sync.held.length).toBe(1);
      expect(acked).toEqual([]);

      let readerRan = false;
      const reading = vault.read((db) => {
        readerRan = true;
        return (db.exec('SELECT key FROM records ORDER BY key')[0]?.values ?? []).map(([key]) => String(key));
      });
      const d = writeRecords(vault, 'd', 1).then(() => acked.push('d'));
      await new Promise((resolve) => setTimeout(resolve, 20));
      // The reader waits for b and c to be durable, and d waits for the reader.
      expect(readerRan).toBe(false);
      expect(applied).toEqual([1, 2, 3]);

      sync.setHold(false);
      sync.held[0]!.release();
      expect(await reading).toEqual(['a-0', 'b-0', 'b-1', 'c-0', 'c-1']);
      await Promise.all([b, c, d]);
      expect(acked).toEqual(['b', 'c', 'd']);
      expect(applied).toEqual([1, 2, 3, 4]);
    } finally {
      await vault.close();
    }
    const reopened = await openVault(dir, 'pw', { projector: recordsProjector() });
    try {
      expect((await allRecords(reopened)).map((r) => `${r.key}@${r.tx}`)).toEqual(['a-0@1', 'b-0@2', 'b-1@2', 'c-0@3', 'c-1@3', 'd-0@4']);
    } finally {
      await reopened.close();
    }
  });

  it('fails the commit whose fdatasync fails and every later unacknowledged one, and keeps the acknowledged ones', async () => {
    const dir = path.join(temp.dir, 'sync-fails');
    const applied: number[] = [];
    const vault = await createVault(dir, 'pw', testOptions({ projector: recordingProjector(applied) }));
    const segment = path.join(dir, 'log', '000001.hlog');
    let closed = false;
    try {
      await writeRecords(vault, 'a', 2);
      const durableBytes = statSync(segment).size;
      const sync = await controlDatasync();
      sync.setHold(true);
      const b = writeRecords(vault, 'b', 1);
      b.catch(() => undefined);
      await until(() => sync.held.length === 1, "b's fdatasync");
      const c = writeRecords(vault, 'c', 1);
      c.catch(() => undefined);
      await until(() => applied.includes(3), 'c applied');
      sync.setHold(false);
      sync.held[0]!.fail(eio());
      await expect(b).rejects.toMatchObject({ code: 'io', file: 'log/000001.hlog' });
      await expect(c).rejects.toMatchObject({ code: 'io' });
      // Writes stop; the index holds b and c, which may not be in the log, so reads stop too.
      await expect(writeRecords(vault, 'd', 1)).rejects.toMatchObject({ code: 'io' });
      await expect(vault.read(() => 1)).rejects.toMatchObject({ code: 'io' });
      await vault.close();
      closed = true;
      // The log was cut back to its durable end; close() wrote no snapshot of the index.
      expect(statSync(segment).size).toBe(durableBytes);
      expect(readdirSync(path.join(dir, 'index'))).toEqual([]);
    } finally {
      if (!closed) await vault.close();
    }
    const reopened = await openVault(dir, 'pw', { projector: recordsProjector() });
    try {
      expect((await allRecords(reopened)).map((r) => `${r.key}@${r.tx}`)).toEqual(['a-0@1', 'a-1@1']);
      await writeRecords(reopened, 'e', 1);
      expect((await reopened.verify()).problems).toEqual([]);
    } finally {
      await reopened.close();
    }
  });

  it('rolls back a commit whose append fails without failing the one before it', async () => {
    const dir = path.join(temp.dir, 'append-fails');
    const vault = await createVault(dir, 'pw', testOptions());
    try {
      await writeRecords(vault, 'a', 1);
      const sync = await controlDatasync();
      sync.setHold(true);
      const b = writeRecords(vault, 'b', 1);
      await until(() => sync.held.length === 1, "b's fdatasync");
      const probe = await openFile(fileURLToPath(import.meta.url), 'r');
      const proto = Object.getPrototypeOf(probe) as FileHandle;
      await probe.close();
      const write = vi.spyOn(proto, 'write').mockRejectedValueOnce(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
      restore.push(() => write.mockRestore());
      const c = writeRecords(vault, 'c', 1);
      c.catch(() => undefined);
      // c's undo (truncate + fdatasync) is held with b's; both complete once released.
      await until(() => sync.held.length === 2, "c's undo");
      sync.setHold(false);
      for (const held of sync.held) held.release();
      await expect(c).rejects.toMatchObject({ code: 'io', file: 'log/000001.hlog' });
      await b;
      await writeRecords(vault, 'd', 1);
      expect((await allRecords(vault)).map((r) => `${r.key}@${r.tx}`)).toEqual(['a-0@1', 'b-0@2', 'd-0@3']);
    } finally {
      await vault.close();
    }
    const reopened = await openVault(dir, 'pw', { projector: recordsProjector() });
    try {
      expect((await allRecords(reopened)).map((r) => `${r.key}@${r.tx}`)).toEqual(['a-0@1', 'b-0@2', 'd-0@3']);
      expect((await reopened.verify()).problems).toEqual([]);
    } finally {
      await reopened.close();
    }
  });
});
