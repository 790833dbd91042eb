/**
 * Checks of the image's build files, deploy/Dockerfile and .dockerignore, without Docker (it does
 * not exist on the CI machine); the chart is checked in deploy/chart*.test.ts.
 * - every variable the Dockerfile sets is one the config schema knows;
 * - the Dockerfile's EXPOSE is the app's port, its HEALTHCHECK command passes against the real
 *   app and fails without it, and its CMD + ENV start the real app in production mode with
 *   secrets given as NAME_FILE (as the chart passes them);
 * - .dockerignore keeps tests, data, secrets and node_modules out of the build context and lets
 *   in every file the Dockerfile copies.
 * The image itself is built and started with buildah in image-build.test.ts.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { parseConfig } from '@gatehouse/auth/config';
import { startDashboard, type RunningDashboard } from '@gatehouse/dashboard/server';
import { dockerIgnored as excluded, dockerfileEnv, dockerfileLines, execForm, knownVariables, root } from '../checks.ts';

describe('variable names', () => {
  test('every variable the Dockerfile sets is one the config schema knows', () => {
    const known = knownVariables();
    const env = dockerfileEnv();
    assert.ok(Object.keys(env).length > 0);
    assert.deepEqual(Object.keys(env).filter((name) => !known.has(name)), []);
    assert.equal(env.NODE_ENV, 'production');
    assert.equal(env.DATABASE_URL, 'file:/data/gatehouse.db');
  });
});

describe('Dockerfile', () => {
  let tmp: string;
  let dashboard: RunningDashboard;
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-'));
    const config = parseConfig({ NODE_ENV: 'test', DATABASE_URL: `file:${tmp}/test.db` });
    dashboard = await startDashboard({ config, port: 0, hostname: '127.0.0.1', logger: pino({ level: 'silent' }) });
  });
  after(async () => {
    await dashboard?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('runs on Node 24, as uid 10001, exposes the app port, with the standalone entry', () => {
    const lines = dockerfileLines();
    assert.ok(lines.some((l) => /^ARG NODE_IMAGE=node:24-bookworm-slim$/.test(l)));
    assert.ok(lines.some((l) => /npm ci --omit=dev/.test(l)));
    assert.ok(lines.includes('USER 10001:10001'));
    const exposed = lines.filter((l) => l.startsWith('EXPOSE ')).map((l) => Number(l.split(/\s+/)[1]));
    assert.deepEqual(exposed, [parseConfig({ NODE_ENV: 'test' }).port]);
    assert.deepEqual(execForm(/^CMD /), ['node', '--import', 'tsx', 'apps/dashboard/src/main.ts']);
    assert.match(lines.find((l) => l.startsWith('HEALTHCHECK'))!, /\/healthz/);
  });

  test('the HEALTHCHECK command passes against the running app and fails without it', async () => {
    const [command, ...args] = execForm(/^HEALTHCHECK /);
    assert.equal(command, 'node');
    const port = new URL(dashboard.url).port;
    // Asynchronously: the app answers from this very process, so a synchronous spawn would deadlock.
    const exitCode = async (env: Record<string, string>) => {
      const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: 'ignore' });
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    };
    assert.equal(await exitCode({ PORT: port }), 0);
    // A port with nothing listening: a closed server's port.
    const closed = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = server.address() as { port: number };
        server.close(() => resolve(free));
      });
    });
    assert.equal(await exitCode({ PORT: String(closed) }), 1);
  });

  test('CMD with the image ENV starts the app in production, secrets from NAME_FILE', async () => {
    const secrets = path.join(tmp, 'secrets');
    fs.mkdirSync(secrets);
    fs.writeFileSync(path.join(secrets, 'SESSION_SECRET'), 'image-test-session-secret-0123456789-abcdefghij\n');
    fs.writeFileSync(path.join(secrets, 'OKTA_CLIENT_SECRET'), 'a-real-looking-client-secret\n');
    const [command, ...args] = execForm(/^CMD /);
    assert.equal(command, 'node');
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      TMPDIR: tmp,
      ...dockerfileEnv(),
      PORT: '0',
      DATABASE_URL: `file:${tmp}/data/gatehouse.db`,
      APP_BASE_URL: 'https://gatehouse.example.com',
      // Unreachable on purpose: the app must still start and be live, and report not ready.
      OKTA_ISSUER: 'https://127.0.0.1:9/oauth2/default',
      OKTA_CLIENT_ID: '0oa1exampleclientid',
      SESSION_SECRET_FILE: path.join(secrets, 'SESSION_SECRET'),
      OKTA_CLIENT_SECRET_FILE: path.join(secrets, 'OKTA_CLIENT_SECRET'),
    };
    fs.mkdirSync(path.join(tmp, 'data'));
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let output = '';
      child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const m = /listening on (http:\/\/localhost:\d+)/.exec(output);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`the app exited (${code}) before listening:\n${output}`)));
      });
      assert.match(output, /"nodeEnv":"production"/);
      assert.doesNotMatch(output, /a-real-looking-client-secret|s{48}/, 'a secret reached the log');
      assert.equal((await fetch(`${url}/healthz`)).status, 200);
      // Store writable, IdP unreachable: ready but degraded (signed-in users would still be served).
      const ready = await fetch(`${url}/readyz`);
      assert.equal(ready.status, 200);
      assert.deepEqual(await ready.json(), { status: 'degraded', checks: { sessionStore: 'ok', identityProvider: 'degraded', auditLog: 'ok' }, reasons: { identityProvider: 'network_error' } });
      assert.ok(fs.existsSync(path.join(tmp, 'data/gatehouse.db')), 'SQLite file not created where DATABASE_URL points');
    } finally {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    }
  });

  test('tsx, which the CMD loads, is a production dependency (npm ci --omit=dev keeps it)', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    assert.ok(manifest.dependencies?.tsx, 'move tsx from devDependencies to dependencies in the root package.json: the image installs production dependencies only and runs node --import tsx');
  });
});

describe('.dockerignore', () => {
  test('keeps dependencies, data, secrets, git and tests out of the image', () => {
    for (const file of ['node_modules/hono/package.json', 'apps/dashboard/node_modules/x/index.js', '.git/HEAD', '.env', '.env.production',
      'data/gatehouse.db', 'data/session-secret', 'docs/screenshots/admin.png', 'e2e/browser.test.ts', 'deploy/image/image.test.ts',
      'packages/auth/src/config/config.test.ts', 'apps/dashboard/src/server.test.ts', 'apps/dashboard/src/testing/harness.ts',
      'packages/auth/src/testing/session-store-conformance.ts', 'packages/auth/src/testing/audit-log-conformance.ts', 'packages/auth/src/testing/backends.ts']) {
      assert.ok(excluded(file), `${file} would be sent to the Docker build`);
    }
  });

  test('lets in every file the Dockerfile copies', () => {
    const sources = dockerfileLines().filter((l) => l.startsWith('COPY ') && !l.includes('--from=')).flatMap((l) => l.split(/\s+/).slice(1, -1));
    assert.ok(sources.includes('apps/dashboard/src'));
    const walk = (p: string): string[] => (fs.statSync(p).isDirectory() ? fs.readdirSync(p).flatMap((n) => walk(path.join(p, n))) : [p]);
    for (const source of sources) {
      const files = walk(path.join(root, source)).map((f) => path.relative(root, f)).filter((f) => !/\.test\.tsx?$|\/testing\/|conformance\.ts$|test-backends\.ts$/.test(f));
      assert.ok(files.length > 0, `${source} does not exist`);
      for (const file of files) assert.ok(!excluded(file), `${file} is copied by the Dockerfile but excluded by .dockerignore`);
    }
  });
});
