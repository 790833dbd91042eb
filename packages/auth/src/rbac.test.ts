import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasPermission, permissionsFor, readClaim, resolveRoles, ROLE_PERMISSIONS } from './rbac.ts';

const mapping = { admin: ['admin', 'Gatehouse Admins'], viewer: ['viewer'] };

describe('ROLE_PERMISSIONS', () => {
  it('is the one table: admin can do everything, viewer reads dashboards and profile', () => {
    assert.deepEqual(ROLE_PERMISSIONS, {
      admin: ['dashboards:read', 'profile:read', 'users:read', 'users:manage', 'sessions:read', 'sessions:revoke', 'audit:read', 'settings:read'],
      viewer: ['dashboards:read', 'profile:read'],
    });
    assert.ok(Object.isFrozen(ROLE_PERMISSIONS) && Object.isFrozen(ROLE_PERMISSIONS.admin));
  });

  it('permissionsFor unions roles without duplicates; no role, no permission', () => {
    assert.deepEqual(permissionsFor(['viewer']), ['dashboards:read', 'profile:read']);
    assert.deepEqual(permissionsFor(['viewer', 'admin']), ROLE_PERMISSIONS.admin);
    assert.deepEqual(permissionsFor([]), []);
  });

  it('hasPermission follows the table', () => {
    assert.equal(hasPermission(['admin'], 'users:manage'), true);
    assert.equal(hasPermission(['viewer'], 'dashboards:read'), true);
    assert.equal(hasPermission(['viewer'], 'users:manage'), false);
    assert.equal(hasPermission(['viewer'], 'sessions:revoke'), false);
    assert.equal(hasPermission([], 'profile:read'), false);
  });
});

describe('resolveRoles', () => {
  it('maps exact group names to roles', () => {
    assert.deepEqual(resolveRoles(['viewer'], mapping), { roles: ['viewer'], groups: ['viewer'], problem: null });
    assert.deepEqual(resolveRoles(['Everyone', 'Gatehouse Admins', 'viewer'], mapping), { roles: ['admin', 'viewer'], groups: ['Everyone', 'Gatehouse Admins', 'viewer'], problem: null });
    assert.deepEqual(resolveRoles([], mapping), { roles: [], groups: [], problem: null });
  });

  it('is case-sensitive and matches whole elements only', () => {
    for (const groups of [['Admin'], ['ADMIN'], ['admin '], [' admin'], ['admins'], ['gatehouse admins'], ['admin,viewer'], ['Viewer']]) {
      assert.deepEqual(resolveRoles(groups, mapping).roles, [], JSON.stringify(groups));
    }
  });

  it('ignores unknown groups but keeps them for display', () => {
    assert.deepEqual(resolveRoles(['Everyone', 'Engineering'], mapping), { roles: [], groups: ['Everyone', 'Engineering'], problem: null });
  });

  it('a missing claim grants nothing and says groups_claim_missing', () => {
    assert.deepEqual(resolveRoles(undefined, mapping), { roles: [], groups: [], problem: 'groups_claim_missing' });
    assert.deepEqual(resolveRoles(null, mapping), { roles: [], groups: [], problem: 'groups_claim_missing' });
  });

  it('a malformed claim grants nothing (fail closed) and says groups_claim_malformed', () => {
    for (const claim of ['admin', 'admin viewer', 42, true, { admin: true }, ['admin', 7], ['admin', null], [['admin']], [{ name: 'admin' }]]) {
      assert.deepEqual(resolveRoles(claim, mapping), { roles: [], groups: [], problem: 'groups_claim_malformed' }, JSON.stringify(claim));
    }
  });
});

describe('readClaim (GATEHOUSE_GROUPS_CLAIM)', () => {
  const claims = {
    groups: ['viewer'],
    realm_access: { roles: ['admin'] },
    resource_access: { 'gatehouse-app': { roles: ['viewer'] } },
    'https://acme.example/groups': ['admin'],
    list: [{ roles: ['admin'] }],
  };
  it('reads a top-level claim, a dotted path into nested objects, and a claim whose name has dots', () => {
    assert.deepEqual(readClaim(claims, 'groups'), ['viewer']);
    assert.deepEqual(readClaim(claims, 'realm_access.roles'), ['admin']);
    assert.deepEqual(readClaim(claims, 'resource_access.gatehouse-app.roles'), ['viewer']);
    assert.deepEqual(readClaim(claims, 'https://acme.example/groups'), ['admin']);
  });
  it('is undefined for a missing path, and never walks into arrays, strings or the prototype', () => {
    for (const path of ['realm_access.missing', 'nothing.roles', 'groups.0', 'list.0.roles', 'realm_access.roles.length', 'constructor', '__proto__.polluted', 'realm_access.toString']) {
      assert.equal(readClaim(claims, path), undefined, path);
    }
    assert.deepEqual(resolveRoles(readClaim(claims, 'realm_access.missing'), mapping).problem, 'groups_claim_missing');
  });
});
