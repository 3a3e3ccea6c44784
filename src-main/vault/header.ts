/**
 * vault.json: the plaintext, versioned header (docs/vault-format.md, "vault.json"). It holds
 * everything needed to turn a passphrase into the data key, and a SHA-256 checksum so that any
 * altered byte reads as "vault.json is damaged" rather than "wrong passphrase".
 *
 * Integrity rule (stable across format versions): the file is exactly
 * `JSON.stringify(header, null, 2) + "\n"` and `checksum` is the hex SHA-256 of that same
 * serialisation of the header without its `checksum` member.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import {
  concatBytes,
  type CryptoKey,
  deriveWrappingKey,
  importDataKey,
  importDataKeys,
  KEY_BYTES,
  MIN_ANY_KDF_ITERATIONS,
  open,
  randomBytes,
  SALT_BYTES,
  seal,
  sha256Hex,
  u32,
} from './crypto';
import { isErrnoException, writeFileAtomic } from './fs-util';
import { VaultError } from './types';

export const HEADER_FILE = 'vault.json';
export const FORMAT_NAME = 'hearth-vault';
export const FORMAT_VERSION = 1;

const base64 = z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/);

const headerSchema = z
  .object({
    format: z.literal(FORMAT_NAME),
    formatVersion: z.literal(FORMAT_VERSION),
    vaultId: z.string().regex(/^[0-9a-f]{32}$/),
    createdAt: z.iso.datetime(),
    kdf: z
      .object({
        algorithm: z.literal('PBKDF2'),
        hash: z.literal('SHA-256'),
        iterations: z.number().int().min(MIN_ANY_KDF_ITERATIONS).max(100_000_000),
        salt: base64,
      })
      .strict(),
    cipher: z.literal('AES-256-GCM'),
    wrappedKey: z.object({ iv: base64, ciphertext: base64 }).strict(),
    checksum: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();

export type VaultHeader = z.infer<typeof headerSchema>;
type HeaderBody = Omit<VaultHeader, 'checksum'>;

const serialise = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

async function checksumOf(body: object): Promise<string> {
  return sha256Hex(new TextEncoder().encode(serialise(body)));
}

function damaged(reason: string): VaultError {
  return new VaultError('damaged', `vault.json is damaged (${reason})`, HEADER_FILE);
}

/** The identity every AAD binds (vault id + format version). */
export function vaultIdBytes(header: Pick<VaultHeader, 'vaultId'>): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(header.vaultId, 'hex'));
}

/**
 * Reads and checks vault.json: not-a-vault when there is none (or it is someone else's JSON),
 * damaged when any byte is off, unsupported-version for another format version.
 */
export async function readHeader(folder: string): Promise<VaultHeader> {
  let text: string;
  try {
    text = await fs.readFile(path.join(folder, HEADER_FILE), 'utf8');
  } catch (error) {
    if (isErrnoException(error) && (error.code === 'ENOENT' || error.code === 'ENOTDIR')) {
      throw new VaultError('not-a-vault', 'This folder is not a Hearth vault (no vault.json)');
    }
    throw new VaultError('io', `Could not read vault.json: ${isErrnoException(error) ? error.code : 'unknown error'}`, HEADER_FILE);
  }
  return parseHeader(text);
}

export async function parseHeader(text: string): Promise<VaultHeader> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw damaged('not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw damaged('not a JSON object');
  const record = parsed as Record<string, unknown>;
  const hasChecksum = 'checksum' in record;
  if (!hasChecksum && record.format !== FORMAT_NAME) {
    throw new VaultError('not-a-vault', 'This folder is not a Hearth vault (vault.json is not a Hearth header)', HEADER_FILE);
  }
  if (typeof record.checksum !== 'string') throw damaged('checksum missing');
  if (serialise(parsed) !== text) throw damaged('unexpected bytes');
  const { checksum, ...body } = record;
  if ((await checksumOf(body)) !== checksum) throw damaged('checksum mismatch');
  if (record.format !== FORMAT_NAME) {
    throw new VaultError('not-a-vault', 'This folder is not a Hearth vault (vault.json names another format)', HEADER_FILE);
  }
  if (record.formatVersion !== FORMAT_VERSION) {
    throw new VaultError(
      'unsupported-version',
      `vault.json has format version ${String(record.formatVersion)}; this Hearth reads version ${FORMAT_VERSION} only`,
      HEADER_FILE,
    );
  }
  const result = headerSchema.safeParse(parsed);
  if (!result.success) throw damaged('fields out of range');
  return result.data;
}

function wrapAad(vaultId: Uint8Array, formatVersion: number): Uint8Array<ArrayBuffer> {
  return concatBytes([new TextEncoder().encode('HEARTH1-wrapped-key'), vaultId, u32(formatVersion)]);
}

/** Builds a header whose wrapped key is `rawKey` sealed under a key derived from `passphrase` (new salt). */
export async function buildHeader(
  identity: { vaultId: string; createdAt: string },
  passphrase: string,
  rawKey: Uint8Array<ArrayBuffer>,
  iterations: number,
): Promise<VaultHeader> {
  const salt = randomBytes(SALT_BYTES);
  const wrappingKey = await deriveWrappingKey(passphrase, salt, iterations);
  const sealed = await seal(wrappingKey, rawKey, wrapAad(vaultIdBytes(identity), FORMAT_VERSION));
  const body: HeaderBody = {
    format: FORMAT_NAME,
    formatVersion: FORMAT_VERSION,
    vaultId: identity.vaultId,
    createdAt: identity.createdAt,
    kdf: { algorithm: 'PBKDF2', hash: 'SHA-256', iterations, salt: Buffer.from(salt).toString('base64') },
    cipher: 'AES-256-GCM',
    wrappedKey: { iv: Buffer.from(sealed.iv).toString('base64'), ciphertext: Buffer.from(sealed.ciphertext).toString('base64') },
  };
  return { ...body, checksum: await checksumOf(body) };
}

export function newDataKeyBytes(): Uint8Array<ArrayBuffer> {
  return randomBytes(KEY_BYTES);
}

/** Unwraps the raw data key; `wrong-passphrase` when it does not authenticate. Caller wipes it. */
export async function unwrapDataKeyBytes(header: VaultHeader, passphrase: string): Promise<Uint8Array<ArrayBuffer>> {
  const salt = new Uint8Array(Buffer.from(header.kdf.salt, 'base64'));
  const wrappingKey = await deriveWrappingKey(passphrase, salt, header.kdf.iterations);
  const raw = await open(
    wrappingKey,
    new Uint8Array(Buffer.from(header.wrappedKey.iv, 'base64')),
    new Uint8Array(Buffer.from(header.wrappedKey.ciphertext, 'base64')),
    wrapAad(vaultIdBytes(header), header.formatVersion),
  );
  if (!raw || raw.length !== KEY_BYTES) throw new VaultError('wrong-passphrase', 'Wrong passphrase for this vault');
  return raw;
}

export async function unwrapDataKey(header: VaultHeader, passphrase: string): Promise<CryptoKey> {
  return importDataKey(await unwrapDataKeyBytes(header, passphrase));
}

/** The data key and its HKDF key material (crypto.ts importDataKeys). */
export async function unwrapDataKeys(header: VaultHeader, passphrase: string): Promise<{ key: CryptoKey; derivation: CryptoKey }> {
  return importDataKeys(await unwrapDataKeyBytes(header, passphrase));
}

export async function writeHeader(folder: string, header: VaultHeader): Promise<void> {
  await writeFileAtomic(path.join(folder, HEADER_FILE), serialise(header));
}
