/**
 * WebCrypto primitives of the vault (docs/vault-format.md, "Cryptography"): PBKDF2-HMAC-SHA256
 * key derivation, AES-256-GCM with a fresh random 96-bit IV per encryption, and the data key's
 * wrapping. Everything goes through `globalThis.crypto.subtle` so the same code runs in Node,
 * Electron's main process and a worker thread; the one exception is `sealInto` (log frames on the
 * write path), which uses node:crypto on the calling thread for the same AES-256-GCM output.
 */
import { createCipheriv, KeyObject, type webcrypto } from 'node:crypto';

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

export interface Sealed {
  iv: Uint8Array<ArrayBuffer>;
  /** Ciphertext followed by the 16-byte GCM tag. */
  ciphertext: Uint8Array<ArrayBuffer>;
}

export async function seal(key: CryptoKey, plaintext: Uint8Array<ArrayBuffer>, aad: Uint8Array<ArrayBuffer>): Promise<Sealed> {
  const iv = randomBytes(IV_BYTES);
  const ciphertext = new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv, additionalData: aad, tagLength: 128 }, key, plaintext));
  return { iv, ciphertext };
}

/** The node:crypto handle of a data key, never exported: held here only, for as long as the CryptoKey lives. */
const keyObjects = new WeakMap<CryptoKey, KeyObject>();

function keyObjectOf(key: CryptoKey): KeyObject {
  let keyObject = keyObjects.get(key);
  if (!keyObject) {
    keyObject = KeyObject.from(key);
    keyObjects.set(key, keyObject);
  }
  return keyObject;
}

/**
 * `seal` on the calling thread, writing `iv ‖ ciphertext ‖ tag` into `out` at `at` (exactly
 * IV_BYTES + plaintext + TAG_BYTES bytes): the same AES-256-GCM output as WebCrypto. For frames of
 * a few kilobytes a WebCrypto call costs several times the encryption itself (a thread-pool job
 * and a promise per frame), so the write path seals its many small frames here.
 */
export function sealInto(
  key: CryptoKey,
  plaintext: Uint8Array,
  aad: Uint8Array,
  iv: Uint8Array,
  out: Uint8Array,
  at: number,
): void {
  // Every IV is fresh random bytes, never reused under the key (callers draw a batch in one call).
  if (iv.length !== IV_BYTES) throw new RangeError(`An IV is ${IV_BYTES} bytes`);
  const keyObject = keyObjectOf(key);
  if (keyObject.symmetricKeySize !== KEY_BYTES) throw new RangeError('The data key is not an AES-256 key');
  const cipher = createCipheriv('aes-256-gcm', keyObject, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  out.set(iv, at);
  const body = cipher.update(plaintext);
  const rest = cipher.final();
  if (body.length + rest.length !== plaintext.length) throw new Error('AES-GCM produced an unexpected length');
  out.set(body, at + IV_BYTES);
  out.set(rest, at + IV_BYTES + body.length);
  out.set(cipher.getAuthTag(), at + IV_BYTES + plaintext.length);
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
