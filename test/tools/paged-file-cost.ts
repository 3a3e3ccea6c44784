/**
 * CPU cost of the paged index file's hot path (paged-file.ts): the page cache that sql.js' MEMFS
 * reads with subarray() and writes with set(). `npx tsx test/tools/paged-file-cost.ts`.
 *
 * Writes HEARTH_PAGED_FILE_MB (default 200) MiB of pages into a PagedFile with a cache of
 * HEARTH_PAGED_CACHE_MB (default 16) MiB, then replays HEARTH_PAGED_OPS (default 2,000,000)
 * operations skewed like a B-tree: a hot set of interior pages, a warm run of recently appended
 * pages, random leaves; whole-page reads and writes (of an Int8Array, as MEMFS writes) with a few small header reads. Prints CPU
 * nanoseconds per operation (process.cpuUsage), for all of them and for a run of cache hits alone,
 * and the page traffic (pagesIn, pagesOut), which is what eviction quality changes.
 * HEARTH_PAGED_FILE_MODULE=path measures another copy of paged-file.ts (e.g. main's, for a before/after).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { mulberry32 } from '../unit/fhir/differential/random';

type PagedFileModule = typeof import('../../src-main/vault/paged-file');

const modulePath = process.env.HEARTH_PAGED_FILE_MODULE;
const { PAGE_BYTES, PagedFile } = (await (modulePath
  ? import(pathToFileURL(path.resolve(modulePath)).href)
  : import('../../src-main/vault/paged-file'))) as PagedFileModule;

const fileMb = Number(process.env.HEARTH_PAGED_FILE_MB ?? 200);
const cacheMb = Number(process.env.HEARTH_PAGED_CACHE_MB ?? 16);
const operations = Number(process.env.HEARTH_PAGED_OPS ?? 2_000_000);
const pages = Math.floor((fileMb * 2 ** 20) / PAGE_BYTES);
const cachePages = Math.floor((cacheMb * 2 ** 20) / PAGE_BYTES);

const cpu = (): number => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

const dir = mkdtempSync(path.join(tmpdir(), 'hearth-paged-file-cost-'));
const file = new PagedFile({ path: path.join(dir, 'pages.scratch'), cacheBytes: cacheMb * 2 ** 20 });
try {
  const bytes = new Uint8Array(PAGE_BYTES).map((_, i) => i % 251);
  // MEMFS writes views of the wasm heap, an Int8Array (HEAP8), so the pages written here are one too.
  const page = new Int8Array(bytes.buffer);
  for (let n = 0; n < pages; n++) {
    page[0] = n & 0xff;
    file.set(page, n * PAGE_BYTES);
  }
  const afterFill = { pagesIn: file.stats.pagesIn, pagesOut: file.stats.pagesOut };

  // The operations are drawn first (seeded: before and after replay the same ones) so that drawing
  // them costs nothing in the measured loop.
  const next = mulberry32(14);
  const hot = Math.max(1, Math.floor(cachePages / 8)); // interior pages: an eighth of the cache
  const hotPages = Int32Array.from({ length: hot }, () => Math.floor(next() * pages));
  const ops = new Int32Array(operations);
  const kinds = new Uint8Array(operations);
  let tail = pages; // appended pages: the file grows as a write workload's does
  for (let i = 0; i < operations; i++) {
    const r = next();
    let target: number;
    if (r < 0.5) target = hotPages[Math.floor(next() * hot)]!;
    else if (r < 0.7) target = Math.max(0, tail - 1 - Math.floor(next() * (cachePages / 4)));
    else target = Math.floor(next() * tail);
    const k = next();
    // 0: whole-page read, 1: whole-page write, 2: header field read, 3: append a page
    kinds[i] = k < 0.6 ? 0 : k < 0.9 ? 1 : k < 0.98 ? 2 : 3;
    if (kinds[i] === 3) target = tail++;
    ops[i] = target;
  }

  let checksum = 0;
  const replay = (count: number, onlyHot: boolean): number => {
    const start = cpu();
    for (let i = 0; i < count; i++) {
      const target = onlyHot ? hotPages[i % hot]! : ops[i]!;
      const kind = onlyHot ? i & 1 : kinds[i]!;
      const at = target * PAGE_BYTES;
      if (kind === 0) checksum += file.subarray(at, at + PAGE_BYTES)[7]!;
      else if (kind === 1 || kind === 3) {
        page[1] = i & 0xff;
        file.set(page, at);
      } else checksum += file.subarray(24, 40)[3]!;
    }
    return cpu() - start;
  };

  const mixedCpu = replay(operations, false);
  const afterMix = { pagesIn: file.stats.pagesIn, pagesOut: file.stats.pagesOut };
  // Cache hits alone: touch the hot pages once (they may have been evicted), then measure.
  replay(hot, true);
  const hitsIn = file.stats.pagesIn;
  const hitCpu = replay(operations, true);
  console.log(
    JSON.stringify({
      module: modulePath ?? 'src-main/vault/paged-file.ts',
      pages,
      cachePages,
      operations,
      mixedNsPerOp: Math.round((mixedCpu * 1000) / operations),
      mixPagesIn: afterMix.pagesIn - afterFill.pagesIn,
      mixPagesOut: afterMix.pagesOut - afterFill.pagesOut,
      hitNsPerOp: Math.round((hitCpu * 1000) / operations),
      hitRunPagesIn: file.stats.pagesIn - hitsIn,
      cachedPages: file.stats.cachedPages,
      checksum: checksum % 1000,
      loadAverage: loadavg().map((l) => Math.round(l * 10) / 10),
    }),
  );
} finally {
  file.dispose();
  rmSync(dir, { recursive: true, force: true });
}
