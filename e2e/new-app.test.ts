/**
 * `npm run new-app <name>`: refuses names that are not valid package names or clash with the
 * project, and writes an app that type-checks and whose own tests pass as generated.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkName, createApp, NewAppError, ROOT } from '../scripts/new-app.ts';

/** A scratch project: the root manifest, and the repository's packages, dashboard and node_modules linked in. */
function scratchProject(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'gh-new-app-'));
  const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };
  manifest.workspaces = manifest.workspaces.filter((workspace) => !workspace.startsWith('apps/') || workspace === 'apps/dashboard');
  writeFileSync(path.join(root, 'package.json'), JSON.stringify(manifest, null, 2));
  // tsx takes the JSX settings (hono/jsx) from the tsconfig, for the files it includes: the
  // repository's sources by their real paths, and the scratch project's own apps.
  writeFileSync(path.join(root, 'tsconfig.json'), JSON.stringify({
    extends: path.join(ROOT, 'tsconfig.base.json'),
    include: ['apps/*/src/**/*', ...['packages/*/src/**/*', 'apps/*/src/**/*', 'e2e/**/*'].map((glob) => path.join(ROOT, glob))],
  }));
  for (const shared of ['node_modules', 'packages', 'e2e']) symlinkSync(path.join(ROOT, shared), path.join(root, shared));
  mkdirSync(path.join(root, 'apps'));
  symlinkSync(path.join(ROOT, 'apps', 'dashboard'), path.join(root, 'apps', 'dashboard'));
  return root;
}

function refusal(name: string, root: string): string {
  try {
    checkName(name, root);
  } catch (err) {
    assert.ok(err instanceof NewAppError, String(err));
    return err.message;
  }
  assert.fail(`"${name}" was accepted`);
}

describe('npm run new-app', () => {
  let root: string;
  before(() => {
    root = scratchProject();
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('refuses names that are not valid package names or not lower-case kebab', () => {
    assert.match(refusal('', root), /Give the app a name/);
    assert.match(refusal('Approvals', root), /valid package name/);
    for (const name of ['bad_name', '-x', 'x-', 'a--b', '9lives', 'a.b', 'ünï', 'a b']) assert.match(refusal(name, root), /lower-case|valid package name/, name);
    for (const name of ['../evil', '.hidden', 'x/../../etc']) assert.match(refusal(name, root), /valid package name|lower-case/, name);
    assert.match(refusal('a'.repeat(41), root), /longer than 40/);
  });

  test("refuses names that clash with the project's routes, folders, packages or roles", () => {
    for (const name of ['dashboard', 'admin', 'api', 'auth', 'static', 'app-kit', 'template']) assert.match(refusal(name, root), /reserved/, name);
    mkdirSync(path.join(root, 'apps', 'taken'));
    assert.match(refusal('taken', root), /apps\/taken already exists/);
    // Not a folder of apps/, but its package name is the project's app contract.
    assert.match(refusal('kit', root), /A workspace is already named @gatehouse\/app-kit/);
  });

  test('writes apps/<name> from the template and adds it to the workspaces; a second run refuses', () => {
    const { files } = createApp('access-desk', root);
    assert.deepEqual(files.sort(), [
      'apps/access-desk/README.md', 'apps/access-desk/package.json', 'apps/access-desk/src/app.test.ts',
      'apps/access-desk/src/browser.test.ts', 'apps/access-desk/src/index.ts', 'apps/access-desk/src/rbac.ts', 'apps/access-desk/src/routes.tsx',
    ]);
    for (const file of files) assert.doesNotMatch(readFileSync(path.join(root, file), 'utf8'), /__name__|__Title__|__NAME__/, file);
    const rbac = readFileSync(path.join(root, 'apps/access-desk/src/rbac.ts'), 'utf8');
    assert.match(rbac, /GATEHOUSE_ROLE_ACCESS_DESK_MANAGER_GROUPS/);
    assert.match(rbac, /'access-desk:manage': true/);
    assert.match(readFileSync(path.join(root, 'apps/access-desk/README.md'), 'utf8'), /^# Access Desk$/m);
    const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { workspaces: string[] };
    assert.equal(manifest.workspaces.at(-1), 'apps/access-desk');
    assert.equal((JSON.parse(readFileSync(path.join(root, 'apps/access-desk/package.json'), 'utf8')) as { name: string }).name, '@gatehouse/app-access-desk');
    assert.match(refusal('access-desk', root), /already exists/);
  });

  test('refuses a name whose roles another app already declares', () => {
    // `access-desk` declares access-desk-user; an app named `access` with a role `desk-user`… is
    // not possible, but `access-desk-user` would be: GATEHOUSE_ROLE_ACCESS_DESK_USER_GROUPS is taken.
    rmSync(path.join(root, 'apps', 'taken'), { recursive: true, force: true });
    const other = path.join(root, 'apps', 'other');
    mkdirSync(path.join(other, 'src'), { recursive: true });
    writeFileSync(path.join(other, 'package.json'), JSON.stringify({ name: '@gatehouse/app-other' }));
    writeFileSync(path.join(other, 'src', 'rbac.ts'), "interface AppRoleRegistry { 'reports-manager': true }");
    const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { workspaces: string[] };
    writeFileSync(path.join(root, 'package.json'), JSON.stringify({ ...manifest, workspaces: [...manifest.workspaces, 'apps/other'] }));
    assert.match(refusal('reports', root), /already declares a role read from GATEHOUSE_ROLE_REPORTS_MANAGER_GROUPS/);
  });

  // Type-checking it here would cost ~20 s of the suite's budget; the project's own type check
  // covers the template's code through apps/access-review, which started as its output.
  test("the generated app's own tests pass as generated: app.request() and the browser test in Chromium", () => {
    // Without NODE_TEST_CONTEXT, or the child's runner takes itself for a nested run and skips the file.
    const { NODE_TEST_CONTEXT: _nested, ...env } = process.env;
    // One file after the other: the browser test's Chromium and server need the machine's cores.
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', 'apps/access-desk/src/app.test.ts', 'apps/access-desk/src/browser.test.ts'], { cwd: root, encoding: 'utf8', env });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /Access Desk in the browser/, 'the browser test ran');
    assert.match(run.stdout, /# pass [2-9]|ℹ pass [2-9]/, run.stdout + run.stderr);
    assert.match(run.stdout, /fail 0/);
  });
});
