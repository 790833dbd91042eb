import { randomBytes, scryptSync, timingSafeEqual, createHash } from 'node:crypto';

// N=2^14, r=8, p=1 (Node's default cost, ~50 ms): the emulator holds demo and test passwords only,
// and every test sign-in pays this cost; a production IdP would use OWASP's N=2^17.
const SCRYPT_OPTIONS = { N: 16384, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
// 16 bytes: a unique salt per password, as NIST SP 800-63B §5.1.1.2 asks (at least 32 bits).
const SALT_BYTES = 16;

/** Hash a password as `scrypt$<salt b64url>$<hash b64url>`. */
export function hashPassword(password: string): string {
  const salt = randomBytes(SALT_BYTES);
  const hash = scryptSync(password.normalize('NFKC'), salt, KEY_LENGTH, SCRYPT_OPTIONS);
  return `scrypt$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/** Burns the same scrypt time for users without a password, so timing does not tell them apart. */
let dummyHash: string | undefined;

/** Check a password against a stored hash in constant time; false for a missing or malformed hash. */
export function checkPassword(stored: string | null, password: string): boolean {
  if (stored === null) {
    dummyHash ??= hashPassword('gatehouse-timing-equaliser');
    checkPassword(dummyHash, password);
    return false;
  }
  const parts = stored.split('$');
  if (parts.length !== 3 || parts[0] !== 'scrypt') return false;
  const salt = Buffer.from(parts[1] ?? '', 'base64url');
  const expected = Buffer.from(parts[2] ?? '', 'base64url');
  if (salt.length === 0 || expected.length !== KEY_LENGTH) return false;
  const actual = scryptSync(password.normalize('NFKC'), salt, KEY_LENGTH, SCRYPT_OPTIONS);
  return timingSafeEqual(actual, expected);
}

/** SHA-256 (base64url) of an API token value: tokens are high-entropy, so a plain hash suffices. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

/** Constant-time comparison of two token hashes. */
export function sameTokenHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Of `tokens`, the one whose hash is `token`'s; every one is compared, so timing says nothing about which matched. */
export function findByTokenHash<T extends { tokenHash: string }>(tokens: readonly T[], token: string): T | null {
  const hash = hashToken(token);
  let found: T | null = null;
  for (const candidate of tokens) if (sameTokenHash(candidate.tokenHash, hash)) found = candidate;
  return found;
}
