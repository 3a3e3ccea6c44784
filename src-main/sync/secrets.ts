/**
 * Server credentials at rest (docs/sync.md "Profiles"): sealed with AES-256-GCM under a key
 * derived from the vault's data key for this one purpose (Vault.deriveKey), bound by the AAD to
 * the profile they belong to, so a sealed secret copied into another profile does not open.
 */
import type { CryptoKey } from '../vault/crypto';
import { open, seal } from '../vault/crypto';
import { fhirError } from '../fhir/outcome-error';

export const SECRET_KEY_PURPOSE = 'sync-secrets';

export interface SealedSecret {
  iv: string;
  ciphertext: string;
}

export interface SecretBox {
  seal(plaintext: string, binding: string): Promise<SealedSecret>;
  open(sealed: SealedSecret, binding: string): Promise<string>;
}

const aad = (binding: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(`HEARTH1-sync-secret:${binding}`);

/** `key` comes from Vault.deriveKey(SECRET_KEY_PURPOSE); sessions without a vault pass a random key (secrets then live as long as the session). */
export function createSecretBox(key: () => Promise<CryptoKey>): SecretBox {
  let cached: Promise<CryptoKey> | undefined;
  const get = (): Promise<CryptoKey> => (cached ??= key());
  return {
    async seal(plaintext, binding) {
      const sealed = await seal(await get(), new TextEncoder().encode(plaintext), aad(binding));
      return { iv: Buffer.from(sealed.iv).toString('base64'), ciphertext: Buffer.from(sealed.ciphertext).toString('base64') };
    },
    async open(sealed, binding) {
      const plain = await open(
        await get(),
        new Uint8Array(Buffer.from(sealed.iv, 'base64')),
        new Uint8Array(Buffer.from(sealed.ciphertext, 'base64')),
        aad(binding),
      );
      if (!plain) throw fhirError('security', 'The stored server credentials do not open (altered, or from another vault)', 500);
      return new TextDecoder().decode(plain);
    },
  };
}

/** A random AES-256-GCM key for sessions without a vault (memory sessions, tests). */
export async function ephemeralSecretKey(): Promise<CryptoKey> {
  return globalThis.crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
}
