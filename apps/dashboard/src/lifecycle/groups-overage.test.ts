/**
 * A user in more groups than the groups claim holds: the emulator cuts the claim at its cap (100,
 * like Okta), and the role-granting group is past it. Gatehouse reads the groups through the
 * Management API (two pages of 200) and grants the role, auditing `groups_from_management_api`;
 * without the Management API it grants no role from the cut list.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEMO_USERS, type DirectorySeed } from '@gatehouse/okta-emulator';
import { createHarness, type HarnessOptions } from '../testing/harness.ts';
import { signInThroughApp, type AppGet } from '@gatehouse/okta-emulator/testing';

// 205 groups whose ids sort before `viewer`'s: the claim (first 100 by id) and the first page of
// the Management API (200) both leave `viewer` out.
const EXTRA = Array.from({ length: 205 }, (_, i) => ({ id: `00ga${String(i).padStart(16, '0')}`, name: `project-${i}` }));

function manyGroups(seed: DirectorySeed): DirectorySeed {
  return {
    ...seed,
    groups: [...seed.groups, ...EXTRA],
    users: seed.users.map((user) => (user.profile.login === DEMO_USERS.viewer.login ? { ...user, groups: [...(user.groups ?? []), ...EXTRA.map((g) => g.name)] } : user)),
    authorizationServer: { ...seed.authorizationServer, groupsClaim: { enabled: true, name: 'groups', filterRegex: '.*', maxGroups: 100 } } as DirectorySeed['authorizationServer'],
  };
}

async function signInViewer(options: HarnessOptions) {
  const h = await createHarness({ emulator: true, emulatorRateLimitPerMinute: 100_000, emulatorSeed: manyGroups, ...options });
  const get: AppGet = (path, cookie) => h.request(path, { cookie, redirect: 'manual' });
  const { cookie } = await signInThroughApp(get, '/auth/login?returnTo=/dashboards', DEMO_USERS.viewer);
  const signin = (await h.deps.audit.query({ type: 'signin.succeeded' }))[0];
  return { h, cookie, signin };
}

describe('more groups than the groups claim holds', () => {
  it('reads them through the Management API (paginated) and grants the role', async () => {
    const { h, cookie, signin } = await signInViewer({});
    try {
      const me = (await (await h.request('/api/me', { cookie })).json()) as { roles: string[]; groups: string[] };
      assert.deepEqual(me.roles, ['viewer']);
      assert.equal(me.groups.length, 206, 'every group, from both pages');
      assert.equal(signin?.reason, 'groups_from_management_api');
    } finally {
      await h.close();
    }
  });

  it('without the Management API, grants no role from the cut claim', async () => {
    const { h, cookie, signin } = await signInViewer({ env: { OKTA_API_TOKEN: '' } });
    try {
      assert.equal(h.deps.directory, null);
      assert.equal((await h.request('/api/me', { cookie })).status, 403);
      assert.equal(signin?.reason, 'groups_claim_truncated');
    } finally {
      await h.close();
    }
  });
});
