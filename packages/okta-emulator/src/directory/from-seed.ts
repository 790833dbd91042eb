import { accessPoliciesFromSeed } from './access-policies.ts';
import { oktaId } from './ids.ts';
import { hashPassword, hashToken } from './password.ts';
import type { DirectoryState } from './store.ts';
import type { AuthorizationServerSettings, DirectoryGroup, DirectorySeed, DirectoryUser, OidcApp } from './types.ts';

/** Okta's defaults for the `default` custom authorization server, as the emulator applies them. */
export const DEFAULT_AUTHORIZATION_SERVER: AuthorizationServerSettings = Object.freeze({
  id: 'default',
  audience: 'api://default',
  groupsClaim: Object.freeze({ enabled: true, name: 'groups', filterRegex: '.*', maxGroups: 100 }),
  // 1 h: Okta's default access and ID token lifetime.
  accessTokenLifetimeSeconds: 3600,
  idTokenLifetimeSeconds: 3600,
  // 7 days: long enough for a demo week, short enough that a leaked refresh token dies.
  refreshTokenLifetimeSeconds: 7 * 24 * 3600,
  // 30 s: Okta's default grace period for refresh token rotation.
  refreshTokenReuseGraceSeconds: 30,
}) as AuthorizationServerSettings;

// 600/min: Okta's default budget for /api/v1/users on a developer org.
const DEFAULT_RATE_LIMIT_PER_MINUTE = 600;

/** The first state of a directory, built from a validated seed (passwords and tokens hashed here). */
export function stateFromSeed(seed: DirectorySeed, now = new Date().toISOString()): DirectoryState {
  const groups: DirectoryGroup[] = seed.groups.map((group) => ({
    id: group.id ?? oktaId('00g'),
    created: now,
    lastUpdated: now,
    lastMembershipUpdated: now,
    type: 'OKTA_GROUP',
    profile: { name: group.name, description: group.description ?? null },
  }));
  const groupIdOf = (nameOrId: string): string => {
    const key = nameOrId.toLowerCase();
    const group = groups.find((g) => g.id.toLowerCase() === key || g.profile.name.toLowerCase() === key);
    if (!group) throw new Error(`unreachable: seed group "${nameOrId}" was validated by parseSeed`);
    return group.id;
  };
  const memberships: DirectoryState['memberships'] = [];
  const users: DirectoryUser[] = seed.users.map((seeded) => {
    const status = seeded.status ?? 'ACTIVE';
    const everActive = status === 'ACTIVE' || status === 'SUSPENDED' || status === 'DEPROVISIONED';
    const user: DirectoryUser = {
      id: seeded.id ?? oktaId('00u'),
      status,
      created: now,
      activated: everActive ? now : null,
      statusChanged: status === 'STAGED' ? null : now,
      lastLogin: null,
      lastUpdated: now,
      passwordChanged: seeded.password ? now : null,
      profile: { ...seeded.profile },
      passwordHash: seeded.password ? hashPassword(seeded.password) : null,
      totp: seeded.totpSecret ? { secret: seeded.totpSecret } : null,
      mfaPolicy: seeded.mfaPolicy ?? 'on_request',
    };
    for (const group of new Set((seeded.groups ?? []).map(groupIdOf))) memberships.push({ groupId: group, userId: user.id });
    return user;
  });
  const userIdOf = (loginOrId: string): string => {
    const key = loginOrId.toLowerCase();
    const user = users.find((u) => u.id === loginOrId || u.profile.login.toLowerCase() === key);
    if (!user) throw new Error(`unreachable: seed user "${loginOrId}" was validated by parseSeed`);
    return user.id;
  };
  const apps: OidcApp[] = seed.apps.map((app) => {
    const method = app.tokenEndpointAuthMethod ?? (app.clientSecret ? 'client_secret_basic' : 'none');
    return {
      clientId: app.clientId,
      clientSecret: app.clientSecret ?? null,
      name: app.name ?? app.clientId,
      redirectUris: app.redirectUris ?? [],
      postLogoutRedirectUris: app.postLogoutRedirectUris ?? [],
      grantTypes: app.grantTypes ?? (method === 'private_key_jwt' ? ['client_credentials'] : ['authorization_code', 'refresh_token']),
      tokenEndpointAuthMethod: method,
      jwks: app.jwks ?? null,
      grantedScopes: app.grantedScopes ?? [],
      pkceRequired: app.pkceRequired ?? true,
      ...(app.groupAssignments ? { assignedGroupIds: [...new Set(app.groupAssignments.map(groupIdOf))] } : {}),
      ...(app.userAssignments ? { assignedUserIds: [...new Set(app.userAssignments.map(userIdOf))] } : {}),
    };
  });
  return {
    format: 1,
    orgId: seed.orgId ?? oktaId('00o'),
    users,
    groups,
    memberships,
    apps,
    apiTokens: (seed.apiTokens ?? []).map((token) => ({
      id: oktaId('00T'),
      name: token.name,
      tokenHash: hashToken(token.token),
      created: now,
    })),
    eventHooks: (seed.eventHooks ?? []).map((hook) => ({
      id: hook.id ?? oktaId('who'),
      name: hook.name ?? hook.url,
      status: hook.status ?? 'ACTIVE',
      // A hook written into the seed is the operator's own receiver: trusted as verified unless it says otherwise.
      verificationStatus: hook.verificationStatus ?? 'VERIFIED',
      events: hook.events,
      url: hook.url,
      authScheme: hook.authScheme ?? null,
      headers: hook.headers ?? [],
      created: now,
      lastUpdated: now,
    })),
    authorizationServer: serverFromSeed(seed),
    rateLimitPerMinute: seed.rateLimitPerMinute ?? DEFAULT_RATE_LIMIT_PER_MINUTE,
  };
}

function serverFromSeed(seed: DirectorySeed): AuthorizationServerSettings {
  const { accessPolicies, ...rest } = seed.authorizationServer ?? {};
  const settings: AuthorizationServerSettings = {
    ...DEFAULT_AUTHORIZATION_SERVER,
    ...rest,
    groupsClaim: { ...DEFAULT_AUTHORIZATION_SERVER.groupsClaim, ...rest.groupsClaim },
  };
  return accessPolicies ? { ...settings, accessPolicies: accessPoliciesFromSeed(accessPolicies, settings, oktaId) } : settings;
}
