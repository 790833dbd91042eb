/**
 * `POST /hooks/okta` end to end: the real emulator registers and verifies the hook, then delivers
 * the events its Management API changes cause, and the effect shows on `/api/me`; duplicates,
 * out-of-order batches, bad secrets and bad bodies do what Okta's delivery rules need.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HANDLED_EVENT_TYPES } from '@gatehouse/auth/lifecycle';
import { DEMO_GROUP_IDS, EVENT_HOOK_EVENT_TYPES } from '@gatehouse/okta-emulator';
import { registerEventHook } from '../management-api/event-hook-setup.ts';
import { createHarness, type Harness } from '../testing/harness.ts';
import { delivery, HOOK_SECRET, management, serveOnPort, sessionFor, userWithSession, waitForEvent } from './support.ts';

describe('Okta Event Hooks at /hooks/okta', () => {
  let h: Harness;
  let served: Awaited<ReturnType<typeof serveOnPort>>;
  const post = (body: string, secret = HOOK_SECRET) =>
    fetch(`${served.url}/hooks/okta`, { method: 'POST', headers: { authorization: secret, 'content-type': 'application/json' }, body });
  const me = (cookie: string) => h.request('/api/me', { cookie });
  const lifecycleAudit = async () => (await h.deps.audit.query({ type: 'lifecycle.event', limit: 1000 }));

  before(async () => {
    h = await createHarness({ emulator: true, env: { OKTA_EVENT_HOOK_SECRET: HOOK_SECRET }, emulatorRateLimitPerMinute: 100_000 });
    served = await serveOnPort(h.app.fetch);
    // The verification handshake, done by the emulator itself as Okta does it.
    const events = HANDLED_EVENT_TYPES.filter((type) => EVENT_HOOK_EVENT_TYPES.includes(type));
    await registerEventHook({ orgUrl: h.emulator!.url, apiToken: h.config.okta.apiToken!, url: `${served.url}/hooks/okta`, secret: HOOK_SECRET, events });
  });
  after(async () => {
    await served?.close();
    await h?.close();
  });

  it('verification: echoes the challenge with the right secret; 401 with a wrong one, audited', async () => {
    const ok = await fetch(`${served.url}/hooks/okta`, { headers: { authorization: HOOK_SECRET, 'x-okta-verification-challenge': 'abc123' } });
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { verification: 'abc123' });
    const wrong = await fetch(`${served.url}/hooks/okta`, { headers: { authorization: `${HOOK_SECRET}x`, 'x-okta-verification-challenge': 'abc123' } });
    assert.equal(wrong.status, 401);
    assert.ok(!(await wrong.text()).includes('abc123'), 'no echo without the secret');
    assert.ok((await lifecycleAudit()).some((event) => event.reason === 'hook_unauthorized'));
    const hooks = await management<Array<{ verificationStatus: string; status: string }>>(h.emulator!, 'GET', '/api/v1/eventHooks');
    assert.deepEqual(hooks.map((hook) => [hook.status, hook.verificationStatus]), [['ACTIVE', 'VERIFIED']]);
  });

  it('user.lifecycle.deactivate from the emulator ends every session of the user', async () => {
    const user = await userWithSession(h.emulator!, h.auth, h.config, ['viewer']);
    const second = await userWithSession(h.emulator!, h.auth, h.config, ['viewer']);
    assert.equal((await me(user.cookie)).status, 200);
    const ended = waitForEvent(h.auth.events, 'user.sessions.ended', (event) => event.type === 'user.sessions.ended' && event.sub === user.id);
    await management(h.emulator!, 'POST', `/api/v1/users/${user.id}/lifecycle/deactivate`);
    const event = await ended;
    assert.ok(event.type === 'user.sessions.ended' && event.reason === 'user_deactivated');
    assert.equal((await me(user.cookie)).status, 401);
    assert.equal((await me(second.cookie)).status, 200, 'another user is untouched');
    const entry = (await lifecycleAudit()).find((e) => e.sub === user.id && e.detail?.['eventType'] === 'user.lifecycle.deactivate');
    assert.equal(entry?.detail?.['sessions'], 1);
  });

  it('user.lifecycle.suspend, user.session.clear and a password change from the emulator end the sessions', async () => {
    const changes = [['suspend', 'user.lifecycle.suspend'], ['sessions', 'user.session.clear'], ['password', 'user.account.update_password']] as const;
    for (const [change, eventType] of changes) {
      const user = await userWithSession(h.emulator!, h.auth, h.config, ['viewer']);
      const ended = waitForEvent(h.auth.events, eventType, (event) => event.type === 'user.sessions.ended' && event.sub === user.id);
      if (change === 'suspend') await management(h.emulator!, 'POST', `/api/v1/users/${user.id}/lifecycle/suspend`);
      else if (change === 'sessions') await management(h.emulator!, 'DELETE', `/api/v1/users/${user.id}/sessions`);
      else await management(h.emulator!, 'POST', `/api/v1/users/${user.id}`, { credentials: { password: { value: 'Another-passw0rd' } } });
      const event = await ended;
      assert.ok(event.type === 'user.sessions.ended');
      assert.equal(event.reason, { suspend: 'user_deactivated', sessions: 'idp_logout', password: 'credentials_changed' }[change]);
      assert.equal((await me(user.cookie)).status, 401, eventType);
    }
  });

  it('user.lifecycle.delete.initiated from the emulator ends a session left after deactivation', async () => {
    const user = await userWithSession(h.emulator!, h.auth, h.config, ['viewer']);
    const deactivated = waitForEvent(h.auth.events, 'deactivation', (event) => event.type === 'user.sessions.ended' && event.sub === user.id);
    await management(h.emulator!, 'POST', `/api/v1/users/${user.id}/lifecycle/deactivate`);
    await deactivated;
    // A session made after the deactivation (say, by an instance that had not heard yet).
    const late = await sessionFor(h.auth, h.config, user.id, ['viewer']);
    const deleted = waitForEvent(h.auth.events, 'deletion', (event) => event.type === 'user.sessions.ended' && event.sub === user.id);
    await management(h.emulator!, 'DELETE', `/api/v1/users/${user.id}`);
    await deleted;
    assert.equal((await me(late.cookie)).status, 401);
    assert.ok((await lifecycleAudit()).some((e) => e.sub === user.id && e.detail?.['eventType'] === 'user.lifecycle.delete.initiated'));
  });

  it('group.user_membership.remove from the emulator re-roles the session: no role left → 403', async () => {
    const user = await userWithSession(h.emulator!, h.auth, h.config, ['viewer']);
    // The user's creation also announced group.user_membership.add: wait for the change to no role.
    const changed = waitForEvent(h.auth.events, 'roles.changed', (event) => event.type === 'roles.changed' && event.sub === user.id && event.roles.length === 0);
    await management(h.emulator!, 'DELETE', `/api/v1/groups/${DEMO_GROUP_IDS.viewer}/users/${user.id}`);
    const event = await changed;
    assert.ok(event.type === 'roles.changed');
    assert.deepEqual(event.roles, []);
    assert.equal((await me(user.cookie)).status, 403, 'signed in, no role');

    const regained = waitForEvent(h.auth.events, 'roles.changed', (e) => e.type === 'roles.changed' && e.sub === user.id && e.roles.includes('admin'));
    await management(h.emulator!, 'PUT', `/api/v1/groups/${DEMO_GROUP_IDS.admin}/users/${user.id}`);
    await regained;
    const body = (await (await me(user.cookie)).json()) as { roles: string[]; groups: string[] };
    assert.deepEqual(body.roles, ['admin']);
    assert.deepEqual(body.groups, ['admin']);
  });

  it('a redelivered event (same uuid) is applied once; an out-of-order batch ends at the truth', async () => {
    const user = await userWithSession(h.emulator!, h.auth, h.config, ['viewer']);
    // Okta delivers at least once: the same event twice.
    const uuid = crypto.randomUUID();
    const body = delivery([{ uuid, eventType: 'group.user_membership.remove', userId: user.id }]);
    const first = await post(body);
    assert.equal(first.status, 200);
    assert.deepEqual(await first.json(), { status: 'processed', applied: 1, duplicate: 0, ignored: 0 });
    const again = await post(body);
    assert.deepEqual(await again.json(), { status: 'processed', applied: 0, duplicate: 1, ignored: 0 });
    const applied = (await lifecycleAudit()).filter((e) => e.detail?.['eventId'] === uuid && e.detail?.['action'] === 'roles_changed');
    assert.equal(applied.length, 1, 'one effect for two deliveries');

    // Newest first in the body: remove (later) listed before add (earlier). The user is, at the
    // emulator, still in viewer: the outcome is the truth, whatever the order.
    const later = new Date().toISOString();
    const earlier = new Date(Date.now() - 60_000).toISOString();
    const ids: string[] = [crypto.randomUUID(), crypto.randomUUID()];
    const res = await post(delivery([
      { uuid: ids[0], eventType: 'group.user_membership.remove', published: later, userId: user.id },
      { uuid: ids[1], eventType: 'group.user_membership.add', published: earlier, userId: user.id },
    ]));
    assert.equal(res.status, 200);
    const order = (await lifecycleAudit()).filter((e) => ids.includes(String(e.detail?.['eventId'])) && e.detail?.['action'] === 'roles_changed').map((e) => e.detail?.['eventType']);
    // Newest first in the audit: the remove (published later) was applied after the add.
    assert.deepEqual(order, ['group.user_membership.remove', 'group.user_membership.add']);
    assert.deepEqual(((await (await me(user.cookie)).json()) as { roles: string[] }).roles, ['viewer']);
  });

  it('bad requests get a 4xx and an audit entry, and touch no session', async () => {
    const user = await userWithSession(h.emulator!, h.auth, h.config, ['viewer']);
    const deactivate = delivery([{ eventType: 'user.lifecycle.deactivate', userId: user.id }]);
    assert.equal((await post(deactivate, 'wrong-secret')).status, 401);
    assert.equal((await fetch(`${served.url}/hooks/okta`, { method: 'POST', body: deactivate })).status, 401, 'no authorization header');
    assert.equal((await post('{"data": {"events": "nope"}}')).status, 400);
    assert.equal((await post('not json')).status, 400);
    assert.equal((await post(JSON.stringify({ data: { events: [{ uuid: 'x', eventType: 'user.lifecycle.deactivate', published: 'yesterday' }] } }))).status, 400);
    assert.equal((await post('x'.repeat(1024 * 1024 + 1))).status, 413);
    assert.equal((await fetch(`${served.url}/hooks/okta`, { method: 'PUT', headers: { authorization: HOOK_SECRET } })).status, 405);
    assert.equal((await me(user.cookie)).status, 200, 'the session lives on');
    const reasons = (await lifecycleAudit()).map((e) => e.reason);
    for (const reason of ['hook_unauthorized', 'hook_body_malformed', 'hook_body_too_large']) assert.ok(reasons.includes(reason), reason);
    // An event for another app, or of a type we do not act on, is accepted (200) and ignored.
    const other = await post(delivery([
      { eventType: 'application.user_membership.remove', userId: user.id, extraTargets: [{ id: '0oaSomeOtherApp', type: 'AppInstance' }] },
      { eventType: 'user.account.update_profile', userId: user.id },
    ]));
    assert.deepEqual(await other.json(), { status: 'processed', applied: 0, duplicate: 0, ignored: 2 });
    assert.equal((await me(user.cookie)).status, 200);
    // Unassigned from our app, and a password change (default policy: end sessions), do end them.
    const ours = await post(delivery([{ eventType: 'application.user_membership.remove', userId: user.id, extraTargets: [{ id: h.config.okta.clientId, type: 'AppInstance' }] }]));
    assert.deepEqual(await ours.json(), { status: 'processed', applied: 1, duplicate: 0, ignored: 0 });
    assert.equal((await me(user.cookie)).status, 401);
  });
});

describe('/hooks/okta without OKTA_EVENT_HOOK_SECRET', () => {
  it('answers 404: the hook does not exist until a secret is configured', async () => {
    const h = await createHarness({ env: { OKTA_ISSUER: 'https://dev-1.okta.com/oauth2/default', OKTA_CLIENT_ID: 'x', OKTA_CLIENT_SECRET: 'y' } });
    try {
      assert.equal(h.config.lifecycle.eventHookSecret, null);
      const res = await h.request('/hooks/okta', { method: 'POST', headers: { authorization: 'anything' }, body: '{}' });
      assert.equal(res.status, 404);
    } finally {
      await h.close();
    }
  });
});
