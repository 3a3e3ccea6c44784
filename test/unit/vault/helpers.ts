/** Shared fixtures for the vault tests: a small projector, temp folders, weak-KDF options. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CreateOptions, Database, IndexProjector, JsonObject, Vault } from '../../../src-main/vault';

/**
 * records(key, value, tx, blob_*): each entry `{key, value, blob?}` upserts one row; `blob` is the
 * index of the transaction's blob holding the record's body.
 */
export function recordsProjector(schemaVersion = 1): IndexProjector {
  return {
    schemaVersion,
    createSchema(db: Database) {
      db.run(
        'CREATE TABLE records (key TEXT PRIMARY KEY, value TEXT NOT NULL, tx INTEGER NOT NULL, blob_segment INTEGER, blob_offset INTEGER, blob_length INTEGER)',
      );
    },
    apply(db, tx) {
      const statement = db.prepare('INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?, ?, ?)');
      try {
        for (const entry of tx.entries) {
          const blob = typeof entry.blob === 'number' ? tx.blobs[entry.blob]?.pointer : undefined;
          if (typeof entry.key !== 'string') throw new Error('entry without key');
          statement.run([entry.key, String(entry.value), tx.seq, blob?.segment ?? null, blob?.offset ?? null, blob?.length ?? null]);
        }
      } finally {
        statement.free();
      }
    },
    summarize(db) {
      const count = Number(db.exec('SELECT count(*) FROM records')[0]?.values[0]?.[0] ?? 0);
      return { resources: count, versions: count };
    },
  };
}

export const weakKdf = { kdfIterations: 1000, allowWeakKdfForTests: true } as const;

export function testOptions(extra: Partial<CreateOptions> = {}): CreateOptions {
  return { projector: recordsProjector(), ...weakKdf, ...extra };
}

export function tempFolder(prefix = 'hearth-vault-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface RecordRow {
  key: string;
  value: string;
  tx: number;
  blob: { segment: number; offset: number; length: number } | null;
}

export async function allRecords(vault: Vault): Promise<RecordRow[]> {
  return vault.read((db) => {
    const rows = db.exec('SELECT key, value, tx, blob_segment, blob_offset, blob_length FROM records ORDER BY key')[0]?.values ?? [];
    return rows.map(([key, value, tx, segment, offset, length]) => ({
      key: String(key),
      value: String(value),
      tx: Number(tx),
      blob: segment === null ? null : { segment: Number(segment), offset: Number(offset), length: Number(length) },
    }));
  });
}

/** Writes one transaction of `count` records with a blob each; the blob is the key + filler. */
export async function writeRecords(vault: Vault, prefix: string, count: number, blobBytes = 200): Promise<void> {
  await vault.write((tx) => {
    for (let i = 0; i < count; i++) {
      const key = `${prefix}-${i}`;
      const blob = tx.addBlob(blobFor(key, blobBytes));
      const entry: JsonObject = { key, value: `${prefix}:${i}`, blob };
      tx.addEntry(entry);
    }
  });
}

export function blobFor(key: string, size: number): Uint8Array {
  const text = `${key}|`.padEnd(size, '#');
  return new TextEncoder().encode(text);
}
