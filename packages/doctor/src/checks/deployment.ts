/**
 * The app's own side: the Management API credentials and what they may read, the Event Hook and
 * Universal Logout endpoint, https, what the deployed app really sends as its redirect URI
 * (`--url`), the session secret and the stores.
 */
import { EMULATOR_DEFAULTS, isLoopbackHost } from '@gatehouse/auth/config';
import { HANDLED_EVENT_TYPES } from '@gatehouse/auth/lifecycle';
import { generateKeyPair, SignJWT } from 'jose';
import { checkStoreSchema } from '@gatehouse/auth/stores/schema-check';
import type { DoctorContext } from '../context.ts';
import { networkCause } from '../context.ts';
import { ApiFailure, type ReadScope } from '../management.ts';
import { PROBE_CANARY_ADDRESS, PROBE_HEADER, PROBE_PATH, probeHeader, type ForwardedAnswer } from '../probe.ts';
import type { OktaEventHook } from '../okta-types.ts';
import { Unavailable, type Check } from '../types.ts';

/** Values the README and the emulator's banner print (its demo credentials): never a real secret. */
const PUBLISHED_VALUES: readonly string[] = [EMULATOR_DEFAULTS.clientSecret, EMULATOR_DEFAULTS.apiToken];

/**
 * Events the app's hook receiver (`/hooks/okta`) acts on: each ends or re-roles sessions. The
 * receiver's own list, so a newly handled event is asked for here too.
 */
export const HOOK_EVENTS: readonly string[] = HANDLED_EVENT_TYPES;

function deployedUrl(ctx: DoctorContext): string {
  const url = ctx.options.url;
  if (!url) throw new Unavailable('skipped', 'not checked: pass --url <deployed url> to check the running app');
  return url.replace(/\/+$/, '');
}

export const accessCheck: Check = {
  id: 'management.access',
  title: 'Management API access',
  async run(ctx) {
    if (ctx.config.okta.kind !== 'okta') return { status: 'skipped', found: `not checked: ${ctx.config.okta.issuer} is not an Okta issuer, so the Okta app, authorization server, groups, policy and hook checks do not apply` };
    if (!ctx.api) {
      return { status: 'warning', found: 'no Management API credentials: the app, authorization server, groups, policy and hook checks are skipped', fix: 'Set OKTA_API_TOKEN (Okta Admin Console → Security → API → Tokens → Create Token), or a service app with okta.apps.read, okta.authorizationServers.read, okta.groups.read, okta.users.read, okta.eventHooks.read.' };
    }
    const probes: Array<[string, ReadScope]> = [
      [`/api/v1/apps/${encodeURIComponent(ctx.config.okta.clientId)}`, 'okta.apps.read'],
      ...(ctx.serverId ? [[`/api/v1/authorizationServers/${encodeURIComponent(ctx.serverId)}`, 'okta.authorizationServers.read'] as [string, ReadScope]] : []),
      ...[...new Set([...ctx.config.roles.admin, ...ctx.config.roles.viewer])].map((name) => [`/api/v1/groups?q=${encodeURIComponent(name)}&limit=200`, 'okta.groups.read'] as [string, ReadScope]),
      ['/api/v1/eventHooks', 'okta.eventHooks.read'],
      ...(ctx.options.user ? [[`/api/v1/users/${encodeURIComponent(ctx.options.user)}`, 'okta.users.read'] as [string, ReadScope]] : []),
    ];
    const outcomes = await Promise.all(probes.map(([path, scope]) => ctx.oktaOutcome(path, scope)));
    const failures = outcomes.filter((outcome): outcome is ApiFailure => outcome instanceof ApiFailure && outcome.kind !== 'not_found');
    if (failures.length === 0) return { status: 'ok', found: `the ${ctx.api.via} can read apps, authorization servers, groups${ctx.options.user ? ', users' : ''} and event hooks` };
    const messages = [...new Set(failures.map((failure) => failure.message))];
    return { status: 'problem', found: messages.join('; '), ...(failures[0]?.fix ? { fix: failures[0].fix } : {}) };
  },
};

