/**
 * Okta refuses an authorization request asking for a scope its authorization server does not
 * define (`invalid_scope`, "One or more scopes are not configured for the authorization server
 * resource."), where oidc-provider silently drops it. Answered only once the client and its
 * redirect URI are known to be registered, so the error goes back to the app exactly as
 * Okta's does; anything else is left to the provider's own checks.
 * @see RFC 6749 §4.1.2.1 (error response), RFC 9207 (iss in it)
 */
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { OidcApp } from '../directory/types.ts';

/** Options of {@link refuseUnknownScopes}. */
export interface UnknownScopesOptions {
  issuer: string;
  path: string;
  scopes: readonly string[];
  apps: () => OidcApp[];
}

/** Middleware for the default authorization server: `invalid_scope` for scopes it does not define. */
export function refuseUnknownScopes(options: UnknownScopesOptions) {
  const known = new Set(options.scopes);
  return async function oktaUnknownScopes(ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> {
    if (ctx.method !== 'GET' || ctx.path !== options.path) return next();
    const params = new URLSearchParams(ctx.querystring);
    const single = (name: string) => (params.getAll(name).length === 1 ? params.get(name) : null);
    const unknown = (single('scope') ?? '').split(' ').filter((scope) => scope && !known.has(scope));
    const redirectUri = single('redirect_uri');
    const app = options.apps().find((candidate) => candidate.clientId === single('client_id'));
    if (unknown.length === 0 || !redirectUri || !app?.redirectUris.includes(redirectUri) || single('response_type') !== 'code') return next();
    const target = new URL(redirectUri);
    target.searchParams.set('error', 'invalid_scope');
    target.searchParams.set('error_description', 'One or more scopes are not configured for the authorization server resource.');
    const state = single('state');
    if (state !== null) target.searchParams.set('state', state);
    target.searchParams.set('iss', options.issuer);
    ctx.status = 302;
    ctx.redirect(target.href);
  };
}
