/**
 * Test support for the lifecycle suites: the harness app served on a real port (so the emulator can
 * deliver Event Hooks to it), users made through the emulator's Management API with a session each,
 * and waiting for a session event on a bus.
 */
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { type Auth, type SessionEvent, type SessionEventBus } from '@gatehouse/auth';
import { DEMO_API_TOKEN, DEMO_GROUP_IDS, DEMO_PASSWORD, type Emulator } from '@gatehouse/okta-emulator';
import type { GatehouseConfig } from '../app-context.ts';

/** A 40-character hook secret for tests. */
export const HOOK_SECRET = 'test-event-hook-secret-0123456789abcdefgh';

/** Serves `fetch` on 127.0.0.1 at a free port; resolves with its base URL and a closer. */
export async function serveOnPort(fetch: (request: Request) => Response | Promise<Response>): Promise<{ url: string; close(): Promise<void> }> {
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}

/** A Management API call on the emulator with the demo API token; rejects on a non-2xx answer. */
export async function management<T = unknown>(emulator: Emulator, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(new URL(path, emulator.url), {
    method,
    headers: { authorization: `SSWS ${DEMO_API_TOKEN}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

/** A fresh user at the emulator in `groups` (demo group names), and a session for them in `auth`; returns the cookie. */
export async function userWithSession(emulator: Emulator, auth: Auth, config: GatehouseConfig, groups: Array<keyof typeof DEMO_GROUP_IDS>): Promise<{ id: string; cookie: string; sessionId: string }> {
  const tag = randomBytes(4).toString('hex');
  const user = await management<{ id: string }>(emulator, 'POST', '/api/v1/users?activate=true', {
    profile: { firstName: 'Test', lastName: tag, email: `t-${tag}@gatehouse.test`, login: `t-${tag}@gatehouse.test` },
    credentials: { password: { value: DEMO_PASSWORD } },
    groupIds: groups.map((group) => DEMO_GROUP_IDS[group]),
  });
  return { id: user.id, ...(await sessionFor(auth, config, user.id, groups)) };
}

/** A session for `sub` with `groups`, created through the auth core as a sign-in would; returns the cookie. */
export async function sessionFor(auth: Auth, config: GatehouseConfig, sub: string, groups: string[]): Promise<{ cookie: string; sessionId: string }> {
  const { roles, groups: kept } = auth.rbac.resolve(groups);
  const now = Date.now();
  const { token, session } = await auth.sessions.create({
    user: { sub, email: null, name: null, groups: kept },
    roles,
    claims: { auth_time: Math.floor(now / 1000) },
    tokens: { idToken: 'test-id-token', accessToken: 'test-access-token', refreshToken: null },
    accessTokenExpiresAt: now + 3_600_000,
    userAgent: null,
    ip: null,
  });
  return { cookie: `${config.session.cookieName}=${token}`, sessionId: session.id };
}

/** Resolves with the first event on `bus` matching `match`; rejects after 10 s saying what it waited for. */
export function waitForEvent(bus: SessionEventBus, what: string, match: (event: SessionEvent) => boolean): Promise<SessionEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no ${what} event within 10 s`));
    }, 10_000);
    const stop = bus.subscribe((event) => {
      if (!match(event)) return;
      clearTimeout(timer);
      stop();
      resolve(event);
    });
  });
}

/** An Event Hook delivery body as Okta sends it, with one System Log event per entry. */
export function delivery(events: Array<{ uuid?: string; eventType: string; published?: string; userId: string; extraTargets?: Array<{ id: string; type: string }> }>): string {
  return JSON.stringify({
    eventType: 'com.okta.event_hook',
    eventTypeVersion: '1.0',
    cloudEventsVersion: '0.1',
    source: 'https://dev-1.okta.com/api/v1/eventHooks/who2ifqb',
    eventId: crypto.randomUUID(),
    eventTime: new Date().toISOString(),
    contentType: 'application/json',
    data: {
      events: events.map((event) => ({
        uuid: event.uuid ?? crypto.randomUUID(),
        published: event.published ?? new Date().toISOString(),
        eventType: event.eventType,
        version: '0',
        severity: 'INFO',
        actor: { id: '00uadmin000gatehouse', type: 'User', alternateId: 'admin@gatehouse.test', displayName: 'Ada Admin' },
        target: [{ id: event.userId, type: 'User', alternateId: 'someone', displayName: 'Some One' }, ...(event.extraTargets ?? [])],
      })),
    },
  });
}
