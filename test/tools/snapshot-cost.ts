/**
 * What writing one index snapshot costs, by part: seals HEARTH_SNAPSHOT_MB (default 256) of bytes
 * as a snapshot (startSnapshot: seal + write; finishSnapshot: fsync, rename, re-read and
 * authenticate) in a folder under the OS temp dir, with HEARTH_SNAPSHOT_HEAP_MB (default 150) of
 * live JS objects held, as during an import. Prints CPU seconds per part, per MB, and the garbage
 * collections, and the main thread's own share (the store thread's, where a vault runs; the rest
 * is libuv's thread pool: WebCrypto, file I/O). Run under `node --import tsx`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { webcrypto } from 'node:crypto';
import { finishSnapshot, startSnapshot } from '../../src-main/vault/snapshot';
import type { FrameKeyring } from '../../src-main/vault/frame';
import { mainThreadCpuSeconds } from '../bench/fhir/measure';

const mb = Number(process.env.HEARTH_SNAPSHOT_MB ?? 256);
const heapMb = Number(process.env.HEARTH_SNAPSHOT_HEAP_MB ?? 150);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-snapshot-cost-'));
fs.mkdirSync(path.join(dir, 'index'));
const key = await webcrypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
const keyring: FrameKeyring = { key, vaultId: new Uint8Array(16), formatVersion: 1 };
const data = new Uint8Array(mb * 1024 * 1024);
for (let i = 0; i < data.length; i += 4096) data[i] = i & 255;
// Live objects as an import holds them (about 100 bytes each).
const held: Array<{ a: string; b: number[] }> = [];
for (let i = 0; i < (heapMb * 1024 * 1024) / 100; i++) held.push({ a: `x${i}`, b: [i, i + 1] });

let gcMs = 0;
let gcs = 0;
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gcMs += entry.duration;
    gcs++;
  }
});
observer.observe({ entryTypes: ['gc'] });
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const m0 = mainThreadCpuSeconds();
const c0 = cpu();
const t0 = performance.now();
const pending = await startSnapshot(dir, keyring, 1, data);
const m1 = mainThreadCpuSeconds();
const c1 = cpu();
const t1 = performance.now();
await finishSnapshot(dir, keyring, pending);
const m2 = mainThreadCpuSeconds();
const c2 = cpu();
const t2 = performance.now();
await new Promise((resolve) => setTimeout(resolve, 100));
observer.disconnect();
console.log(
  `${mb} MB snapshot, ${heapMb} MB held: seal+write ${(c1 - c0).toFixed(2)} CPU-s (${(t1 - t0).toFixed(0)} ms), sync+re-read ${(c2 - c1).toFixed(2)} CPU-s (${(t2 - t1).toFixed(0)} ms); ` +
    `${(((c2 - c0) * 1000) / mb).toFixed(1)} CPU-ms per MB; main thread ${(m1 - m0).toFixed(2)} + ${(m2 - m1).toFixed(2)} CPU-s; ${gcs} GCs, ${gcMs.toFixed(0)} ms; held ${held.length}; load ${os.loadavg()[0]!.toFixed(1)}`,
);
fs.rmSync(dir, { recursive: true, force: true });
