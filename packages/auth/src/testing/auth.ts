/**
 * Test set-up shared by the auth core's tests: one configuration against a given issuer, an auth
 * core over in-memory stores, and a fetch that counts token requests. Test-only.
 */
import { createAuth, type Auth, type AuthDeps } from '../auth.ts';
import { parseConfig, type GatehouseConfig } from '../config/index.ts';
import { MemoryAuditLog, MemorySessionStore } from '../stores/memory.ts';

/** The client the tests' fake providers know (`startFakeProvider(FAKE_CLIENT)`). */
export const FAKE_CLIENT = Object.freeze({ clientId: 'fake-client', clientSecret: 'fake-client-secret' });

/**
 * Session lifetimes long enough that moving the clock to the access token's expiry keeps the
 * session alive (for tests that make tokens due for refresh).
 */
export const LONG_SESSIONS = Object.freeze({ SESSION_IDLE_TIMEOUT: '86400', SESSION_ABSOLUTE_TIMEOUT: '172800' });

/**
 * A test config: `issuer`, {@link FAKE_CLIENT}, the app at `http://localhost:3000`, a fixed session
 * secret; `overrides` replace any variable.
 */
export function testConfig(issuer: string, overrides: Record<string, string> = {}): GatehouseConfig {
  return parseConfig({
    NODE_ENV: 'test',
    OKTA_ISSUER: issuer,
    OKTA_CLIENT_ID: FAKE_CLIENT.clientId,
    OKTA_CLIENT_SECRET: FAKE_CLIENT.clientSecret,
    APP_BASE_URL: 'http://localhost:3000',
    SESSION_SECRET: 'test-secret-that-is-long-enough-0123456789',
    ...overrides,
  });
}

/** An auth core for `config` over `deps.store` (default: a fresh in-memory store) and a fresh in-memory audit log. */
export async function testAuth(
  config: GatehouseConfig,
  deps: Omit<Partial<AuthDeps>, 'sessions' | 'audit'> & { store?: MemorySessionStore } = {},
): Promise<{ auth: Auth; store: MemorySessionStore; audit: MemoryAuditLog }> {
  const { store = new MemorySessionStore(), ...rest } = deps;
  const audit = new MemoryAuditLog();
  return { auth: await createAuth(config, { ...rest, sessions: store, audit }), store, audit };
}

/**
 * A fetch that counts the emulator's token requests (`…/v1/token`) by grant type into `counts`,
 * first waiting for the promise `hold()` returns, if any (to keep a refresh in flight).
 */
export function tokenCountingFetch(counts: Record<string, number>, hold: () => Promise<void> | null = () => null): typeof fetch {
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (url.endsWith('/v1/token')) {
      const grant = init?.body instanceof URLSearchParams ? (init.body.get('grant_type') ?? 'unknown') : 'unknown';
      counts[grant] = (counts[grant] ?? 0) + 1;
      const held = hold();
      if (held) await held;
    }
    return fetch(input, init);
  };
}
