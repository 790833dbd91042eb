/**
 * A fresh machine just works: `npm install` brings the project's own Node (the `node` package in
 * devDependencies) and npm scripts run it before the system's Node; an old Node that still ends up
 * running a script gets a clear message instead of "No such built-in module: node:sqlite".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  devDependencies: Record<string, string>;
  scripts: Record<string, string>;
  allowScripts?: Record<string, boolean>;
};

test('npm scripts run the Node pinned in devDependencies, not the system Node', () => {
  const pinned = manifest.devDependencies.node;
  assert.match(pinned ?? '', /^24\.\d+\.\d+$/, 'the root package.json pins the `node` package to an exact Node 24 release');
  assert.ok(existsSync(path.join(ROOT, 'node_modules', '.bin', 'node')), 'node_modules/.bin/node is missing: run `npm install` (without --ignore-scripts)');
  // `npm exec` puts node_modules/.bin first on PATH exactly as `npm start` and `npm test` do.
  const run = spawnSync('npm', ['exec', '--offline', '--', 'node', '-p', 'process.version + " " + process.execPath'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const [version, execPath] = run.stdout.trim().split(' ');
  assert.equal(version, `v${pinned}`);
  assert.ok(execPath?.startsWith(path.join(ROOT, 'node_modules') + path.sep), `npm scripts ran ${execPath}, not the project's node_modules/node`);
  assert.equal(manifest.allowScripts?.node, true, "the node package's install script fetches the binary: allowScripts must approve it (npm 12 blocks unapproved scripts)");
});

test('every Node-running npm script checks the version first', () => {
  for (const name of ['start', 'idp', 'bench']) assert.match(manifest.scripts[name] ?? '', /^node --import \.\/scripts\/node-version\.mjs /, name);
  assert.match(readFileSync(path.join(ROOT, 'scripts', 'test.mjs'), 'utf8'), /^import '\.\/node-version\.mjs';$/m);
});

test('Node 20 gets the version message naming the fix, not a node:sqlite error', () => {
  const script = "Object.defineProperty(process.versions, 'node', { value: '20.19.5' }); await import('./scripts/node-version.mjs'); console.log('went on');";
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(run.status, 1);
  assert.doesNotMatch(run.stdout, /went on/);
  assert.match(run.stderr, /needs Node\.js 22\.13 or newer; this is Node\.js v20\.19\.5/);
  assert.match(run.stderr, /npm install -g --force node@24/);
});

test('Node 22.13 and newer pass the check', () => {
  for (const version of ['22.13.0', '24.21.0', '26.0.0']) {
    const script = `Object.defineProperty(process.versions, 'node', { value: '${version}' }); await import('./scripts/node-version.mjs'); console.log('went on');`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /went on/);
  }
});
