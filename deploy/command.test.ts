/**
 * `npm run deploy` (scripts/deploy.ts), run as operators run it. With `--dry-run` it renders and
 * validates with the real helm and exits 0, printing the app's URL; a missing or malformed value
 * stops it before any cluster is contacted, naming the value and why; without --dry-run it checks
 * the kube context and then the issuer, and names the fix for each. There is no Kubernetes cluster
 * here: the install itself (`helm upgrade --install --wait`, `/readyz` through the Service) and the
 * existing-Secret checks are not exercised; their messages are.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CONFIG_VARIABLES, SECRET_VARIABLES } from '@gatehouse/auth/config';
import { root } from './checks.ts';
import { ENVIRONMENT_VALUES, valuesFromEnvironment } from './release.ts';

const SESSION_SECRET = 'deploy-test-session-secret-0123456789-abcdefghij';
const CLIENT_SECRET = 'deploy-test-client-secret-value';
const APP = {
  APP_BASE_URL: 'https://gatehouse.example.com',
  OKTA_ISSUER: 'https://dev-123456.okta.com/oauth2/default',
  OKTA_CLIENT_ID: '0oa1exampleclientid',
  OKTA_CLIENT_SECRET: CLIENT_SECRET,
  SESSION_SECRET,
};

describe('npm run deploy', () => {
  let tmp: string;
  let emptyKubeconfig: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-deploy-'));
    emptyKubeconfig = path.join(tmp, 'empty-kubeconfig');
    fs.writeFileSync(emptyKubeconfig, '');
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  /** Runs the command with only PATH, HOME, KUBECONFIG and `env`: nothing of the developer's own. */
  async function deploy(args: string[], env: Record<string, string>) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/deploy.ts', ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: tmp, KUBECONFIG: emptyKubeconfig, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    const [code] = (await once(child, 'exit')) as [number | null];
    return { code, output };
  }

  test('--dry-run renders and validates the chart from the environment, prints the URL, and shows no secret', async () => {
    const { code, output } = await deploy(['--dry-run'], APP);
    assert.equal(code, 0, output);
    assert.match(output, /helm v[34]\./);
    assert.match(output, /rendered and validated \d+ objects: .*Deployment/);
    assert.match(output, /users would open https:\/\/gatehouse\.example\.com/);
    assert.doesNotMatch(output, new RegExp(`${SESSION_SECRET}|${CLIENT_SECRET}`), 'a secret reached the output');
  });

  test('--dry-run with a values file and --set', async () => {
    const { code, output } = await deploy(['--dry-run', '-f', 'deploy/helm/gatehouse/ci/production-values.yaml', '--set', 'autoscaling.maxReplicas=4'], {});
    assert.equal(code, 0, output);
    assert.match(output, /HorizontalPodAutoscaler/);
    assert.match(output, /PrometheusRule/);
  });

  test('a missing or malformed value stops it before the cluster, naming the value and why', async () => {
    const cases: Array<[Record<string, string>, string[], RegExp[]]> = [
      [{ ...APP, APP_BASE_URL: '' }, [], [/config\.appBaseUrl is required/, /APP_BASE_URL/]],
      [{ ...APP, APP_BASE_URL: 'http://gatehouse.example.com' }, [], [/config\/appBaseUrl/, /does not match pattern/, /APP_BASE_URL/]],
      [{ ...APP, TRUST_PROXY_HOPS: 'one' }, [], [/TRUST_PROXY_HOPS=one is not a whole number/]],
      [{ ...APP, SESSION_SECRET: 'short' }, [], [/secrets\.sessionSecret must be at least 32 characters/]],
      // Long enough for the chart, refused by the app's own loader (too little entropy).
      [{ ...APP, SESSION_SECRET: 'ab'.repeat(20) }, [], [/the app would refuse this configuration/, /SESSION_SECRET/]],
      [APP, ['--set', 'replicas=3'], [/replicas/, /schema/]],
      [APP, ['--frobnicate'], [/Unknown option '--frobnicate'/, /usage: npm run deploy/]],
    ];
    for (const [env, args, messages] of cases) {
      const { code, output } = await deploy([...args], env);
      assert.equal(code, 1, `accepted: ${JSON.stringify(args)} ${output}`);
      for (const message of messages) assert.match(output, message);
      assert.match(output, /Nothing was changed in the cluster/);
    }
  });

  test('without a kube context it stops, saying how to select one', async () => {
    const { code, output } = await deploy([], APP);
    assert.equal(code, 1);
    assert.match(output, /no Kubernetes context/);
    assert.match(output, /KUBECONFIG/);
    assert.match(output, /kubectl config use-context/);
    assert.match(output, /Nothing was changed in the cluster/);
  });

  test('with a context but an unreachable issuer it stops, naming the issuer setting', async () => {
    // A context whose API server nobody serves: the issuer is checked before the cluster is contacted.
    const kubeconfig = path.join(tmp, 'kubeconfig');
    fs.writeFileSync(kubeconfig, [
      'apiVersion: v1', 'kind: Config', 'current-context: test',
      'clusters: [{name: test, cluster: {server: "https://127.0.0.1:1"}}]',
      'users: [{name: test, user: {}}]',
      'contexts: [{name: test, context: {cluster: test, user: test}}]', '',
    ].join('\n'));
    const closed = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const { code, output } = await deploy([], { ...APP, KUBECONFIG: kubeconfig, OKTA_ISSUER: `https://127.0.0.1:${closed}/oauth2/default` });
    assert.equal(code, 1, output);
    assert.match(output, /kube context: test/);
    assert.match(output, /cannot reach the issuer https:\/\/127\.0\.0\.1:\d+\/oauth2\/default/);
    assert.match(output, /OKTA_ISSUER/);
    assert.match(output, /Nothing was changed in the cluster/);
  });

  test('the variables it reads from the environment are config variables; secrets go to the chart\'s secret values', () => {
    for (const [name, { path: to, secret }] of Object.entries(ENVIRONMENT_VALUES)) {
      assert.ok(CONFIG_VARIABLES.includes(name), `${name} is not a config variable`);
      assert.equal(Boolean(secret), (SECRET_VARIABLES as readonly string[]).includes(name), `${name}: secret or not`);
      assert.equal(to.startsWith('secrets.'), Boolean(secret));
    }
    assert.deepEqual(valuesFromEnvironment({ GATEHOUSE_ADMIN_GROUPS: 'ops, admins', TRUST_PROXY_HOPS: '1', OKTA_ISSUER: '  ' }), {
      config: { roles: { adminGroups: ['ops', 'admins'] }, trustProxyHops: 1 },
    });
  });
});
