/**
 * What every check reads, fetched once per run and shared: the IdP's discovery document (with
 * its `Date` header, for the clock check), an `openid-client` configuration for probes, and the
 * Management API objects (the app, the authorization server with its claims, scopes and
 * policies, groups, event hooks). A lookup that cannot be had throws {@link Unavailable}.
 */
import * as oidc from 'openid-client';
import type { GatehouseConfig } from '@gatehouse/auth/config';
import { ApiFailure, createManagementApi, type ManagementApi, type ReadScope } from './management.ts';
import { Unavailable, type DoctorOptions } from './types.ts';

/** The IdP as discovered: its metadata, a client configuration for probes, and its clock. */
export interface Idp {
  metadata: oidc.ServerMetadata;
  configuration: oidc.Configuration;
  /** IdP clock minus ours, in ms, from the discovery answer's `Date` header; null without one. */
  skewMs: number | null;
}

// 10 s per request: as the app's own IdP timeout.
const DEFAULT_TIMEOUT_MS = 10_000;

/** A network failure's system code (`ECONNREFUSED`, `ENOTFOUND`, …) or the error's name. */
export function networkCause(error: unknown): string {
  let deepest = error instanceof Error ? error.message : 'unknown error';
  for (let current: unknown = error; current; current = (current as { cause?: unknown }).cause) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
    if (current instanceof Error && (current.name === 'TimeoutError' || current.name === 'AbortError')) return 'timed out';
    if (current instanceof Error) deepest = current.message;
  }
  return deepest.slice(0, 200);
}

/** One run's shared state and lookups. */
export class DoctorContext {
  readonly config: GatehouseConfig;
  readonly options: DoctorOptions;
  readonly fetch: typeof fetch;
  readonly now: () => number;
  readonly timeoutMs: number;
  readonly api: ManagementApi | null;
  /** The custom authorization server's id from the issuer (`/oauth2/<id>`), null for the org authorization server. */
  readonly serverId: string | null;
  readonly #memo = new Map<string, Promise<unknown>>();

  constructor(config: GatehouseConfig, options: DoctorOptions) {
    this.config = config;
    this.options = options;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.now = options.now ?? Date.now;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.api = createManagementApi(config, { fetch: this.fetch, timeoutMs: this.timeoutMs });
    const path = URL.parse(config.okta.issuer)?.pathname ?? '';
    this.serverId = /^\/oauth2\/([^/]+)$/.exec(path)?.[1] ?? null;
  }

  /** `fn` once per key per run. */
  memo<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let found = this.#memo.get(key) as Promise<T> | undefined;
    if (!found) {
      found = fn();
      this.#memo.set(key, found);
    }
    return found;
  }

  /** The IdP, discovered the way the app discovers it; throws Unavailable (problem) when it cannot be. */
  idp(): Promise<Idp> {
    return this.memo('idp', async () => {
      const issuer = this.config.okta.issuer;
      let skewMs: number | null = null;
      let advertisedIssuer: unknown;
      const customFetch: oidc.CustomFetch = async (url, init) => {
        const sentAt = this.now();
        const response = await this.fetch(url, { ...(init as RequestInit), signal: AbortSignal.timeout(this.timeoutMs) });
        const date = Date.parse(response.headers.get('date') ?? '');
        // The Date header has 1 s resolution and is stamped while the answer is made: compare with the middle of the round trip.
        if (Number.isFinite(date)) skewMs = date + 500 - (sentAt + this.now()) / 2;
        advertisedIssuer = await response.clone().json().then((body: { issuer?: unknown }) => body.issuer, () => undefined);
        return response;
      };
      try {
        const configuration = await oidc.discovery(new URL(issuer), this.config.okta.clientId, { client_secret: this.config.okta.clientSecret }, oidc.ClientSecretBasic(this.config.okta.clientSecret), {
          execute: this.config.okta.allowInsecureRequests ? [oidc.allowInsecureRequests] : [],
          [oidc.customFetch]: customFetch,
          timeout: Math.ceil(this.timeoutMs / 1000),
        });
        configuration[oidc.customFetch] = (url, init) => this.fetch(url, { ...(init as RequestInit), signal: AbortSignal.timeout(this.timeoutMs) });
        return { metadata: configuration.serverMetadata(), configuration, skewMs };
      } catch (error) {
        const where = `${issuer}/.well-known/openid-configuration`;
        if (typeof advertisedIssuer === 'string' && advertisedIssuer !== issuer) {
          throw new Unavailable('problem', `the discovery document at ${where} names the issuer ${advertisedIssuer}, not ${issuer}`, `Set OKTA_ISSUER to exactly ${advertisedIssuer} (Okta Admin Console → Security → API → Authorization Servers → the server's Issuer URI).`, 'idp');
        }
        const code = (error as { code?: unknown }).code;
        const status = (error as { cause?: { status?: unknown } }).cause?.status ?? (error as { status?: unknown }).status;
        const why = typeof status === 'number' ? `HTTP ${status}` : code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' || code === 'OAUTH_PARSE_ERROR' ? 'not a valid discovery document' : networkCause(error);
        throw new Unavailable('problem', `the identity provider did not answer discovery at ${where} (${why})`, 'Check OKTA_ISSUER (Okta Admin Console → Security → API → Authorization Servers → Issuer URI, e.g. https://<org>.okta.com/oauth2/default) and the network path from here to Okta.', 'idp');
      }
    });
  }

  /** The Management API, or Unavailable (skipped) when none is configured. */
  requireApi(): ManagementApi {
    if (this.config.okta.kind !== 'okta') throw new Unavailable('skipped', 'not checked: an Okta setting, and the issuer is not Okta\'s');
    if (!this.api) {
      throw new Unavailable('skipped', 'not checked: needs the Management API (set OKTA_API_TOKEN, or OKTA_MANAGEMENT_CLIENT_ID and OKTA_MANAGEMENT_PRIVATE_KEY)');
    }
    return this.api;
  }

  /**
   * A Management API object, once per run. A 404 is returned as `null`; every other failure
   * makes the dependent check `skipped` (the *Management API access* check reports the cause).
   */
  okta<T>(path: string, scope: ReadScope): Promise<T | null> {
    const api = this.requireApi();
    return this.memo(`okta:${path}`, () => api.get<T>(path, scope)).catch((error: unknown) => {
      if (error instanceof ApiFailure && error.kind === 'not_found') return null;
      if (error instanceof ApiFailure) throw new Unavailable('skipped', `not checked: ${error.message} (see "Management API access")`);
      throw error;
    });
  }

  /** Like {@link okta} but for the raw outcome: the value or the ApiFailure (for the access check). */
  async oktaOutcome(path: string, scope: ReadScope): Promise<unknown> {
    const api = this.requireApi();
    return this.memo(`okta:${path}`, () => api.get(path, scope)).catch((error: unknown) => error);
  }
}
