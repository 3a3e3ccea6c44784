/**
 * WebCrypto primitives of the vault (docs/vault-format.md, "Cryptography"): PBKDF2-HMAC-SHA256
 * key derivation, AES-256-GCM with a fresh random 96-bit IV per encryption, and the data key's
 * wrapping. Everything goes through `globalThis.crypto.subtle` so the same code runs in Node,
 * Electron's main process and a worker thread.
 */
import { createCipheriv, createDecipheriv, KeyObject, type webcrypto } from 'node:crypto';

/** Node's WebCrypto key type (the node tsconfig has no DOM lib). */
export type CryptoKey = webcrypto.CryptoKey;

export const KEY_BYTES = 32;
export const IV_BYTES = 12;
export const TAG_BYTES = 16;
export const SALT_BYTES = 16;
/** OWASP 2023 guidance for PBKDF2-HMAC-SHA256; production vaults never use fewer. */
export const MIN_PRODUCTION_KDF_ITERATIONS = 600_000;
/** Floor even for tests: a header claiming fewer iterations is treated as damaged. */
export const MIN_ANY_KDF_ITERATIONS = 1_000;

const subtle = (): webcrypto.SubtleCrypto => globalThis.crypto.subtle;

export function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length);
  globalThis.crypto.getRandomValues(bytes);
  return bytes;
}

export async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await subtle().digest('SHA-256', bytes));
  return Buffer.from(digest).toString('hex');
}

