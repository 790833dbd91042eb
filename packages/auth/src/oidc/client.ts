/**
 * The relying party's view of the IdP: an `openid-client` v6 {@link oidc.Configuration},
 * discovered lazily (never at import), cached, and retried with exponential backoff while the
 * IdP is unreachable, so a flapping IdP is neither hammered nor fatal at start-up.
 */
import * as oidc from 'openid-client';
import type { GatehouseConfig } from '../config/schema.ts';
import type { AuthLogger } from '../audit.ts';
import { AuthError, errorSummary, toAuthError } from '../errors.ts';

/**
 * ID token signature algorithms we accept: Okta signs with RS256; ES256 for IdPs that use EC
 * keys. Everything else (`none`, HS*, …) is refused even if the IdP advertises it.
 */
export const ID_TOKEN_ALGORITHMS = ['RS256', 'ES256'] as const;

/** Clock skew tolerated between us and the IdP on `exp` / `iat` / `auth_time`, in seconds (60). */
export const CLOCK_TOLERANCE_SECONDS = 60;
// 10 s per IdP request: long enough for a slow Okta, short enough to answer the user.
const REQUEST_TIMEOUT_SECONDS = 10;
// Backoff after a failed discovery: 1 s doubling to 60 s, so an outage costs one request a minute.
const BACKOFF_INITIAL_MS = 1_000;
const BACKOFF_MAX_MS = 60_000;

/** What the flow needs from the IdP. */
export interface OidcClient {
  /** The discovered configuration; throws `AuthError('AUTH_DISCOVERY_FAILED')` while unreachable. */
  configuration(): Promise<oidc.Configuration>;
  /** Whether discovery has succeeded (attempting it now if needed, respecting the backoff). */
  ready(): Promise<boolean>;
  /**
   * Whether the IdP answers right now: a GET of its discovery document with a short timeout
   * (`IDP_PROBE_TIMEOUT_MS`), the answer reused for `IDP_PROBE_CACHE_MS`, one probe at a time. A
   * success also ends the discovery backoff, so sign-in works again as soon as the IdP is back.
   */
  probe(): Promise<IdpProbeResult>;
  /** The fetch every IdP request goes through (the app's `deps.fetch` or global fetch). */
  readonly fetch: typeof fetch;
}

/** What {@link OidcClient.probe} found. */
export interface IdpProbeResult {
  state: 'ok' | 'unreachable';
  /** Epoch ms of the probe. */
  checkedAt: number;
  /** Why it is unreachable: an HTTP status (`http_503`) or the socket's code (`ECONNREFUSED`, `timeout`). */
  cause?: string;
}

// The socket was reset or closed before any answer: undici's and Node's codes for it.
const RESET_CODES = new Set(['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE']);

/** Whether a failed IdP request may be sent once more (see the comment at its one use). */
function retryable(err: unknown, init: { method?: string; body?: unknown } | undefined): boolean {
  if (!(err instanceof TypeError)) return false;
  const code = errorSummary(err).causeCode;
  if (code === undefined || !RESET_CODES.has(code)) return false;
  const method = (init?.method ?? 'GET').toUpperCase();
  if (method === 'GET') return true;
  // Not a refresh: a rotated refresh token sent twice can look like theft to the IdP.
  return init?.body instanceof URLSearchParams && init.body.get('grant_type') === 'authorization_code';
}

/** Options of {@link createOidcClient}. */
export interface OidcClientOptions {
  fetch?: typeof fetch;
  logger: AuthLogger;
  now: () => number;
}

/**
 * Creates the lazily discovering client for `config.okta`. Signature checks of ID tokens are
 * switched on (`enableNonRepudiationChecks`): openid-client then verifies them against the
 * issuer's JWKS, caching it and refetching on an unknown `kid` at most once a minute
 * (oauth4webapi's built-in cooldown), and refusing `HS*` outright.
 * @see OpenID Connect Discovery 1.0 §4, OIDC Core §3.1.3.7
 */
