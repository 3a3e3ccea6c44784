/**
 * An index database file that is not wholly in memory (issue 4 §2). sql.js keeps a database as a
 * file of its in-memory file system (MEMFS) whose contents are one Uint8Array; MEMFS only ever
 * reads it with `contents.subarray(pos, end)`, writes it with `contents.set(bytes, pos)` after a
 * capacity check on `contents.length`, and adopts `data.slice()` as the contents of a new file
 * (sqljs.ts, Adopted). A PagedFile is a Uint8Array (over an empty buffer) whose `length` reports a
 * capacity that never runs out and whose `subarray` and `set` go through a bounded cache of
 * 4 KiB pages (CLOCK, an approximation of LRU whose hits cost no reordering); pages leaving the
 * cache dirty are encrypted (AES-256-GCM under a random key that exists only in this object, the
 * page number in the AAD) into a scratch file on disk.
 *
 * The scratch file is never needed to open a vault: the snapshots and the log stay the truth
 * (docs/vault-format.md §6.2). It is unlinked as soon as it is opened where the OS allows it
 * (so even a crash leaves nothing), else deleted at dispose() and at the next unlock.
 *
 * One operation cannot be served: a truncation (MEMFS replaces the contents by a new array of the
 * new size and copies `subarray(0, size)` into it, which would bring the whole file into memory).
 * SQLite truncates when it rolls back a transaction that had written pages past the old end, so
 * the vault turns cache spilling off (pages reach the file only at COMMIT, which cannot fail half
 * way in memory). A subarray larger than MAX_SPAN_BYTES (only a truncate or an mmap asks for one)
 * marks the file broken and throws; the vault then refuses further use until it is reopened from
 * its snapshot and log.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { FrozenPages, type FrozenImage } from './frozen-pages';

export type { FrozenImage } from './frozen-pages';
import type { IndexPagingStats } from './types';

export const PAGE_BYTES = 4096;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** A page on disk: IV, ciphertext, tag. */
const SLOT_BYTES = IV_BYTES + PAGE_BYTES + TAG_BYTES;
/** Pages are allocated in slabs of this many as the cache fills. */
const SLAB_PAGES = 256;
/** SQLite reads and writes pages (at most 64 KiB) and small header fields; more is a truncate or an mmap. */
export const MAX_SPAN_BYTES = 1024 * 1024;
/**
 * A frozen view's reader (a snapshot) reads up to this many adjacent pages of the scratch file in one
 * read: one 4 KiB pread costs ~3 us, a page of a 64-page read ~0.5 us (a page-cached file, this machine).
 */
const READ_RUN_PAGES = 64;
/** What `length` reports once adopted: MEMFS never needs to grow the contents. */
const CAPACITY = Number.MAX_SAFE_INTEGER;

export interface PagedFileOptions {
  /** The scratch file (created; an existing file is replaced). */
  path: string;
  /** Bytes of plaintext pages kept in memory (at least 8 pages). */
  cacheBytes: number;
}

/**
 * `source` as bytes. MEMFS writes views of the wasm heap as an Int8Array (HEAP8): its bytes are what
 * set() would store (a value v becomes v mod 256), so a Uint8Array over the same memory is taken
 * instead of a converted copy (Uint8Array.from went element by element through every page write).
 */
function asBytes(source: ArrayLike<number>): Uint8Array {
  if (source instanceof Uint8Array) return source;
  if (source instanceof Int8Array || source instanceof Uint8ClampedArray) return new Uint8Array(source.buffer, source.byteOffset, source.length);
  return Uint8Array.from(source);
}

export class PagedFile extends Uint8Array<ArrayBuffer> {
  static get [Symbol.species](): Uint8ArrayConstructor {
    return Uint8Array;
  }

