/** Messages between the frame sealer (frame-sealer.ts) and its worker (frame-seal-worker.ts). */
import type { CryptoKey } from './crypto';
import type { SnapshotChunkJob } from './snapshot';

export type ToSealWorker =
  /** A keyring's key and AAD fields, sent once before its first batch (the CryptoKey is cloned, still non-extractable). */
  | { kind: 'keyring'; keyringId: number; key: CryptoKey; vaultId: Uint8Array<ArrayBuffer>; formatVersion: number }
  /** The keyring's vault closed: the worker drops its key. */
  | { kind: 'forget'; keyringId: number }
  /**
   * Blob frames of one commit: frame i is the plaintext `plaintexts[from[i], from[i] + lengths[i])`,
   * sealed at `offsets[i]` of `segment` with IV `ivs[12i, 12i + 12)`, written into `out` (shared
   * memory: the bytes the store thread appends, which start at `outStart` of the segment).
   */
  | {
      kind: 'seal';
      id: number;
      keyringId: number;
      segment: number;
      plaintexts: Uint8Array<ArrayBuffer>;
      from: Float64Array<ArrayBuffer>;
      lengths: Float64Array<ArrayBuffer>;
      offsets: Float64Array<ArrayBuffer>;
      ivs: Uint8Array<ArrayBuffer>;
      out: Uint8Array<SharedArrayBuffer>;
      outStart: number;
    }
  /**
   * One index snapshot chunk (snapshot.ts SnapshotChunkJob; its buffers are reused by the store
   * thread once answered); the answer says the frame's length.
   */
  | ({ kind: 'sealSnapshotChunk'; id: number; keyringId: number } & SnapshotChunkJob)
  /** Re-read and authenticate the snapshot file `seq` in `folder` (snapshot.ts readSnapshot without keeping data). */
  | { kind: 'authenticateSnapshot'; id: number; keyringId: number; folder: string; seq: number };

export type FromSealWorker =
  | { kind: 'ready' }
  | { kind: 'sealed'; id: number }
  | { kind: 'sealedSnapshotChunk'; id: number; length: number }
  | { kind: 'authenticated'; id: number }
  | { kind: 'error'; id: number; message: string };
