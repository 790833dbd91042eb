import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { DirectoryError } from './errors.ts';
import { fieldPath } from './seed.ts';
import type {
  ApiToken,
  AuthorizationServerSettings,
  DirectoryGroup,
  DirectoryUser,
  EventHook,
  OidcApp,
} from './types.ts';

/** Everything the directory persists, as written to `<dataDir>/directory.json`. */
export interface DirectoryState {
  format: 1;
  orgId: string;
  users: DirectoryUser[];
  groups: DirectoryGroup[];
  memberships: Array<{ groupId: string; userId: string }>;
  apps: OidcApp[];
  apiTokens: ApiToken[];
  eventHooks: EventHook[];
  authorizationServer: AuthorizationServerSettings;
  rateLimitPerMinute: number;
}

const date = z.string();
const nullableDate = z.string().nullable();

const stateSchema = z.object({
  format: z.literal(1),
  orgId: z.string().min(1),
  users: z.array(
    z.object({
      id: z.string().min(1),
      status: z.enum(['STAGED', 'PROVISIONED', 'ACTIVE', 'SUSPENDED', 'LOCKED_OUT', 'DEPROVISIONED']),
      created: date,
      activated: nullableDate,
      statusChanged: nullableDate,
      lastLogin: nullableDate,
      lastUpdated: date,
      passwordChanged: nullableDate,
      profile: z
        .object({ login: z.string().min(1), email: z.string(), firstName: z.string(), lastName: z.string() })
        .catchall(z.string().nullable().optional()),
      passwordHash: z.string().nullable(),
      totp: z.object({ secret: z.string().min(1) }).nullable(),
      mfaPolicy: z.enum(['always', 'on_request']),
    }),
  ),
  groups: z.array(
    z.object({
      id: z.string().min(1),
      created: date,
      lastUpdated: date,
      lastMembershipUpdated: date,
      type: z.enum(['OKTA_GROUP', 'BUILT_IN']),
      profile: z.object({ name: z.string().min(1), description: z.string().nullable() }),
    }),
  ),
  memberships: z.array(z.object({ groupId: z.string(), userId: z.string() })),
  apps: z.array(
    z.object({
      clientId: z.string().min(1),
      clientSecret: z.string().nullable(),
      name: z.string(),
      redirectUris: z.array(z.string()),
      postLogoutRedirectUris: z.array(z.string()),
      grantTypes: z.array(z.enum(['authorization_code', 'refresh_token', 'client_credentials'])),
      tokenEndpointAuthMethod: z.enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']),
      jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).nullable(),
      grantedScopes: z.array(z.string()),
      pkceRequired: z.boolean().optional(),
      assignedGroupIds: z.array(z.string()).optional(),
      assignedUserIds: z.array(z.string()).optional(),
    }),
  ),
  apiTokens: z.array(z.object({ id: z.string(), name: z.string(), tokenHash: z.string(), created: date })),
  eventHooks: z.array(
    z.object({
      id: z.string().min(1),
      name: z.string(),
      status: z.enum(['ACTIVE', 'INACTIVE']),
      verificationStatus: z.enum(['VERIFIED', 'UNVERIFIED']),
      events: z.array(z.string()),
      url: z.string(),
      authScheme: z.object({ type: z.literal('HEADER'), key: z.string(), value: z.string() }).nullable(),
      headers: z.array(z.object({ key: z.string(), value: z.string() })),
      created: date,
      lastUpdated: date,
    }),
  ),
  authorizationServer: z.object({
    id: z.string(),
    audience: z.string(),
    groupsClaim: z.object({ enabled: z.boolean(), name: z.string(), filterRegex: z.string(), maxGroups: z.number() }),
    accessTokenLifetimeSeconds: z.number(),
    idTokenLifetimeSeconds: z.number(),
    refreshTokenLifetimeSeconds: z.number(),
    refreshTokenReuseGraceSeconds: z.number(),
  }),
  rateLimitPerMinute: z.number().int().positive(),
});

/** Path of the directory file inside a data directory. */
export function directoryFile(dataDir: string): string {
  return join(dataDir, 'directory.json');
}

/**
 * Read `<dataDir>/directory.json`; `null` when it does not exist yet.
 * @throws DirectoryError `DATA_CORRUPT` when the file exists but cannot be used — never reseeded
 * silently over, because that would throw away every change made since.
 */
export function readState(dataDir: string): DirectoryState | null {
  const file = directoryFile(dataDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new DirectoryError('DATA_CORRUPT', `Cannot read ${file}: ${(cause as Error).message}`, { cause });
  }
  const fix = 'Fix or remove the file (removing it reseeds the directory and loses its changes).';
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new DirectoryError('DATA_CORRUPT', `${file} is not valid JSON (${(cause as Error).message}). ${fix}`, { cause });
  }
  const result = stateSchema.safeParse(json);
  if (!result.success) {
    const first = result.error.issues[0];
    const where = first ? `${fieldPath(first.path)}: ${first.message}` : 'unknown shape';
    throw new DirectoryError('DATA_CORRUPT', `${file} is not a directory file this emulator understands (${where}). ${fix}`);
  }
  return result.data as DirectoryState;
}

/**
 * Write the state atomically: a temp file in the same directory, flushed, then renamed over
 * the old one, so a crash leaves either the old or the new file, never half of one.
 */
export function writeState(dataDir: string, state: DirectoryState): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = directoryFile(dataDir);
  const temp = `${file}.${process.pid}.tmp`;
  // 0600: the file holds password hashes, client secrets and hook credentials.
  writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  const fd = openSync(temp, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
}