  /** Set once sql.js made this the contents of its file (new sql.Database(this)). */
  adopted = false;
  /** Why the file can no longer be used, once it cannot. */
  broken: string | null = null;
  /** Bytes written so far (the file's length as far as this object saw writes). */
  size = 0;
  readonly scratchPath: string;
  private fd: number | null;
  private unlinked = false;
  private key: Buffer;
  private ivCounter = 0;
  private readonly ivPrefix = randomBytes(4);
  private readonly maxPages: number;
  /**
   * The cache is CLOCK (second chance), an approximation of LRU whose hits cost two array stores:
   * page number -> slot (-1: not cached), grown as the file grows; per slot its page, whether it is
   * dirty, its reference bit (set by every use), and a view of its bytes. On a miss with every slot
   * taken, the hand sweeps the slots, clearing reference bits, and evicts the first slot whose bit
   * was already clear. A page enters with its bit clear, just behind the hand: read once (a random
   * leaf), it goes at the hand's next pass; used again before then, it stays a further turn. On
   * test/tools/paged-file-cost.ts this pages in and out 3-5% less than the LRU it replaced (which
   * moved a page to the back of a Map on every hit); on test/tools/write-profile.ts the same, within 1%.
   */
  private pageSlot = new Int32Array(1024).fill(-1);
  private readonly slabs: Uint8Array<ArrayBuffer>[] = [];
  private slotPage = new Int32Array(0);
  private slotDirty = new Uint8Array(0);
  private slotRef = new Uint8Array(0);
  private slotViews: Uint8Array<ArrayBuffer>[] = [];
  private slotCount = 0;
  private hand = 0;
  /** One bit per page: whether the scratch file holds it. */
  private onDisk = new Uint8Array(1024);
  private readonly ioBuffer = Buffer.alloc(SLOT_BYTES);
  /** Slots of a run of pages read at once (currentPages), allocated at the first run. */
  private runBuffer: Buffer | null = null;
  private readonly aad = Buffer.alloc(8);
  pagesOut = 0;
  pagesIn = 0;
  /** Reads of the scratch file (a run of pages read at once counts one). */
  scratchReads = 0;
  /** The frozen view being read (freeze()), if any. */
  private frozen: FrozenPages | null = null;
  /** The most old page bytes kept at once by frozen views already released. */
  private releasedKeptPeak = 0;

  constructor(options: PagedFileOptions) {
    super(new ArrayBuffer(0));
    this.maxPages = Math.max(8, Math.floor(options.cacheBytes / PAGE_BYTES));
    this.scratchPath = options.path;
    this.key = randomBytes(32);
    this.fd = openSync(options.path, 'w+', 0o600);
    if (process.platform !== 'win32') {
      // The open descriptor keeps the file; the name goes now, so no crash can leave it behind.
      unlinkSync(options.path);
      this.unlinked = true;
    }
  }

  /** The most old page bytes kept at once for frozen views (for tests and profiles). */
  get keptBytesPeak(): number {
    return Math.max(this.releasedKeptPeak, this.frozen?.peakBytes ?? 0);
  }

  get stats(): IndexPagingStats {
    return {
      pagesOut: this.pagesOut,
      pagesIn: this.pagesIn,
      cachedPages: this.slotCount,
      keptPages: this.frozen?.keptPages ?? 0,
      keptPagesPeak: this.keptBytesPeak / PAGE_BYTES,
    };
  }

  /** MEMFS adopts what slice() returns as a new file's contents: this object itself, once. */
  override slice(begin = 0, end = this.size): Uint8Array<ArrayBuffer> {
    if (!this.adopted && begin === 0) {
      this.adopted = true;
      return this;
    }
    return this.copyOut(begin, end, true);
  }

  override subarray(begin = 0, end = this.size): Uint8Array<ArrayBuffer> {
    this.checkUsable();
    if (end - begin > MAX_SPAN_BYTES) {
      this.broken = `a span of ${end - begin} bytes was asked for (a truncate or an mmap of the index file)`;
      throw new Error(`The paged index file cannot serve ${this.broken}`);
    }
    const page = Math.floor(begin / PAGE_BYTES);
    const at = begin - page * PAGE_BYTES;
    if (end - begin <= PAGE_BYTES - at) {
      // Within one page (SQLite reads whole pages and header fields): a view of its cache slot.
      const view = this.slotViews[this.slotFor(page, true)]!;
      return at === 0 && end - begin === PAGE_BYTES ? view : view.subarray(at, at + Math.max(0, end - begin));
    }
    return this.copyOut(begin, end, true);
  }

