/**
 * `GET /live` and `GET /signed-out` through `app.request()` over real SQLite stores and the real
 * auth core: who gets a stream (and who a 401/403/429 with no events), what each bus event sends
 * to which page, reconnecting with `Last-Event-ID`, and the end of a stream when its session ends.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defineApp } from '@gatehouse/app-kit';
import type { Permission, Role } from '@gatehouse/auth';
import { Hono } from 'hono';
import { metricsApp } from '../../metrics-server.ts';
import { createHarness, SAME_ORIGIN, type Harness } from '../../testing/harness.ts';
import { SseReader } from './sse-reader.ts';

const LIVE = { 'Sec-Fetch-Site': 'same-origin', Accept: 'text/event-stream' } as const;

describe('GET /live', () => {
  let h: Harness;
  const open: SseReader[] = [];
  before(async () => {
    h = await createHarness();
  });
  after(async () => {
    await Promise.all(open.map((reader) => reader.close()));
    await h.close();
  });

  async function connect(cookie: string, init: { headers?: Record<string, string>; query?: string } = {}): Promise<SseReader> {
    const res = await h.request(`/live${init.query ?? ''}`, { cookie, headers: { ...LIVE, ...init.headers } });
    if (res.status !== 200) assert.fail(`/live answered ${res.status}: ${await res.text()}`);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(res.headers.get('x-accel-buffering'), 'no');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const reader = new SseReader(res);
    open.push(reader);
    return reader;
  }

  test('no session: 401 JSON and no stream', async () => {
    const res = await h.request('/live', { headers: LIVE });
    assert.equal(res.status, 401);
    assert.doesNotMatch(res.headers.get('content-type') ?? '', /event-stream/);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'AUTH_UNAUTHENTICATED');
    const forged = await h.request('/live', { cookie: `${h.config.session.cookieName}=not-a-session`, headers: LIVE });
    assert.equal(forged.status, 401);
  });

  test('cross-site: 403 for a foreign Origin, a cross-site fetch, or neither header; audited', async () => {
    const { cookie, session } = await h.signIn('viewer');
    const attempts: Array<Record<string, string>> = [{ Origin: 'https://evil.example' }, { 'Sec-Fetch-Site': 'cross-site' }, { 'Sec-Fetch-Site': 'same-site' }, {}];
    for (const headers of attempts) {
      const res = await h.request('/live', { cookie, headers });
      assert.equal(res.status, 403, JSON.stringify(headers));
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'CROSS_SITE_REQUEST');
    }
    const denied = await h.deps.audit.query({ type: 'access.denied', sub: session.user.sub });
    assert.ok(denied.some((event) => event.reason === 'cross_site_request' && event.detail?.path === '/live'));
    // Our own origin in Origin is accepted, as is Sec-Fetch-Site: same-origin alone.
    const ok = await connect(cookie, { headers: { Origin: h.config.appBaseUrl } });
    await ok.close();
  });

  test('past the per-session limit: 429 with Retry-After, and room again once a tab closes', async () => {
    const { cookie } = await h.signIn('viewer');
    const tabs: SseReader[] = [];
    for (let i = 0; i < h.config.live.streamsPerSession; i++) tabs.push(await connect(cookie));
    const refused = await h.request('/live', { cookie, headers: LIVE });
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '30');
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'LIVE_TOO_MANY_STREAMS');
    // Another session of someone else is not affected.
    const other = await connect((await h.signIn('admin')).cookie);
    await tabs[0]!.close();
    const again = await connect(cookie);
    const metrics = await (await metricsApp(h.deps.metrics).request('/metrics')).text();
    assert.match(metrics, /^gatehouse_live_streams [1-9]\d*$/m, 'open streams are a gauge on /metrics');
    await Promise.all([...tabs, other, again].map((tab) => tab.close()));
  });

  test('an admin revokes the session: its stream says why, then ends', async () => {
    const { cookie, session } = await h.signIn('viewer');
    const stream = await connect(cookie);
    await h.auth.sessions.revoke(session.id, { reason: 'revoked_by_admin' });
    const message = await stream.until('signed-out');
    assert.deepEqual(JSON.parse(message.data), { reason: 'revoked_by_admin' });
    assert.match(message.id ?? '', /^\d+-[0-9a-f-]{36}$/);
    assert.equal(await stream.next(), null, 'the stream ends with the session');
    // Reconnecting with the old cookie is a 401: the page then shows the signed-out page.
    assert.equal((await h.request('/live', { cookie, headers: LIVE })).status, 401);
  });

  test("every stream of a deactivated user ends, with the reason; other users' streams stay", async () => {
    const first = await h.signIn('viewer');
    const second = await h.signIn('viewer');
    const admin = await h.signIn('admin');
    const a = await connect(first.cookie);
    const b = await connect(second.cookie);
    const adminStream = await connect(admin.cookie);
    await h.auth.sessions.revokeUser(first.session.user.sub, { reason: 'user_deactivated' });
    for (const stream of [a, b]) {
      assert.deepEqual(JSON.parse((await stream.until('signed-out')).data), { reason: 'user_deactivated' });
      assert.equal(await stream.next(), null);
    }
    // The admin's sessions table is told to refresh instead.
    await adminStream.until('sessions');
    assert.equal(adminStream.done, false);
    await adminStream.close();
  });

  test('signing out in one tab signs out the stream of the other tab', async () => {
    const { cookie } = await h.signIn('viewer');
    const otherTab = await connect(cookie);
    const res = await h.request('/auth/logout', { method: 'POST', cookie, headers: SAME_ORIGIN });
    // No IdP in this harness: "signed out here" (200) rather than the redirect to Okta (303).
    assert.ok(res.status === 200 || res.status === 303, `sign-out answered ${res.status}`);
    assert.deepEqual(JSON.parse((await otherTab.until('signed-out')).data), { reason: 'signed_out' });
  });

  test('roles changed: the page is told to reload; a page rendered for other roles reloads on connect', async () => {
    const { cookie, session } = await h.signIn('admin');
    const stream = await connect(cookie, { query: '?roles=admin' });
    await h.auth.events.publish({ type: 'roles.changed', sub: session.user.sub, roles: ['viewer'] });
    assert.deepEqual(JSON.parse((await stream.until('reload')).data), { why: 'roles' });
    await stream.close();
    const stale = await connect(cookie, { query: '?roles=viewer' });
    assert.deepEqual(JSON.parse((await stale.until('reload')).data), { why: 'roles' });
    await stale.close();
  });

  test("a new sign-in refreshes the admin's sessions and audit tables and the viewer's counters; not the no-role user's", async () => {
    const admin = await connect((await h.signIn('admin')).cookie);
    const viewer = await connect((await h.signIn('viewer')).cookie);
    const norole = await connect((await h.signIn('norole')).cookie);
    // Let the sign-ins above (which also notify) flush before the one being watched.
    await Promise.all([admin, viewer, norole].map((stream) => stream.drain(150)));
    await h.signIn('viewer');
    const [adminSaw, viewerSaw, noroleSaw] = await Promise.all([admin, viewer, norole].map((stream) => stream.drain(300)));
    const seen = new Set(adminSaw!.map((m) => m.event));
    assert.ok(seen.has('sessions') && seen.has('audit'), `admin saw ${[...seen].join(', ')}`);
    assert.deepEqual([...new Set(viewerSaw!.map((m) => m.event))], ['activity']);
    assert.deepEqual(noroleSaw, [], 'a user with no role hears of no one else');
    await Promise.all([admin, viewer, norole].map((s) => s.close()));
  });

  test('reconnecting with Last-Event-ID replays what was missed; a malformed one is ignored', async () => {
    const { cookie } = await h.signIn('admin');
    const first = await connect(cookie);
    // The admin's own sign-in above is announced too; let it pass first.
    await first.drain(200);
    await h.auth.events.publish({ type: 'session.created', sub: '00u-someone', sessionId: 's-1' });
    const seen = await first.until('sessions');
    assert.ok(seen.id);
    await first.close();

    // Nothing happened since: nothing to replay.
    const quiet = await connect(cookie, { headers: { 'Last-Event-ID': seen.id } });
    assert.deepEqual((await quiet.drain(300)).filter((m) => m.event !== 'audit'), []);
    await quiet.close();

    // Something happened while disconnected: the tables are told to refresh at once.
    await h.auth.events.publish({ type: 'session.created', sub: '00u-someone', sessionId: 's-2' });
    const back = await connect(cookie, { headers: { 'Last-Event-ID': seen.id } });
    assert.equal((await back.next())?.event, 'sessions');
    // The live flush of that same event reaches this stream too; let it pass before the next checks.
    await back.drain(300);
    await back.close();

    // A malformed id is as good as none: a normal stream, nothing replayed from it.
    for (const bad of ['garbage', '12-not-a-uuid', `${'9'.repeat(40)}-x`, '-1-00000000-0000-0000-0000-000000000000']) {
      const stream = await connect(cookie, { headers: { 'Last-Event-ID': bad } });
      assert.deepEqual(await stream.drain(150), [], `Last-Event-ID ${bad}`);
      await stream.close();
    }
  });

  test("the page's own cursor: nothing replayed for what it already shows, a refresh for what came after", async () => {
    const { cookie } = await h.signIn('admin');
    const page = await (await h.request('/admin/sessions', { cookie })).text();
    const url = /sse-connect="([^"]+)"/.exec(page)?.[1]?.replaceAll('&amp;', '&') ?? '';
    assert.ok(url.startsWith('/live?cursor='), `sse-connect is ${url}`);
    const fresh = await connect(cookie, { query: url.slice('/live'.length) });
    assert.deepEqual(await fresh.drain(200), [], 'the sign-in before the page was read is not replayed');
    await fresh.close();
    await h.auth.events.publish({ type: 'session.created', sub: '00u-later', sessionId: 's-later' });
    const late = await connect(cookie, { query: url.slice('/live'.length) });
    assert.equal((await late.next())?.event, 'sessions', 'what happened after the page was read is');
    await late.close();
  });

  test('live streams and refreshes do not keep an unattended session alive (no idle extension)', async () => {
    const { cookie, session } = await h.signIn('admin');
    // Seen two minutes ago: the next request of the user's would move the idle expiry.
    const seen = Date.now() - 120_000;
    await h.deps.sessions.touch(session.id, seen, session.expiresAt);
    const stream = await connect(cookie);
    const refresh = await h.request('/admin/sessions', { cookie, headers: { 'HX-Request': 'true', 'X-Gatehouse-Background': '1' } });
    assert.equal(refresh.status, 200);
    assert.equal((await h.deps.sessions.get(session.id))?.lastSeenAt, seen, 'a live stream or refresh is not activity');
    await stream.close();
    assert.equal((await h.request('/admin/sessions', { cookie })).status, 200);
    assert.ok((await h.deps.sessions.get(session.id))!.lastSeenAt > seen, "the user's own request is");
  });

  test('a session that expires ends its stream with reason "expired"', async () => {
    const short = await createHarness({ env: { SESSION_IDLE_TIMEOUT: '1', SESSION_ABSOLUTE_TIMEOUT: '1' } });
    try {
      const { cookie } = await short.signIn('viewer');
      const res = await short.request('/live', { cookie, headers: LIVE });
      assert.equal(res.status, 200);
      const stream = new SseReader(res);
      assert.deepEqual(JSON.parse((await stream.until('signed-out', 5000)).data), { reason: 'expired' });
      assert.equal(await stream.next(), null);
    } finally {
      await short.close();
    }
  });

  test('closeAll ends every stream and refuses new ones (graceful drain)', async () => {
    const other = await createHarness({ env: { LIVE_STREAMS_MAX: '1' } });
    try {
      const { cookie } = await other.signIn('viewer');
      const res = await other.request('/live', { cookie, headers: LIVE });
      const stream = new SseReader(res);
      // Past the per-instance limit: 429, whoever asks.
      const full = await other.request('/live', { cookie: (await other.signIn('admin')).cookie, headers: LIVE });
      assert.equal(full.status, 429);
      await other.deps.live.closeAll();
      assert.deepEqual(stream.retries, []);
      assert.equal(await stream.next(), null);
      assert.deepEqual(stream.retries, [3000], 'the browser is told to reconnect after 3 s');
      assert.equal((await other.request('/live', { cookie, headers: LIVE })).status, 503);
    } finally {
      await other.close();
    }
  });
});

// A fixture app whose names are not in the project's registries: cast, so no test type leaks out.
const auditors = defineApp({
  manifest: {
    name: 'auditors',
    title: 'Auditors',
    description: 'A fixture app whose role also reads the audit log.',
    permission: 'auditors:read' as Permission,
    roles: {
      // Granted to the viewer group: a viewer who may read the audit log as well.
      ['auditors-user' as Role]: { permissions: ['auditors:read' as Permission, 'audit:read'], defaultGroups: ['viewer'] },
      ['auditors-lead' as Role]: { permissions: ['auditors:read' as Permission], defaultGroups: ['admin'] },
    },
  },
  createApp: () => new Hono(),
});

describe("GET /live reads the project's RBAC table (core roles and the apps' roles)", () => {
  let h: Harness;
  const open: SseReader[] = [];
  before(async () => {
    h = await createHarness({ apps: [auditors] });
  });
  after(async () => {
    await Promise.all(open.map((reader) => reader.close()));
    await h.close();
  });

  async function connect(cookie: string, query = ''): Promise<SseReader> {
    const res = await h.request(`/live${query}`, { cookie, headers: LIVE });
    assert.equal(res.status, 200);
    const reader = new SseReader(res);
    open.push(reader);
    return reader;
  }
  const rolesQuery = (roles: readonly Role[]) => `?roles=${encodeURIComponent([...roles].sort().join(','))}`;

  test('regression: a page rendered for other roles reloads on connect when the roles include an app role', async () => {
    const { cookie, session } = await h.signIn('admin');
    assert.ok(session.roles.includes('auditors-lead' as Role), `the admin holds the app role: ${session.roles.join(', ')}`);
    // Rendered while the admin also held the app's other role, since taken away: the page must follow.
    const stale = await connect(cookie, rolesQuery([...session.roles, 'auditors-user' as Role]));
    assert.deepEqual(JSON.parse((await stale.until('reload')).data), { why: 'roles' });
    // Rendered with exactly the session's roles, app roles included: nothing to reload.
    const current = await connect(cookie, rolesQuery(session.roles));
    assert.equal((await current.drain(300)).some((m) => m.event === 'reload'), false);
  });

  test("regression: an app role that grants audit:read hears of new audit rows, as the audit page's guard lets it read them", async () => {
    const { cookie, session } = await h.signIn('viewer');
    assert.ok(h.auth.rbac.has(session.roles, 'audit:read'), `the viewer reads the audit log through the app role: ${session.roles.join(', ')}`);
    const stream = await connect(cookie);
    await stream.drain(150);
    await h.signIn('norole');
    await stream.until('audit');
  });

  test('losing the app role that granted audit:read stops the audit refreshes', async () => {
    const { cookie, session } = await h.signIn('viewer');
    const stream = await connect(cookie);
    await stream.drain(150);
    await h.auth.events.publish({ type: 'roles.changed', sub: session.user.sub, roles: ['viewer'] });
    assert.deepEqual(JSON.parse((await stream.until('reload')).data), { why: 'roles' });
    await h.signIn('norole');
    assert.deepEqual([...new Set((await stream.drain(300)).map((m) => m.event))], ['activity']);
  });
});

describe('GET /signed-out', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(async () => {
    await h.close();
  });

  test('says why, and "Sign in again" returns to the page', async () => {
    const res = await h.request('/signed-out?reason=revoked_by_admin&returnTo=%2Fdashboards%3Fdays%3D7');
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /You were signed out/);
    assert.match(html, /An administrator ended your session/);
    assert.match(html, /href="\/auth\/login\?returnTo=%2Fdashboards%3Fdays%3D7"[^>]*>Sign in again/);
    assert.doesNotMatch(html, /sse-connect|live\.js/, 'a signed-out page has no live channel');
    for (const [reason, words] of [['user_deactivated', /deactivated or suspended in Okta/], ['signed_out', /another tab or window/], ['expired', /expired/]] as const) {
      assert.match(await (await h.request(`/signed-out?reason=${reason}`)).text(), words);
    }
  });

  test('an unknown reason or an off-site returnTo is not echoed', async () => {
    const html = await (await h.request('/signed-out?reason=%3Cscript%3E&returnTo=%2F%2Fevil.example')).text();
    assert.match(html, /Your session has ended/);
    assert.doesNotMatch(html, /evil\.example|<script>/);
    assert.match(html, /href="\/auth\/login\?returnTo=%2F"/);
  });

  test('signed in after all: on to the page', async () => {
    const { cookie } = await h.signIn('viewer');
    const res = await h.request('/signed-out?reason=expired&returnTo=/dashboards', { cookie });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/dashboards');
  });
});

describe('live scripts on pages', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(async () => {
    await h.close();
  });

  test('signed-in pages load the scripts from our origin and connect; signed-out pages do not', async () => {
    const { cookie } = await h.signIn('viewer');
    const res = await h.request('/dashboards', { cookie });
    const html = await res.text();
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'(;|$)/, 'scripts only from our origin');
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.doesNotMatch(html, /<script(?![^>]*\ssrc=)[^>]*>/, 'no inline script');
    assert.match(html, /<body hx-ext="sse" sse-connect="\/live\?(cursor=\d+-[0-9a-f-]{36}|since=\d+)&amp;roles=viewer"/);
    const scripts = [...html.matchAll(/<script src="([^"]+)" defer/g)].map((m) => m[1]!);
    assert.deepEqual(scripts.map((src) => src.replace(/\?v=.*/, '')), ['/static/htmx.min.js', '/static/htmx-sse.js', '/static/live.js']);
    for (const src of scripts) {
      const script = await h.request(src);
      assert.equal(script.status, 200, src);
      assert.match(script.headers.get('content-type') ?? '', /^text\/javascript/);
    }
    const landing = await (await h.request('/')).text();
    assert.doesNotMatch(landing, /sse-connect|<script/);
  });
});
