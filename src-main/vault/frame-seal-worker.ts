/**
 * The frame-seal worker thread (frame-sealer.ts): seals the blob frames of a commit with the same
 * function the store thread uses (log.ts sealLogFrameInto), into the shared bytes the store
 * thread appends once every frame is sealed; seals index snapshot chunks (snapshot.ts
 * sealSnapshotJob) and re-reads a written snapshot to authenticate it (readSnapshot). It holds the
 * data key of each open vault that has committed a large batch (a non-extractable CryptoKey, cloned
 * from the store thread's) until that vault closes; never a passphrase, never key bytes.
 */
import { parentPort } from 'node:worker_threads';
import type { FrameKeyring } from './frame';
import { sealLogFrameInto } from './log';
import { IV_BYTES } from './crypto';
import type { FromSealWorker, ToSealWorker } from './frame-seal-protocol';
import { readSnapshot, sealSnapshotJob } from './snapshot';

const port = parentPort;
if (!port) throw new Error('frame-seal-worker must run in a worker thread');

const keyrings = new Map<number, FrameKeyring>();

function send(message: FromSealWorker): void {
  port!.postMessage(message);
}

port.on('message', (message: ToSealWorker) => {
  if (message.kind === 'keyring') {
    keyrings.set(message.keyringId, { key: message.key, vaultId: message.vaultId, formatVersion: message.formatVersion });
    return;
  }
  if (message.kind === 'forget') {
    keyrings.delete(message.keyringId);
    return;
  }
  if (message.kind === 'authenticateSnapshot') {
    const keyring = keyrings.get(message.keyringId);
    const id = message.id;
    if (!keyring) return send({ kind: 'error', id, message: 'no such keyring' });
    readSnapshot(message.folder, keyring, message.seq, { keepData: false }).then(
      () => send({ kind: 'authenticated', id }),
      // The store thread re-reads the file itself and reports it with its own error.
      (e: unknown) => send({ kind: 'error', id, message: e instanceof Error ? e.name : 'error' }),
    );
    return;
  }
  try {
    const keyring = keyrings.get(message.keyringId);
    if (!keyring) throw new Error('no such keyring');
    if (message.kind === 'sealSnapshotChunk') {
      send({ kind: 'sealedSnapshotChunk', id: message.id, length: sealSnapshotJob(keyring, message) });
      return;
    }
    const { plaintexts, from, lengths, offsets, ivs, out, outStart, segment } = message;
    for (let i = 0; i < offsets.length; i++) {
      const at = offsets[i]! - outStart;
      const plaintext = plaintexts.subarray(from[i]!, from[i]! + lengths[i]!);
      const iv = ivs.subarray(i * IV_BYTES, (i + 1) * IV_BYTES);
      sealLogFrameInto(keyring, 'blob', plaintext, { segment, offset: offsets[i]!, iv }, out, at);
    }
    send({ kind: 'sealed', id: message.id });
  } catch (e) {
    // A name, never content: no PHI leaves through errors.
    send({ kind: 'error', id: message.id, message: e instanceof Error ? e.name : 'error' });
  }
});
send({ kind: 'ready' });
