/**
 * What a snapshot's read of a frozen paged index costs (vault/paged-file.ts, frozen-pages.ts): fills
 * a PagedFile of HEARTH_FROZEN_MB (default 512) through a cache of HEARTH_FROZEN_CACHE_MB (default
 * 64), so most pages live only in the encrypted scratch file, then reads frozen views of it front to
 * back in 256 KiB pieces, as startSnapshot does, three times. Prints wall and CPU ms per read.
 * Run: `npx tsx test/tools/frozen-read-cost.ts`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PAGE_BYTES, PagedFile } from '../../src-main/vault/paged-file';
import { SNAPSHOT_READ_PIECE_BYTES } from '../../src-main/vault/snapshot';

const size = Number(process.env.HEARTH_FROZEN_MB ?? 512) * 2 ** 20;
const cacheBytes = Number(process.env.HEARTH_FROZEN_CACHE_MB ?? 64) * 2 ** 20;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-frozen-read-'));
const file = new PagedFile({ path: path.join(dir, 'pages.scratch'), cacheBytes });
try {
  const page = new Uint8Array(PAGE_BYTES);
  for (let at = 0; at < size; at += PAGE_BYTES) {
    page[0] = at & 255;
    file.set(page, at);
  }
  const out = new Uint8Array(SNAPSHOT_READ_PIECE_BYTES);
  console.log(`frozen view of ${size / 2 ** 20} MiB, cache ${cacheBytes / 2 ** 20} MiB, read in ${out.length / 1024} KiB pieces`);
  for (let round = 0; round < 3; round++) {
    const frozen = file.freeze(size);
    const readsBefore = file.scratchReads;
    const pagesBefore = file.stats.pagesIn;
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let at = 0; at < size; at += out.length) frozen.readInto(at, Math.min(size, at + out.length), out, 0);
    const used = process.cpuUsage(cpu);
    frozen.release();
    console.log(
      `  read ${round + 1}: ${(performance.now() - started).toFixed(0)} ms wall, ${((used.user + used.system) / 1000).toFixed(0)} ms CPU; ${file.stats.pagesIn - pagesBefore} pages from disk in ${file.scratchReads - readsBefore} reads`,
    );
  }
} finally {
  file.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
}