  override set(source: ArrayLike<number>, offset = 0): void {
    this.checkUsable();
    const bytes = asBytes(source);
    const length = bytes.length;
    let page = Math.floor(offset / PAGE_BYTES);
    let at = offset - page * PAGE_BYTES;
    this.frozen?.beforeWrite(offset, offset + length);
    if (at === 0 && length === PAGE_BYTES) {
      // A whole page (SQLite writes pages): no read of the old page.
      const slot = this.slotFor(page, false);
      this.slotViews[slot]!.set(bytes);
      this.slotDirty[slot] = 1;
    } else {
      let done = 0;
      while (done < length) {
        const n = Math.min(PAGE_BYTES - at, length - done);
        // A whole-page piece needs no read of the old page.
        const slot = this.slotFor(page, n !== PAGE_BYTES);
        this.slotViews[slot]!.set(done === 0 && n === length ? bytes : bytes.subarray(done, done + n), at);
        this.slotDirty[slot] = 1;
        done += n;
        page++;
        at = 0;
      }
    }
    if (offset + length > this.size) this.size = offset + length;
  }

  /** A copy of bytes [begin, end) that leaves the cache as it was (pages not cached are read from disk). */
  read(begin: number, end: number): Uint8Array<ArrayBuffer> {
    this.checkUsable();
    return this.copyOut(begin, end, false);
  }

  /**
   * The image of bytes [0, length) as they are now, for one reader going front to back while writes
   * go on (docs/vault-format.md §6.2). One view at a time. Writes pay a copy of each page they
   * change first, until the reader passes it (a page not cached is read from the scratch file for
   * that); the caller bounds the kept bytes with untilKeptAtMost.
   */
  freeze(length: number): FrozenImage {
    this.checkUsable();
    if (this.frozen) throw new Error('The paged index file already has a frozen view');
    if (length > this.size) throw new RangeError(`Cannot freeze ${length} bytes of a ${this.size}-byte file`);
    const frozen = new FrozenPages(
      length,
      {
        current: (page) => this.pageView(page, false),
        currentPages: (first, count, out, at) => this.copyPages(first, count, out, at),
        copyOf: (page) => {
          const slot = page < this.pageSlot.length ? this.pageSlot[page]! : -1;
          // A page not cached: pageView reads a fresh copy from the scratch file.
          return slot >= 0 ? this.slotViews[slot]!.slice() : this.pageView(page, false);
        },
        check: () => this.checkUsable(),
      },
      () => {
        this.releasedKeptPeak = Math.max(this.releasedKeptPeak, frozen.peakBytes);
        if (this.frozen === frozen) this.frozen = null;
      },
    );
    this.frozen = frozen;
    return frozen;
  }

  /** Closes and removes the scratch file and forgets the key and the cached pages. */
  dispose(): void {
    // A frozen view ends with the file (its reader then fails: the snapshot fails, not the vault).
    this.frozen?.release();
    if (this.fd !== null) {
      try {
        closeSync(this.fd);
      } finally {
        this.fd = null;
        if (!this.unlinked) {
          this.unlinked = true;
          try {
            unlinkSync(this.scratchPath);
          } catch {
            // Already gone; the next unlock removes any leftover scratch file too.
          }
        }
      }
    }
    this.key.fill(0);
    this.key = Buffer.alloc(0);
    this.pageSlot = new Int32Array(0);
    this.slotViews = [];
    this.slotCount = 0;
    this.slabs.length = 0;
    this.broken ??= 'the file was disposed of';
  }

  private checkUsable(): void {
    if (this.broken !== null) throw new Error(`The paged index file is unusable: ${this.broken}`);
  }

  private copyOut(begin: number, end: number, cacheMisses: boolean): Uint8Array<ArrayBuffer> {
    if (end - begin > MAX_SPAN_BYTES && cacheMisses) {
      this.broken = `a copy of ${end - begin} bytes was asked for`;
      throw new Error(`The paged index file cannot serve ${this.broken}`);
    }
    const out = new Uint8Array(Math.max(0, end - begin));
    const length = out.length;
    let page = Math.floor(begin / PAGE_BYTES);
    let at = begin - page * PAGE_BYTES;
    let done = 0;
    while (done < length) {
      const n = Math.min(PAGE_BYTES - at, length - done);
      const bytes = this.pageView(page, cacheMisses);
      out.set(at === 0 && n === PAGE_BYTES ? bytes : bytes.subarray(at, at + n), done);
      done += n;
      page++;
      at = 0;
    }
    return out;
  }

