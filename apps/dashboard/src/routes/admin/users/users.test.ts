// The users pages against the real Okta emulator's Management API (over HTTP, through the SDK).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEMO_GROUP_IDS, DEMO_USERS } from '@gatehouse/okta-emulator';
import { createHarness, form, SAME_ORIGIN, type Harness } from '../../../testing/harness.ts';

const post = (h: Harness, path: string, cookie: string, fields: Record<string, string | string[]> = {}) =>
  h.request(path, { method: 'POST', cookie, headers: { ...SAME_ORIGIN, 'Content-Type': 'application/x-www-form-urlencoded' }, body: form(fields) });

describe('admin: users (Okta emulator)', () => {
  let h: Harness;
  let admin: { cookie: string };
  before(async () => {
    h = await createHarness({ emulator: true });
    admin = await h.signIn('admin', { authAgeSeconds: 5, amr: ['pwd', 'otp', 'mfa'] });
  });
  after(() => h.close());

  test('lists and searches users', async () => {
    const all = await (await h.request('/admin/users', { cookie: admin.cookie })).text();
    for (const user of Object.values(DEMO_USERS)) assert.match(all, new RegExp(user.login.replace('.', '\\.')));
    const found = await (await h.request('/admin/users?q=victor', { cookie: admin.cookie })).text();
    assert.match(found, /viewer@gatehouse\.test/);
    assert.doesNotMatch(found, /admin@gatehouse\.test<\/td>/);
  });

  test('the admin overview shows sessions and users', async () => {
    const html = await (await h.request('/admin', { cookie: admin.cookie })).text();
    assert.match(html, /Active sessions/);
    assert.match(html, /norole@gatehouse\.test/);
  });

  test('a user page shows their groups; an unknown user is a 404 page', async () => {
    const page = await h.request(`/admin/users/${DEMO_USERS.viewer.id}`, { cookie: admin.cookie });
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /Victor Viewer/);
    assert.match(html, /<code>viewer<\/code>/);
    const missing = await h.request('/admin/users/00unosuchuser0000000', { cookie: admin.cookie });
    assert.equal(missing.status, 404);
  });

  test('provisions a user with an initial password into the viewer group, recorded in the audit log', async () => {
    const res = await post(h, '/admin/users', admin.cookie, { email: 'new.person@gatehouse.test', firstName: 'New', lastName: 'Person', password: 'Initial-pass-1234', groupIds: [DEMO_GROUP_IDS.viewer] });
    assert.equal(res.status, 303);
    const location = res.headers.get('location') ?? '';
    const id = /^\/admin\/users\/([A-Za-z0-9]+)\?done=user-created$/.exec(location)?.[1];
    assert.ok(id, location);
    const created = h.emulator!.directory.getUser(id);
    assert.equal(created?.status, 'ACTIVE');
    const groups = h.emulator!.directory.groupsOfUser(id).map((group) => group.profile.name);
    assert.ok(groups.includes('viewer'), groups.join(','));
    const page = await (await h.request(location, { cookie: admin.cookie })).text();
    assert.match(page, /The user was created in Okta/);
    const [event] = await h.deps.audit.query({ type: 'admin.action', limit: 1 });
    assert.equal(event?.detail?.action, 'user.create');
    assert.equal(event?.detail?.target, id);
    assert.ok(!h.logs.some((line) => line.includes('Initial-pass-1234')), 'the password never reaches a log line');
    assert.ok(!JSON.stringify(event).includes('Initial-pass-1234'), 'nor the audit log');
  });

  test('without a password the user is created PROVISIONED (Okta sends the activation email)', async () => {
    const res = await post(h, '/admin/users', admin.cookie, { email: 'pending@gatehouse.test', firstName: 'Pen', lastName: 'Ding' });
    assert.equal(res.status, 303);
    const id = /\/admin\/users\/([A-Za-z0-9]+)/.exec(res.headers.get('location') ?? '')?.[1];
    assert.equal(h.emulator!.directory.getUser(id!)?.status, 'PROVISIONED');
  });

  test('an invalid new-user form is shown again with the error (400)', async () => {
    const res = await post(h, '/admin/users', admin.cookie, { email: 'not-an-email', firstName: '', lastName: 'X' });
    assert.equal(res.status, 400);
    const html = await res.text();
    assert.match(html, /Enter a valid email address\./);
    assert.match(html, /value="not-an-email"/);
  });

  test('adds and removes a group', async () => {
    const user = DEMO_USERS.norole.id;
    const added = await post(h, `/admin/users/${user}/groups`, admin.cookie, { groupId: DEMO_GROUP_IDS.viewer });
    assert.equal(added.status, 303);
    assert.ok(h.emulator!.directory.groupsOfUser(user).some((group) => group.id === DEMO_GROUP_IDS.viewer));
    const removed = await post(h, `/admin/users/${user}/groups/${DEMO_GROUP_IDS.viewer}/remove`, admin.cookie);
    assert.equal(removed.status, 303);
    assert.ok(!h.emulator!.directory.groupsOfUser(user).some((group) => group.id === DEMO_GROUP_IDS.viewer));
    const actions = (await h.deps.audit.query({ type: 'admin.action', limit: 2 })).map((event) => event.detail?.action);
    assert.deepEqual(actions, ['user.group.remove', 'user.group.add']);
  });

  test('deactivation needs a recent MFA sign-in, then deactivates in Okta and ends their sessions', async () => {
    const target = await post(h, '/admin/users', admin.cookie, { email: 'leaver@gatehouse.test', firstName: 'Lee', lastName: 'Leaver', password: 'Goodbye-pass-1234', groupIds: [DEMO_GROUP_IDS.viewer] });
    const id = /\/admin\/users\/([A-Za-z0-9]+)/.exec(target.headers.get('location') ?? '')?.[1];
    assert.ok(id);
    const oldAdmin = await h.signIn('admin', { authAgeSeconds: 3600, amr: ['pwd'] });
    const stale = await h.request(`/admin/users/${id}/deactivate`, { cookie: oldAdmin.cookie });
    assert.equal(stale.status, 302);
    assert.match(stale.headers.get('location') ?? '', /^\/auth\/login\?.*acr_values=urn%3Aokta%3Aloa%3A2fa%3Aany/);
    const stalePost = await post(h, `/admin/users/${id}/deactivate`, oldAdmin.cookie);
    assert.equal(stalePost.status, 302);
    assert.equal(h.emulator!.directory.getUser(id)?.status, 'ACTIVE');

    const confirm = await h.request(`/admin/users/${id}/deactivate`, { cookie: admin.cookie });
    assert.equal(confirm.status, 200);
    assert.match(await confirm.text(), /Deactivate Lee Leaver\?/);
    const res = await post(h, `/admin/users/${id}/deactivate`, admin.cookie);
    assert.equal(res.status, 303);
    assert.equal(h.emulator!.directory.getUser(id)?.status, 'DEPROVISIONED');
    const [event] = await h.deps.audit.query({ type: 'admin.action', limit: 1 });
    assert.equal(event?.detail?.action, 'user.deactivate');
    assert.equal(event?.result, 'success');
  });

  test('a password-only admin cannot create a user, nor add or remove a group, and the form page asks for a step-up', async () => {
    // Regression: create and group changes had no step-up, so a password-only session created a
    // factor-less admin with a password of its choosing and acted through it.
    const pwdOnly = await h.signIn('admin', { authAgeSeconds: 5, amr: ['pwd'] });
    const created = await post(h, '/admin/users', pwdOnly.cookie, { email: 'sneaky@gatehouse.test', firstName: 'Sneaky', lastName: 'Admin', password: 'Chosen-pass-1234', groupIds: [DEMO_GROUP_IDS.admin] });
    assert.equal(created.status, 302);
    assert.equal(new URL(created.headers.get('location') ?? '', 'http://x').searchParams.get('returnTo'), '/admin/users/new');
    assert.equal(h.emulator!.directory.getUser('sneaky@gatehouse.test'), null);
    const form = await h.request('/admin/users/new', { cookie: pwdOnly.cookie });
    assert.equal(form.status, 302);
    const user = DEMO_USERS.norole.id;
    assert.equal((await post(h, `/admin/users/${user}/groups`, pwdOnly.cookie, { groupId: DEMO_GROUP_IDS.admin })).status, 302);
    assert.ok(!h.emulator!.directory.groupsOfUser(user).some((group) => group.id === DEMO_GROUP_IDS.admin));
    assert.equal((await post(h, `/admin/users/${DEMO_USERS.viewer.id}/groups/${DEMO_GROUP_IDS.viewer}/remove`, pwdOnly.cookie)).status, 302);
    assert.ok(h.emulator!.directory.groupsOfUser(DEMO_USERS.viewer.id).some((group) => group.id === DEMO_GROUP_IDS.viewer));
  });

  test('granting the admin role is an audited event of its own, shown on the sign-in health page', async () => {
    const res = await post(h, '/admin/users', admin.cookie, { email: 'second.admin@gatehouse.test', firstName: 'Second', lastName: 'Admin', password: 'Second-admin-1234', groupIds: [DEMO_GROUP_IDS.admin] });
    assert.equal(res.status, 303);
    const id = /\/admin\/users\/([A-Za-z0-9]+)/.exec(res.headers.get('location') ?? '')?.[1];
    const added = await post(h, `/admin/users/${DEMO_USERS.norole.id}/groups`, admin.cookie, { groupId: DEMO_GROUP_IDS.admin });
    assert.equal(added.status, 303);
    const grants = await h.deps.audit.query({ type: 'role.granted' });
    assert.deepEqual(grants.map((event) => event.detail?.target).sort(), [id, DEMO_USERS.norole.id].sort());
    assert.ok(grants.every((event) => event.detail?.role === 'admin' && event.detail?.group === 'admin' && event.sub === DEMO_USERS.admin.id));
    const health = await (await h.request('/admin/health', { cookie: admin.cookie })).text();
    assert.match(health, /Admin role granted[\s\S]*second\.admin@gatehouse\.test/);
    // Adding a non-admin group grants nothing.
    await post(h, `/admin/users/${DEMO_USERS.norole.id}/groups/${DEMO_GROUP_IDS.admin}/remove`, admin.cookie);
    await post(h, `/admin/users/${DEMO_USERS.norole.id}/groups`, admin.cookie, { groupId: DEMO_GROUP_IDS.viewer });
    assert.equal((await h.deps.audit.query({ type: 'role.granted' })).length, 2);
    await post(h, `/admin/users/${DEMO_USERS.norole.id}/groups/${DEMO_GROUP_IDS.viewer}/remove`, admin.cookie);
  });

  test('suspending needs the step-up too, then suspends in Okta and ends their sessions', async () => {
    const target = await post(h, '/admin/users', admin.cookie, { email: 'pause@gatehouse.test', firstName: 'Paula', lastName: 'Pause', password: 'Quiet-break-9876', groupIds: [DEMO_GROUP_IDS.viewer] });
    const id = /\/admin\/users\/([A-Za-z0-9]+)/.exec(target.headers.get('location') ?? '')?.[1];
    assert.ok(id);
    await h.auth.sessions.create({ user: { sub: id, email: 'pause@gatehouse.test', name: null, groups: ['viewer'] }, roles: ['viewer'], claims: {}, tokens: { idToken: 'x', accessToken: 'x', refreshToken: null }, accessTokenExpiresAt: Date.now() + 3_600_000, userAgent: null, ip: null });
    const pwdOnly = await h.signIn('admin', { authAgeSeconds: 5, amr: ['pwd'] });
    assert.equal((await h.request(`/admin/users/${id}/suspend`, { cookie: pwdOnly.cookie })).status, 302);
    assert.equal((await post(h, `/admin/users/${id}/suspend`, pwdOnly.cookie)).status, 302);
    assert.equal(h.emulator!.directory.getUser(id)?.status, 'ACTIVE');
    const confirm = await h.request(`/admin/users/${id}/suspend`, { cookie: admin.cookie });
    assert.match(await confirm.text(), /Suspend Paula Pause\?/);
    const res = await post(h, `/admin/users/${id}/suspend`, admin.cookie);
    assert.equal(res.status, 303);
    assert.equal(h.emulator!.directory.getUser(id)?.status, 'SUSPENDED');
    assert.deepEqual(await h.deps.sessions.list({ sub: id }), []);
    const [event] = await h.deps.audit.query({ type: 'admin.action', limit: 1 });
    assert.equal(event?.detail?.action, 'user.suspend');
  });

  test('an admin cannot deactivate themselves', async () => {
    const res = await post(h, `/admin/users/${DEMO_USERS.admin.id}/deactivate`, admin.cookie);
    assert.equal(res.status, 400);
    assert.equal(h.emulator!.directory.getUser(DEMO_USERS.admin.id)?.status, 'ACTIVE');
  });
});
