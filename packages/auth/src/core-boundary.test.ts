/**
 * The core of `@gatehouse/auth` is Web-only, and the type check enforces it: `tsconfig.core.json`
 * compiles the core with no Node types (`types: []`), so a `node:` import or a Node global in a
 * core file fails `npm run typecheck`. These tests run that compiler on the core as it is (it
 * passes) and on the core plus a file that reaches for Node (it fails, naming what it reached for).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';

const PACKAGE = resolve(import.meta.dirname, '..');
const CORE_CONFIG = join(PACKAGE, 'tsconfig.core.json');
const TSC = resolve(PACKAGE, '../../node_modules/typescript/bin/tsc');
const dir = mkdtempSync(join(tmpdir(), 'gh-core-boundary-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Type-checks the core's entry point and `probe` (a file that imports it) with the core's compiler options. */
function checkWithProbe(name: string, probe: string): { status: number | null; output: string } {
  const file = join(dir, `${name}.ts`);
  writeFileSync(file, `import '${join(PACKAGE, 'src/index.ts')}';\n${probe}\n`);
  const config = join(dir, `${name}.tsconfig.json`);
  writeFileSync(config, JSON.stringify({ extends: CORE_CONFIG, include: [], files: [file] }));
  const result = spawnSync(process.execPath, [TSC, '-p', config], { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('the Web-only core', () => {
  test('type-checks with no Node types', () => {
    const result = spawnSync(process.execPath, [TSC, '-p', CORE_CONFIG], { encoding: 'utf8' });
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
  });

  test('a node: import in the core fails the type check', () => {
    const { status, output } = checkWithProbe('node-import', "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;");
    assert.notEqual(status, 0);
    assert.match(output, /error TS2307: Cannot find module 'node:fs'/);
  });

  test('a Node global in the core fails the type check', () => {
    const { status, output } = checkWithProbe('node-global', 'export const env = process.env;');
    assert.notEqual(status, 0);
    assert.match(output, /error TS\d+: Cannot find name 'process'/);
  });
});
