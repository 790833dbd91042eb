/**
 * The image itself: deploy/Dockerfile really built with buildah (vfs storage, chroot isolation),
 * on a base made here from Debian packages and Node 24 from npm (deploy/image/base.ts, cached by
 * recipe hash between runs), then started the way the chart runs it.
 * - it runs as uid 10001, never root;
 * - its own ENTRYPOINT/CMD and ENV start the app with a read-only root filesystem (tmpfs /tmp
 *   and /data only), which answers /healthz, and /readyz `degraded` with an unreachable issuer;
 * - it holds no dev dependency (per package-lock.json), no test, test helper or conformance suite,
 *   no emulator, docs, deploy files or bench;
 * - its size is printed.
 * Needs `buildah` and `mmdebstrap` (Debian; .ci/run installs them): without them it fails saying so.
 * Not checked here: the public `node:24-bookworm-slim` base (cannot be pulled), a kubelet.
 */
import { once } from 'node:events';
import fs from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CONFIG_VARIABLES } from '@gatehouse/auth/config';
import { ensureBaseImage } from './base.ts';
import { buildAppImage, inspectImage, storageDriver, mountImage, removeImage, removeStaleTestImages, requireTools, startInRoot, treeSize, type ImageConfig } from './buildah.ts';
import { root as repoRoot } from '../checks.ts';

const freePort = () => new Promise<number>((resolve) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    server.close(() => resolve(port));
  });
});

/** Runs a command in the image root (read-only, as `user`) to completion: exit code and output. */
async function runInImage(root: string, user: string, config: ImageConfig, argv: string[]) {
  const { child } = startInRoot(root, user, config.WorkingDir || '/', { PATH: imageEnv(config).PATH ?? '/usr/bin:/bin' }, argv);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output };
}

const imageEnv = (config: ImageConfig) => Object.fromEntries((config.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));

describe('the image, built with buildah', () => {
  const tag = `localhost/gatehouse:test-${process.pid}`;
  const timings: string[] = [];
  let config: ImageConfig;
  let size = 0;
  let mounted: { root: string; remove(): Promise<void> } | undefined;

  before(async () => {
    requireTools();
    await removeStaleTestImages();
    let started = performance.now();
    const base = await ensureBaseImage();
    timings.push(`base image ${base.name}: ${base.built ? 'built' : 'reused from the cache'} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    started = performance.now();
    await buildAppImage(repoRoot, base.name, tag);
    timings.push(`deploy/Dockerfile built (${await storageDriver()} storage) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    started = performance.now();
    config = await inspectImage(tag);
    mounted = await mountImage(tag);
    size = treeSize(mounted.root);
    timings.push(`mounted in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }, { timeout: 15 * 60_000 });

  after(async () => {
    await mounted?.remove();
    await removeImage(tag);
  });

  test('is built, and its size is printed', (t) => {
    for (const line of timings) t.diagnostic(line);
    t.diagnostic(`image size: ${(size / 1024 / 1024).toFixed(0)} MiB (files in its root, uncompressed)`);
    console.log(`# gatehouse image: ${(size / 1024 / 1024).toFixed(0)} MiB; ${timings.join('; ')}`);
    assert.ok(size > 0);
  });

  test('runs as uid 10001, not root', async () => {
    assert.equal(config.User, '10001:10001');
    const { code, output } = await runInImage(mounted!.root, config.User!, config, ['id', '-u']);
    assert.equal(code, 0, output);
    assert.equal(output.trim(), '10001');
  });

  test('its root filesystem is read-only to the app; only /tmp and /data are writable', async () => {
    const probe = ['sh', '-c', 'touch /app/x 2>/dev/null && echo app-writable; touch /tmp/x && echo tmp-ok; touch /data/x && echo data-ok'];
    const { output } = await runInImage(mounted!.root, config.User!, config, probe);
    assert.deepEqual(output.trim().split('\n'), ['tmp-ok', 'data-ok']);
  });

  test('its entrypoint starts the app, which answers /healthz (and /readyz degraded with the IdP unreachable)', async () => {
    const port = await freePort();
    const env: Record<string, string> = {
      ...imageEnv(config),
      PORT: String(port),
      APP_BASE_URL: 'https://gatehouse.example.com',
      // Unreachable on purpose: live, but not ready.
      OKTA_ISSUER: 'https://127.0.0.1:9/oauth2/default',
      OKTA_CLIENT_ID: '0oa1exampleclientid',
      OKTA_CLIENT_SECRET: 'image-test-client-secret',
      SESSION_SECRET: 'image-test-session-secret-0123456789abcdef',
    };
    // The metrics listener (when the app has one) on a free port too: test files run in parallel.
    if (CONFIG_VARIABLES.includes('METRICS_PORT')) env.METRICS_PORT = String(await freePort());
    const argv = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
    assert.deepEqual(argv, ['node', '--import', 'tsx', 'apps/dashboard/src/main.ts']);
    const app = startInRoot(mounted!.root, config.User!, config.WorkingDir!, env, argv);
    const { child } = app;
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', () => { if (/listening on http:\/\//.test(output)) resolve(); });
        child.once('exit', (code) => reject(new Error(`the app exited (${code}) before listening:\n${output}`)));
      });
      assert.match(output, /"nodeEnv":"production"/);
      assert.doesNotMatch(output, /image-test-client-secret|image-test-session-secret/, 'a secret reached the log');
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok' });
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      // Store writable (tmpfs /data), IdP unreachable: ready but degraded.
      assert.equal(ready.status, 200);
      assert.equal(((await ready.json()) as { status: string }).status, 'degraded');
    } finally {
      await app.stop();
    }
  });

  test('holds no dev dependency, test, test helper, conformance suite, emulator or repository tooling', () => {
    const app = path.join(mounted!.root, 'app');
    const lock = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const devOnly = Object.entries(lock.packages).filter(([p, entry]) => entry.dev && p.startsWith('node_modules/')).map(([p]) => p);
    assert.ok(devOnly.includes('node_modules/typescript') && devOnly.includes('node_modules/playwright-core'), 'package-lock.json marks dev dependencies');
    assert.deepEqual(devOnly.filter((p) => fs.existsSync(path.join(app, p))), [], 'dev dependencies in the image');
    assert.ok(fs.existsSync(path.join(app, 'node_modules/tsx')), 'tsx (the CMD loads it) is in the image');

    const walk = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? [`${path.join(dir, e.name)}/`, ...walk(path.join(dir, e.name))] : [path.join(dir, e.name)]));
    const ours = [...walk(path.join(app, 'packages')), ...walk(path.join(app, 'apps'))].map((f) => path.relative(app, f));
    assert.ok(ours.includes('apps/dashboard/src/main.ts'));
    const unwanted = ours.filter((f) => /\.test\.tsx?$|(^|\/)testing\/|conformance\.ts$|test-backends\.ts$|^packages\/okta-emulator\/src/.test(f));
    assert.deepEqual(unwanted, []);
    for (const top of ['e2e', 'bench', 'docs', 'deploy', '.git', '.ci', 'data', 'scripts']) assert.ok(!fs.existsSync(path.join(app, top)), `/app/${top} is in the image`);
  });
});
