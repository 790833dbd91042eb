import Provider, { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import { serverScopes, withPolicyGrants } from '../directory/access-policies.ts';
import { MessagePage, renderPage } from '../signin/views.tsx';
import { createOktaProvider, oktaTokenClaims, type ProviderSetup } from './base.ts';
import { recordIssuedToken, jwtAccessTokenHooks, type IssuedToken } from './access-tokens.ts';
import { ACR_VALUES, requestsMfa } from './acr.ts';
import { accountFinder, groupsClaimFor, scopeClaims } from './claims.ts';
import { clientMetadata, userFacingApps } from './clients.ts';
import { finishLogout, refuseLogoutWithoutHint } from './logout.ts';
import { jwtAccessTokensAtIntrospection } from './structured-tokens.ts';
import { refuseUnknownScopes } from './unknown-scopes.ts';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Path of the custom authorization server `default` under the org URL. */
export const DEFAULT_AS_PATH = '/oauth2/default';

/** Scopes the default authorization server knows (Okta's reserved scopes plus `groups`). */
export const DEFAULT_AS_SCOPES = ['openid', 'profile', 'email', 'address', 'phone', 'offline_access', 'groups'];

/** Cookie names of the hosted sign-in session (distinct from any app on the same host). */
export const COOKIE_NAMES = { session: 'okta_emu_sid', interaction: 'okta_emu_interaction', resume: 'okta_emu_resume' };

// Cookie settings: httpOnly and SameSite=Lax keep them from scripts and cross-site posts;
// signed with the persisted cookie keys so a restart keeps sessions.
const COOKIE_OPTIONS = { httpOnly: true, sameSite: 'lax', signed: true, overwrite: true } as const;

/**
 * The custom authorization server `default` as Okta shapes it: issuer `<org>/oauth2/default`,
 * endpoints `/v1/*`, PKCE S256 for every client, JWT access tokens for `api://default`,
 * rotating refresh tokens, hosted sign-in at `/signin/<uid>`.
 *
 * @see https://developer.okta.com/docs/concepts/auth-servers/#custom-authorization-server
 */
export function createDefaultProvider(setup: ProviderSetup): Provider {
  const { directory, store, orgUrl } = setup;
  const settings = directory.authorizationServer;
  const issuer = `${orgUrl}${DEFAULT_AS_PATH}`;
  const audience = settings.audience;
  const groupsClaim = groupsClaimFor(directory, settings);

  const policy = interactionPolicy.base();
  policy.get('login')?.checks.add(
    new interactionPolicy.Check('mfa_required', 'the client asked for multifactor authentication', (ctx) => {
      // Just signed in (possibly without a factor when `:ifpossible` allowed it): do not loop.
      if (ctx.oidc.result?.['login']) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      if (!requestsMfa(ctx.oidc.params?.['acr_values'])) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      return ctx.oidc.session?.amr?.includes('mfa')
        ? interactionPolicy.Check.NO_NEED_TO_PROMPT
        : interactionPolicy.Check.REQUEST_PROMPT;
    }),
  );

  // Okta issues refresh tokens for `offline_access` without `prompt=consent` (OIDC Core §11
  // asks for it, and oidc-provider drops the scope otherwise). The request gets `consent` added
  // (see withConsentForOfflineAccess) and the consent prompt's "was it requested" check is
  // removed, so nothing is ever shown for it.
  policy.get('consent')?.checks.remove('consent_prompt');

  const accessTokenHooks = jwtAccessTokenHooks({
    issuer,
    audience,
    publicJwks: setup.publicJwks,
    isUserinfoRequest: () => Provider.ctx?.oidc?.route === 'userinfo',
  });

  const provider = createOktaProvider(setup, {
    issuer,
    routePrefix: '/v1',
    resource: { audience, scope: () => serverScopes(settings).join(' '), accessTokenTTL: () => settings.accessTokenLifetimeSeconds, useGrantedResource: true },
    cookies: { names: COOKIE_NAMES, options: COOKIE_OPTIONS },
    notFoundPath: (path) => `${DEFAULT_AS_PATH}${path}`,
    customizeJwt: (token, jwt) => {
      // Okta's access tokens: header `kid` and `alg` only (no RFC 9068 `typ: at+jwt`, so a
      // client that insists on it fails here as it would against Okta); `sub` is the login.
      jwt.header = { ...jwt.header, typ: undefined };
      const user = typeof token['accountId'] === 'string' ? directory.getUser(token['accountId']) : null;
      if (user) jwt.payload['sub'] = user.profile.login;
    },
  }, {
    adapter: store.adapterFactory('default', {
      AccessToken: accessTokenHooks,
      RefreshToken: {
        afterFind(payload) {
          // Okta's "grace period for token rotation": a rotated refresh token keeps working for
          // refreshTokenReuseGraceSeconds; after that its reuse is refused (and revokes the grant).
          const consumed = payload.consumed;
          if (typeof consumed === 'number' && Math.floor(Date.now() / 1000) - consumed < settings.refreshTokenReuseGraceSeconds) {
            const { consumed: _consumed, ...rest } = payload;
            return rest;
          }
          return payload;
        },
      },
    }),
    clients: userFacingApps(setup.apps()).map((app) => clientMetadata(withPolicyGrants(app, settings))),
    findAccount: accountFinder(directory, directory.orgId, groupsClaim),
    claims: { sid: null, ...scopeClaims(settings) },
    scopes: serverScopes(settings),
    // Okta puts profile claims in the ID token of the code flow too.
    conformIdTokenClaims: false,
    acrValues: ACR_VALUES,
    allowOmittingSingleRegisteredRedirectUri: false,
    // Okta's *Require PKCE as additional verification*, on unless the app turned it off.
    pkce: { required: (_ctx: unknown, client: { clientId: string }) => directory.getApp(client.clientId)?.pkceRequired !== false },
    features: {
      userinfo: { enabled: true },
      // OIDC Back-Channel Logout 1.0 to apps that register an endpoint (Okta itself offers Universal Logout instead).
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        // The confirmation page is never shown: finishLogout redirects right away.
        logoutSource: async () => {},
        postLogoutSuccessSource: async (ctx: KoaContextWithOIDC) => {
          ctx.type = 'html';
          ctx.body = await renderPage(MessagePage({ title: 'Signed out', message: 'You have been signed out.' }));
        },
      },
    },
    interactions: {
      policy,
      url: (_ctx: unknown, interaction: { uid: string }) => `/signin/${interaction.uid}`,
    },
    // Okta does not ask first-party users for consent: grant what the client asked for.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const { client, session, params } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const grantId = ctx.oidc.result?.['consent']?.grantId ?? session.grantIdFor(client.clientId);
      const { Grant } = ctx.oidc.provider;
      let grant = grantId ? await Grant.find(grantId) : undefined;
      if (!grant || grant.accountId !== session.accountId) {
        grant = new Grant({ accountId: session.accountId, clientId: client.clientId });
      }
      const scope = typeof params?.['scope'] === 'string' ? params['scope'] : 'openid';
      grant.addOIDCScope(scope);
      grant.addResourceScope(audience, scope);
      await grant.save();
      return grant;
    },
    // oidc-provider refuses outgoing requests (back-channel logout) to loopback and private
    // addresses; the emulator is a development tool whose apps run on this machine, so loopback
    // targets go out without that guard, everything else keeps it.
    fetch: (url: URL | string, options: RequestInit & { dispatcher?: unknown }) => {
      const { dispatcher, ...rest } = options;
      return globalThis.fetch(url, LOOPBACK_HOSTS.has(new URL(url).hostname) ? rest : options);
    },
    rotateRefreshToken: true,
    // Okta's logout ends the sign-in session only: tokens already issued live until they expire.
    expiresWithSession: async () => false,
    ttl: {
      AccessToken: settings.accessTokenLifetimeSeconds,
      IdToken: settings.idTokenLifetimeSeconds,
      RefreshToken: settings.refreshTokenLifetimeSeconds,
      Grant: settings.refreshTokenLifetimeSeconds,
      // 5 min: Okta's authorization code lifetime.
      AuthorizationCode: 300,
      // 1 h to finish signing in; 2 h session, Okta's default maximum session lifetime.
      Interaction: 3600,
      Session: 2 * 3600,
    },
    extraTokenClaims: async (ctx: KoaContextWithOIDC, token: Record<string, unknown>) => {
      if (token['kind'] !== 'AccessToken') return undefined;
      const scopes = String(token['scope'] ?? '').split(' ').filter(Boolean);
      const source = ctx?.oidc?.entities?.['AuthorizationCode'] ?? ctx?.oidc?.entities?.['RefreshToken'];
      return {
        ...oktaTokenClaims(token),
        uid: token['accountId'],
        ...(typeof source?.authTime === 'number' ? { auth_time: source.authTime } : {}),
        ...(typeof token['accountId'] === 'string' ? groupsClaim(token['accountId'], scopes) : {}),
      };
    },
    clientBasedCORS: (_ctx: unknown, origin: string, client: { redirectUris?: string[] }) =>
      (client.redirectUris ?? []).some((uri) => new URL(uri).origin === origin),
    renderError: async (ctx: KoaContextWithOIDC, out: Record<string, string>) => {
      ctx.type = 'html';
      ctx.body = await renderPage(
        MessagePage({ title: 'Sign-in error', message: out['error_description'] ?? 'The request could not be completed.', details: out['error'] }),
      );
    },
  });

  const issuedTokens = store.adapterFactory('default')('AccessToken');
  provider.on('access_token.issued', (token: IssuedToken) => {
    void recordIssuedToken(issuedTokens, token);
  });

  provider.use(refuseUnknownScopes({ issuer, path: '/v1/authorize', scopes: serverScopes(settings), apps: setup.apps }));
  provider.use(jwtAccessTokensAtIntrospection({ paths: ['/v1/introspect', '/v1/revoke'], resolveId: accessTokenHooks.resolveId }));
  const sessionCookie = { name: COOKIE_NAMES.session, options: COOKIE_OPTIONS };
  provider.use(async function oktaEndpointShapes(ctx, next) {
    // Logout URLs carry the ID token (id_token_hint) and callbacks the code: no page here may
    // hand its URL to another site in a Referer header.
    ctx.set('Referrer-Policy', 'no-referrer');
    // HEAD is routed as GET by oidc-provider: without this it would end a session with no hint.
    const isGet = ctx.method === 'GET' || ctx.method === 'HEAD';
    if (isGet && ctx.path === '/v1/logout' && refuseLogoutWithoutHint(ctx)) return;
    if (ctx.method === 'GET' && ctx.path === '/v1/authorize') withConsentForOfflineAccess(ctx);
    await next();
    if ('oidc' in ctx && ctx.oidc?.route === 'end_session' && ctx.status === 200) {
      await finishLogout(ctx, { directory, sessionCookie });
    }
  });
  return provider;
}

/**
 * Adds `consent` to `prompt` when `offline_access` is asked for, so oidc-provider keeps the
 * scope (Okta does not require `prompt=consent`). `prompt=none` is left alone: it cannot be
 * combined with other values.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#OfflineAccess
 */
function withConsentForOfflineAccess(ctx: KoaContextWithOIDC): void {
  const params = new URLSearchParams(ctx.querystring);
  const scopes = (params.get('scope') ?? '').split(' ');
  const prompts = (params.get('prompt') ?? '').split(' ').filter(Boolean);
  if (!scopes.includes('offline_access') || prompts.includes('consent') || prompts.includes('none')) return;
  if (params.getAll('prompt').length > 1) return; // duplicate parameters: oidc-provider refuses them
  params.set('prompt', [...prompts, 'consent'].join(' '));
  ctx.querystring = params.toString();
  // The mount prefix is read back from originalUrl (see server.ts): keep the two in step.
  const req = ctx.req as typeof ctx.req & { originalUrl?: string };
  req.originalUrl = `${DEFAULT_AS_PATH}${ctx.url}`;
}