export const hookChecks: Check[] = [
  {
    id: 'hooks.event-hook',
    title: 'Event Hook',
    async run(ctx) {
      const target = `${ctx.config.appBaseUrl}/hooks/okta`;
      const hooks = (await ctx.okta<OktaEventHook[]>('/api/v1/eventHooks', 'okta.eventHooks.read')) ?? [];
      const create = `Okta Admin Console → Workflow → Event Hooks → Create Event Hook: URL ${target}, Authentication field Authorization with the value of OKTA_EVENT_HOOK_SECRET, Subscribe to events ${HOOK_EVENTS.join(', ')}; Save & Continue → Verify.`;
      const ours = hooks.filter((hook) => hook.channel?.config?.uri === target);
      if (ours.length === 0) {
        const elsewhere = hooks.find((hook) => hook.channel?.config?.uri?.endsWith('/hooks/okta'));
        if (elsewhere) return { status: 'problem', found: `the Event Hook "${elsewhere.name}" points at ${elsewhere.channel?.config?.uri}, not ${target}`, fix: `Okta Admin Console → Workflow → Event Hooks → ${elsewhere.name} → Edit → URL: ${target}; then Verify.` };
        return { status: 'warning', found: `no Event Hook points at ${target}: a user deactivated or removed from a group in Okta keeps their session until it is next revalidated`, fix: create };
      }
      const hook = ours.find((candidate) => candidate.status === 'ACTIVE' && candidate.verificationStatus === 'VERIFIED') ?? ours[0];
      if (hook?.status !== 'ACTIVE') return { status: 'problem', found: `the Event Hook "${hook?.name}" is ${hook?.status}: Okta sends it nothing`, fix: `Okta Admin Console → Workflow → Event Hooks → ${hook?.name} → Actions → Activate.` };
      if (hook.verificationStatus !== 'VERIFIED') return { status: 'problem', found: `the Event Hook "${hook.name}" is not verified: Okta sends it nothing`, fix: `Okta Admin Console → Workflow → Event Hooks → ${hook.name} → Actions → Verify (the app must be reachable from Okta at ${target}).` };
      const missing = HOOK_EVENTS.filter((event) => !(hook.events?.items ?? []).includes(event));
      if (missing.length > 0) return { status: 'problem', found: `the Event Hook "${hook.name}" is not subscribed to ${missing.join(', ')}`, fix: `Okta Admin Console → Workflow → Event Hooks → ${hook.name} → Edit → Subscribe to events: add ${missing.join(', ')}.` };
      if (!hook.channel?.config?.authScheme?.key) return { status: 'warning', found: `the Event Hook "${hook.name}" sends no authorization header: the app refuses its deliveries`, fix: `Okta Admin Console → Workflow → Event Hooks → ${hook.name} → Edit → Authentication field: Authorization, Authentication secret: OKTA_EVENT_HOOK_SECRET.` };
      return { status: 'ok', found: `"${hook.name}" is active, verified, points at ${target} and has the ${HOOK_EVENTS.length} lifecycle events` };
    },
  },
  {
    id: 'hooks.universal-logout',
    title: 'Universal Logout endpoint',
    async run(ctx) {
      const url = `${deployedUrl(ctx)}/auth/global-token-revocation`;
      const notServed = (status: number) => ({ status: 'warning' as const, found: `${url} answers ${status}: this deployment does not serve Universal Logout`, fix: 'Deploy a Gatehouse version with Universal Logout, then Okta Admin Console → Applications → your app → Authentication → Logout → Edit → Global Token Revocation: this endpoint, Signed JWT.' });
      const passThrough = 'Check the proxy in front of the app passes POST /auth/global-token-revocation through unchanged (method, Authorization header and body).';

      // 1. No credentials at all: the draft's answer is 401, and nothing may happen.
      const unsigned = await logoutProbe(ctx, url, null);
      if ('unreachable' in unsigned) return { status: 'problem', found: `${url} could not be reached (${unsigned.unreachable})`, fix: 'Check that the app is deployed at --url and reachable from here.' };
      // 403: Gatehouse's CSRF guard refuses cross-site POSTs to paths no route exempts; a 404 without the endpoint's JSON error: no route.
      if (unsigned.status === 403 || (unsigned.status === 404 && !unsigned.error)) return notServed(unsigned.status);
      if (unsigned.status !== 401) {
        const accepted = unsigned.status < 300 || unsigned.error === 'not_found';
        return {
          status: 'problem',
          found: accepted
            ? `${url} answers ${unsigned.status}${unsigned.error ? ` ${unsigned.error}` : ''} to a logout request without credentials: it acts on requests Okta did not sign`
            : `${url} answers ${unsigned.status} to a logout request without credentials (Okta's Universal Logout expects 401)`,
          fix: accepted ? 'Deploy a Gatehouse version whose /auth/global-token-revocation checks the Bearer JWT Okta signs; until then turn Global Token Revocation off for the app.' : passThrough,
        };
      }

      // 2. A JWT shaped like Okta's but signed by a key of the doctor's: the app must fetch the org's keys to refuse it.
      const forged = await logoutProbe(ctx, url, await probeJwt(ctx));
      const keys = `${new URL('/oauth2/v1/keys', ctx.config.okta.orgUrl).href}`;
      if ('unreachable' in forged) return { status: 'problem', found: `${url} stopped answering (${forged.unreachable})`, fix: 'Check that the app is deployed at --url and reachable from here.' };
      if (forged.status === 401) return { status: 'ok', found: `${url} refuses a request without credentials and one not signed by the Okta org (401 each; checked against ${keys})` };
      if (forged.status === 503) {
        return { status: 'problem', found: `${url} answers 503 to a signed logout request: the app cannot fetch the Okta org's keys at ${keys}, so Okta's real requests fail too`, fix: `Let the app reach ${keys} (egress proxy, firewall, NetworkPolicy), and give the deployment the OKTA_ISSUER of this org.` };
      }
      if (forged.status < 300 || forged.error === 'not_found') {
        return { status: 'problem', found: `${url} answers ${forged.status}${forged.error ? ` ${forged.error}` : ''} to a logout request signed by a key that is not the org's: anyone could end anyone's sessions`, fix: 'Deploy a Gatehouse version whose /auth/global-token-revocation verifies the JWT against the org\'s keys; until then turn Global Token Revocation off for the app.' };
      }
      return { status: 'problem', found: `${url} answers ${forged.status} to a logout request with a JWT the org did not sign (expected 401)`, fix: passThrough };
    },
  },
];

