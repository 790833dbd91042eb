import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { accessPoliciesSeedSchema } from './access-policies.ts';
import { DirectoryError } from './errors.ts';
import type { DirectorySeed } from './types.ts';

/** The seed bundled with the emulator: the Gatehouse web client and the three demo users. */
export const DEFAULT_SEED_PATH: string = fileURLToPath(new URL('../../seed/default.json', import.meta.url));

const userStatus = z.enum(['STAGED', 'PROVISIONED', 'ACTIVE', 'SUSPENDED', 'DEPROVISIONED']);
const base32 = z.string().regex(/^[A-Z2-7]{16,}=*$/, 'must be a base32 TOTP secret of at least 16 characters');
const url = z.url();

const profileSchema = z
  .object({ login: z.string().min(1), email: z.email(), firstName: z.string(), lastName: z.string() })
  .catchall(z.string().nullable().optional());

const seedSchema = z.strictObject({
  orgId: z.string().regex(/^00o[0-9A-Za-z]{17}$/, 'must be an Okta org id (00o + 17 letters or digits)').optional(),
  users: z.array(
    z.strictObject({
      id: z.string().regex(/^00u[0-9A-Za-z]{17}$/, 'must be an Okta user id (00u + 17 letters or digits)').optional(),
      status: userStatus.optional(),
      profile: profileSchema,
      password: z.string().min(1).optional(),
      totpSecret: base32.optional(),
      mfaPolicy: z.enum(['always', 'on_request']).optional(),
      groups: z.array(z.string().min(1)).optional(),
    }),
  ),
  groups: z.array(
    z.strictObject({
      id: z.string().regex(/^00g[0-9A-Za-z]{17}$/, 'must be an Okta group id (00g + 17 letters or digits)').optional(),
      name: z.string().min(1),
      description: z.string().optional(),
    }),
  ),
  apps: z.array(
    z.strictObject({
      clientId: z.string().min(1),
      clientSecret: z.string().min(1).nullable().optional(),
      name: z.string().min(1).optional(),
      redirectUris: z.array(url).optional(),
      postLogoutRedirectUris: z.array(url).optional(),
      grantTypes: z.array(z.enum(['authorization_code', 'refresh_token', 'client_credentials'])).optional(),
      tokenEndpointAuthMethod: z.enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']).optional(),
      jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).nullable().optional(),
      grantedScopes: z.array(z.string()).optional(),
      pkceRequired: z.boolean().optional(),
      groupAssignments: z.array(z.string().min(1)).optional(),
      userAssignments: z.array(z.string().min(1)).optional(),
    }),
  ),
  apiTokens: z.array(z.strictObject({ name: z.string().min(1), token: z.string().min(20) })).optional(),
  eventHooks: z
    .array(
      z.object({
        id: z.string().optional(),
        name: z.string().optional(),
        status: z.enum(['ACTIVE', 'INACTIVE']).optional(),
        verificationStatus: z.enum(['VERIFIED', 'UNVERIFIED']).optional(),
        events: z.array(z.string().min(1)),
        url,
        authScheme: z.object({ type: z.literal('HEADER'), key: z.string().min(1), value: z.string() }).nullable().optional(),
        headers: z.array(z.object({ key: z.string().min(1), value: z.string() })).optional(),
      }),
    )
    .optional(),
  authorizationServer: z
    .strictObject({
      id: z.string().min(1),
      audience: z.string().min(1),
      groupsClaim: z.strictObject({
        enabled: z.boolean(),
        name: z.string().min(1),
        filterRegex: z.string().refine(isRegex, 'must be a valid regular expression'),
        maxGroups: z.int().positive(),
      }),
      accessTokenLifetimeSeconds: z.int().positive(),
      idTokenLifetimeSeconds: z.int().positive(),
      refreshTokenLifetimeSeconds: z.int().positive(),
      refreshTokenReuseGraceSeconds: z.int().nonnegative(),
      scopes: z.array(z.string().min(1)),
      accessPolicies: accessPoliciesSeedSchema,
    })
    .partial()
    .optional(),
  rateLimitPerMinute: z.int().positive().optional(),
});

function isRegex(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

/** `users[1].profile.email` from a zod issue path. */
export function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `${out ? '.' : ''}${String(key)}`;
  return out || '(root)';
}

/**
 * Validate a seed object (already parsed JSON) and its cross references: unique logins, group
 * names and client ids; every user's `groups` entry and every app's `groupAssignments` names a
 * seeded group (by name or id), every app's `userAssignments` a seeded user (by login or id).
 * @throws DirectoryError `SEED_INVALID` naming the first bad field.
 */
export function parseSeed(value: unknown, source = 'seed'): DirectorySeed {
  const result = seedSchema.safeParse(value);
  if (!result.success) {
    const causes = result.error.issues.map((issue) => `${fieldPath(issue.path)}: ${issue.message}`);
    throw new DirectoryError('SEED_INVALID', `Invalid ${source}: ${causes[0]}`, { causes });
  }
  const seed: DirectorySeed = result.data;
  const fail = (field: string, message: string): never => {
    throw new DirectoryError('SEED_INVALID', `Invalid ${source}: ${field}: ${message}`, { causes: [`${field}: ${message}`] });
  };
  const groupKeys = new Set<string>();
  seed.groups.forEach((group, i) => {
    const key = group.name.toLowerCase();
    if (groupKeys.has(key)) fail(`groups[${i}].name`, `duplicate group name "${group.name}"`);
    groupKeys.add(key);
    if (group.id) groupKeys.add(group.id.toLowerCase());
  });
  const logins = new Set<string>();
  const userIds = new Set<string>();
  seed.users.forEach((user, i) => {
    const login = user.profile.login.toLowerCase();
    if (logins.has(login)) fail(`users[${i}].profile.login`, `duplicate login "${user.profile.login}"`);
    logins.add(login);
    if (user.id) userIds.add(user.id);
    user.groups?.forEach((name, j) => {
      if (!groupKeys.has(name.toLowerCase())) fail(`users[${i}].groups[${j}]`, `no seeded group named "${name}"`);
    });
  });
  const clientIds = new Set<string>();
  seed.apps.forEach((app, i) => {
    if (clientIds.has(app.clientId)) fail(`apps[${i}].clientId`, `duplicate client id "${app.clientId}"`);
    clientIds.add(app.clientId);
    if (app.tokenEndpointAuthMethod === 'private_key_jwt' && !app.jwks?.keys.length) {
      fail(`apps[${i}].jwks`, 'a private_key_jwt app needs its public keys');
    }
    app.groupAssignments?.forEach((name, j) => {
      if (!groupKeys.has(name.toLowerCase())) fail(`apps[${i}].groupAssignments[${j}]`, `no seeded group named "${name}"`);
    });
    app.userAssignments?.forEach((login, j) => {
      if (!logins.has(login.toLowerCase()) && !userIds.has(login)) fail(`apps[${i}].userAssignments[${j}]`, `no seeded user with login "${login}"`);
    });
  });
  return seed;
}

/**
 * Read and validate a seed file (default: the bundled `seed/default.json`).
 * @throws DirectoryError `SEED_INVALID` when the file is unreadable, not JSON, or a field is wrong.
 */
export function loadSeed(path: string = DEFAULT_SEED_PATH): DirectorySeed {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new DirectoryError('SEED_INVALID', `Cannot read the seed file ${path}: ${(cause as Error).message}`, { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new DirectoryError('SEED_INVALID', `The seed file ${path} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  return parseSeed(json, `seed file ${path}`);
}
