/**
 * Pages per table and index of a SQLite database image (the bytes of sql.js' `db.export()`), read
 * from the file format itself (sqlite.org/fileformat2.html, "B-tree Pages" and "Cell Payload
 * Overflow Pages"): sql.js is built without the dbstat virtual table. Each B-tree of
 * sqlite_schema (tables, indexes, FTS4 shadow tables) is walked from its root page, counting its
 * interior, leaf and overflow pages and the payload bytes its cells hold.
 */
import type { Database } from 'sql.js';

export interface BtreePages {
  /** The table or index name (sqlite_schema.name). */
  name: string;
  /** The table a schema index belongs to (sqlite_schema.tbl_name). */
  table: string;
  type: 'table' | 'index';
  pages: number;
  bytes: number;
  /** Rows of a table, entries of an index (an index's interior cells are entries too). */
  entries: number;
  /** Payload bytes of those rows or entries (record header + values), the rest being page overhead and free space. */
  payloadBytes: number;
}

export interface DatabasePages {
  pageSize: number;
  pageCount: number;
  freelistPages: number;
  btrees: BtreePages[];
}

function readVarint(bytes: Uint8Array, at: number): { value: number; next: number } {
  let value = 0;
  for (let i = 0; i < 8; i++) {
    const byte = bytes[at + i]!;
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) return { value, next: at + i + 1 };
  }
  return { value: value * 256 + bytes[at + 8]!, next: at + 9 };
}

const u16 = (bytes: Uint8Array, at: number): number => (bytes[at]! << 8) | bytes[at + 1]!;
const u32 = (bytes: Uint8Array, at: number): number => ((bytes[at]! << 24) >>> 0) + (bytes[at + 1]! << 16) + (bytes[at + 2]! << 8) + bytes[at + 3]!;

/** Walks the B-tree rooted at `root`: its pages (with overflow chains), leaf cells and their payload bytes. */
function walk(image: Uint8Array, pageSize: number, usable: number, root: number): { pages: number; entries: number; payloadBytes: number } {
  let pages = 0;
  let entries = 0;
  let payloadBytes = 0;
  const stack = [root];
  const seen = new Set<number>();
  const overflowPages = (first: number): number => {
    let count = 0;
    for (let page = first; page !== 0 && !seen.has(page); page = u32(image, (page - 1) * pageSize)) {
      seen.add(page);
      count++;
    }
    return count;
  };
  while (stack.length > 0) {
    const page = stack.pop()!;
    if (seen.has(page)) continue;
    seen.add(page);
    pages++;
    const start = (page - 1) * pageSize;
    const header = page === 1 ? start + 100 : start;
    const kind = image[header]!;
    const cells = u16(image, header + 3);
    const interior = kind === 2 || kind === 5;
    const cellPointers = header + (interior ? 12 : 8);
    if (interior) stack.push(u32(image, header + 8));
    const index = kind === 2 || kind === 10;
    // Largest payload kept on the page, and the minimum local part when it spills.
    const maxLocal = index ? Math.floor(((usable - 12) * 64) / 255) - 23 : usable - 35;
    const minLocal = Math.floor(((usable - 12) * 32) / 255) - 23;
    for (let c = 0; c < cells; c++) {
      let at = start + u16(image, cellPointers + 2 * c);
      if (interior) {
        stack.push(u32(image, at));
        at += 4;
        if (kind === 5) continue; // table interior cells hold only a rowid key
      }
      // Index interior cells hold entries too (their keys are not repeated on the leaves).
      const size = readVarint(image, at);
      at = size.next;
      if (kind === 13) at = readVarint(image, at).next; // the rowid
      const payload = size.value;
      entries++;
      payloadBytes += payload;
      if (payload > maxLocal) {
        const k = minLocal + ((payload - minLocal) % (usable - 4));
        const local = k <= maxLocal ? k : minLocal;
        pages += overflowPages(u32(image, at + local));
      }
    }
  }
  return { pages, entries, payloadBytes };
}

/** Pages of every table and index of `db` (its exported image: the caller's database is not changed). */
export function databasePages(db: Database): DatabasePages {
  const image = db.export();
  const pageSizeField = u16(image, 16);
  const pageSize = pageSizeField === 1 ? 65536 : pageSizeField;
  const usable = pageSize - image[20]!;
  const pageCount = u32(image, 28);
  const freelistPages = u32(image, 36);
  const rows = db.exec("SELECT type, name, tbl_name, rootpage FROM sqlite_schema WHERE rootpage > 0 ORDER BY name")[0]?.values ?? [];
  const btrees: BtreePages[] = [
    { type: 'table' as const, name: 'sqlite_schema', table: 'sqlite_schema', ...walk(image, pageSize, usable, 1) },
    ...rows.map(([type, name, table, root]) => ({
      type: type === 'index' ? ('index' as const) : ('table' as const),
      name: String(name),
      table: String(table),
      ...walk(image, pageSize, usable, Number(root)),
    })),
  ].map((b) => ({ ...b, bytes: b.pages * pageSize }));
  return { pageSize, pageCount, freelistPages, btrees };
}
