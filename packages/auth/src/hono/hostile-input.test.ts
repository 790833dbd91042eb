/// <reference path="../../../okta-emulator/src/provider/oidc-provider.d.ts" />
/**
 * Hostile input through the Hono adapter (`gatehouse(auth)` + `authRoutes(auth)`, memory stores)
 * against the real Okta emulator over HTTP: `/auth/login` with hostile parameters, `/auth/callback`
 * with every combination of missing, garbage and duplicated `code`, `state`, `iss`, `error`,
 * `error_description`, garbage and oversized cookies, `/auth/logout` with odd methods and origins.
 * A fixed table, no randomness. Every answer is < 500, sets no session on failure, carries no stack
 * or secret, and every failure is audited; no log line or audit event carries a secret, code, token
 * or cookie value — the ID token sent as `id_token_hint` included.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { DEMO_API_TOKEN, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PASSWORD, DEMO_USERS, startEmulator, type Emulator } from '@gatehouse/okta-emulator';
import { completeSignIn, CookieJar } from '@gatehouse/okta-emulator/testing';
import { Hono } from 'hono';
import { createAuth, type Auth } from '../auth.ts';
import { parseConfig } from '../config/index.ts';
import { MemoryAuditLog, MemorySessionStore } from '../stores/memory.ts';

import type { AuditEvent } from '../types.ts';
import { authRoutes, gatehouse, requireSession, type AuthEnv } from './index.ts';

const BASE = 'http://localhost:3000';
const SESSION_SECRET = 'hostile-input-session-secret-0123456789abcdef';
const STACK = [/\n\s+at /, / {4}at /, /node_modules/, /\.tsx?:\d/];

/** MemoryAuditLog that also keeps every event in order, so a probe can see what it added. */
class RecordingAuditLog extends MemoryAuditLog {
  readonly events: AuditEvent[] = [];
  override async record(event: AuditEvent): Promise<void> {
    this.events.push(event);
    await super.record(event);
  }
}

let emulator: Emulator;
let dataDir: string;
let auth: Auth;
let store: MemorySessionStore;
let audit: RecordingAuditLog;
let app: Hono<AuthEnv>;
const logLines: string[] = [];
const restoreConsole: Array<() => void> = [];
/** Values that must never appear in an answer body, a log line or an audit event. */
const secrets = new Map<string, string>([
  ['client secret', DEMO_CLIENT_SECRET],
  ['session secret', SESSION_SECRET],
  ['API token', DEMO_API_TOKEN],
  ['demo password', DEMO_PASSWORD],
]);
/** Values that must never appear in a log line or an audit event (codes, tokens, cookie values). */
const logSecrets = new Map<string, string>();

