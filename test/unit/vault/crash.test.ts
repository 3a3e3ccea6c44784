/**
 * Crash safety: a child writes as fast as it can and is SIGKILLed at a random instant; the vault
 * must reopen with every acknowledged transaction present and none half-applied.
 * HEARTH_TORTURE_TRIALS overrides the trial count (`npm run torture` runs 500).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openVault } from '../../../src-main/vault';
import { allRecords, recordsProjector, tempFolder } from './helpers';

// 20 trials (two vaults, each verified) in `npm test` to keep the suite in its budget; `npm run torture` runs 500.
const TRIALS = Number(process.env.HEARTH_TORTURE_TRIALS ?? 20);
const TRIALS_PER_VAULT = 10;
const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
// Inside the repo so that the bundle's external `sql.js` import resolves from node_modules.
const bundle = path.join(repoRoot, 'node_modules/.cache/hearth-vault-tests', `crash-writer-${process.pid}.mjs`);
const temp = tempFolder('hearth-crash-');

beforeAll(async () => {
  mkdirSync(path.dirname(bundle), { recursive: true });
  await build({
    entryPoints: [path.join(here, 'fixtures/crash-writer.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['sql.js'],
    outfile: bundle,
    logLevel: 'silent',
  });
});
afterAll(() => {
  temp.cleanup();
  rmSync(bundle, { force: true });
});

interface Ack {
  seq: number;
  txId: string;
  entries: number;
}

/** Runs the writer until a random instant after READY, then SIGKILLs it; returns its ACKs. */
function runAndKill(dir: string, seed: number, killAfterMs: number): Promise<{ acks: Ack[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle, dir, 'crash-pass', String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (!timer && stdout.includes('READY\n')) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
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
