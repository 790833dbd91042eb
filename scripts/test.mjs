// The one test entry point behind `npm test`: type-check everything (and the auth core alone), start a throwaway PostgreSQL
// and Redis (scripts/test-servers.ts), then run every suite (unit, integration against the
// emulator and real stores, browser) with Node's test runner, and remove the servers at the end —
// also when a test fails or the run is interrupted. GATEHOUSE_TEST_POSTGRES_URL /
// GATEHOUSE_TEST_REDIS_URL, when set, name servers to use instead (nothing is started for them).
import './node-version.mjs';
import { spawn, spawnSync } from 'node:child_process';

function runSync(cmd, args) {
  const result = spawnSync(cmd, args, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

runSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json']);
// The Web-only core of @gatehouse/auth, with no Node types (packages/auth/tsconfig.core.json).
runSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'packages/auth/tsconfig.core.json']);

const { register } = await import('tsx/esm/api');
register();
const { startPostgres, startRedis } = await import('./test-servers.ts');

/** @type {Array<{ stop(): Promise<void>, killSync(): void }>} */
const servers = [];
// Whatever ends this process (an exception, process.exit), no server or temp directory outlives it.
process.on('exit', () => {
  for (const server of servers.splice(0)) server.killSync();
});

const env = { ...process.env };
const starting = [];
if (!env.GATEHOUSE_TEST_POSTGRES_URL) starting.push(startPostgres().then((server) => { servers.push(server); env.GATEHOUSE_TEST_POSTGRES_URL = server.url; }));
if (!env.GATEHOUSE_TEST_REDIS_URL) starting.push(startRedis().then((server) => { servers.push(server); env.GATEHOUSE_TEST_REDIS_URL = server.url; }));
const failure = (await Promise.allSettled(starting)).find((result) => result.status === 'rejected');
if (failure) {
  console.error(`npm test could not start its servers: ${failure.reason instanceof Error ? failure.reason.message : String(failure.reason)}`);
  await Promise.allSettled(servers.splice(0).map((server) => server.stop()));
  process.exit(1);
}
console.log(`PostgreSQL for the tests: ${env.GATEHOUSE_TEST_POSTGRES_URL}; Redis: ${env.GATEHOUSE_TEST_REDIS_URL}`);

const only = process.argv.slice(2);
const patterns = only.length > 0 ? only : [
  'packages/*/src/**/*.test.ts',
  'packages/*/src/**/*.test.tsx',
  'apps/*/src/**/*.test.ts',
  'apps/*/src/**/*.test.tsx',
  'e2e/**/*.test.ts',
  'deploy/**/*.test.ts',
];
const tests = spawn(process.execPath, [
  '--import', 'tsx',
  '--test',
  '--test-concurrency=2',
  '--test-timeout=300000',
  ...patterns,
], { stdio: 'inherit', env });

// Ctrl-C reaches the test runner through the terminal's process group; a SIGTERM sent to this
// process alone is passed on. Either way the servers are stopped once the runner has exited.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (tests.exitCode === null) tests.kill(signal);
  });
}
const status = await new Promise((resolve) => tests.once('exit', (code, signal) => resolve(code ?? (signal ? 130 : 1))));
await Promise.allSettled(servers.splice(0).map((server) => server.stop()));
process.exit(status);
