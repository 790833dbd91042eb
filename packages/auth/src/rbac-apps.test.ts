/**
 * The one RBAC table with the roles of the project's apps: their groups come from configuration
 * (`GATEHOUSE_ROLE_<ROLE>_GROUPS`, or the app's default), clashes and typos stop the start.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from './config/errors.ts';
import { parseConfig } from './config/schema.ts';
import { appRoleVariable, createRoleTable, ROLE_PERMISSIONS, type AppRoleDefinitions } from './rbac.ts';
import type { Permission, Role } from './types.ts';

// Test-only names, cast rather than declared: an augmentation here would widen the project's types.
const role = (name: string) => name as Role;
const permission = (name: string) => name as Permission;

const REPORTS: AppRoleDefinitions = {
  [role('reports-user')]: { permissions: [permission('reports:read')], defaultGroups: ['admin', 'viewer'] },
  [role('reports-editor')]: { permissions: [permission('reports:read'), permission('reports:write')], defaultGroups: ['admin'] },
};

function config(env: Record<string, string> = {}) {
  return parseConfig({ NODE_ENV: 'test', SESSION_SECRET: 'rbac-test-secret-0123456789-abcdefghij', ...env });
}

function issuesOf(fn: () => unknown): Array<{ field: string; message: string }> {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.issues;
  }
  assert.fail('expected a ConfigError');
}

describe('createRoleTable', () => {
  it('keeps the core table as it is and appends app roles after it', () => {
    const table = createRoleTable(config(), REPORTS);
    assert.deepEqual(table.roles, ['admin', 'viewer', 'reports-user', 'reports-editor']);
    assert.deepEqual(table.permissionsOf('admin'), ROLE_PERMISSIONS.admin);
    assert.deepEqual(table.permissionsOf(role('reports-editor')), ['reports:read', 'reports:write']);
    assert.deepEqual(table.permissionsOf(role('gone-user')), [], 'a role no app declares any more grants nothing');
  });

  it('grants app roles through their default groups when the variable is unset', () => {
    const table = createRoleTable(config(), REPORTS);
    assert.deepEqual(table.resolve(['viewer']).roles, ['viewer', 'reports-user']);
    assert.deepEqual(table.resolve(['admin']).roles, ['admin', 'reports-user', 'reports-editor']);
    assert.deepEqual(table.resolve(['someone-else']).roles, []);
  });

  it('takes the groups from GATEHOUSE_ROLE_<ROLE>_GROUPS, exact and case-sensitive, replacing the default', () => {
    const table = createRoleTable(config({ GATEHOUSE_ROLE_REPORTS_EDITOR_GROUPS: 'Report Editors, finance' }), REPORTS);
    assert.deepEqual(table.groupsOf(role('reports-editor')), ['Report Editors', 'finance']);
    assert.deepEqual(table.resolve(['admin']).roles, ['admin', 'reports-user']);
    assert.deepEqual(table.resolve(['finance']).roles, ['reports-editor']);
    assert.deepEqual(table.resolve(['report editors']).roles, []);
  });

  it('permissions, guards and 403 hints follow the table', () => {
    const table = createRoleTable(config(), REPORTS);
    assert.deepEqual(table.permissionsFor([role('reports-user'), 'viewer']), ['dashboards:read', 'profile:read', 'reports:read']);
    assert.equal(table.has([role('reports-user')], permission('reports:write')), false);
    assert.equal(table.has([role('reports-editor')], permission('reports:write')), true);
    assert.equal(table.has(['admin'], permission('reports:write')), false, 'core admin gets app permissions only through an app role');
    assert.deepEqual(table.rolesGranting(permission('reports:write')), ['reports-editor']);
  });

  it('fails closed on a missing or malformed groups claim, like the core mapping', () => {
    const table = createRoleTable(config(), REPORTS);
    assert.deepEqual(table.resolve(undefined), { roles: [], groups: [], problem: 'groups_claim_missing' });
    assert.deepEqual(table.resolve('admin'), { roles: [], groups: [], problem: 'groups_claim_malformed' });
    assert.deepEqual(table.resolve([1, 'admin']), { roles: [], groups: [], problem: 'groups_claim_malformed' });
  });

  it('refuses a variable naming no app role (a typo must not silently grant nothing)', () => {
    const issues = issuesOf(() => createRoleTable(config({ GATEHOUSE_ROLE_REPORT_EDITOR_GROUPS: 'finance' }), REPORTS));
    assert.equal(issues[0]?.field, 'GATEHOUSE_ROLE_REPORT_EDITOR_GROUPS');
    assert.match(issues[0]!.message, /names no role.*GATEHOUSE_ROLE_REPORTS_EDITOR_GROUPS/);
  });

  it('refuses app roles that clash with core roles, with each other, or are malformed', () => {
    const clash = issuesOf(() => createRoleTable(config(), { [role('admin')]: { permissions: [], defaultGroups: [] } }));
    assert.match(clash[0]!.message, /clashes with a core role/);
    const shared = issuesOf(() => createRoleTable(config(), {
      [role('a-b')]: { permissions: [], defaultGroups: [] },
      [role('a_b')]: { permissions: [], defaultGroups: [] },
    }));
    assert.ok(shared.some((issue) => /not a valid name|would share/.test(issue.message)));
    const badPermission = issuesOf(() => createRoleTable(config(), { [role('x-user')]: { permissions: [permission('everything')], defaultGroups: [] } }));
    assert.match(badPermission[0]!.message, /malformed permissions \(everything\)/);
  });

  it('names the variable of a role', () => {
    assert.equal(appRoleVariable('approvals-user'), 'GATEHOUSE_ROLE_APPROVALS_USER_GROUPS');
  });
});

describe('GATEHOUSE_ROLE_<ROLE>_GROUPS in the config schema', () => {
  it('parses comma-separated groups and ignores blank ones', () => {
    assert.deepEqual(config({ GATEHOUSE_ROLE_REPORTS_USER_GROUPS: ' a, b ,,' }).appRoleGroups, { GATEHOUSE_ROLE_REPORTS_USER_GROUPS: ['a', 'b'] });
    assert.deepEqual(config().appRoleGroups, {});
  });

  it('refuses a malformed GATEHOUSE_ROLE_* name with the fix', () => {
    const issues = issuesOf(() => config({ GATEHOUSE_ROLE_reports_GROUPS: 'x', GATEHOUSE_ROLE_REPORTS: 'y' }));
    assert.deepEqual(issues.map((issue) => issue.field).sort(), ['GATEHOUSE_ROLE_REPORTS', 'GATEHOUSE_ROLE_reports_GROUPS']);
    assert.ok(issues.every((issue) => /use GATEHOUSE_ROLE_<ROLE>_GROUPS/.test(issue.message)));
  });
});