  /**
   * Pages [first, first + count) into `out` at `at`, leaving the cache as it was: cached pages are
   * copied from their slots, runs of pages only on disk are read with one read per run.
   */
  private copyPages(first: number, count: number, out: Uint8Array, at: number): void {
    this.checkUsable();
    const end = first + count;
    let page = first;
    while (page < end) {
      const into = at + (page - first) * PAGE_BYTES;
      const slot = page < this.pageSlot.length ? this.pageSlot[page]! : -1;
      if (slot >= 0) {
        out.set(this.slotViews[slot]!, into);
        page++;
      } else if (!this.isOnDisk(page)) {
        out.fill(0, into, into + PAGE_BYTES);
        page++;
      } else {
        let runEnd = page + 1;
        while (runEnd < end && runEnd - page < READ_RUN_PAGES && this.isOnDisk(runEnd) && !(runEnd < this.pageSlot.length && this.pageSlot[runEnd]! >= 0)) runEnd++;
        this.readPageRun(page, runEnd - page, out, into);
        page = runEnd;
      }
    }
  }

  /** Page `page`'s bytes: its cache slot, or (cacheMiss false, not cached) a fresh copy from disk. */
  private pageView(page: number, cacheMiss: boolean): Uint8Array<ArrayBuffer> {
    if (cacheMiss) return this.slotViews[this.slotFor(page, true)]!;
    const slot = page < this.pageSlot.length ? this.pageSlot[page]! : -1;
    if (slot >= 0) return this.slotViews[slot]!;
    const copy = new Uint8Array(PAGE_BYTES);
    this.readPage(page, copy);
    return copy;
  }

  /** The cache slot of `page` (its reference bit set), filled from disk when `load` (else left as it was: the caller overwrites it). */
  private slotFor(page: number, load: boolean): number {
    if (page < this.pageSlot.length) {
      const cached = this.pageSlot[page]!;
      if (cached >= 0) {
        this.slotRef[cached] = 1;
        return cached;
      }
    } else {
      this.growPageTable(page);
    }
    let slot: number;
    if (this.slotCount < this.maxPages) {
      slot = this.newSlot();
    } else {
      slot = this.victim();
      const old = this.slotPage[slot]!;
      if (this.slotDirty[slot]) this.writePage(old, this.slotViews[slot]!);
      this.pageSlot[old] = -1;
    }
    if (load) this.readPage(page, this.slotViews[slot]!);
    this.slotPage[slot] = page;
    this.slotDirty[slot] = 0;
    this.slotRef[slot] = 0;
    this.pageSlot[page] = slot;
    return slot;
  }

  /** The slot to evict: the first from the hand on whose reference bit is clear, clearing the bits it passes. */
  private victim(): number {
    const ref = this.slotRef;
    const count = this.slotCount;
    let hand = this.hand;
    while (ref[hand] !== 0) {
      ref[hand] = 0;
      hand = hand + 1 === count ? 0 : hand + 1;
    }
    this.hand = hand + 1 === count ? 0 : hand + 1;
    return hand;
  }

  private growPageTable(page: number): void {
    const grown = new Int32Array(Math.max(page + 1, this.pageSlot.length * 2)).fill(-1);
    grown.set(this.pageSlot);
    this.pageSlot = grown;
  }

  private newSlot(): number {
    const slot = this.slotCount++;
    if (slot % SLAB_PAGES === 0) this.slabs.push(new Uint8Array(SLAB_PAGES * PAGE_BYTES));
    if (slot >= this.slotPage.length) {
      const grown = Math.min(this.maxPages, Math.max(SLAB_PAGES, this.slotPage.length * 2));
      const pages = new Int32Array(grown);
      pages.set(this.slotPage);
      const dirty = new Uint8Array(grown);
      dirty.set(this.slotDirty);
      const ref = new Uint8Array(grown);
      ref.set(this.slotRef);
      this.slotPage = pages;
      this.slotDirty = dirty;
      this.slotRef = ref;
    }
    const at = (slot % SLAB_PAGES) * PAGE_BYTES;
    this.slotViews.push(this.slabs[Math.floor(slot / SLAB_PAGES)]!.subarray(at, at + PAGE_BYTES));
    return slot;
  }

  private isOnDisk(page: number): boolean {
    const byte = page >>> 3;
    return byte < this.onDisk.length && (this.onDisk[byte]! & (1 << (page & 7))) !== 0;
  }

