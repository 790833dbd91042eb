/**
 * The identity provider as the app meets it, with no Management API needed: discovery and the
 * issuer, custom vs org authorization server, the clock, the client's credentials and grants
 * (token requests that can only fail on the grant), and an authorization request with
 * `prompt=none` that shows whether the redirect URI and the scopes are accepted and whether the
 * answer carries RFC 9207's `iss`. None of it signs anyone in or changes anything.
 */
import * as oidc from 'openid-client';
import type { DoctorContext } from '../context.ts';
import { networkCause } from '../context.ts';
import type { Check } from '../types.ts';

const APP_SETTINGS = 'Okta Admin Console → Applications → Applications → your OIDC app';
// 10 s: drift a person notices in logs but tokens still validate; 60 s is the app's tolerance (CLOCK_TOLERANCE_SECONDS).
const CLOCK_WARNING_MS = 10_000;
const CLOCK_PROBLEM_MS = 60_000;
const PROBE = 'gatehouse-doctor-probe';

/** What a token request with a made-up code or refresh token got back. */
type TokenProbe = { error: string; description: string } | { unreachable: string };

async function tokenProbe(ctx: DoctorContext, grant: 'authorization_code' | 'refresh_token'): Promise<TokenProbe> {
  const { configuration } = await ctx.idp();
  const parameters: Record<string, string> = grant === 'authorization_code'
    ? { code: PROBE, redirect_uri: ctx.config.redirectUri, code_verifier: `${PROBE}-verifier-0123456789-0123456789-0123456789` }
    : { refresh_token: PROBE };
  try {
    await oidc.genericGrantRequest(configuration, grant, parameters);
    return { error: 'accepted', description: 'the made-up grant was accepted' };
  } catch (error) {
    if (error instanceof oidc.ResponseBodyError) return { error: error.error, description: error.error_description ?? '' };
    // A 401 with WWW-Authenticate (a refused client secret sent with HTTP Basic): the error is in the challenge.
    if (error instanceof oidc.WWWAuthenticateChallengeError) {
      const parameters = error.cause[0]?.parameters;
      return { error: parameters?.error ?? 'invalid_client', description: parameters?.error_description ?? '' };
    }
    return { unreachable: networkCause(error) };
  }
}

/** The authorization endpoint's answer to a `prompt=none` request. */
type AuthorizeProbe =
  | { kind: 'redirect'; params: URLSearchParams }
  | { kind: 'refused'; status: number }
  | { kind: 'elsewhere'; status: number }
  | { kind: 'unreachable'; cause: string };

function authorizeProbe(ctx: DoctorContext): Promise<AuthorizeProbe> {
  return ctx.memo('authorize-probe', async () => {
    const { configuration } = await ctx.idp();
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: ctx.config.redirectUri,
      scope: ctx.config.okta.scopes.join(' '),
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      prompt: 'none',
    });
    let response: Response;
    try {
      response = await ctx.fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(ctx.timeoutMs) });
    } catch (error) {
      return { kind: 'unreachable', cause: networkCause(error) };
    }
    await response.body?.cancel();
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      const target = new URL(location, url);
      if (`${target.origin}${target.pathname}` === ctx.config.redirectUri) return { kind: 'redirect', params: target.searchParams };
      return { kind: 'elsewhere', status: response.status };
    }
    return { kind: 'refused', status: response.status };
  });
}

