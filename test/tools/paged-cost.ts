/**
 * CPU cost of the paged index file's disk side (paged-file.ts): pages encrypted and written out on
 * eviction, and read back and decrypted. `npx tsx test/tools/paged-cost.ts` (HEARTH_PAGED_COST_MB,
 * default 64: the bytes pushed through a cache of 8 pages). Prints CPU microseconds per page.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { PAGE_BYTES, PagedFile } from '../../src-main/vault/paged-file';

const megabytes = Number(process.env.HEARTH_PAGED_COST_MB ?? 64);
const pages = Math.floor((megabytes * 2 ** 20) / PAGE_BYTES);
const dir = mkdtempSync(path.join(tmpdir(), 'hearth-paged-cost-'));
const file = new PagedFile({ path: path.join(dir, 'pages.scratch'), cacheBytes: 8 * PAGE_BYTES });
const page = new Uint8Array(PAGE_BYTES).map((_, i) => i % 251);
const cpu = (): number => {
  const { user, system } = process.cpuUsage();
  return user + system;
};
try {
  const writeStart = cpu();
  for (let n = 0; n < pages; n++) file.set(page, n * PAGE_BYTES);
  const writeCpu = cpu() - writeStart;
  const readStart = cpu();
  for (let n = 0; n < pages; n += 16) file.read(n * PAGE_BYTES, Math.min(pages, n + 16) * PAGE_BYTES);
  const readCpu = cpu() - readStart;
  const { pagesOut, pagesIn } = file.stats;
  console.log(
    JSON.stringify({
      pages,
      pagesOut,
      pagesIn,
      writeCpuMicrosecondsPerPage: Math.round((writeCpu / pagesOut) * 10) / 10,
      readCpuMicrosecondsPerPage: Math.round((readCpu / pagesIn) * 10) / 10,
      loadAverage: loadavg().map((l) => Math.round(l * 10) / 10),
    }),
  );
} finally {
  file.dispose();
  rmSync(dir, { recursive: true, force: true });
}
