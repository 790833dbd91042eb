import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLocalJWKSet, exportJWK, generateKeyPair, type JSONWebKeySet } from 'jose';
import { z } from 'zod';

/** One stored signing key: the private JWK plus when it stops being published. */
export interface StoredKey {
  jwk: Record<string, unknown> & { kid: string };
  created: string;
  /** Set once a newer key took over signing; the key stays in the JWKS until then. */
  retiresAt: string | null;
}

/** `<dataDir>/signing-keys.json`: the newest key signs, older ones are published for verification. */
export interface KeyFile {
  format: 1;
  keys: StoredKey[];
  /** Secrets for oidc-provider's signed cookies; persisted so sessions survive a restart. */
  cookieKeys: string[];
}

/**
 * How long a replaced key stays in the JWKS: 7 days, longer than any token it signed lives
 * (ID and access tokens default to 1 hour), so clients with cached tokens keep verifying.
 */
export const DEFAULT_KEY_GRACE_SECONDS = 7 * 24 * 60 * 60;

const keyFileSchema = z.object({
  format: z.literal(1),
  keys: z
    .array(
      z.object({
        jwk: z.looseObject({ kid: z.string().min(1), kty: z.literal('RSA'), d: z.string().min(1) }),
        created: z.string(),
        retiresAt: z.string().nullable(),
      }),
    )
    .min(1),
  cookieKeys: z.array(z.string().min(32)).min(1),
});

/** Path of the key file inside a data directory. */
export function keyFilePath(dataDir: string): string {
  return join(dataDir, 'signing-keys.json');
}

async function newKey(): Promise<StoredKey> {
  const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const jwk = await exportJWK(privateKey);
  // Okta kids are opaque strings; 128 random bits keep them unique across rotations.
  const kid = randomBytes(16).toString('base64url');
  return { jwk: { ...jwk, kid, alg: 'RS256', use: 'sig' }, created: new Date().toISOString(), retiresAt: null };
}

function write(dataDir: string, file: KeyFile): void {
  mkdirSync(dataDir, { recursive: true });
  const path = keyFilePath(dataDir);
  const tmp = `${path}.${process.pid}.tmp`;
  // Private keys: readable by the owner only.
  writeFileSync(tmp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

/** Reads the key file, creating it with a fresh RS256 key the first time; drops retired keys. */
export async function loadKeys(dataDir: string): Promise<KeyFile> {
  const path = keyFilePath(dataDir);
  if (!existsSync(path)) {
    // 256-bit cookie signing secret.
    const file: KeyFile = { format: 1, keys: [await newKey()], cookieKeys: [randomBytes(32).toString('base64url')] };
    write(dataDir, file);
    return file;
  }
  let parsed: KeyFile;
  try {
    parsed = keyFileSchema.parse(JSON.parse(readFileSync(path, 'utf8'))) as KeyFile;
  } catch (cause) {
    throw new Error(`${path} is not a valid signing key file; delete it to generate a new key`, { cause });
  }
  const now = Date.now();
  const live = parsed.keys.filter((key) => key.retiresAt === null || Date.parse(key.retiresAt) > now);
  return { ...parsed, keys: live.length > 0 ? live : parsed.keys.slice(0, 1) };
}

/**
 * Publishes a new signing key: it goes first (oidc-provider signs with the first matching key)
 * and every older key is kept in the JWKS for `graceSeconds`.
 */
export async function rotateKeyFile(dataDir: string, graceSeconds = DEFAULT_KEY_GRACE_SECONDS): Promise<KeyFile> {
  const current = await loadKeys(dataDir);
  const retiresAt = new Date(Date.now() + graceSeconds * 1000).toISOString();
  const file: KeyFile = {
    ...current,
    keys: [await newKey(), ...current.keys.map((key) => ({ ...key, retiresAt: key.retiresAt ?? retiresAt }))],
  };
  write(dataDir, file);
  return file;
}

/** The private JWKS handed to oidc-provider's `jwks` option. */
export function providerJwks(file: KeyFile): { keys: Array<Record<string, unknown>> } {
  return { keys: file.keys.map((key) => key.jwk) };
}

/** The public JWKS (private members dropped), as `/v1/keys` publishes it. */
export function publicJwks(file: KeyFile): JSONWebKeySet {
  return {
    keys: file.keys.map(({ jwk }) => {
      const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicPart } = jwk;
      return publicPart;
    }),
  };
}

/**
 * A jose key set for `jwtVerify` over the current public JWKS, built again only when `jwks()`
 * returns a new object (after a rotation): jose caches imported keys per key set.
 */
export function cachedKeySet(jwks: () => JSONWebKeySet): () => ReturnType<typeof createLocalJWKSet> {
  let source: JSONWebKeySet | undefined;
  let keySet: ReturnType<typeof createLocalJWKSet> | undefined;
  return () => {
    const current = jwks();
    if (!keySet || current !== source) {
      source = current;
      keySet = createLocalJWKSet(current);
    }
    return keySet;
  };
}
