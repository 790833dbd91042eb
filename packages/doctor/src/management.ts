/**
 * A read-only Okta Management API client for the doctor: it can only send `GET`, never retries
 * (a 429 is a finding, not a wait), and turns every failure — unreachable, 401, 403, 404, 429,
 * 5xx — into an {@link ApiFailure} whose message names the cause and the fix, never the token.
 * Authenticates with the SSWS API token, or as the service app (`private_key_jwt`, one access
 * token per scope so a missing scope is named exactly), as the admin panel does.
 * @see https://developer.okta.com/docs/api/openapi/okta-management/guides/overview/
 * @see https://developer.okta.com/docs/guides/implement-oauth-for-okta-serviceapp/main/
 */
import { createPrivateKey } from 'node:crypto';
import * as oidc from 'openid-client';
import type { GatehouseConfig } from '@gatehouse/auth/config';

/** The Okta API scopes the doctor reads with. */
export type ReadScope = 'okta.apps.read' | 'okta.authorizationServers.read' | 'okta.groups.read' | 'okta.users.read' | 'okta.eventHooks.read';

/** Why a Management API call gave no answer; `kind` lets checks choose their status. */
export class ApiFailure extends Error {
  override readonly name = 'ApiFailure';
  readonly kind: 'unreachable' | 'unauthorized' | 'forbidden' | 'not_found' | 'rate_limited' | 'server' | 'invalid';
  readonly fix: string | undefined;

  constructor(kind: ApiFailure['kind'], message: string, fix?: string) {
    super(message);
    this.kind = kind;
    this.fix = fix;
  }
}

/** What the doctor needs from the Management API. */
export interface ManagementApi {
  /** `SSWS` (API token) or `service app`. */
  readonly via: string;
  get<T>(path: string, scope: ReadScope): Promise<T>;
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } })?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (error instanceof Error && error.name === 'TimeoutError') return 'timed out';
  return error instanceof Error ? error.name : 'network error';
}

interface OktaErrorBody {
  errorCode?: unknown;
  errorSummary?: unknown;
}

