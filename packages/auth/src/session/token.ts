/**
 * Session tokens: `<id>.<secret>`. The id locates the record (one indexed read); the secret proves
 * possession and is stored only as its SHA-256, so a leaked database cannot mint cookies.
 * @see https://lucia-auth.com/sessions/basic (the design this follows)
 */
import { randomToken, sha256 } from '../crypto.ts';

/** Random bytes in a session id. 15 bytes = 120 bits: unguessable and collision-free at any realistic number of sessions. */
export const SESSION_ID_BYTES = 15;
/** Random bytes in a session secret. 24 bytes = 192 bits: far past brute force, even offline against a leaked hash. */
export const SESSION_SECRET_BYTES = 24;
const ID_LENGTH = Math.ceil((SESSION_ID_BYTES * 4) / 3);
const SECRET_LENGTH = Math.ceil((SESSION_SECRET_BYTES * 4) / 3);
const TOKEN_PATTERN = new RegExp(`^([A-Za-z0-9_-]{${ID_LENGTH}})\\.([A-Za-z0-9_-]{${SECRET_LENGTH}})$`);

/** A fresh token and what to store for it. */
export async function generateSessionToken(): Promise<{ token: string; id: string; secretHash: string }> {
  const id = randomToken(SESSION_ID_BYTES);
  const secret = randomToken(SESSION_SECRET_BYTES);
  return { token: `${id}.${secret}`, id, secretHash: await sha256(secret) };
}

/** Splits a well-formed token; `null` for anything else (wrong type, length, alphabet, shape). */
export function parseSessionToken(token: unknown): { id: string; secret: string } | null {
  if (typeof token !== 'string' || token.length !== ID_LENGTH + 1 + SECRET_LENGTH) return null;
  const match = TOKEN_PATTERN.exec(token);
  return match ? { id: match[1]!, secret: match[2]! } : null;
}
