// The one test entry point behind `npm test`: type-check everything, then run every suite
// (unit, integration against the emulator and real stores, browser) with Node's test runner.
import { spawnSync } from 'node:child_process';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 13)) {
  console.error(`Gatehouse needs Node.js 22.13 or newer (found ${process.version}). Install Node 24: npm install -g --force node@24`);
  process.exit(1);
}

function run(cmd, args) {
  const result = spawnSync(cmd, args, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json']);

const only = process.argv.slice(2);
const patterns = only.length > 0 ? only : [
  'packages/*/src/**/*.test.ts',
  'packages/*/src/**/*.test.tsx',
  'apps/*/src/**/*.test.ts',
  'apps/*/src/**/*.test.tsx',
  'e2e/**/*.test.ts',
];
run(process.execPath, [
  '--import', 'tsx',
  '--test',
  '--test-concurrency=2',
  '--test-timeout=300000',
  ...patterns,
]);
