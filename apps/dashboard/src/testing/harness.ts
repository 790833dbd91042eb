/**
 * Test harness: the real app over real parts — SQLite stores in a fresh temp directory, the real
 * auth core, real sessions created through its SessionManager — driven with `app.request()`.
 * Optionally against the real Okta emulator (for the users pages, readiness and sign-in).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { loadConfig } from '@gatehouse/auth/config';
import { DEMO_API_TOKEN, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_USERS, loadSeed, startEmulator, type DirectorySeed, type Emulator } from '@gatehouse/okta-emulator';
import type { createApp } from '../app.ts';
import type { Auth, GatehouseConfig, SessionRecord, AppDeps, RateLimitOptions } from '../app-context.ts';
import { OktaDirectory } from '../management-api/directory.ts';
import { assembleApp } from '../assembly.ts';
import { openStores } from '../app-context.ts';

/** `APP_BASE_URL` of every harness app; `request()` resolves paths against it and calls `app.request()` (no listening socket). */
export const APP_BASE_URL = 'http://localhost:3000';
/** What a browser sends with a same-origin form post. */
export const SAME_ORIGIN = { Origin: APP_BASE_URL, 'Sec-Fetch-Site': 'same-origin' } as const;

/** Which demo user: `admin`, `viewer` or `norole`. */
export type DemoKind = keyof typeof DEMO_USERS;

/** What {@link createHarness} starts besides the app. */
export interface HarnessOptions {
  /** Start the real Okta emulator and point the config (issuer, API token) at it. */
  emulator?: boolean;
  /** The emulator's Management API budget per minute (default seed: 600, like a small Okta org). */
  emulatorRateLimitPerMinute?: number;
  /** Changes to the emulator's seed (groups claim settings, …), applied after the rate limit. */
  emulatorSeed?: (seed: DirectorySeed) => DirectorySeed;
  /** Extra environment variables for `loadConfig`. */
  env?: Record<string, string>;
  authRateLimit?: RateLimitOptions;
  /** The project's apps to mount at `/apps/<name>/` (default none; `npm start` discovers them). */
  apps?: AppDeps['apps'];
}

/** A test app over real stores, with helpers to sign in and make requests. */
export interface Harness {
  app: ReturnType<typeof createApp>;
  deps: AppDeps;
  config: GatehouseConfig;
  auth: Auth;
  emulator: Emulator | null;
  /** Every log line written during the test (JSON strings). */
  logs: string[];
  /** Creates a real session for a demo user; returns the `Cookie` header value. */
  signIn(kind: DemoKind, options?: { authAgeSeconds?: number; amr?: string[] }): Promise<{ cookie: string; session: SessionRecord; token: string }>;
  /** `app.request` on the app's base URL, with an optional cookie. */
  request(path: string, init?: RequestInit & { cookie?: string }): Promise<Response>;
  /** Closes the stores and the emulator (if started) and deletes the temp directory. */
  close(): Promise<void>;
}

/** Builds the app on fresh stores; `close()` removes everything it created. */
export async function createHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'gh-'));
  const limited = options.emulatorRateLimitPerMinute === undefined ? undefined : { ...loadSeed(), rateLimitPerMinute: options.emulatorRateLimitPerMinute };
  const seed = options.emulatorSeed ? options.emulatorSeed(limited ?? loadSeed()) : limited;
  const emulator = options.emulator ? await startEmulator({ dataDir: join(dir, 'emulator'), ...(seed ? { seed } : {}) }) : null;
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    APP_BASE_URL,
    DATABASE_URL: `file:${join(dir, 'gatehouse.db')}`,
    SESSION_SECRET: 'test-session-secret-0123456789-abcdefghij',
    LOG_LEVEL: 'info',
    // The emulator shares this process's event loop with the load a test makes: a probe waiting
    // behind 10,000 in-process requests is slow, not a dead IdP (tests of the probe set their own).
    IDP_PROBE_TIMEOUT_MS: '15000',
    ...(emulator ? { OKTA_ISSUER: emulator.issuer, OKTA_CLIENT_ID: DEMO_CLIENT_ID, OKTA_CLIENT_SECRET: DEMO_CLIENT_SECRET, OKTA_API_TOKEN: DEMO_API_TOKEN } : {}),
    ...options.env,
  };
  const config = loadConfig(env, { envFile: false, cwd: dir });
  const logs: string[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write(chunk, _encoding, done) { logs.push(String(chunk)); done(); } }));
  const stores = await openStores(config);
  const { app, deps } = await assembleApp(config, stores, {
    logger,
    directory: emulator ? OktaDirectory.fromConfig(config) : null,
    // 20 ms: live tests wait for refreshes; the production 500 ms would only slow them.
    live: { coalesceMs: 20 },
    ...(options.authRateLimit ? { authRateLimit: options.authRateLimit } : {}),
    ...(options.apps ? { apps: options.apps } : {}),
  });
  const { auth } = deps;

  return {
    app,
    deps,
    config,
    auth,
    emulator,
    logs,
    async signIn(kind, signInOptions = {}) {
      const demo = DEMO_USERS[kind];
      const { roles, groups } = auth.rbac.resolve([...demo.groups]);
      const now = Date.now();
      const { token, session } = await auth.sessions.create({
        user: { sub: demo.id, email: demo.login, name: demo.name, groups },
        roles,
        claims: {
          auth_time: Math.floor(now / 1000) - (signInOptions.authAgeSeconds ?? 3600),
          amr: signInOptions.amr ?? ['pwd'],
          preferred_username: demo.login,
        },
        // Opaque test strings: the app never reads the tokens; an hour ahead means no refresh.
        tokens: { idToken: 'test-id-token', accessToken: 'test-access-token', refreshToken: null },
        accessTokenExpiresAt: now + 3_600_000,
        userAgent: 'Firefox on Linux',
        ip: '203.0.113.0/24',
      });
      return { cookie: `${config.session.cookieName}=${token}`, session, token };
    },
    request(path, init = {}) {
      const { cookie, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (cookie) headers.set('cookie', cookie);
      return Promise.resolve(app.request(new URL(path, APP_BASE_URL).toString(), { ...rest, headers }));
    },
    async close() {
      await deps.live.closeAll();
      await stores.close();
      await emulator?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A form post body. */
export function form(fields: Record<string, string | string[]>): URLSearchParams {
  const body = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) for (const item of Array.isArray(value) ? value : [value]) body.append(key, item);
  return body;
}
