import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHarness, type Harness } from '../../testing/harness.ts';

describe('/api/me', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(() => h.close());

  test('with a session cookie: sub, email, name, groups, roles as JSON, not cached', async () => {
    const { cookie } = await h.signIn('admin');
    const res = await h.request('/api/me', { cookie });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await res.json(), { sub: '00uadmin000gatehouse', email: 'admin@gatehouse.test', name: 'Ada Admin', groups: ['admin'], roles: ['admin'] });
  });

  test('signed out: 401 JSON, never a redirect', async () => {
    for (const cookie of [undefined, 'gatehouse=not.a-real-token', 'gatehouse=']) {
      const res = await h.request('/api/me', cookie ? { cookie } : {});
      assert.equal(res.status, 401);
      assert.match(res.headers.get('content-type') ?? '', /application\/json/);
      const body = await res.json() as { error: { code: string } };
      assert.equal(body.error.code, 'AUTH_UNAUTHENTICATED');
    }
  });

  test('a malformed bearer token: 401 JSON with a Bearer challenge', async () => {
    const res = await h.request('/api/me', { headers: { Authorization: 'Bearer not-a-jwt' } });
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
  });

  test('a user with no role: 403 JSON', async () => {
    const { cookie } = await h.signIn('norole');
    const res = await h.request('/api/me', { cookie });
    assert.equal(res.status, 403);
    // One JSON error shape under /api, the auth core's: { error: { code, message } }.
    assert.equal((await res.json() as { error: { code: string } }).error.code, 'AUTH_ACCESS_DENIED');
  });
});
