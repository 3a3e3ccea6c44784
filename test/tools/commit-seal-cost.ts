/**
 * What sealing a commit's blob frames costs the committing thread, with the frame-seal worker
 * (vault/frame-sealer.ts) and without: two vaults in one process (a trivial projector, so the
 * commit is mostly its frames), written in alternating rounds so that both see the same load.
 * Prints per blob: the committing (main) thread's CPU, the worker's (every other thread that
 * is not there before the sealer starts), and the wall time. `node --import tsx
 * test/tools/commit-seal-cost.ts`; HEARTH_SEAL_BLOBS (per commit, default 500), HEARTH_SEAL_BYTES
 * (per blob, default 720: the bench corpus' average body), HEARTH_SEAL_ROUNDS (default 6, of 20
 * commits per vault each).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createVault, type Vault } from '../../src-main/vault';
import { FrameSealer } from '../../src-main/vault/frame-sealer';
import { recordsProjector } from '../unit/vault/helpers';
import { mainThreadCpuSeconds, threadsCpu } from '../bench/fhir/measure';

const blobs = Number(process.env.HEARTH_SEAL_BLOBS ?? 500);
const bytes = Number(process.env.HEARTH_SEAL_BYTES ?? 720);
const rounds = Number(process.env.HEARTH_SEAL_ROUNDS ?? 6);
const COMMITS_PER_ROUND = 20;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-seal-cost-'));
const before = new Set(threadsCpu().keys());
const sealer = new FrameSealer();
sealer.start();
while (!sealer.ready) await new Promise((resolve) => setTimeout(resolve, 10));
const workerThreads = [...threadsCpu().keys()].filter((tid) => !before.has(tid));
const workerCpu = () => {
  const now = threadsCpu();
  return workerThreads.reduce((sum, tid) => sum + (now.get(tid) ?? 0), 0);
};

const options = { projector: recordsProjector(), kdfIterations: 1000, allowWeakKdfForTests: true };
const vaults: Record<'worker' | 'here', Vault> = {
  worker: await createVault(path.join(dir, 'worker'), 'cost passphrase', { ...options, frameSealer: sealer }),
  here: await createVault(path.join(dir, 'here'), 'cost passphrase', { ...options, frameSealer: null }),
};
const totals = { worker: { main: 0, worker: 0, wall: 0, blobs: 0 }, here: { main: 0, worker: 0, wall: 0, blobs: 0 } };
// Printable JSON-like bodies (the cipher does not care; the copy into the message does not either).
const body = new TextEncoder().encode('x'.repeat(bytes));
let key = 0;

async function round(which: 'worker' | 'here', timed: boolean): Promise<void> {
  const vault = vaults[which];
  const main0 = mainThreadCpuSeconds();
  const worker0 = workerCpu();
  const wall0 = performance.now();
  for (let c = 0; c < COMMITS_PER_ROUND; c++) {
    await vault.write((tx) => {
      for (let i = 0; i < blobs; i++) tx.addEntry({ key: `k${key++}`, value: 'v', blob: tx.addBlob(body) });
    });
  }
  if (!timed) return;
  const total = totals[which];
  total.main += mainThreadCpuSeconds() - main0;
  total.worker += workerCpu() - worker0;
  total.wall += (performance.now() - wall0) / 1000;
  total.blobs += COMMITS_PER_ROUND * blobs;
}

await round('worker', false);
await round('here', false);
for (let r = 0; r < rounds; r++) {
  // Alternated, and each order as often as the other.
  const order: Array<'worker' | 'here'> = r % 2 === 0 ? ['worker', 'here'] : ['here', 'worker'];
  for (const which of order) await round(which, true);
}
const us = (seconds: number, count: number) => ((seconds * 1e6) / count).toFixed(1);
for (const which of ['here', 'worker'] as const) {
  const t = totals[which];
  console.log(
    `${which === 'here' ? 'sealed on the committing thread' : 'sealed on the frame-seal worker '}: per blob of ${bytes} bytes, ` +
      `committing thread ${us(t.main, t.blobs)} us CPU, worker ${us(t.worker, t.blobs)} us CPU, wall ${us(t.wall, t.blobs)} us (${t.blobs} blobs in commits of ${blobs})`,
  );
}
console.log(`load ${os.loadavg()[0]!.toFixed(1)}`);
await vaults.worker.close();
await vaults.here.close();
await sealer.close();
fs.rmSync(dir, { recursive: true, force: true });
