/**
 * The OIDC app integration as the Management API shows it: it exists and is active, its grant
 * types, PKCE, and the sign-out redirect URI (which only the app's settings can show: a logout
 * cannot be tried without an ID token).
 * @see https://developer.okta.com/docs/api/openapi/okta-management/management/tag/Application/
 */
import type { DoctorContext } from '../context.ts';
import type { OktaApp } from '../okta-types.ts';
import { Unavailable, type Check } from '../types.ts';

const APP_SETTINGS = 'Okta Admin Console → Applications → Applications → your OIDC app';

/** The app whose client id is OKTA_CLIENT_ID (for OIDC apps the app id is the client id), or Unavailable. */
export async function oidcApp(ctx: DoctorContext): Promise<OktaApp> {
  const app = await ctx.okta<OktaApp>(`/api/v1/apps/${encodeURIComponent(ctx.config.okta.clientId)}`, 'okta.apps.read');
  if (!app) throw new Unavailable('skipped', 'not checked: the app was not found (see "App integration")');
  return app;
}

export const appChecks: Check[] = [
  {
    id: 'client.app',
    title: 'App integration',
    async run(ctx) {
      const app = await ctx.okta<OktaApp>(`/api/v1/apps/${encodeURIComponent(ctx.config.okta.clientId)}`, 'okta.apps.read');
      if (!app) {
        return { status: 'problem', found: `the Management API has no app with client id ${ctx.config.okta.clientId}`, fix: `${APP_SETTINGS} → General → Client Credentials → Client ID: copy it into OKTA_CLIENT_ID (create the app with Applications → Create App Integration → OIDC – OpenID Connect → Web Application).` };
      }
      const type = app.settings?.oauthClient?.application_type;
      if (app.status !== 'ACTIVE') return { status: 'problem', found: `the app "${app.label}" is ${app.status ?? 'not active'}`, fix: `${APP_SETTINGS} → the status menu next to its name → Activate.` };
      if (app.signOnMode !== 'OPENID_CONNECT' || (type && type !== 'web')) {
        return { status: 'problem', found: `the app "${app.label}" is ${app.signOnMode ?? '?'} / ${type ?? '?'}, not an OIDC Web Application`, fix: 'Okta Admin Console → Applications → Create App Integration → OIDC – OpenID Connect → Web Application.' };
      }
      return { status: 'ok', found: `"${app.label}" is an active OIDC Web Application` };
    },
  },
  {
    id: 'client.grant-types',
    title: 'Grant types',
    async run(ctx) {
      const grants = (await oidcApp(ctx)).settings?.oauthClient?.grant_types ?? [];
      const needed = ['authorization_code', ...(ctx.config.okta.scopes.includes('offline_access') ? ['refresh_token'] : [])];
      const missing = needed.filter((grant) => !grants.includes(grant));
      if (missing.length === 0) return { status: 'ok', found: `${grants.join(', ')}` };
      const labels = missing.map((grant) => (grant === 'refresh_token' ? 'Refresh Token' : 'Authorization Code')).join(' and ');
      return { status: 'problem', found: `the app's grant types are ${grants.join(', ') || 'none'}; missing ${missing.join(', ')}`, fix: `${APP_SETTINGS} → General → General Settings → Edit → Grant type: check ${labels}.` };
    },
  },
  {
    id: 'client.pkce',
    title: 'PKCE required',
    async run(ctx) {
      const required = (await oidcApp(ctx)).credentials?.oauthClient?.pkce_required;
      if (required === true) return { status: 'ok', found: 'the app requires PKCE' };
      return { status: 'warning', found: 'the app does not require PKCE (Gatehouse always sends it, but a stolen code could be redeemed without it by a client holding the secret)', fix: `${APP_SETTINGS} → General → Client Credentials → Edit → check "Require PKCE as additional verification".` };
    },
  },
  {
    id: 'client.sign-out-redirect',
    title: 'Sign-out redirect URI',
    async run(ctx) {
      const uris = (await oidcApp(ctx)).settings?.oauthClient?.post_logout_redirect_uris ?? [];
      const uri = ctx.config.postLogoutRedirectUri;
      if (uris.includes(uri)) return { status: 'ok', found: `${uri} is registered` };
      const near = uris.find((candidate) => candidate.replace(/\/$/, '').toLowerCase() === uri.replace(/\/$/, '').toLowerCase());
      return {
        status: 'problem',
        found: `${uri} is not a sign-out redirect URI${near ? ` (${near} is, but matching is exact)` : uris.length ? ` (registered: ${uris.join(', ')})` : ' (none registered)'}: sign-out would end on an Okta error page`,
        fix: `${APP_SETTINGS} → General → Login → Edit → Sign-out redirect URIs: add ${uri}.`,
      };
    },
  },
];