/** Builds the client from the configuration, or `null` when no Management API credentials are configured. */
export function createManagementApi(config: GatehouseConfig, options: { fetch: typeof fetch; timeoutMs: number }): ManagementApi | null {
  const { orgUrl, apiToken, managementClientId, managementPrivateKey } = config.okta;
  // Another OpenID provider (Keycloak, Dex…) has no Okta Management API to ask.
  if (config.okta.kind !== 'okta') return null;
  let authorization: (scope: ReadScope) => Promise<string>;
  let via: string;
  if (managementClientId && managementPrivateKey) {
    via = `service app ${managementClientId}`;
    authorization = serviceAppTokens(config, managementClientId, managementPrivateKey, options);
  } else if (apiToken) {
    via = 'API token (SSWS)';
    authorization = async () => `SSWS ${apiToken}`;
  } else {
    return null;
  }
  const credentialFix = managementClientId
    ? `Check OKTA_MANAGEMENT_CLIENT_ID and OKTA_MANAGEMENT_PRIVATE_KEY: Okta Admin Console → Applications → Applications → the service app → General → Client Credentials (Public key / Private key) and Public Keys.`
    : 'Create a token: Okta Admin Console → Security → API → Tokens → Create Token, and set OKTA_API_TOKEN (or OKTA_API_TOKEN_FILE). A token stops working 30 days after last use or when its admin is deactivated.';

  return {
    via,
    async get<T>(path: string, scope: ReadScope): Promise<T> {
      const header = await authorization(scope);
      let response: Response;
      try {
        response = await options.fetch(new URL(path, orgUrl), {
          method: 'GET',
          headers: { Authorization: header, Accept: 'application/json' },
          redirect: 'manual',
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (error) {
        throw new ApiFailure('unreachable', `the Management API at ${orgUrl} could not be reached (${causeOf(error)})`, 'Check the network path from here to Okta (proxy, firewall, DNS).');
      }
      const body = (await response.json().catch(() => null)) as (OktaErrorBody & T) | null;
      if (response.ok && body !== null) return body;
      const code = typeof body?.errorCode === 'string' ? ` ${body.errorCode}` : '';
      const summary = typeof body?.errorSummary === 'string' ? `: ${body.errorSummary}` : '';
      const what = `GET ${path.split('?')[0]} answered ${response.status}${code}${summary}`;
      if (response.status === 401) throw new ApiFailure('unauthorized', `${what} (the ${via} is not valid)`, credentialFix);
      if (response.status === 403) {
        throw new ApiFailure(
          'forbidden',
          `${what} (the ${via} may not read this; it needs ${scope})`,
          managementClientId
            ? `Okta Admin Console → Applications → Applications → the service app → Okta API Scopes → Grant ${scope}.`
            : 'An API token has its creator\'s admin rights: Okta Admin Console → Security → Administrators → give that admin a role that can read apps, authorization servers, groups, users and event hooks (e.g. Read-only Administrator), or use a service app.',
        );
      }
      if (response.status === 404) throw new ApiFailure('not_found', what);
      if (response.status === 429) {
        const reset = Number(response.headers.get('x-rate-limit-reset'));
        const when = Number.isFinite(reset) && reset > 0 ? ` until ${new Date(reset * 1000).toISOString()}` : '';
        throw new ApiFailure('rate_limited', `${what} (Okta's rate limit for this endpoint is used up${when})`, 'Run the doctor again after the rate-limit window; if it recurs, look for a script using the same token (Okta Admin Console → Reports → Rate Limits).');
      }
      if (response.status >= 500) throw new ApiFailure('server', `${what} (Okta is failing)`, 'Check https://status.okta.com and try again.');
      throw new ApiFailure('invalid', what);
    },
  };
}

/** One access token per scope from the org authorization server, cached for the run. */
function serviceAppTokens(
  config: GatehouseConfig,
  clientId: string,
  privateKey: string,
  options: { fetch: typeof fetch; timeoutMs: number },
): (scope: ReadScope) => Promise<string> {
  const tokens = new Map<ReadScope, Promise<string>>();
  let configuration: Promise<oidc.Configuration> | null = null;
  const orgUrl = config.okta.orgUrl;
  const discover = () => {
    configuration ??= (async () => {
      const text = privateKey.trim();
      const keyObject = text.startsWith('{') ? createPrivateKey({ key: JSON.parse(text) as never, format: 'jwk' }) : createPrivateKey(text);
      const jwk = keyObject.export({ format: 'jwk' });
      const kid = text.startsWith('{') ? (JSON.parse(text) as { kid?: string }).kid : undefined;
      const key = await crypto.subtle.importKey('jwk', jwk, jwk.kty === 'EC' ? { name: 'ECDSA', namedCurve: 'P-256' } : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
      const customFetch: oidc.CustomFetch = (url, init) => options.fetch(url, init as RequestInit);
      const found = await oidc.discovery(new URL(orgUrl), clientId, undefined, oidc.PrivateKeyJwt(kid ? { key, kid } : key), {
        execute: config.okta.allowInsecureRequests ? [oidc.allowInsecureRequests] : [],
        [oidc.customFetch]: customFetch,
        timeout: Math.ceil(options.timeoutMs / 1000),
      });
      return found;
    })();
    return configuration;
  };
  return (scope) => {
    let token = tokens.get(scope);
    if (!token) {
      token = (async () => {
        let found: oidc.Configuration;
        try {
          found = await discover();
        } catch (error) {
          throw new ApiFailure('unreachable', `the org authorization server at ${orgUrl} could not be used for the service app's token (${causeOf(error)})`, 'Check OKTA_MANAGEMENT_PRIVATE_KEY and the network path to Okta.');
        }
        try {
          const response = await oidc.clientCredentialsGrant(found, { scope });
          return `Bearer ${response.access_token}`;
        } catch (error) {
          const code = error instanceof oidc.ResponseBodyError ? error.error : causeOf(error);
          if (code === 'invalid_scope') {
            throw new ApiFailure('forbidden', `Okta has not granted the service app ${clientId} the scope ${scope}`, `Okta Admin Console → Applications → Applications → the service app → Okta API Scopes → Grant ${scope}.`);
          }
          throw new ApiFailure('unauthorized', `Okta refused the service app's token request (${code})`, 'Okta Admin Console → Applications → Applications → the service app → General: Client authentication "Public key / Private key" with the public half of OKTA_MANAGEMENT_PRIVATE_KEY, and the Client Credentials grant.');
        }
      })();
      tokens.set(scope, token);
    }
    return token;
  };
}
