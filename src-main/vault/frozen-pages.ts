/**
 * Copy-on-write images of an index file for snapshots written while commits go on
 * (docs/vault-format.md §6 and §6.2): the file's bytes [0, length) as of freeze(), read front to
 * back by one reader. Until the reader has passed a 4 KiB page, the first write to it keeps the
 * page's old bytes aside; the reader takes those, else the live page. A paged file (paged-file.ts)
 * and an in-memory file (IndexStorage, sqljs.ts) both call beforeWrite() on every write.
 */
import type { SnapshotSource } from './snapshot';

export const FROZEN_PAGE_BYTES = 4096;

/** A file's image as of freeze(), for one reader going front to back (a snapshot). */
export interface FrozenImage extends SnapshotSource {
  /** Bytes of old pages kept for the reader now. */
  readonly keptBytes: number;
  /**
   * Null when at most `bytes` are kept, else a promise resolving once they are (the reader passed
   * kept pages) or the view ended. For back-pressure between transactions (vault.ts).
   */
  untilKeptAtMost(bytes: number): Promise<void> | null;
  release(): void;
}

/** What a frozen view needs from its file. */
export interface LivePages {
  /** Page `page`'s bytes now, valid until the file changes, read without side effects (no cache entry). */
  current(page: number): Uint8Array;
  /**
   * Whole pages [first, first + count) as they are now, into `out` at `at`, read without side
   * effects; a file whose pages are costly one at a time (paged-file.ts reads its scratch file in
   * runs) has it, else the view asks current() page by page.
   */
  currentPages?(first: number, count: number, out: Uint8Array, at: number): void;
  /** A copy of page `page`'s bytes now, for the view to keep. */
  copyOf(page: number): Uint8Array;
  /** Throws (saying why) when the file can no longer be read. */
  check(): void;
}

export class FrozenPages implements FrozenImage {
  /** Pages of the frozen image (its length rounded up). */
  private readonly pages: number;
  /** Pages before this one were read whole: their old bytes need no keeping. */
  private cursor = 0;
  private readonly kept = new Map<number, Uint8Array>();
  private waiters: Array<{ bytes: number; resolve: () => void }> = [];
  private ended = false;
  /** The most bytes kept at once. */
  peakBytes = 0;

  constructor(
    readonly length: number,
    private readonly live: LivePages,
    /** Called once by release() (the file forgets the view). */
    private readonly onRelease: () => void,
  ) {
    this.pages = Math.ceil(length / FROZEN_PAGE_BYTES);
  }

  get keptBytes(): number {
    return this.kept.size * FROZEN_PAGE_BYTES;
  }

  get keptPages(): number {
    return this.kept.size;
  }

  /** Called before bytes [begin, end) of the file change: keeps the old bytes of the pages the reader has yet to read. */
  beforeWrite(begin: number, end: number): void {
    if (this.ended) return;
    const first = Math.max(this.cursor, Math.floor(begin / FROZEN_PAGE_BYTES));
    const last = Math.min(this.pages, Math.ceil(end / FROZEN_PAGE_BYTES));
    for (let page = first; page < last; page++) {
      if (this.kept.has(page)) continue;
      this.kept.set(page, this.live.copyOf(page));
      const bytes = this.keptBytes;
      if (bytes > this.peakBytes) this.peakBytes = bytes;
    }
  }

  /** The image's bytes [begin, end) into `out` at `at`; the reader passes the pages it read whole. */
  readInto(begin: number, end: number, out: Uint8Array, at: number): void {
    this.live.check();
    if (this.ended) throw new Error('The frozen view of the index file has ended');
    if (begin < this.cursor * FROZEN_PAGE_BYTES || end > this.length || end < begin) {
      throw new RangeError(`Bytes [${begin}, ${end}) are not ahead of the frozen view's reader`);
    }
    let page = Math.floor(begin / FROZEN_PAGE_BYTES);
    let offset = begin - page * FROZEN_PAGE_BYTES;
    let done = 0;
    const length = end - begin;
    while (done < length) {
      if (this.live.currentPages && offset === 0 && length - done >= FROZEN_PAGE_BYTES && !this.kept.has(page)) {
        // A run of whole pages none of which is kept: the file copies them in one call.
        const most = Math.floor((length - done) / FROZEN_PAGE_BYTES);
        let run = 1;
        while (run < most && !this.kept.has(page + run)) run++;
        this.live.currentPages(page, run, out, at + done);
        done += run * FROZEN_PAGE_BYTES;
        page += run;
        continue;
      }
      const n = Math.min(FROZEN_PAGE_BYTES - offset, length - done);
      const bytes = this.kept.get(page) ?? this.live.current(page);
      out.set(offset === 0 && n === bytes.length ? bytes : bytes.subarray(offset, offset + n), at + done);
      done += n;
      page++;
      offset = 0;
    }
    const passed = end >= this.length ? this.pages : Math.floor(end / FROZEN_PAGE_BYTES);
    if (passed <= this.cursor) return;
    for (let p = this.cursor; p < passed; p++) this.kept.delete(p);
    this.cursor = passed;
    this.wakeWaiters();
  }

  untilKeptAtMost(bytes: number): Promise<void> | null {
    if (this.ended || this.keptBytes <= bytes) return null;
    return new Promise<void>((resolve) => this.waiters.push({ bytes, resolve }));
  }

  /** Ends the view: its kept pages go, and whoever waits for room stops waiting. */
  end(): void {
    this.ended = true;
    this.kept.clear();
    this.cursor = this.pages;
    this.wakeWaiters();
  }

  private wakeWaiters(): void {
    const keptBytes = this.keptBytes;
    const ready = this.waiters.filter((w) => this.ended || keptBytes <= w.bytes);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const waiter of ready) waiter.resolve();
  }

  /** The reader is done (or gave up): the view ends and the file forgets it. */
  release(): void {
    this.end();
    this.onRelease();
  }
}
