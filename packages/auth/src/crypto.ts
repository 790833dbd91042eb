/**
 * Small cryptographic building blocks of `@gatehouse/auth`, on Web Crypto (`globalThis.crypto`) so
 * the core runs wherever `Request`/`Response` do: random tokens, SHA-256, constant-time string
 * comparison, and the AES-256-GCM cipher that keeps OIDC tokens encrypted at rest.
 *
 * One exception: SHA-256 uses `@noble/hashes` (audited, pure JS, runtime-agnostic). It runs on every
 * request, and `crypto.subtle.digest` is asynchronous and hops to a thread pool in Node — ~20–90 µs
 * per call against ~2–4 µs inline — which alone would cap session validation well below target.
 */
import { sha256 as sha256Digest } from '@noble/hashes/sha2.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Encodes bytes as unpadded base64url (RFC 4648 §5). */
export function base64urlEncode(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Decodes unpadded base64url; throws on characters outside the alphabet. */
export function base64urlDecode(text: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new TypeError('not base64url');
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * A random token of `bytes` bytes from `crypto.getRandomValues`, base64url-encoded
 * (4 characters per 3 bytes).
 */
export function randomToken(bytes: number): string {
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > 65536) throw new RangeError('randomToken: bytes must be an integer in 1..65536');
  return base64urlEncode(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** SHA-256 of the UTF-8 encoding of `input`, base64url-encoded (43 characters). */
export async function sha256(input: string): Promise<string> {
  return base64urlEncode(sha256Digest(encoder.encode(input)));
}

/**
 * Compares two strings in time that depends only on their lengths, not on where they differ,
 * so a stored hash cannot be guessed byte by byte from response timing.
 */
export function timingSafeEqualString(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  const length = Math.max(left.length, right.length);
  let difference = left.length ^ right.length;
  for (let i = 0; i < length; i++) difference |= (left[i] ?? 0) ^ (right[i] ?? 0);
  return difference === 0;
}

/** Encrypts and decrypts short strings (the session's token bundle) at rest. */
export interface TokenCipher {
  encrypt(plaintext: string): Promise<string>;
  /** Throws (never returns garbage) when the payload is malformed, tampered or from an unknown key. */
  decrypt(ciphertext: string): Promise<string>;
}

/** Thrown by {@link TokenCipher.decrypt}; the message never contains plaintext, ciphertext or key material. */
export class TokenCipherError extends Error {
  override readonly name = 'TokenCipherError';
}

const PAYLOAD_VERSION = 'v1';
// Domain separation: keys derived for this purpose can never collide with keys derived from the
// same SESSION_SECRET elsewhere.
const HKDF_SALT = encoder.encode('gatehouse/token-cipher/v1');
// 96-bit IV: the size GCM is specified for (NIST SP 800-38D §8.2); random IVs are safe far beyond
// the number of sessions a deployment will ever encrypt under one key.
const IV_BYTES = 12;

interface DerivedKey {
  id: string;
  key: CryptoKey;
}

async function deriveKey(secret: string): Promise<DerivedKey> {
  const material = await crypto.subtle.importKey('raw', encoder.encode(secret), 'HKDF', false, ['deriveKey', 'deriveBits']);
  const key = await crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: HKDF_SALT, info: encoder.encode('aes-256-gcm') },
    material,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
  // The key id is derived separately (different HKDF info), so it reveals nothing about the key;
  // 48 bits is plenty to tell a handful of rotated secrets apart.
  const idBits = await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: HKDF_SALT, info: encoder.encode('key-id') }, material, 48);
  return { id: base64urlEncode(new Uint8Array(idBits)), key };
}

/**
 * Creates the AES-256-GCM cipher for tokens at rest. One key per secret is derived with
 * HKDF-SHA256; `encrypt` uses the first secret, `decrypt` picks the key named in the payload, so
 * adding a new first secret (`SESSION_SECRET=new,old`) rotates keys without signing anyone out.
 *
 * Payload: `v1.<keyId>.<iv>.<ciphertext+tag>` (base64url parts); `v1.<keyId>` is bound as
 * additional authenticated data.
 * @see NIST SP 800-38D (GCM), RFC 5869 (HKDF)
 */
export async function createTokenCipher(secrets: string[]): Promise<TokenCipher> {
  if (secrets.length === 0) throw new TypeError('createTokenCipher: at least one secret is required');
  const keys = await Promise.all(secrets.map(deriveKey));
  const current = keys[0]!;
  const byId = new Map<string, CryptoKey>();
  // With duplicate ids (the same secret twice), the first one wins; harmless.
  for (const { id, key } of keys) if (!byId.has(id)) byId.set(id, key);

  return {
    async encrypt(plaintext) {
      const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
      const header = `${PAYLOAD_VERSION}.${current.id}`;
      const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: encoder.encode(header) }, current.key, encoder.encode(plaintext));
      return `${header}.${base64urlEncode(iv)}.${base64urlEncode(new Uint8Array(sealed))}`;
    },
    async decrypt(ciphertext) {
      const parts = typeof ciphertext === 'string' ? ciphertext.split('.') : [];
      if (parts.length !== 4 || parts[0] !== PAYLOAD_VERSION) throw new TokenCipherError('Encrypted tokens are malformed');
      const [version, keyId, ivText, sealedText] = parts as [string, string, string, string];
      const key = byId.get(keyId);
      if (!key) throw new TokenCipherError('Encrypted tokens were sealed with a key that is not in SESSION_SECRET');
      let iv: Uint8Array<ArrayBuffer>;
      let sealed: Uint8Array<ArrayBuffer>;
      try {
        iv = base64urlDecode(ivText);
        sealed = base64urlDecode(sealedText);
      } catch {
        throw new TokenCipherError('Encrypted tokens are malformed');
      }
      if (iv.length !== IV_BYTES) throw new TokenCipherError('Encrypted tokens are malformed');
      try {
        const opened = await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: encoder.encode(`${version}.${keyId}`) }, key, sealed);
        return decoder.decode(opened);
      } catch (cause) {
        throw new TokenCipherError('Encrypted tokens failed authentication (tampered or wrong key)', { cause });
      }
    },
  };
}
