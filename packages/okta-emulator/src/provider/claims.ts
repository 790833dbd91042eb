import type { Directory } from '../directory/directory.ts';
import type { AuthorizationServerSettings, DirectoryUser } from '../directory/types.ts';

/** Claims per scope, as Okta's custom authorization server releases them. */
export function scopeClaims(settings: AuthorizationServerSettings): Record<string, string[]> {
  return {
    // acr, amr and auth_time come from the sign-in session; Okta puts them in every ID token.
    openid: ['sub', 'idp', 'ver', 'acr', 'amr', 'auth_time'],
    profile: ['name', 'preferred_username', 'given_name', 'family_name', 'nickname', 'zoneinfo', 'locale', 'updated_at'],
    email: ['email', 'email_verified'],
    address: ['address'],
    phone: ['phone_number', 'phone_number_verified'],
    groups: settings.groupsClaim.enabled ? [settings.groupsClaim.name] : [],
  };
}

/**
 * Builds the groups claim as Okta's groups claim filter releases it: the user's group names
 * matching the whole configured regex, cut at `maxGroups`, under the configured claim name —
 * only when the claim is enabled and the `groups` scope was granted. The regex is compiled once.
 *
 * @see https://developer.okta.com/docs/guides/customize-tokens-groups-claim/main/
 */
export function groupsClaimFor(
  directory: Directory,
  settings: AuthorizationServerSettings,
): (userId: string, scopes: readonly string[]) => Record<string, string[]> {
  const { enabled, name, filterRegex, maxGroups } = settings.groupsClaim;
  let pattern: RegExp | null;
  try {
    pattern = new RegExp(`^(?:${filterRegex})$`);
  } catch {
    // A broken filter releases nothing rather than everything.
    pattern = null;
  }
  return function groupsClaim(userId, scopes) {
    if (!enabled || !scopes.includes('groups')) return {};
    const names = directory.groupsOfUser(userId).map((group) => group.profile.name);
    return { [name]: pattern ? names.filter((group) => pattern.test(group)).slice(0, Math.max(0, maxGroups)) : [] };
  };
}

/** The user is allowed to hold a session and tokens only while ACTIVE (Okta ends them otherwise). */
export function activeUser(directory: Directory, id: string): DirectoryUser | null {
  const user = directory.getUser(id);
  return user && user.status === 'ACTIVE' && user.id === id ? user : null;
}

/** The account object oidc-provider's `findAccount` returns. */
export interface Account {
  accountId: string;
  claims(use: string, scope: string): Promise<Record<string, unknown>>;
}

/** Builds `findAccount` for the default authorization server. */
export function accountFinder(
  directory: Directory,
  orgId: string,
  groupsClaim: ReturnType<typeof groupsClaimFor>,
): (ctx: unknown, sub: string) => Promise<Account | undefined> {
  return async function findAccount(_ctx, sub) {
    const user = activeUser(directory, sub);
    if (!user) return undefined;
    return {
      accountId: user.id,
      async claims(_use, scope) {
        const { profile } = user;
        return {
          sub: user.id,
          idp: orgId,
          ver: 1,
          name: `${profile.firstName} ${profile.lastName}`.trim(),
          preferred_username: profile.login,
          given_name: profile.firstName,
          family_name: profile.lastName,
          nickname: profile['nickName'] ?? undefined,
          zoneinfo: profile['timezone'] ?? 'America/Los_Angeles',
          locale: profile['locale'] ?? 'en_US',
          updated_at: Math.floor(Date.parse(user.lastUpdated) / 1000),
          email: profile.email,
          email_verified: true,
          ...groupsClaim(user.id, scope.split(' ')),
        };
      },
    };
  };
}