/** Derives the key-encryption key from the passphrase (never stored; used only to (un)wrap). */
export async function deriveWrappingKey(passphrase: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<CryptoKey> {
  const material = await subtle().importKey('raw', new TextEncoder().encode(passphrase), 'PBKDF2', false, ['deriveKey']);
  return subtle().deriveKey(
    { name: 'PBKDF2', hash: 'SHA-256', salt, iterations },
    material,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

/** Imports raw data-key bytes as a non-extractable AES-GCM key, then wipes the raw bytes. */
export async function importDataKey(raw: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  try {
    return await subtle().importKey('raw', raw, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  } finally {
    raw.fill(0);
  }
}

/**
 * Imports the raw data key twice before wiping it: as the AES-GCM frame key and as HKDF key
 * material (both non-extractable), so purpose-bound subkeys can be derived later (deriveSubkey)
 * without the raw bytes ever being kept.
 */
export async function importDataKeys(raw: Uint8Array<ArrayBuffer>): Promise<{ key: CryptoKey; derivation: CryptoKey }> {
  try {
    const derivation = await subtle().importKey('raw', raw, 'HKDF', false, ['deriveKey']);
    const key = await subtle().importKey('raw', raw, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    return { key, derivation };
  } finally {
    raw.fill(0);
  }
}

/**
 * An AES-256-GCM key for one purpose (RFC 5869 HKDF-SHA256 over the data key; salt = vaultId,
 * info = "HEARTH1-subkey:" + purpose). Deterministic: the same vault and purpose give the same key
 * after every unlock and after a passphrase change (the data key does not change).
 */
export async function deriveSubkey(derivation: CryptoKey, vaultId: Uint8Array<ArrayBuffer>, purpose: string): Promise<CryptoKey> {
  return subtle().deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: vaultId, info: new TextEncoder().encode(`HEARTH1-subkey:${purpose}`) },
    derivation,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

export interface Sealed {
  iv: Uint8Array<ArrayBuffer>;
  /** Ciphertext followed by the 16-byte GCM tag. */
  ciphertext: Uint8Array<ArrayBuffer>;
}

/** `iv` must be fresh random bytes (never reused under the key); callers sealing many frames draw them in one call. */
export async function seal(
  key: CryptoKey,
  plaintext: Uint8Array<ArrayBuffer>,
  aad: Uint8Array<ArrayBuffer>,
  iv: Uint8Array<ArrayBuffer> = randomBytes(IV_BYTES),
): Promise<Sealed> {
  if (iv.length !== IV_BYTES) throw new RangeError(`An IV is ${IV_BYTES} bytes`);
  const ciphertext = new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv, additionalData: aad, tagLength: 128 }, key, plaintext));
  return { iv, ciphertext };
}

/**
 * node:crypto's update() allocates its output: past ~64 KiB each call's fresh buffer costs page
 * faults, and one 4 MiB call ran at ~0.2-0.3 GB/s where 64 KiB pieces of the same 4 MiB ran at
 * ~2.7 GB/s (node 20, this machine's AES-NI). GCM is a stream: the bytes do not depend on the pieces.
 */
export const CIPHER_PIECE_BYTES = 64 * 1024;

/** The node:crypto handle of a WebCrypto key (the same key material, never exported), made once per key. */
const keyObjects = new WeakMap<CryptoKey, KeyObject>();

function keyObjectOf(key: CryptoKey): KeyObject {
  let found = keyObjects.get(key);
  if (!found) {
    found = KeyObject.from(key);
    keyObjects.set(key, found);
  }
  return found;
}

/**
 * `seal` on this thread, writing IV + ciphertext + tag into `out` at `at` (12 + plaintext + 16
 * bytes): the same bytes WebCrypto gives for the same key, IV and AAD. For the many small frames of
 * a commit: a WebCrypto call costs its caller ~25 us of dispatch (a job on the thread pool, a
 * promise) whatever its size, several times the encryption of a 1 KB resource here. Returns the
 * offset after the tag.
 */
export function sealInto(
  key: CryptoKey,
  plaintext: Uint8Array,
  aad: Uint8Array,
  iv: Uint8Array,
  out: Uint8Array,
  at: number,
): number {
  if (iv.length !== IV_BYTES) throw new RangeError(`An IV is ${IV_BYTES} bytes`);
  const cipher = createCipheriv('aes-256-gcm', keyObjectOf(key), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  out.set(iv, at);
  let offset = at + IV_BYTES;
  for (let start = 0; start < plaintext.length; start += CIPHER_PIECE_BYTES) {
    const encrypted = cipher.update(plaintext.subarray(start, start + CIPHER_PIECE_BYTES));
    out.set(encrypted, offset);
    offset += encrypted.length;
  }
  const last = cipher.final();
  out.set(last, offset);
  offset += last.length;
  const tag = cipher.getAuthTag();
  out.set(tag, offset);
  return offset + tag.length;
}

/** Decrypts and authenticates; returns null when authentication fails (wrong key or altered bytes). */
export async function open(
  key: CryptoKey,
  iv: Uint8Array<ArrayBuffer>,
  ciphertext: Uint8Array<ArrayBuffer>,
  aad: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer> | null> {
  try {
    return new Uint8Array(await subtle().decrypt({ name: 'AES-GCM', iv, additionalData: aad, tagLength: 128 }, key, ciphertext));
  } catch {
    return null;
  }
}

/**
 * `open` on this thread, for large frames read into a reused buffer: decrypts `sealed` (ciphertext
 * followed by the tag) without copying it, handing the plaintext to `sink` in parts, then
 * authenticates. False when authentication fails: whatever `sink` was given must then be dropped.
 */
export function openTo(key: CryptoKey, iv: Uint8Array, sealed: Uint8Array, aad: Uint8Array, sink: (part: Uint8Array) => void): boolean {
  if (iv.length !== IV_BYTES || sealed.length < TAG_BYTES) return false;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyObjectOf(key), iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    const end = sealed.length - TAG_BYTES;
    for (let start = 0; start < end; start += CIPHER_PIECE_BYTES) sink(decipher.update(sealed.subarray(start, Math.min(end, start + CIPHER_PIECE_BYTES))));
    sink(decipher.final());
    return true;
  } catch {
    return false;
  }
}

/** Concatenates byte arrays (AAD pieces, frame parts). */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  let total = 0;
  for (const part of parts) total += part.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Big-endian fixed-width integers for AAD and frame headers. */
export function u32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value >>> 0, false);
  return out;
}

export function u64(value: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(value), false);
  return out;
}