export const idpChecks: Check[] = [
  {
    id: 'idp.discovery',
    title: 'Issuer and discovery',
    async run(ctx) {
      const { metadata } = await ctx.idp();
      const missing = (['authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const).filter((field) => !metadata[field]);
      if (missing.length > 0) {
        return { status: 'problem', found: `the discovery document of ${metadata.issuer} has no ${missing.join(', ')}`, fix: 'OKTA_ISSUER must be an Okta authorization server: Okta Admin Console → Security → API → Authorization Servers → Issuer URI.' };
      }
      if (!metadata.code_challenge_methods_supported?.includes('S256')) {
        return { status: 'problem', found: `${metadata.issuer} does not advertise PKCE S256, which every Gatehouse sign-in uses`, fix: 'Use an Okta authorization server (they all support S256): Okta Admin Console → Security → API → Authorization Servers.' };
      }
      if (!metadata.end_session_endpoint) {
        return { status: 'warning', found: `${metadata.issuer} answers discovery but has no end_session_endpoint: signing out of Gatehouse leaves the provider's session open`, fix: 'Enable RP-initiated logout at the identity provider (every Okta authorization server has it).' };
      }
      return { status: 'ok', found: `${metadata.issuer} answers discovery; its issuer matches OKTA_ISSUER exactly; PKCE S256 supported` };
    },
  },
  {
    id: 'idp.authorization-server',
    title: 'Custom authorization server',
    async run(ctx) {
      // From the configuration alone: an Okta issuer without /oauth2/<id> is the org authorization server.
      if (ctx.config.okta.kind !== 'okta') return { status: 'skipped', found: 'not checked: the issuer is not Okta\'s (an OpenID provider of its own kind)' };
      if (ctx.serverId) return { status: 'ok', found: `the custom authorization server "${ctx.serverId}" (JWT access tokens for ${ctx.config.okta.audience}, groups claim configurable)` };
      return {
        status: 'problem',
        found: `${ctx.config.okta.issuer} is the org authorization server: its access tokens cannot be validated by the app (thin tokens, audience is Okta itself)`,
        fix: `Use a custom one: Okta Admin Console → Security → API → Authorization Servers → default, and set OKTA_ISSUER=${ctx.config.okta.orgUrl}/oauth2/default.`,
      };
    },
  },
  {
    id: 'idp.clock',
    title: 'Clock',
    async run(ctx) {
      const { skewMs } = await ctx.idp();
      if (skewMs === null) return { status: 'warning', found: 'the identity provider sent no Date header; the clock could not be compared', fix: 'Make sure this host keeps time with NTP (timedatectl, chrony).' };
      const seconds = Math.round(Math.abs(skewMs) / 1000);
      const direction = skewMs > 0 ? 'behind' : 'ahead of';
      if (Math.abs(skewMs) >= CLOCK_PROBLEM_MS) {
        return { status: 'problem', found: `this host's clock is ${seconds} s ${direction} the identity provider's: tokens will be refused as not yet valid or expired (60 s tolerated)`, fix: 'Synchronise this host with NTP (timedatectl set-ntp true, or chrony); in a container, the node\'s clock.' };
      }
      if (Math.abs(skewMs) >= CLOCK_WARNING_MS) {
        return { status: 'warning', found: `this host's clock is ${seconds} s ${direction} the identity provider's (60 s tolerated)`, fix: 'Synchronise this host with NTP (timedatectl set-ntp true, or chrony).' };
      }
      return { status: 'ok', found: `within ${Math.max(1, seconds)} s of the identity provider's clock` };
    },
  },
  {
    id: 'client.credentials',
    title: 'Client ID and secret',
    async run(ctx) {
      const probe = await tokenProbe(ctx, 'authorization_code');
      if ('unreachable' in probe) return { status: 'problem', found: `the token endpoint could not be reached (${probe.unreachable})`, fix: 'Check the network path from here to Okta.' };
      if (probe.error === 'invalid_grant') return { status: 'ok', found: `Okta accepted OKTA_CLIENT_ID ${ctx.config.okta.clientId} and its secret (a made-up code was refused as invalid_grant, as it should be)` };
      if (probe.error === 'invalid_client') {
        return { status: 'problem', found: `Okta refused the client: invalid_client (${probe.description || 'unknown client or wrong secret'})`, fix: `${APP_SETTINGS} → General → Client Credentials: copy the Client ID into OKTA_CLIENT_ID and a Client secret into OKTA_CLIENT_SECRET; Client authentication must be "Client secret".` };
      }
      if (probe.error === 'unauthorized_client') {
        return { status: 'problem', found: `the app may not use the Authorization Code grant (${probe.description})`, fix: `${APP_SETTINGS} → General → General Settings → Edit → Grant type: check Authorization Code.` };
      }
      return { status: 'problem', found: `the token endpoint answered ${probe.error}${probe.description ? ` (${probe.description})` : ''}`, fix: `${APP_SETTINGS} → General: an OIDC Web Application with Client authentication "Client secret".` };
    },
  },
  {
    id: 'client.refresh-grant',
    title: 'Refresh Token grant',
    async run(ctx) {
      if (!ctx.config.okta.scopes.includes('offline_access')) {
        return { status: 'warning', found: 'OKTA_SCOPES has no offline_access: no refresh token, so sessions end when the first access token expires', fix: 'Add offline_access to OKTA_SCOPES (the default includes it).' };
      }
      const probe = await tokenProbe(ctx, 'refresh_token');
      if ('unreachable' in probe) return { status: 'problem', found: `the token endpoint could not be reached (${probe.unreachable})`, fix: 'Check the network path from here to Okta.' };
      if (probe.error === 'invalid_grant') return { status: 'ok', found: 'the Refresh Token grant is allowed (a made-up refresh token was refused as invalid_grant)' };
      if (probe.error === 'invalid_client') return { status: 'skipped', found: 'not checked: the client credentials were refused (see "Client ID and secret")' };
      return {
        status: 'problem',
        found: `Okta refused the Refresh Token grant (${probe.error}${probe.description ? `: ${probe.description}` : ''}): sessions end when the access token expires`,
        fix: `${APP_SETTINGS} → General → General Settings → Edit → Grant type: check Refresh Token; and the access policy rule must allow it (Security → API → Authorization Servers → ${ctx.serverId ?? 'default'} → Access Policies → the rule → IF Grant type is: Refresh Token).`,
      };
    },
  },
  {
    id: 'client.sign-in-redirect',
    title: 'Sign-in redirect URI',
    async run(ctx) {
      const probe = await authorizeProbe(ctx);
      const uri = ctx.config.redirectUri;
      const fix = `${APP_SETTINGS} → General → Login → Edit → Sign-in redirect URIs: add ${uri} exactly (scheme, host, port and path).`;
      if (probe.kind === 'unreachable') return { status: 'problem', found: `the authorization endpoint could not be reached (${probe.cause})`, fix: 'Check the network path from here to Okta.' };
      if (probe.kind === 'refused') return { status: 'problem', found: `Okta shows an error page instead of redirecting to ${uri} (HTTP ${probe.status}): it is not a sign-in redirect URI of client ${ctx.config.okta.clientId}`, fix };
      if (probe.kind === 'elsewhere') return { status: 'ok', found: `Okta accepted ${uri} (it answered with its sign-in page)` };
      return { status: 'ok', found: `Okta redirects back to ${uri}` };
    },
  },
  {
    id: 'authz.scopes-accepted',
    title: 'Scopes accepted',
    async run(ctx) {
      const probe = await authorizeProbe(ctx);
      if (probe.kind !== 'redirect') return { status: 'skipped', found: 'not checked: Okta did not redirect back (see "Sign-in redirect URI")' };
      const error = probe.params.get('error');
      const scopes = ctx.config.okta.scopes.join(' ');
      if (error === 'invalid_scope') {
        return { status: 'problem', found: `Okta refuses the scopes "${scopes}" (${probe.params.get('error_description') ?? 'invalid_scope'})`, fix: `Okta Admin Console → Security → API → Authorization Servers → ${ctx.serverId ?? 'default'} → Scopes → Add Scope for each missing one (e.g. groups), or remove it from OKTA_SCOPES.` };
      }
      if (error === 'access_denied') {
        return { status: 'problem', found: `Okta denied the request (${probe.params.get('error_description') ?? 'access_denied'})`, fix: `Okta Admin Console → Security → API → Authorization Servers → ${ctx.serverId ?? 'default'} → Access Policies: a policy assigned to this app with a rule for the Authorization Code grant and these scopes.` };
      }
      if (error && !['login_required', 'interaction_required', 'consent_required'].includes(error)) {
        return { status: 'problem', found: `Okta answered ${error}${probe.params.get('error_description') ? ` (${probe.params.get('error_description')})` : ''}`, fix: `${APP_SETTINGS} → General: an OIDC Web Application.` };
      }
      return { status: 'ok', found: `Okta takes the request with scopes "${scopes}"` };
    },
  },
  {
    id: 'idp.rfc9207',
    title: 'RFC 9207 issuer in responses',
    async run(ctx) {
      const { metadata } = await ctx.idp();
      const probe = await authorizeProbe(ctx);
      if (probe.kind !== 'redirect') {
        return metadata.authorization_response_iss_parameter_supported
          ? { status: 'ok', found: 'advertised (authorization_response_iss_parameter_supported)' }
          : { status: 'warning', found: 'not advertised: the app cannot tell a mix-up attack from an ordinary callback', fix: 'Nothing to change in Okta; Gatehouse checks iss whenever Okta sends it.' };
      }
      const iss = probe.params.get('iss');
      if (iss === null) return { status: 'warning', found: 'the authorization response carries no iss parameter: mix-up attacks cannot be detected', fix: 'Nothing to change in Okta; Gatehouse checks iss whenever Okta sends it.' };
      if (iss !== ctx.config.okta.issuer) return { status: 'problem', found: `the authorization response names the issuer ${iss}, not ${ctx.config.okta.issuer}: every sign-in would be refused`, fix: `Set OKTA_ISSUER to ${iss}.` };
      return { status: 'ok', found: 'authorization responses carry iss, and it matches' };
    },
  },
];
