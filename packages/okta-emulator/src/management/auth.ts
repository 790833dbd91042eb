import type { Context, MiddlewareHandler } from 'hono';
import type { Directory } from '../directory/directory.ts';
import type { EventActor } from '../directory/events.ts';
import { OktaApiError } from './errors.ts';

/** Okta API scopes the emulated endpoints check. */
export type ManagementScope =
  | 'okta.users.read'
  | 'okta.users.manage'
  | 'okta.groups.read'
  | 'okta.groups.manage'
  | 'okta.eventHooks.read'
  | 'okta.eventHooks.manage'
  | 'okta.apps.read'
  | 'okta.authorizationServers.read';

/** Who is calling: an SSWS API token (every scope, as a super admin's token) or a service app. */
export interface Principal {
  /** Rate-limit bucket: one per API token or per client id. */
  key: string;
  kind: 'ssws' | 'oauth';
  scopes: ReadonlySet<string> | 'all';
  actor: EventActor;
}

/** Hono environment of the Management API. */
export type ManagementEnv = { Variables: { principal: Principal | null } };

/** Checks an org authorization server access token; `null` for every kind of bad token. */
export type VerifyOrgAccessToken = (token: string) => Promise<{ clientId: string; scopes: string[] } | null>;

/**
 * Resolve the caller from `Authorization: SSWS <token>` (looked up by hash) or
 * `Authorization: Bearer <access token>` (checked by the org authorization server).
 * Never rejects by itself, so the rate limiter can count unauthenticated calls too;
 * handlers call {@link requireScope}.
 * @see https://developer.okta.com/docs/guides/create-an-api-token/
 * @see https://developer.okta.com/docs/guides/implement-oauth-for-okta-serviceapp/
 */
export function authenticate(directory: Directory, verifyOrgAccessToken: VerifyOrgAccessToken): MiddlewareHandler<ManagementEnv> {
  return async function authenticate(c, next) {
    c.set('principal', await resolvePrincipal(directory, verifyOrgAccessToken, c.req.header('authorization')));
    await next();
  };
}

async function resolvePrincipal(
  directory: Directory,
  verify: VerifyOrgAccessToken,
  header: string | undefined,
): Promise<Principal | null> {
  const match = /^(SSWS|Bearer)\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) return null;
  const [, scheme = '', token = ''] = match;
  if (scheme.toUpperCase() === 'SSWS') {
    const apiToken = directory.findApiToken(token);
    if (!apiToken) return null;
    return {
      key: `ssws:${apiToken.id}`,
      kind: 'ssws',
      scopes: 'all',
      actor: { id: apiToken.id, type: 'SystemPrincipal', alternateId: 'system@okta.com', displayName: `API token ${apiToken.name}` },
    };
  }
  let verified: Awaited<ReturnType<VerifyOrgAccessToken>>;
  try {
    verified = await verify(token);
  } catch {
    verified = null;
  }
  if (!verified) return null;
  const app = directory.getApp(verified.clientId);
  return {
    key: `oauth:${verified.clientId}`,
    kind: 'oauth',
    scopes: new Set(verified.scopes),
    actor: { id: verified.clientId, type: 'PublicClientApp', alternateId: verified.clientId, displayName: app?.name ?? verified.clientId },
  };
}

/**
 * Guard: the caller, if authenticated (401 E0000011 otherwise) and granted `scope`
 * (403 E0000006 otherwise). A `.manage` scope includes its `.read`, as in Okta.
 */
export function requireScope(c: Context<ManagementEnv>, scope: ManagementScope): Principal {
  const principal = c.get('principal');
  if (!principal) {
    throw new OktaApiError(401, 'E0000011', 'Invalid token provided');
  }
  if (principal.scopes === 'all') return principal;
  const manage = scope.replace(/\.read$/, '.manage');
  if (!principal.scopes.has(scope) && !principal.scopes.has(manage)) {
    throw new OktaApiError(403, 'E0000006', 'You do not have permission to perform the requested action', {
      headers: { 'WWW-Authenticate': `Bearer error="insufficient_scope", error_description="The access token provided does not contain the required scopes.", scope="${scope}"` },
    });
  }
  return principal;
}