before(async () => {
  dataDir = mkdtempSync(`${tmpdir()}/gh-`);
  const record = (source: string, level: string) => (first: unknown, message?: string) =>
    void logLines.push(`${source} ${level} ${typeof first === 'string' ? first : JSON.stringify(first)} ${message ?? ''}`);
  emulator = await startEmulator({ port: 0, dataDir, logger: { info: record('idp', 'info'), warn: record('idp', 'warn'), error: record('idp', 'error') } });
  const config = parseConfig({
    NODE_ENV: 'test',
    OKTA_ISSUER: emulator.issuer,
    OKTA_CLIENT_ID: DEMO_CLIENT_ID,
    OKTA_CLIENT_SECRET: DEMO_CLIENT_SECRET,
    APP_BASE_URL: BASE,
    SESSION_SECRET,
  });
  store = new MemorySessionStore();
  audit = new RecordingAuditLog();
  const levels = ['info', 'warn', 'error', 'debug'] as const;
  const logger = Object.fromEntries(levels.map((level) => [level, record('auth', level)])) as Record<(typeof levels)[number], (obj: object, msg?: string) => void>;
  auth = await createAuth(config, { sessions: store, audit, logger });
  app = new Hono<AuthEnv>();
  app.use(gatehouse(auth));
  app.route('/auth', authRoutes(auth));
  app.get('/api/me', (c) => c.json({ sub: requireSession(c).user.sub }));
  // No app.onError on purpose: anything the adapter lets escape would be Hono's default 500.
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const original = console[method];
    console[method] = (...args: unknown[]) => void logLines.push(`console ${args.map((arg) => (arg instanceof Error ? `${arg.message}\n${arg.stack}` : String(arg))).join(' ')}`);
    restoreConsole.push(() => void (console[method] = original));
  }
});
after(async () => {
  for (const restore of restoreConsole) restore();
  await emulator.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function call(path: string, init: { method?: string; jar?: CookieJar; headers?: Record<string, string> } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const cookie = init.jar?.header();
  if (cookie && !headers.has('cookie')) headers.set('cookie', cookie);
  return Promise.resolve(app.request(`${BASE}${path}`, { method: init.method ?? 'GET', headers }));
}

/** Starts a sign-in at the app; returns the browser's jar, the transaction's state and the IdP URL. */
async function startLogin(jar = new CookieJar()): Promise<{ jar: CookieJar; state: string; authorizationUrl: URL }> {
  const response = await call('/auth/login?returnTo=%2Fdashboards', { jar });
  assert.equal(response.status, 302, await response.clone().text());
  jar.store(response);
  const authorizationUrl = new URL(response.headers.get('location') ?? '');
  logSecrets.set(`binding cookie ${logSecrets.size}`, jar.get('gatehouse_tx') ?? 'missing');
  return { jar, state: authorizationUrl.searchParams.get('state') ?? '', authorizationUrl };
}

/** A real authorization response (code, state, iss) for a fresh transaction of `jar`. */
async function realCallback(jar = new CookieJar()): Promise<{ jar: CookieJar; params: URLSearchParams }> {
  const started = await startLogin(jar);
  const done = await completeSignIn(started.authorizationUrl, { username: DEMO_USERS.viewer.login, password: DEMO_PASSWORD });
  const params = done.callbackUrl.searchParams;
  logSecrets.set(`authorization code ${logSecrets.size}`, params.get('code') ?? 'missing');
  return { jar, params };
}

const problems: string[] = [];

function jarWith(name: string, value: string): CookieJar {
  const jar = new CookieJar();
  jar.set(name, value);
  return jar;
}

/** Checks one answer; `failure` answers must be audited, set no session and leave the store as it was. */
async function check(label: string, response: Response, expect: { failure: boolean; sessionsBefore: number; auditBefore: number }): Promise<string> {
  const body = await response.text();
  if (response.status >= 500) problems.push(`${label}: HTTP ${response.status}`);
  for (const pattern of STACK) if (pattern.test(body)) problems.push(`${label}: stack-like text ${pattern}`);
  for (const [name, value] of [...secrets, ...logSecrets]) if (body.includes(value)) problems.push(`${label}: body contains the ${name}`);
  if (/<script>alert|<img src=x/i.test(body)) problems.push(`${label}: unescaped markup in the page`);
  if (expect.failure) {
    if (response.status < 400) problems.push(`${label}: expected a 4xx, got ${response.status}`);
    const sessionCookie = response.headers.getSetCookie().find((line) => /^gatehouse=[^;]/.test(line));
    if (sessionCookie) problems.push(`${label}: a failure set a session cookie`);
    if ((await store.count()) > expect.sessionsBefore) problems.push(`${label}: a failure created a session`);
    const added = audit.events.slice(expect.auditBefore);
    if (!added.some((event) => event.result === 'failure' && typeof event.reason === 'string' && event.reason.length > 0)) {
      problems.push(`${label}: no failure audit event (added: ${JSON.stringify(added.map((event) => event.type))})`);
    }
  }
  return body;
}

async function probe(label: string, send: () => Promise<Response>, failure: boolean | ((response: Response) => boolean)): Promise<Response> {
  const sessionsBefore = await store.count();
  const auditBefore = audit.events.length;
  const response = await send();
  const isFailure = typeof failure === 'function' ? failure(response.clone()) : failure;
  await check(label, response.clone(), { failure: isFailure, sessionsBefore, auditBefore });
  return response;
}

describe('hostile input through the Hono adapter', () => {
  test('/auth/login: hostile returnTo, prompt, max_age, acr_values, login_hint → a safe redirect or an audited 400', async () => {
    const returnTos = ['//evil.example', '/\\evil.example', 'https://evil.example/', '/%2F%2Fevil.example', 'javascript:alert(1)', '/auth/callback?code=x',
      '/\t/evil.example', '/%00', `/${'a'.repeat(5000)}`, '/ok?x=<script>alert(1)</script>', '/@evil.example', '/..//evil.example', '/\u202eevil', '%2F%2Fevil', '/%5Cevil', ''];
    for (const returnTo of returnTos) {
      const response = await probe(`login returnTo=${returnTo.slice(0, 40)}`, () => call(`/auth/login?returnTo=${encodeURIComponent(returnTo)}&returnTo=//evil.example`), false);
      assert.equal(response.status, 302, returnTo);
      const started = audit.events.at(-1);
      const stored = String(started?.detail?.['returnTo']);
      assert.ok(stored.startsWith('/') && !stored.startsWith('//') && !stored.includes('\\') && !stored.startsWith('/auth/'), `returnTo ${returnTo} → ${stored}`);
    }
    const refused = [
      'prompt=select_account', 'prompt=%3Cscript%3E', 'prompt=login%00', 'prompt=none%20login', 'max_age=-1', 'max_age=1e3', 'max_age=0x10', 'max_age=999999999999',
      'max_age=%205', 'max_age=%D9%A3', `acr_values=${'a'.repeat(201)}`, 'acr_values=%3Cscript%3Ealert(1)%3C%2Fscript%3E', 'acr_values=urn%0Aokta', 'acr_values=%E2%80%AE',
      `login_hint=${'a'.repeat(257)}`, 'login_hint=a%0Db', 'login_hint=%00', 'login_hint=x%1B[31m',
    ];
    for (const query of refused) {
      const response = await probe(`login ${query.slice(0, 40)}`, () => call(`/auth/login?${query}`), true);
      assert.equal(response.status, 400, query);
    }
    // Accepted values travel to the IdP, which must cope with them too.
    for (const query of ['prompt=login&prompt=none', 'login_hint=%3Cscript%3Ealert(1)%3C%2Fscript%3E', 'login_hint=%F0%9F%98%80%E2%80%AEmoc.evil', 'max_age=0&acr_values=urn:okta:loa:2fa:any', '%zz=%&returnTo=%']) {
      const response = await probe(`login ${query}`, () => call(`/auth/login?${query}`), false);
      assert.equal(response.status, 302, query);
      const page = await fetch(response.headers.get('location') ?? '', { redirect: 'follow' });
      const html = await page.text();
      if (page.status >= 500) problems.push(`IdP page for ${query}: HTTP ${page.status}`);
      if (/<script>alert/.test(html)) problems.push(`IdP page for ${query}: unescaped login_hint`);
    }
    assert.deepEqual(problems, []);
  });

  test('/auth/callback: every combination of missing, garbage and duplicated parameters → audited 4xx, no session', async () => {
    const codes = [null, 'garbage', ['a', 'b'], '', 'x'.repeat(10_000)] as const;
    const states = ['missing', 'garbage', 'real', 'real twice', 'real and garbage', 'empty'] as const;
    const issuers = ['missing', 'wrong', 'right', 'twice'] as const;
    const errors = [null, 'access_denied', '<script>alert(1)</script>'] as const;
    const descriptions = [null, '<img src=x onerror=alert(1)>"\'&'] as const;
    let count = 0;
    for (const code of codes) for (const state of states) for (const iss of issuers) for (const error of errors) for (const description of descriptions) {
      const { jar, state: realState } = state.startsWith('real') ? await startLogin() : { jar: new CookieJar(), state: '' };
      const q = new URLSearchParams();
      for (const value of code === null ? [] : typeof code === 'string' ? [code] : code) q.append('code', value);
      if (state === 'garbage') q.append('state', 'not-a-state');
      if (state === 'empty') q.append('state', '');
      if (state.startsWith('real')) q.append('state', realState);
      if (state === 'real twice') q.append('state', realState);
      if (state === 'real and garbage') q.append('state', 'x');
      if (iss === 'wrong') q.append('iss', 'https://evil.example/oauth2/default');
      if (iss === 'right' || iss === 'twice') q.append('iss', emulator.issuer);
      if (iss === 'twice') q.append('iss', emulator.issuer);
      if (error !== null) q.append('error', error);
      if (description !== null) q.append('error_description', description);
      await probe(`callback ${q.toString().slice(0, 120)}`, () => call(`/auth/callback?${q.toString()}`, { jar }), true);
      count += 1;
    }
    assert.equal(count, 720);
    assert.equal(await store.count(), 0);
    assert.deepEqual(problems, []);
  });

  test('/auth/callback with a real code but a broken response, browser or method → audited 4xx; the intact one signs in once', async () => {
    const variants: Array<[string, (p: URLSearchParams, jar: CookieJar) => { query: string; jar: CookieJar; method?: string }]> = [
      ['no iss', (p, jar) => (p.delete('iss'), { query: p.toString(), jar })],
      ['wrong iss', (p, jar) => (p.set('iss', `${emulator.issuer}/`), { query: p.toString(), jar })],
      ['code twice', (p, jar) => (p.append('code', p.get('code') ?? ''), { query: p.toString(), jar })],
      ['state twice', (p, jar) => (p.append('state', p.get('state') ?? ''), { query: p.toString(), jar })],
      ['an error beside the code', (p, jar) => (p.set('error', 'access_denied'), p.set('error_description', '<script>alert(1)</script>'), { query: p.toString(), jar })],
      ['no binding cookie', (p) => ({ query: p.toString(), jar: new CookieJar() })],
      ['another browser', (p) => ({ query: p.toString(), jar: jarWith('gatehouse_tx', 'A'.repeat(43)) })],
      ['garbage binding cookie', (p) => ({ query: p.toString(), jar: jarWith('gatehouse_tx', '%zz"\\') })],
      ['HEAD', (p, jar) => ({ query: p.toString(), jar, method: 'HEAD' })],
    ];
    for (const [name, mutate] of variants) {
      const { jar, params } = await realCallback();
      const { query, jar: sendJar, method } = mutate(new URLSearchParams(params), jar);
      await probe(`callback with a real code: ${name}`, () => call(`/auth/callback?${query}`, { jar: sendJar, ...(method ? { method } : {}) }), true);
    }
    const { jar, params } = await realCallback();
    const ok = await probe('callback intact', () => call(`/auth/callback?${params.toString()}`, { jar }), false);
    assert.equal(ok.status, 302);
    jar.store(ok);
    logSecrets.set('session cookie', jar.get('gatehouse') ?? 'missing');
    // The id half is the session's public id (audit events name it); the secret half is the credential.
    logSecrets.set('session cookie secret half', jar.get('gatehouse')?.split('.')[1] ?? 'missing');
    await probe('callback replayed', () => call(`/auth/callback?${params.toString()}`, { jar }), true);
    assert.equal(await store.count(), 1, 'exactly one session: the intact callback');
    assert.deepEqual(problems, []);
  });

  test('garbage and oversized cookies, garbage bearer tokens: signed out, never a 5xx; login still works', async () => {
    const cookies = ['gatehouse=garbage', `gatehouse=${'A'.repeat(20)}.${'B'.repeat(32)}`, 'gatehouse=a; gatehouse=b', 'gatehouse_tx=%zz; gatehouse=%', '=;;;=; ;a',
      '__proto__=1; constructor=2; toString=3', `gatehouse=${'x'.repeat(100_000)}`, `a=${'y'.repeat(100_000)}`, 'gatehouse="\\"', `gatehouse=${'\u00e9'.repeat(50)}`];
    for (const cookie of cookies) {
      const me = await probe(`/api/me cookie ${cookie.slice(0, 30)}`, () => call('/api/me', { headers: { cookie } }), false);
      assert.equal(me.status, 401, cookie);
      const login = await probe(`login cookie ${cookie.slice(0, 30)}`, () => call('/auth/login', { headers: { cookie } }), false);
      assert.equal(login.status, 302, cookie);
      await probe(`callback cookie ${cookie.slice(0, 30)}`, () => call('/auth/callback?code=a&state=b', { headers: { cookie } }), true);
      await probe(`logout cookie ${cookie.slice(0, 30)}`, () => call('/auth/logout', { method: 'POST', headers: { cookie, origin: BASE } }), false);
    }
    const authorizations = ['Bearer', 'Bearer a.b.c', `Bearer ${'x'.repeat(20_000)}`, 'Basic Zm9vOmJhcg==', 'Bearer eyJhbGciOiJub25lIn0.e30.', `SSWS ${DEMO_API_TOKEN}`, 'Bearer  two  parts', '\u00e9'];
    for (const authorization of authorizations) {
      const response = await probe(`/api/me authorization ${authorization.slice(0, 30)}`, () => call('/api/me', { headers: { authorization } }), true);
      assert.equal(response.status, 401, authorization);
      assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer/);
    }
    assert.deepEqual(problems, []);
  });

  test('/auth/logout: odd methods and foreign origins are refused and audited; the session survives them', async () => {
    const { jar, params } = await realCallback();
    const signedIn = await call(`/auth/callback?${params.toString()}`, { jar });
    jar.store(signedIn);
    logSecrets.set('logout session cookie', jar.get('gatehouse') ?? 'missing');
    logSecrets.set('logout session cookie secret half', jar.get('gatehouse')?.split('.')[1] ?? 'missing');
    const [record] = await store.list();
    assert.ok(record);
    const tokens = await auth.sessions.readTokens(record);
    logSecrets.set('ID token', tokens.idToken);
    logSecrets.set('access token', tokens.accessToken);
    logSecrets.set('refresh token', tokens.refreshToken ?? 'missing');

    for (const method of ['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const response = await probe(`logout ${method}`, () => call('/auth/logout', { method, jar }), true);
      assert.equal(response.status, 405, method);
    }
    const foreign: Array<Record<string, string>> = [{}, { origin: 'null' }, { origin: 'https://evil.example' }, { origin: `${BASE}.evil.example` }, { origin: `${BASE}/` },
      { origin: 'HTTP://LOCALHOST:3000' }, { 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, { 'sec-fetch-site': 'none' },
      { origin: 'https://evil.example', 'sec-fetch-site': 'same-origin' }, { origin: '<script>alert(1)</script>' }];
    for (const headers of foreign) {
      const response = await probe(`logout POST ${JSON.stringify(headers)}`, () => call('/auth/logout', { method: 'POST', jar, headers }), true);
      assert.equal(response.status, 403, JSON.stringify(headers));
    }
    assert.equal((await call('/api/me', { jar })).status, 200, 'still signed in');

    const logout = await probe('logout POST same origin', () => call('/auth/logout', { method: 'POST', jar, headers: { origin: BASE } }), false);
    assert.equal(logout.status, 303);
    const location = new URL(logout.headers.get('location') ?? '');
    // RP-Initiated Logout needs the ID token in the URL (Okta refuses logout without it) ...
    assert.equal(location.searchParams.get('id_token_hint'), tokens.idToken);
    // ... so the redirect must not let that URL travel on in a Referer header.
    assert.equal(logout.headers.get('referrer-policy'), 'no-referrer');
    assert.match(logout.headers.getSetCookie().join('\n'), /^gatehouse=;/m);
    const atIdp = await fetch(location, { redirect: 'manual' });
    assert.equal(atIdp.status, 302);
    assert.equal(atIdp.headers.get('referrer-policy'), 'no-referrer');
    assert.equal((await call('/api/me', { jar })).status, 401, 'signed out');
    assert.deepEqual(problems, []);
  });

  test('no log line, console line or audit event holds a secret, code, token or cookie value', () => {
    const leaks: string[] = [];
    const events = audit.events.map((event) => `audit ${JSON.stringify(event)}`);
    for (const line of [...logLines, ...events]) {
      for (const [name, value] of [...secrets, ...logSecrets]) if (value.length >= 8 && line.includes(value)) leaks.push(`${name} in ${line.slice(0, 160)}`);
      for (const pattern of STACK) if (pattern.test(line)) leaks.push(`stack trace in ${line.slice(0, 160)}`);
    }
    // Reasons are a small vocabulary of ours: a forged `error=<script>…` must not become one.
    const reasons = new Set(audit.events.map((event) => event.reason).filter((reason) => reason !== undefined));
    for (const reason of reasons) assert.match(reason, /^[a-z0-9_]{1,64}$/);
    assert.ok(reasons.has('idp_other') && !reasons.has('idp_scriptalert1script'), [...reasons].join(', '));
    assert.ok(logSecrets.has('ID token') && audit.events.length > 800, 'the earlier tests ran and produced material to check');
    assert.deepEqual(leaks, []);
  });
});
