import { mkdirSync, mkdtempSync, rmSync, unwatchFile, watchFile } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import type Provider from 'oidc-provider';
import { Directory } from './directory/directory.ts';
import { sendUniversalLogout, type SubjectFormat, type UniversalLogoutEndpoint } from './logout/universal-logout.ts';
import { loadSeed } from './directory/seed.ts';
import type { DirectorySeed } from './directory/types.ts';
import { startEventHooks } from './hooks/delivery.ts';
import { DEFAULT_KEY_GRACE_SECONDS, keyFilePath, loadKeys, providerJwks, publicJwks, rotateKeyFile, type KeyFile } from './keys.ts';
import { createManagementApp } from './management/app.ts';
import { createDefaultProvider, DEFAULT_AS_PATH, type ProviderSetup } from './provider/default-as.ts';
import { notFoundBody, oktaErrorBody } from './provider/errors.ts';
import { createOrgProvider, orgAccessTokenVerifier } from './provider/org-as.ts';
import { OidcStore } from './provider/sqlite-adapter.ts';
import { createSignInApp } from './signin/app.tsx';

/** Where the emulator reports what happens (never a token, code or secret). */
export interface EmulatorLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  /** Listen port; 0 (the default) picks a free one. */
  port?: number;
  /** Listen address; default `127.0.0.1` (the emulator is a development tool). */
  host?: string;
  /** A seed object, or the path of a seed JSON file; default: the bundled demo seed. */
  seed?: DirectorySeed | string;
  /** Data directory (directory, keys, OIDC state); default: a fresh temporary directory, removed on close. */
  dataDir?: string;
  /** Public base URL when it differs from `http://localhost:<port>` (e.g. behind a proxy). */
  publicUrl?: string;
  /** How long a replaced signing key stays in the JWKS; default 7 days. */
  keyGraceSeconds?: number;
  /** Event hook retry delays (tests shorten them). */
  hookRetryDelaysMs?: number[];
  /**
   * Host names Event Hook verification may call besides loopback (`localhost`, `127.0.0.1`,
   * `::1`); default none, so a registered hook cannot make the emulator call into a network.
   */
  eventHookHosts?: string[];
  logger?: EmulatorLogger;
}

/** A running emulator. */
export interface Emulator {
  /** Org base URL, e.g. `http://localhost:9000`. */
  url: string;
  /** Issuer of the custom authorization server `default`: `<url>/oauth2/default`. */
  issuer: string;
  /** Issuer of the org authorization server: `<url>`. */
  orgIssuer: string;
  /** The data directory in use. */
  dataDir: string;
  directory: Directory;
  /**
   * Registers more redirect URIs for an app, for this run only (not persisted): for tests whose
   * app listens on a port chosen at run time. Redirect URIs are still matched exactly, as Okta does.
   */
  addRedirectUris(clientId: string, uris: { redirectUris?: string[]; postLogoutRedirectUris?: string[] }): void;
  /**
   * Registers an app's logout endpoints for this run only (not persisted), as set in Okta's Admin
   * Console: OIDC Back-Channel Logout 1.0 (`backchannelLogoutUri`; ID tokens then carry `sid`) and
   * Universal Logout (`universalLogout`: sent when an admin clears the user's sessions through
   * `DELETE /api/v1/users/{id}/sessions`).
   */
  setLogoutEndpoints(clientId: string, endpoints: { backchannelLogoutUri?: string; universalLogout?: { uri: string; subjectFormat: SubjectFormat } }): void;
  /** Publishes a new signing key (older keys stay in the JWKS for the grace period). */
  rotateKeys(): Promise<void>;
  /** Stops serving and closes every resource (hooks, HTTP server, SQLite). */
  close(): Promise<void>;
}

const SILENT: EmulatorLogger = { info() {}, warn() {}, error() {} };