export const deploymentChecks: Check[] = [
  {
    id: 'deploy.https',
    title: 'https base URL',
    async run(ctx) {
      const url = new URL(ctx.config.appBaseUrl);
      if (url.protocol === 'https:') return { status: 'ok', found: `${ctx.config.appBaseUrl} (cookies are Secure, __Host- prefixed)` };
      if (isLoopbackHost(url.hostname) && ctx.config.nodeEnv !== 'production') return { status: 'ok', found: `${ctx.config.appBaseUrl}: plain http on loopback, for development only` };
      return { status: 'problem', found: `APP_BASE_URL is ${ctx.config.appBaseUrl}: session cookies travel unencrypted and are not Secure`, fix: `Set APP_BASE_URL to the https URL people use (behind a TLS proxy too), and register https://…/auth/callback in Okta.` };
    },
  },
  {
    id: 'deploy.redirect-uri',
    title: 'Redirect URI of the deployed app',
    async run(ctx) {
      const url = `${deployedUrl(ctx)}/auth/login`;
      let response: Response;
      try {
        response = await ctx.fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(ctx.timeoutMs) });
      } catch (error) {
        return { status: 'problem', found: `${url} could not be reached (${networkCause(error)})`, fix: 'Check --url, and that the app is deployed and reachable from here.' };
      }
      await response.body?.cancel();
      const location = URL.parse(response.headers.get('location') ?? '', url);
      const sent = location?.searchParams.get('redirect_uri');
      if (!sent) return { status: 'problem', found: `${url} did not redirect to Okta (HTTP ${response.status})`, fix: 'Check --url points at the Gatehouse app itself.' };
      if (sent === ctx.config.redirectUri) return { status: 'ok', found: `the deployed app sends redirect_uri ${sent}, as this configuration does` };
      const tls = deployedUrl(ctx).startsWith('https:') && sent.startsWith('http:');
      return {
        status: 'problem',
        found: `the deployed app sends redirect_uri ${sent}, this configuration ${ctx.config.redirectUri}${tls ? ': it is served over https but believes it is on http (APP_BASE_URL behind a TLS proxy)' : ''}`,
        fix: tls ? `Set APP_BASE_URL=${new URL(deployedUrl(ctx)).origin} in the deployment.` : 'Give the deployment and this command the same APP_BASE_URL.',
      };
    },
  },
  {
    id: 'deploy.proxy-hops',
    title: 'TRUST_PROXY_HOPS',
    async run(ctx) {
      const url = `${deployedUrl(ctx)}${PROBE_PATH}`;
      let response: Response;
      try {
        response = await ctx.fetch(url, {
          headers: { [PROBE_HEADER]: await probeHeader(ctx.config.session.secrets[0] ?? '', ctx.now()), 'X-Forwarded-For': PROBE_CANARY_ADDRESS },
          redirect: 'manual',
          signal: AbortSignal.timeout(ctx.timeoutMs),
        });
      } catch (error) {
        return { status: 'problem', found: `${url} could not be reached (${networkCause(error)})`, fix: 'Check --url, and that the app is deployed and reachable from here.' };
      }
      const answer = response.status === 200 ? ((await response.json().catch(() => null)) as ForwardedAnswer | null) : (await response.body?.cancel(), null);
      if (!answer || !Array.isArray(answer.forwardedFor)) {
        return { status: 'warning', found: `${url} does not answer the doctor's probe (HTTP ${response.status}): an older version, or its SESSION_SECRET differs from this configuration's`, fix: "Run the doctor with the deployment's own configuration (same SESSION_SECRET)." };
      }
      // Entries after our canary were appended by proxies; without the canary a proxy replaced the header.
      const canary = answer.forwardedFor.lastIndexOf(PROBE_CANARY_ADDRESS);
      const added = answer.forwardedFor.length - (canary + 1);
      const hops = answer.trustProxyHops;
      if (answer.clientAddress === PROBE_CANARY_ADDRESS) {
        return { status: 'problem', found: `TRUST_PROXY_HOPS=${hops} but requests pass ${added} prox${added === 1 ? 'y' : 'ies'}: the app took the X-Forwarded-For entry the doctor made up for the client's address, so anyone can choose theirs (rate limits, audit log)`, fix: `Set TRUST_PROXY_HOPS=${added} in the deployment.` };
      }
      if (added !== hops) {
        return { status: 'problem', found: `requests pass ${added} prox${added === 1 ? 'y' : 'ies'} adding X-Forwarded-For, TRUST_PROXY_HOPS is ${hops}: the app sees ${added > hops ? "a proxy's address as everyone's (one rate limit for all)" : 'the proxy instead of the client'}`, fix: `Set TRUST_PROXY_HOPS=${added} in the deployment.` };
      }
      return { status: 'ok', found: `${added} prox${added === 1 ? 'y adds' : 'ies add'} X-Forwarded-For and TRUST_PROXY_HOPS is ${hops}; a made-up entry is not believed` };
    },
  },
  {
    id: 'session.secret',
    title: 'Session secret',
    async run(ctx) {
      const secrets = ctx.config.session.secrets;
      const published = secrets.filter((secret) => PUBLISHED_VALUES.includes(secret));
      if (published.length > 0) {
        return { status: 'problem', found: 'a SESSION_SECRET value is one published in this repository (a demo or test value): anyone can forge sessions', fix: 'Generate one with `openssl rand -base64 48`; keep the old one after it (comma-separated) until existing sessions have expired.' };
      }
      // 16 distinct characters: a random base64 secret of 32+ characters has ~25; a typed phrase or a repeated pattern has fewer (the config refuses those too).
      const weak = secrets.filter((secret) => new Set(secret).size < 16);
      if (weak.length > 0) {
        return { status: 'problem', found: `${weak.length === secrets.length ? 'the' : `${weak.length} of ${secrets.length}`} SESSION_SECRET value${weak.length > 1 ? 's look' : ' looks'} typed, not random (few distinct characters)`, fix: 'Generate one with `openssl rand -base64 48`.' };
      }
      return { status: 'ok', found: `${secrets.length} secret${secrets.length > 1 ? 's (rotation in progress: the first encrypts)' : ''} of ${Math.min(...secrets.map((secret) => secret.length))}+ random-looking characters, none of them a published value` };
    },
  },
  {
    id: 'store',
    title: 'Session store',
    async run(ctx) {
      if (ctx.options.probeStore) {
        // The admin page: the running instance's own stores, open (and migrated) since it started.
        try {
          return { status: 'ok', found: `this instance's stores answer (${await ctx.options.probeStore()})` };
        } catch (error) {
          return { status: 'problem', found: `this instance's stores do not answer: ${error instanceof Error ? error.message : String(error)}`, fix: 'Check the database (DATABASE_URL / REDIS_URL) the instance uses.' };
        }
      }
      // Read-only: a missing file is not created, missing tables are reported, not made.
      const statuses = await checkStoreSchema(ctx.config);
      const found = statuses.map((status) => `${status.where}: ${status.detail}`).join('; ');
      if (statuses.some((status) => status.state === 'unreachable')) {
        return { status: 'problem', found, fix: 'Start the database, or fix DATABASE_URL / REDIS_URL (host, port, credentials, network path from here).' };
      }
      if (statuses.some((status) => status.state === 'not_migrated')) {
        return { status: 'problem', found, fix: 'Run the migrations: start the app once against this database (npm start, or roll out the deployment): its stores create and update their tables at start-up. Then run the doctor again; it never creates tables itself.' };
      }
      return { status: 'ok', found };
    },
  },
];