export function createOidcClient(config: GatehouseConfig, options: OidcClientOptions): OidcClient {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const customFetch: oidc.CustomFetch = (url, init) => fetchOnce(url, init as RequestInit);
  const fetchOnce = async (url: string, init: RequestInit): Promise<Response> => {
    try {
      return await fetchImpl(url, init as RequestInit);
    } catch (err) {
      if (!retryable(err, init as { method?: string; body?: unknown })) throw err;
      // A keep-alive connection the IdP closed as we wrote to it: the request never got an answer
      // and, for these requests, a second one is harmless — GETs, and a code exchange (a code is
      // single-use: should the first have been processed after all, the IdP refuses the second).
      options.logger.warn({ step: 'idp-request', ...errorSummary(err) }, 'identity provider request reset on a reused connection; retried once');
      return fetchImpl(url, init as RequestInit);
    }
  };
  let cached: oidc.Configuration | null = null;
  let inFlight: Promise<oidc.Configuration> | null = null;
  let failures = 0;
  let retryAt = 0;

  async function discover(): Promise<oidc.Configuration> {
    const insecure = config.okta.allowInsecureRequests;
    const discovered = await oidc.discovery(new URL(config.okta.issuer), config.okta.clientId, undefined, undefined, {
      // The one place plain-HTTP IdP requests are enabled: config allows it only for a loopback
      // issuer outside production.
      execute: insecure ? [oidc.allowInsecureRequests] : [],
      [oidc.customFetch]: customFetch,
      timeout: REQUEST_TIMEOUT_SECONDS,
    });
    // serverMetadata() adds a helper method; keep only the metadata itself.
    const { supportsPKCE, ...metadata } = discovered.serverMetadata();
    const advertised = metadata.id_token_signing_alg_values_supported ?? ['RS256'];
    // PKCE S256 is sent regardless (RFC 9700 §2.1.1); an IdP that does not advertise it is worth a warning.
    if (!supportsPKCE('S256')) options.logger.warn({ issuer: config.okta.issuer }, 'identity provider does not advertise PKCE S256');
    const algorithms = advertised.filter((alg) => (ID_TOKEN_ALGORITHMS as readonly string[]).includes(alg));
    if (algorithms.length === 0) {
      throw new AuthError('AUTH_DISCOVERY_FAILED', { reason: 'no_supported_id_token_alg', detail: `The IdP signs ID tokens with ${advertised.join(', ')}; Gatehouse accepts ${ID_TOKEN_ALGORITHMS.join(', ')}.` });
    }
    // Rebuild the configuration with the advertised algorithms narrowed to our allowlist:
    // oauth4webapi checks every ID token's `alg` against this list before anything else.
    const configuration = new oidc.Configuration(
      { ...metadata, id_token_signing_alg_values_supported: algorithms },
      config.okta.clientId,
      { client_secret: config.okta.clientSecret, [oidc.clockTolerance]: CLOCK_TOLERANCE_SECONDS },
      oidc.ClientSecretBasic(config.okta.clientSecret),
    );
    if (insecure) oidc.allowInsecureRequests(configuration);
    configuration[oidc.customFetch] = customFetch;
    configuration.timeout = REQUEST_TIMEOUT_SECONDS;
    oidc.enableNonRepudiationChecks(configuration);
    return configuration;
  }

  async function configuration(): Promise<oidc.Configuration> {
    if (cached) return cached;
    if (inFlight) return inFlight;
    if (options.now() < retryAt) throw new AuthError('AUTH_DISCOVERY_FAILED', { reason: 'discovery_backoff' });
    inFlight = discover()
      .then((result) => {
        cached = result;
        failures = 0;
        options.logger.info({ issuer: config.okta.issuer }, 'identity provider discovered');
        return result;
      })
      .catch((err: unknown) => {
        failures += 1;
        const delay = Math.min(BACKOFF_INITIAL_MS * 2 ** (failures - 1), BACKOFF_MAX_MS);
        retryAt = options.now() + delay;
        const error = toAuthError(err, 'discovery');
        options.logger.warn({ issuer: config.okta.issuer, retryInMs: delay, ...errorSummary(error) }, 'identity provider discovery failed');
        throw error;
      })
      .finally(() => {
        inFlight = null;
      });
    return inFlight;
  }

  let probed: IdpProbeResult | null = null;
  let probing: Promise<IdpProbeResult> | null = null;
  const discoveryUrl = `${config.okta.issuer}/.well-known/openid-configuration`;

  async function probeOnce(): Promise<IdpProbeResult> {
    const checkedAt = options.now();
    try {
      // Through the same reset-retrying fetch: a keep-alive connection closed under the probe is not an outage.
      const response = await fetchOnce(discoveryUrl, { signal: AbortSignal.timeout(config.idpProbe.timeoutMs), headers: { accept: 'application/json' } });
      await response.body?.cancel();
      if (!response.ok) return { state: 'unreachable', checkedAt, cause: `http_${response.status}` };
      // The IdP is back: discovery need not wait for the rest of its backoff.
      retryAt = 0;
      return { state: 'ok', checkedAt };
    } catch (err) {
      const name = (err as { name?: unknown } | null)?.name;
      const cause = name === 'TimeoutError' ? 'timeout' : errorSummary(err).causeCode ?? 'network_error';
      return { state: 'unreachable', checkedAt, cause };
    }
  }

  function probe(): Promise<IdpProbeResult> {
    if (probed && options.now() - probed.checkedAt < config.idpProbe.cacheMs) return Promise.resolve(probed);
    probing ??= probeOnce()
      .then((result) => {
        if (result.state !== probed?.state) {
          if (result.state === 'ok') options.logger.info({ issuer: config.okta.issuer }, 'identity provider reachable');
          else options.logger.warn({ issuer: config.okta.issuer, cause: result.cause }, 'identity provider unreachable: new sign-ins answer 503, signed-in users go on');
        }
        probed = result;
        return result;
      })
      .finally(() => {
        probing = null;
      });
    return probing;
  }

  return {
    configuration,
    probe,
    fetch: fetchImpl,
    async ready() {
      try {
        await configuration();
        return true;
      } catch {
        return false;
      }
    },
  };
}