function listen(server: ReturnType<typeof createServer>, port: number, host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolvePort((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Whether `host` (a `Host` header) names this emulator: its public URL's host, or loopback on any
 * port. Anything else is a DNS-rebinding page or a misdirected request and gets no answer, so a
 * web page cannot drive the Management API with the public demo token.
 */
export function isOwnHost(host: string | undefined, publicUrl: string): boolean {
  if (!host) return false;
  const own = new URL(publicUrl);
  if (host.toLowerCase() === own.host.toLowerCase()) return true;
  const name = URL.parse(`http://${host}`)?.hostname.toLowerCase();
  return name === 'localhost' || name === '127.0.0.1' || name === '[::1]' || (name?.endsWith('.localhost') ?? false);
}

function startsWithSegment(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

/**
 * Starts the Okta emulator: the custom authorization server `default`, the org authorization
 * server, the hosted sign-in pages, the Management API and Event Hooks on one HTTP server.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const logger = options.logger ?? SILENT;
  const temporary = options.dataDir === undefined;
  const dataDir = temporary ? mkdtempSync(join(tmpdir(), 'okta-emulator-')) : resolve(options.dataDir as string);
  mkdirSync(dataDir, { recursive: true });
  let directory: Directory;
  let store: OidcStore;
  let keys: KeyFile;
  try {
    const seed = typeof options.seed === 'object' ? options.seed : loadSeed(options.seed);
    directory = Directory.open({ dataDir, seed });
    store = new OidcStore(dataDir);
    keys = await loadKeys(dataDir);
  } catch (error) {
    if (temporary) rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }

  const server = createServer();
  const host = options.host ?? '127.0.0.1';
  let port: number;
  try {
    port = await listen(server, options.port ?? 0, host);
  } catch (cause) {
    store.close();
    directory.close();
    if (temporary) rmSync(dataDir, { recursive: true, force: true });
    // Keep the system error code (EADDRINUSE, EACCES) for callers that branch on it.
    throw Object.assign(new Error(`The emulator could not listen on ${host}:${options.port ?? 0}; choose another --port`, { cause }), {
      code: (cause as NodeJS.ErrnoException).code,
    });
  }
  const url = (options.publicUrl ?? `http://localhost:${port}`).replace(/\/+$/, '');
  const issuer = `${url}${DEFAULT_AS_PATH}`;

  // Derived once per key set (not per request): verifiers cache their imported keys on it.
  let published = publicJwks(keys);
  const currentPublicJwks = () => published;

  const addedUris = new Map<string, { redirectUris: string[]; postLogoutRedirectUris: string[] }>();
  const backchannelUris = new Map<string, string>();
  const universalLogout = new Map<string, UniversalLogoutEndpoint>();
  const apps = () =>
    directory.listApps().map((app) => {
      const added = addedUris.get(app.clientId);
      const backchannel = backchannelUris.get(app.clientId);
      const withUris = added
        ? { ...app, redirectUris: [...app.redirectUris, ...added.redirectUris], postLogoutRedirectUris: [...app.postLogoutRedirectUris, ...added.postLogoutRedirectUris] }
        : app;
      return backchannel ? { ...withUris, backchannelLogoutUri: backchannel } : withUris;
    });

  let providers: { default: Provider; org: Provider; defaultListener: Listener; orgListener: Listener };
  type Listener = (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  const build = () => {
    const setup: ProviderSetup = { directory, store, orgUrl: url, apps, jwks: providerJwks(keys), publicJwks: currentPublicJwks, cookieKeys: keys.cookieKeys };
    const defaultProvider = createDefaultProvider(setup);
    const orgProvider = createOrgProvider(setup);
    for (const provider of [defaultProvider, orgProvider]) {
      // The error's name and the path only: a message may quote a token or a stored payload, and
      // the query string may hold a code or an id_token_hint.
      provider.on('server_error', (ctx: { method?: string; path?: string } | undefined, error: Error) =>
        logger.error(`oidc-provider server error: ${error.name} at ${ctx?.method ?? '?'} ${ctx?.path ?? '?'}`),
      );
    }
    providers = {
      default: defaultProvider,
      org: orgProvider,
      defaultListener: defaultProvider.callback(),
      orgListener: orgProvider.callback(),
    };
  };
  build();

  const reloadKeys = async () => {
    const next = await loadKeys(dataDir);
    const kids = (file: KeyFile) => file.keys.map((key) => key.jwk.kid).join(',');
    if (kids(next) === kids(keys)) return;
    keys = next;
    published = publicJwks(keys);
    build();
    logger.info(`signing keys reloaded; signing with kid ${keys.keys[0]?.jwk.kid}`);
  };
  // Picks up `rotate-keys` run from another process against the same data directory.
  const onKeyFileChange = () => {
    reloadKeys().catch((error: Error) => logger.error(`could not reload signing keys: ${error.message}`));
  };
  watchFile(keyFilePath(dataDir), { interval: 1000 }, onKeyFileChange);

  const verifyOrgAccessToken = orgAccessTokenVerifier({
    orgUrl: url,
    publicJwks: currentPublicJwks,
    appExists: (clientId) => directory.getApp(clientId) !== null,
  });
  // overrideGlobalObjects: false keeps Node's own Request/Response for everything else in the process.
  const listenerOptions = { overrideGlobalObjects: false };
  const management = getRequestListener(
    createManagementApp(directory, {
      orgUrl: url,
      verifyOrgAccessToken,
      eventHookHosts: options.eventHookHosts ?? [],
      logError: (message) => logger.error(message),
      onClearSessions: async (user) => {
        const endpoints = [...universalLogout.values()];
        if (endpoints.length === 0) return;
        const signingKey = keys.keys[0]!.jwk;
        for (const result of await sendUniversalLogout(user, endpoints, { orgUrl: url, signingKey })) {
          if (result.status !== 204) logger.warn(`universal logout to ${result.clientId} answered ${result.status || 'nothing'}`);
        }
      },
    }).fetch,
    listenerOptions,
  );
  const signIn = getRequestListener(
    createSignInApp({ directory, provider: () => providers.default, csrfKey: keys.cookieKeys[0] ?? '' }).fetch,
    listenerOptions,
  );
  const hooks = startEventHooks(directory, {
    orgUrl: url,
    ...(options.hookRetryDelaysMs ? { retryDelaysMs: options.hookRetryDelaysMs } : {}),
    onDeliveryFailure: (failure) =>
      logger.warn(`event hook ${failure.hookId} delivery of ${failure.eventType} failed (attempt ${failure.attempt}): ${failure.reason}`),
  });

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (!isOwnHost(req.headers.host, url)) {
      // 421 Misdirected Request (RFC 9110 §15.5.20): this server does not answer for that name.
      res.statusCode = 421;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(oktaErrorBody('E0000015', 'You do not have permission to access the feature you are requesting')));
      return;
    }
    const dispatch = (): Promise<void> | void => {
      if (startsWithSegment(path, '/api/v1')) return management(req, res);
      if (startsWithSegment(path, '/signin')) return signIn(req, res);
      if (startsWithSegment(path, DEFAULT_AS_PATH)) {
        // Mount the provider under its issuer path the way connect/express do: it reads the
        // prefix back from `originalUrl` to build absolute URLs.
        const original = req.url ?? '/';
        const rest = original.slice(DEFAULT_AS_PATH.length);
        (req as IncomingMessage & { originalUrl?: string }).originalUrl = original;
        req.url = rest.startsWith('/') ? rest : `/${rest}`;
        return providers.defaultListener(req, res);
      }
      if (startsWithSegment(path, '/oauth2/v1') || startsWithSegment(path, '/.well-known')) {
        return providers.orgListener(req, res);
      }
      res.statusCode = 404;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(notFoundBody(path)));
    };
    Promise.resolve()
      .then(dispatch)
      .catch((error: Error) => {
        logger.error(`request failed: ${error.name} at ${req.method} ${path}`);
        if (!res.headersSent) {
          res.statusCode = 500;
          res.setHeader('Content-Type', 'application/json');
          res.end(JSON.stringify(oktaErrorBody('E0000009', 'Internal Server Error')));
        } else {
          res.destroy();
        }
      });
  });

  let closed = false;
  return {
    url,
    issuer,
    orgIssuer: url,
    dataDir,
    directory,
    addRedirectUris(clientId, uris) {
      if (!directory.getApp(clientId)) throw new TypeError(`addRedirectUris: no app with client id ${clientId}`);
      const all = [...(uris.redirectUris ?? []), ...(uris.postLogoutRedirectUris ?? [])];
      for (const uri of all) {
        if (!URL.canParse(uri) || new URL(uri).hash) throw new TypeError(`addRedirectUris: ${uri} is not an absolute URI without fragment`);
      }
      const current = addedUris.get(clientId) ?? { redirectUris: [], postLogoutRedirectUris: [] };
      current.redirectUris.push(...(uris.redirectUris ?? []));
      current.postLogoutRedirectUris.push(...(uris.postLogoutRedirectUris ?? []));
      addedUris.set(clientId, current);
      build();
    },
    setLogoutEndpoints(clientId, endpoints) {
      if (!directory.getApp(clientId)) throw new TypeError(`setLogoutEndpoints: no app with client id ${clientId}`);
      for (const uri of [endpoints.backchannelLogoutUri, endpoints.universalLogout?.uri]) {
        if (uri !== undefined && !URL.canParse(uri)) throw new TypeError(`setLogoutEndpoints: ${uri} is not an absolute URI`);
      }
      if (endpoints.backchannelLogoutUri) backchannelUris.set(clientId, endpoints.backchannelLogoutUri);
      if (endpoints.universalLogout) universalLogout.set(clientId, { clientId, ...endpoints.universalLogout });
      build();
    },
    async rotateKeys() {
      await rotateKeyFile(dataDir, options.keyGraceSeconds ?? DEFAULT_KEY_GRACE_SECONDS);
      await reloadKeys();
    },
    async close() {
      if (closed) return;
      closed = true;
      unwatchFile(keyFilePath(dataDir), onKeyFileChange);
      await hooks.close();
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
      // One turn of the event loop lets clients in this process (tests) see their pooled
      // keep-alive sockets closed before anything reuses the port.
      await new Promise((done) => setImmediate(done));
      store.close();
      directory.close();
      if (temporary) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
