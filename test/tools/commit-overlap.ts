/**
 * How long the committing thread sits idle per vault commit (docs/vault-format.md section 5): a
 * writer keeps HEARTH_OVERLAP_DEPTH (default 2) transactions of 500 entries (1 KB blob each, three
 * indexed columns) in flight for HEARTH_OVERLAP_COMMITS (default 200) commits, on the vault alone
 * (no FHIR layer, no prep worker: nothing else to wait for but the log's append and fdatasync).
 * Prints per commit: the event loop's idle time (performance.eventLoopUtilization; time the OS
 * gives other processes counts as busy, so CPU contention does not inflate it), the process CPU
 * and the wall time, with the load average. `node --import tsx test/tools/commit-overlap.ts`
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createVault, type IndexProjector } from '../../src-main/vault';

const commits = Number(process.env.HEARTH_OVERLAP_COMMITS ?? 200);
const depth = Number(process.env.HEARTH_OVERLAP_DEPTH ?? 2);
const ENTRIES = 500;

const projector: IndexProjector = {
  schemaVersion: 1,
  createSchema(db) {
    db.run('CREATE TABLE r (k TEXT PRIMARY KEY, v TEXT NOT NULL, n INTEGER NOT NULL, seg INTEGER, off INTEGER)');
    db.run('CREATE INDEX r_v ON r (v)');
    db.run('CREATE INDEX r_n ON r (n)');
  },
  apply(db, tx) {
    const insert = db.prepare('INSERT OR REPLACE INTO r VALUES (?, ?, ?, ?, ?)');
    try {
      tx.entries.forEach((entry, i) => {
        const pointer = tx.blobs[i]?.pointer;
        insert.run([String(entry.k), String(entry.v), Number(entry.n), pointer?.segment ?? null, pointer?.offset ?? null]);
      });
    } finally {
      insert.free();
    }
  },
};

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-commit-overlap-'));
const vault = await createVault(path.join(dir, 'v'), 'overlap passphrase', { projector, kdfIterations: 1000, allowWeakKdfForTests: true });
const body = new Uint8Array(1024).fill(65);
const write = (c: number) =>
  vault.write((tx) => {
    for (let i = 0; i < ENTRIES; i++) {
      const n = c * ENTRIES + i;
      body[0] = n & 0xff;
      const blob = tx.addBlob(body);
      tx.addEntry({ k: `k${n}`, v: `v${(n * 7919) % 100_003}`, n: (n * 104_729) % 1_000_003, blob });
    }
  });

await write(0);
const loopBefore = performance.eventLoopUtilization();
const cpuBefore = process.cpuUsage();
const started = performance.now();
const window: Array<Promise<unknown>> = [];
for (let c = 1; c <= commits; c++) {
  window.push(write(c));
  if (window.length >= depth) await window.shift();
}
await Promise.all(window);
const wallMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
const idleMs = performance.eventLoopUtilization(loopBefore).idle;
console.log(
  `${commits} commits of ${ENTRIES}, ${depth} in flight: idle ${(idleMs / commits).toFixed(2)} ms per commit, ` +
    `CPU ${((cpu.user + cpu.system) / 1000 / commits).toFixed(2)} ms per commit, wall ${(wallMs / commits).toFixed(2)} ms per commit; load ${os.loadavg()[0]!.toFixed(1)}`,
);
await vault.close();
fs.rmSync(dir, { recursive: true, force: true });
