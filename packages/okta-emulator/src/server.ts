/**
 * `startEmulator`: opens the emulator's state (`emulator/state.ts`), builds its two authorization
 * servers (`emulator/providers.ts`), and serves them with the hosted sign-in pages, the Management
 * API and Event Hooks on one HTTP server (`emulator/routing.ts`).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { Directory } from './directory/directory.ts';
import type { DirectorySeed } from './directory/types.ts';
import { startProviders } from './emulator/providers.ts';
import { emulatorRequestListener } from './emulator/routing.ts';
import { openState, RunTimeApps } from './emulator/state.ts';
import { startEventHooks } from './hooks/delivery.ts';
import { DEFAULT_KEY_GRACE_SECONDS, rotateKeyFile } from './keys.ts';
import { sendUniversalLogout, type SubjectFormat } from './logout/universal-logout.ts';
import { createManagementApp } from './management/app.ts';
import { DEFAULT_AS_PATH } from './provider/default-as.ts';
import { orgAccessTokenVerifier } from './provider/org-as.ts';
import { createSignInApp } from './signin/app.tsx';

export { isOwnHost } from './emulator/routing.ts';

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
 * Starts the Okta emulator: the custom authorization server `default`, the org authorization
 * server, the hosted sign-in pages, the Management API and Event Hooks on one HTTP server.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const logger = options.logger ?? SILENT;
  const state = await openState({ dataDir: options.dataDir, seed: options.seed });
  const { directory, dataDir } = state;
  const server = createServer();
  const host = options.host ?? '127.0.0.1';
  let port: number;
  try {
    port = await listen(server, options.port ?? 0, host);
  } catch (cause) {
    state.close();
    // Keep the system error code (EADDRINUSE, EACCES) for callers that branch on it.
    throw Object.assign(new Error(`The emulator could not listen on ${host}:${options.port ?? 0}; choose another --port`, { cause }), {
      code: (cause as NodeJS.ErrnoException).code,
    });
  }
  const url = (options.publicUrl ?? `http://localhost:${port}`).replace(/\/+$/, '');
  const apps = new RunTimeApps(directory);
  const providers = startProviders(state, apps, url, logger);
  // overrideGlobalObjects: false keeps Node's own Request/Response for everything else in the process.
  const listenerOptions = { overrideGlobalObjects: false };
  const management = getRequestListener(
    createManagementApp(directory, {
      orgUrl: url,
      verifyOrgAccessToken: orgAccessTokenVerifier({ orgUrl: url, publicJwks: providers.publicJwks, appExists: (clientId) => directory.getApp(clientId) !== null }),
      eventHookHosts: options.eventHookHosts ?? [],
      logError: (message) => logger.error(message),
      onClearSessions: async (user) => {
        const endpoints = apps.universalLogoutEndpoints();
        if (endpoints.length === 0) return;
        const signingKey = state.keys.keys[0]!.jwk;
        for (const result of await sendUniversalLogout(user, endpoints, { orgUrl: url, signingKey })) {
          if (result.status !== 204) logger.warn(`universal logout to ${result.clientId} answered ${result.status || 'nothing'}`);
        }
      },
    }).fetch,
    listenerOptions,
  );
  const signIn = getRequestListener(
    createSignInApp({ directory, provider: () => providers.current().default, csrfKey: state.keys.cookieKeys[0] ?? '' }).fetch,
    listenerOptions,
  );
  const hooks = startEventHooks(directory, {
    orgUrl: url,
    ...(options.hookRetryDelaysMs ? { retryDelaysMs: options.hookRetryDelaysMs } : {}),
    onDeliveryFailure: (failure) =>
      logger.warn(`event hook ${failure.hookId} delivery of ${failure.eventType} failed (attempt ${failure.attempt}): ${failure.reason}`),
  });
  server.on('request', emulatorRequestListener({ url, management, signIn, providers: providers.current, logger }));

  let closed = false;
  return {
    url,
    issuer: `${url}${DEFAULT_AS_PATH}`,
    orgIssuer: url,
    dataDir,
    directory,
    addRedirectUris(clientId, uris) {
      apps.addRedirectUris(clientId, uris);
      providers.rebuild();
    },
    setLogoutEndpoints(clientId, endpoints) {
      apps.setLogoutEndpoints(clientId, endpoints);
      providers.rebuild();
    },
    async rotateKeys() {
      await rotateKeyFile(dataDir, options.keyGraceSeconds ?? DEFAULT_KEY_GRACE_SECONDS);
      await providers.reloadKeys();
    },
    async close() {
      if (closed) return;
      closed = true;
      providers.close();
      await hooks.close();
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
      // One turn of the event loop lets clients in this process (tests) see their pooled
      // keep-alive sockets closed before anything reuses the port.
      await new Promise((done) => setImmediate(done));
      state.close();
    },
  };
}