  private markOnDisk(page: number): void {
    const byte = page >>> 3;
    if (byte >= this.onDisk.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.onDisk.length * 2));
      grown.set(this.onDisk);
      this.onDisk = grown;
    }
    this.onDisk[byte]! |= 1 << (page & 7);
  }

  private requireFd(): number {
    if (this.fd === null) throw new Error('The paged index file is closed');
    return this.fd;
  }

  private writePage(page: number, bytes: Uint8Array): void {
    const fd = this.requireFd();
    const slot = this.ioBuffer;
    // A unique IV per encryption under this key: a random prefix and a counter.
    this.ivPrefix.copy(slot, 0);
    slot.writeUIntBE(this.ivCounter++, 4, 6);
    slot.writeUInt16BE(0, 10);
    const iv = slot.subarray(0, IV_BYTES);
    this.aad.writeUIntBE(page, 2, 6);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(this.aad);
    const body = cipher.update(bytes);
    const tail = cipher.final();
    body.copy(slot, IV_BYTES);
    tail.copy(slot, IV_BYTES + body.length);
    cipher.getAuthTag().copy(slot, IV_BYTES + PAGE_BYTES);
    try {
      let written = 0;
      while (written < SLOT_BYTES) written += writeSync(fd, slot, written, SLOT_BYTES - written, page * SLOT_BYTES + written);
    } catch (error) {
      this.broken = 'a page could not be written to the scratch file';
      throw error;
    }
    this.markOnDisk(page);
    this.pagesOut++;
  }

  private readPage(page: number, into: Uint8Array): void {
    if (!this.isOnDisk(page)) {
      // Never written: SQLite only reads pages it wrote, except past the end, which reads as zeros.
      into.fill(0);
      return;
    }
    this.readSlots(page, 1, this.ioBuffer);
    this.openSlot(page, this.ioBuffer, into, 0);
  }

  /** `count` adjacent pages from `first` on, all on disk, read in one go and opened into `out` at `at`. */
  private readPageRun(first: number, count: number, out: Uint8Array, at: number): void {
    this.runBuffer ??= Buffer.alloc(READ_RUN_PAGES * SLOT_BYTES);
    const slots = this.runBuffer;
    this.readSlots(first, count, slots);
    for (let i = 0; i < count; i++) this.openSlot(first + i, slots.subarray(i * SLOT_BYTES, (i + 1) * SLOT_BYTES), out, at + i * PAGE_BYTES);
  }

  /** The slots of pages [first, first + count) into `into` (a short read is a broken file). */
  private readSlots(first: number, count: number, into: Buffer): void {
    const fd = this.requireFd();
    const bytes = count * SLOT_BYTES;
    let read = 0;
    try {
      while (read < bytes) {
        const n = readSync(fd, into, read, bytes - read, first * SLOT_BYTES + read);
        if (n === 0) break;
        read += n;
      }
    } catch (error) {
      this.broken = 'a page could not be read from the scratch file';
      throw error;
    }
    this.scratchReads++;
    if (read !== bytes) {
      this.broken = 'a page of the scratch file is missing';
      throw new Error(`The paged index file is unusable: ${this.broken}`);
    }
  }

  /** Authenticates and decrypts page `page`'s slot into `out` at `at`. */
  private openSlot(page: number, slot: Buffer, out: Uint8Array, at: number): void {
    this.aad.writeUIntBE(page, 2, 6);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, slot.subarray(0, IV_BYTES));
      decipher.setAAD(this.aad);
      decipher.setAuthTag(slot.subarray(IV_BYTES + PAGE_BYTES, SLOT_BYTES));
      const plain = decipher.update(slot.subarray(IV_BYTES, IV_BYTES + PAGE_BYTES));
      decipher.final();
      out.set(plain, at);
    } catch {
      this.broken = 'a page of the scratch file does not authenticate';
      throw new Error(`The paged index file is unusable: ${this.broken}`);
    }
    this.pagesIn++;
  }
}

// `length` is an accessor on Uint8Array.prototype; TypeScript declares it a property, so the
// override is defined here. MEMFS reads it as the contents' capacity (writes never grow a
// PagedFile) except when adopting a new file, where it is the number of bytes to take.
Object.defineProperty(PagedFile.prototype, 'length', {
  get(this: PagedFile): number {
    return this.adopted ? CAPACITY : this.size;
  },
});