/** The subject of the doctor's logout probes: a reserved domain (RFC 2606), so no account can match it. */
const PROBE_SUBJECT = 'gatehouse-doctor-probe@example.invalid';

/** What `/auth/global-token-revocation` answered one probe: its status and the JSON `error`, if any. */
type LogoutProbe = { status: number; error: string | null } | { unreachable: string };

/** POSTs a logout request for {@link PROBE_SUBJECT}, with `Authorization: Bearer <jwt>` when given. */
async function logoutProbe(ctx: DoctorContext, url: string, jwt: string | null): Promise<LogoutProbe> {
  let response: Response;
  try {
    response = await ctx.fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...(jwt ? { Authorization: `Bearer ${jwt}` } : {}) },
      body: JSON.stringify({ sub_id: { format: 'email', email: PROBE_SUBJECT } }),
      redirect: 'manual',
      signal: AbortSignal.timeout(ctx.timeoutMs),
    });
  } catch (error) {
    return { unreachable: networkCause(error) };
  }
  const body = (await response.json().catch(() => null)) as { error?: unknown } | null;
  return { status: response.status, error: typeof body?.error === 'string' ? body.error : null };
}

/**
 * A logout JWT with the claims Okta's has (`iss` the org, `aud` the endpoint, `jti`, 60 s of
 * life) but signed by a key made for this run: only an endpoint that checks the org's keys refuses it.
 * @see https://datatracker.ietf.org/doc/draft-parecki-oauth-global-token-revocation/
 */
async function probeJwt(ctx: DoctorContext): Promise<string> {
  const { privateKey } = await generateKeyPair('RS256');
  const now = Math.floor(ctx.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', kid: 'gatehouse-doctor-probe', typ: 'global-token-revocation+jwt' })
    .setIssuer(ctx.config.okta.orgUrl)
    .setAudience(`${ctx.config.appBaseUrl}/auth/global-token-revocation`)
    .setIssuedAt(now)
    // 60 s: as short-lived as Okta's own, and long enough for a slow round trip.
    .setExpirationTime(now + 60)
    .setJti(crypto.randomUUID())
    .sign(privateKey);
}
