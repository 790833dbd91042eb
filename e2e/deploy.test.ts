/**
 * Checks of deploy/ that run without Docker or Helm (neither exists on the CI machine):
 * - the chart's plain YAML parses; values.yaml and every ci/*-values.yaml (merged over it, as
 *   Helm merges) pass values.schema.json, and the schema refuses weakened or unknown settings;
 * - every `.Values.…` a template reads exists in values.yaml; every `include` names a defined
 *   template; every control block is closed;
 * - every variable the chart or the Dockerfile sets is one the config schema knows;
 * - the Dockerfile's EXPOSE is the app's port, its HEALTHCHECK command passes against the real
 *   app and fails without it, and its CMD + ENV start the real app in production mode with
 *   secrets given as NAME_FILE (as the chart passes them);
 * - .dockerignore keeps tests, data, secrets and node_modules out of the build context and lets
 *   in every file the Dockerfile copies;
 * - the chart, rendered for each scenario by deploy/helm/render-check (Go text/template + sprig, the
 *   engine Helm is built on; helm itself is not installable here), gives well-formed manifests, a
 *   configuration the app's own loader accepts in production, pods that roll when settings change,
 *   and refusals of unsafe settings.
 * What is NOT checked here (no Docker engine, no helm): building the image, `helm lint`/`helm template`
 * themselves, and installing into a cluster.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv, type ValidateFunction } from 'ajv';
import { SECRET_VARIABLES, loadConfig, parseConfig } from '@gatehouse/auth/config';
import { startDashboard, type RunningDashboard } from '@gatehouse/dashboard/server';
import {
  buildRenderer, chartDir, ciFiles as listCiFiles, container, defaultValues as defaults, dockerIgnored as excluded, dockerfileEnv,
  dockerfileLines, execForm, find, isMap, knownVariables, mergeValues, podSpec, podTemplate, readTemplate, readYaml, render as renderWith,
  root, templateFiles as listTemplates, type Manifest, type Values,
} from '../deploy/checks.ts';

const templateFiles = listTemplates();
const ciFiles = listCiFiles();

describe('Helm chart: plain YAML and values schema', () => {
  let validate: ValidateFunction;
  before(() => {
    const schema = JSON.parse(fs.readFileSync(path.join(chartDir, 'values.schema.json'), 'utf8')) as Values;
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
    // strict: an unknown keyword or a misplaced one in the schema is an error, not silently ignored.
    validate = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);
  });
  const check = (values: Values) => (validate(values) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`));

  test('Chart.yaml is apiVersion v2 with the app version the workspace has', () => {
    const chart = readYaml(path.join(chartDir, 'Chart.yaml'));
    assert.equal(chart.apiVersion, 'v2');
    assert.equal(chart.name, 'gatehouse');
    assert.equal(chart.type, 'application');
    assert.match(String(chart.version), /^\d+\.\d+\.\d+/);
    const app = JSON.parse(fs.readFileSync(path.join(root, 'apps/dashboard/package.json'), 'utf8')) as { version: string };
    assert.equal(chart.appVersion, app.version, 'Chart.yaml appVersion must match apps/dashboard/package.json version');
  });

  test('values.yaml passes the schema', () => {
    assert.deepEqual(check(defaults()), []);
  });

  test('the three scenarios exist and each passes the schema merged over values.yaml', () => {
    assert.deepEqual([...ciFiles].sort(), ['default-values.yaml', 'ha-redis-values.yaml', 'ingress-values.yaml']);
    for (const file of ciFiles) {
      const merged = mergeValues(defaults(), readYaml(path.join(chartDir, 'ci', file)));
      assert.deepEqual(check(merged), [], `ci/${file}`);
    }
  });

  test('the HA scenario is shared-store only and the default one is single-replica SQLite', () => {
    const ha = mergeValues(defaults(), readYaml(path.join(chartDir, 'ci/ha-redis-values.yaml')));
    assert.ok((ha.replicaCount as number) > 1);
    assert.equal((ha.database as Values).type, 'postgres');
    assert.equal((ha.redis as Values).enabled, true);
    assert.notEqual((ha.secrets as Values).existingSecret, '');
    const single = mergeValues(defaults(), readYaml(path.join(chartDir, 'ci/default-values.yaml')));
    assert.equal(single.replicaCount, 1);
    assert.equal((single.database as Values).type, 'sqlite');
  });

  test('the schema refuses weakened hardening, unknown keys and values outside the enums', () => {
    const cases: Array<[string, (v: Values) => void]> = [
      ['readOnlyRootFilesystem false', (v) => { (v.securityContext as Values).readOnlyRootFilesystem = false; }],
      ['allowPrivilegeEscalation true', (v) => { (v.securityContext as Values).allowPrivilegeEscalation = true; }],
      ['runAsNonRoot false', (v) => { (v.podSecurityContext as Values).runAsNonRoot = false; }],
      ['capabilities added', (v) => { (v.securityContext as Values).capabilities = { drop: ['ALL'], add: ['NET_ADMIN'] }; }],
      ['unknown top-level key', (v) => { v.replicas = 2; }],
      ['misspelt config key', (v) => { (v.config as Values).appBaseURL = 'https://x.example.com'; }],
      ['database type mysql', (v) => { (v.database as Values).type = 'mysql'; }],
      ['http appBaseUrl', (v) => { (v.config as Values).appBaseUrl = 'http://gatehouse.example.com'; }],
      ['appBaseUrl with a path', (v) => { (v.config as Values).appBaseUrl = 'https://example.com/gatehouse'; }],
      ['issuer with trailing slash', (v) => { ((v.config as Values).okta as Values).issuer = 'https://dev-1.okta.com/oauth2/default/'; }],
      ['scopes without openid', (v) => { ((v.config as Values).okta as Values).scopes = 'profile email'; }],
      ['log level', (v) => { (v.config as Values).logLevel = 'verbose'; }],
      ['zero replicas', (v) => { v.replicaCount = 0; }],
      ['group name with a comma', (v) => { ((v.config as Values).roles as Values).adminGroups = ['a,b']; }],
      ['redis URL scheme', (v) => { (v.secrets as Values).redisUrl = 'http://redis:6379'; }],
    ];
    for (const [name, breakIt] of cases) {
      const values = structuredClone(defaults());
      breakIt(values);
      assert.notDeepEqual(check(values), [], `the schema accepted: ${name}`);
    }
  });
});

describe('Helm chart: templates', () => {
  test('every .Values path a template reads exists in values.yaml', () => {
    const values = defaults();
    const missing: string[] = [];
    for (const name of templateFiles) {
      for (const match of readTemplate(name).matchAll(/\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)) {
        let node: unknown = values;
        for (const key of match[1]!.slice(1).split('.')) {
          if (!isMap(node) || !(key in node)) {
            missing.push(`${name}: .Values${match[1]}`);
            break;
          }
          node = node[key];
        }
      }
    }
    assert.deepEqual(missing, []);
  });

  test('every include names a defined template and every block is closed', () => {
    const defined = new Set<string>();
    for (const name of templateFiles) for (const m of readTemplate(name).matchAll(/\{\{-?\s*define\s+"([^"]+)"/g)) defined.add(m[1]!);
    for (const name of templateFiles) {
      const text = readTemplate(name);
      for (const m of text.matchAll(/\binclude\s+"([^"]+)"/g)) assert.ok(defined.has(m[1]!), `${name} includes undefined template "${m[1]}"`);
      let depth = 0;
      for (const m of text.matchAll(/\{\{-?\s*(if|with|range|define|end)\b/g)) {
        depth += m[1] === 'end' ? -1 : 1;
        assert.ok(depth >= 0, `${name}: {{ end }} without an opening block`);
      }
      assert.equal(depth, 0, `${name}: a block is not closed with {{ end }}`);
    }
  });

  test('the pod is hardened and probes the app where it answers', () => {
    const deployment = readTemplate('deployment.yaml');
    assert.match(deployment, /livenessProbe:\s+httpGet:\s+path: \/healthz\s+port: http/);
    assert.match(deployment, /readinessProbe:\s+httpGet:\s+path: \/readyz\s+port: http/);
    assert.match(deployment, /containerPort: 3000/);
    assert.match(deployment, /checksum\/config: \{\{ include \(print \$\.Template\.BasePath "\/configmap\.yaml"\) \. \| sha256sum \}\}/);
    assert.match(deployment, /checksum\/secret:/);
    assert.match(deployment, /mountPath: \/tmp/);
    const values = defaults();
    const container = values.securityContext as Values;
    assert.equal(container.readOnlyRootFilesystem, true);
    assert.equal(container.allowPrivilegeEscalation, false);
    assert.equal(container.runAsUser, 10001);
    assert.deepEqual((container.capabilities as Values).drop, ['ALL']);
    assert.deepEqual((values.podSecurityContext as Values).seccompProfile, { type: 'RuntimeDefault' });
    assert.match(readTemplate('_helpers.tpl'), /fail "replicaCount > 1 needs shared stores/);
  });
});

describe('variable names', () => {
  test('every variable the chart sets is one the config schema knows', () => {
    const known = knownVariables();
    const configmap = readTemplate('configmap.yaml');
    const dataKeys = [...configmap.slice(configmap.indexOf('\ndata:')).matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1]!);
    assert.ok(dataKeys.includes('APP_BASE_URL') && dataKeys.includes('OKTA_CLIENT_ID'));
    const envNames = [...readTemplate('deployment.yaml').matchAll(/- name: ([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!);
    // The Secret's keys (and so NAME_FILE variables) are listed in the secretKeys helper.
    const helpers = readTemplate('_helpers.tpl');
    const keyBlock = helpers.slice(helpers.indexOf('define "gatehouse.secretKeys"'), helpers.indexOf('define "gatehouse.validate"'));
    const secretKeys = [...keyBlock.matchAll(/"([A-Z][A-Z0-9_]*)"/g)].map((m) => m[1]!);
    assert.ok(secretKeys.includes('SESSION_SECRET'));
    const secretDict = [...readTemplate('secret.yaml').matchAll(/"([A-Z][A-Z0-9_]*)"/g)].map((m) => m[1]!);
    const unknown = [...dataKeys, ...envNames, ...secretDict].filter((name) => !known.has(name));
    const notSecret = [...secretKeys, ...secretDict].filter((name) => !(SECRET_VARIABLES as readonly string[]).includes(name));
    assert.deepEqual(unknown, [], 'variables the app does not read');
    assert.deepEqual(notSecret, [], 'Secret keys that are not secret variables (the app has no NAME_FILE for them)');
    // Each secret the app knows can be supplied through the chart.
    assert.deepEqual([...new Set(secretKeys)].sort(), [...SECRET_VARIABLES].sort());
  });

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
    dashboard = await startDashboard({ config, port: 0, hostname: '127.0.0.1', logger: (await import('pino')).default({ level: 'silent' }) });
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
    const closed = await import('node:net').then(({ createServer }) => new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = server.address() as { port: number };
        server.close(() => resolve(free));
      });
    }));
    assert.equal(await exitCode({ PORT: String(closed) }), 1);
  });

  test('CMD with the image ENV starts the app in production, secrets from NAME_FILE', async () => {
    const secrets = path.join(tmp, 'secrets');
    fs.mkdirSync(secrets);
    fs.writeFileSync(path.join(secrets, 'SESSION_SECRET'), `${'s'.repeat(48)}\n`);
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
      const ready = await fetch(`${url}/readyz`);
      assert.equal(ready.status, 503);
      assert.deepEqual(await ready.json(), { status: 'not_ready', checks: { sessionStore: 'ok', identityProvider: 'failing' } });
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
      'data/gatehouse.db', 'data/session-secret', 'docs/screenshots/admin.png', 'e2e/browser.test.ts', 'e2e/deploy.test.ts',
      'packages/auth/src/config/config.test.ts', 'apps/dashboard/src/server.test.ts', 'apps/dashboard/src/testing/harness.ts']) {
      assert.ok(excluded(file), `${file} would be sent to the Docker build`);
    }
  });

  test('lets in every file the Dockerfile copies', () => {
    const sources = dockerfileLines().filter((l) => l.startsWith('COPY ') && !l.includes('--from=')).flatMap((l) => l.split(/\s+/).slice(1, -1));
    assert.ok(sources.includes('apps/dashboard/src'));
    const walk = (p: string): string[] => (fs.statSync(p).isDirectory() ? fs.readdirSync(p).flatMap((n) => walk(path.join(p, n))) : [p]);
    for (const source of sources) {
      const files = walk(path.join(root, source)).map((f) => path.relative(root, f)).filter((f) => !/\.test\.tsx?$|\/testing\//.test(f));
      assert.ok(files.length > 0, `${source} does not exist`);
      for (const file of files) assert.ok(!excluded(file), `${file} is copied by the Dockerfile but excluded by .dockerignore`);
    }
  });
});

describe('Helm chart: rendered by deploy/helm/render-check', () => {
  let tmp: string;
  let renderer: string;
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-'));
    renderer = path.join(tmp, 'render');
    await buildRenderer(renderer);
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const render = (...args: string[]) => renderWith(renderer, ...args);

  /**
   * Runs the app's own config loader on what a pod would get: the ConfigMap as environment, each
   * NAME_FILE pointing at a file holding the Secret's key (or `external` for an existingSecret).
   */
  function appConfig(manifests: Manifest[], external: Record<string, string>) {
    const env: Record<string, string> = { ...find(manifests, 'ConfigMap')!.data };
    const secret = find(manifests, 'Secret');
    const dir = fs.mkdtempSync(path.join(tmp, 'secrets-'));
    for (const entry of container(manifests).env as Array<{ name: string; value: string }>) {
      if (!entry.name.endsWith('_FILE')) continue;
      const key = path.basename(entry.value);
      const value = secret ? Buffer.from(secret.data![key]!, 'base64').toString('utf8') : external[key];
      assert.ok(value !== undefined, `no value for Secret key ${key}`);
      fs.writeFileSync(path.join(dir, key), value);
      env[entry.name] = path.join(dir, key);
    }
    return loadConfig(env, { envFile: false, cwd: dir });
  }

  test('every scenario renders to well-formed manifests of the expected kinds', async () => {
    const expected: Record<string, string[]> = {
      'default-values.yaml': ['ConfigMap', 'Deployment', 'PersistentVolumeClaim', 'Secret', 'Service', 'ServiceAccount'],
      'ha-redis-values.yaml': ['ConfigMap', 'Deployment', 'PodDisruptionBudget', 'Service', 'ServiceAccount', 'ServiceMonitor'],
      'ingress-values.yaml': ['ConfigMap', 'Deployment', 'Ingress', 'PersistentVolumeClaim', 'Secret', 'Service', 'ServiceAccount'],
    };
    for (const file of ciFiles) {
      const { code, manifests, stderr } = await render(`ci/${file}`);
      assert.equal(code, 0, `ci/${file}: ${stderr}`);
      assert.deepEqual(manifests.map((m) => m.kind).sort(), expected[file], `ci/${file}`);
      for (const m of manifests) assert.ok(m.apiVersion && m.metadata?.name, `ci/${file}: a ${m.kind} without apiVersion or name`);
    }
  });

  test('the pod is hardened, probed on /healthz and /readyz, and gets secrets only as files', async () => {
    for (const file of ciFiles) {
      const { manifests } = await render(`ci/${file}`);
      const pod = podSpec(manifests);
      const c = container(manifests);
      assert.deepEqual((pod.securityContext as Values).runAsNonRoot, true);
      assert.deepEqual((pod.securityContext as Values).seccompProfile, { type: 'RuntimeDefault' });
      assert.equal(pod.automountServiceAccountToken, false);
      const sc = c.securityContext as Values;
      assert.equal(sc.runAsUser, 10001);
      assert.equal(sc.readOnlyRootFilesystem, true);
      assert.equal(sc.allowPrivilegeEscalation, false);
      assert.deepEqual((sc.capabilities as Values).drop, ['ALL']);
      assert.equal(((c.livenessProbe as Values).httpGet as Values).path, '/healthz');
      assert.equal(((c.readinessProbe as Values).httpGet as Values).path, '/readyz');
      assert.equal((c.ports as Values[])[0]!.containerPort, 3000);
      const mounts = (c.volumeMounts as Values[]).map((m) => m.mountPath);
      assert.ok(mounts.includes('/tmp'), `ci/${file}: /tmp must be writable with a read-only root`);
      // Secret keys are mounted exactly for the NAME_FILE variables, and no secret is a plain variable.
      const fileVars = (c.env as Array<{ name: string }>).map((e) => e.name).filter((n) => n.endsWith('_FILE')).map((n) => n.slice(0, -5)).sort();
      const secretVolume = (pod.volumes as Values[]).find((v) => v.name === 'secrets')!.secret as Values;
      assert.deepEqual((secretVolume.items as Array<{ key: string }>).map((i) => i.key).sort(), fileVars);
      const plain = Object.keys(find(manifests, 'ConfigMap')!.data!);
      const leaked = plain.filter((n) => (SECRET_VARIABLES as readonly string[]).includes(n) && !(n === 'DATABASE_URL' && find(manifests, 'ConfigMap')!.data![n]!.startsWith('file:')));
      assert.deepEqual(leaked, [], `ci/${file}: secret variables in the ConfigMap`);
      for (const annotation of ['checksum/config', 'checksum/secret']) {
        assert.match(podTemplate(manifests).metadata.annotations[annotation]!, /^[0-9a-f]{64}$/);
      }
    }
  });

  test("the app's own loader accepts what each scenario gives the pod, in production", async () => {
    const single = appConfig((await render('ci/default-values.yaml')).manifests, {});
    assert.equal(single.nodeEnv, 'production');
    assert.equal(single.appBaseUrl, 'https://gatehouse.example.com');
    assert.equal(single.databaseUrl, 'file:/data/gatehouse.db');
    assert.equal(single.session.cookieName, '__Host-gatehouse');
    const ha = appConfig((await render('ci/ha-redis-values.yaml')).manifests, {
      OKTA_CLIENT_SECRET: 'client-secret-from-the-existing-secret',
      SESSION_SECRET: 'x'.repeat(48),
      OKTA_API_TOKEN: '00real-looking-api-token',
      DATABASE_URL: 'postgres://gatehouse:pw@postgres:5432/gatehouse',
      REDIS_URL: 'redis://redis:6379/0',
    });
    assert.equal(ha.okta.issuer, 'https://dev-123456.okta.com/oauth2/default');
    assert.deepEqual(ha.roles, { admin: ['gatehouse-admins'], viewer: ['gatehouse-viewers', 'gatehouse-analysts'] });
    assert.equal(ha.redisUrl, 'redis://redis:6379/0');
    assert.match(ha.databaseUrl, /^postgres:/);
    assert.equal(ha.okta.apiToken, '00real-looking-api-token');
    const jwt = await render('ci/default-values.yaml', '--set=config.okta.management.mode=privateKeyJwt', '--set=config.okta.management.clientId=0oaservice', '--set=secrets.oktaManagementPrivateKey=-----BEGIN PRIVATE KEY-----');
    assert.equal(appConfig(jwt.manifests, {}).okta.managementClientId, '0oaservice');
  });

  test('SQLite gets a volume and one writer; shared stores get a rolling update and no volume', async () => {
    const single = (await render('ci/default-values.yaml')).manifests;
    assert.equal((find(single, 'Deployment')!.spec!.strategy as Values).type, 'Recreate');
    assert.equal(((podSpec(single).volumes as Values[]).find((v) => v.name === 'data')!.persistentVolumeClaim as Values).claimName, find(single, 'PersistentVolumeClaim')!.metadata.name);
    const ha = (await render('ci/ha-redis-values.yaml')).manifests;
    assert.equal(find(ha, 'Deployment')!.spec!.replicas, 3);
    assert.equal((find(ha, 'Deployment')!.spec!.strategy as Values).type, 'RollingUpdate');
    assert.equal((podSpec(ha).volumes as Values[]).some((v) => v.name === 'data'), false);
    const ephemeral = (await render('ci/default-values.yaml', '--set=database.sqlite.persistence.enabled=false')).manifests;
    assert.equal(find(ephemeral, 'PersistentVolumeClaim'), undefined);
  });

  test('a changed setting or secret changes the pod template (pods roll)', async () => {
    const annotations = async (...args: string[]) => podTemplate((await render(...args)).manifests).metadata.annotations;
    const base = await annotations('ci/default-values.yaml');
    const config = await annotations('ci/default-values.yaml', '--set=config.logLevel=debug');
    const secret = await annotations('ci/default-values.yaml', `--set=secrets.sessionSecret=${'y'.repeat(40)}`);
    assert.notEqual(config['checksum/config'], base['checksum/config']);
    assert.equal(config['checksum/secret'], base['checksum/secret']);
    assert.notEqual(secret['checksum/secret'], base['checksum/secret']);
    assert.equal(secret['checksum/config'], base['checksum/config']);
  });

  test('unsafe or incomplete settings are refused with the value to fix', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['ci/default-values.yaml', '--set=replicaCount=2'], /replicaCount > 1 needs shared stores/],
      [['ci/default-values.yaml', '--set=replicaCount=2', '--set=redis.enabled=true', '--set=secrets.redisUrl=redis://r:6379'], /replicaCount > 1 needs shared stores/],
      [[], /config\.appBaseUrl is required/],
      [['ci/default-values.yaml', '--set=config.appBaseUrl=http://gatehouse.example.com'], /must start with https/],
      [['ci/default-values.yaml', '--set=config.okta.domain=dev-1.okta.com'], /both set/],
      [['ci/default-values.yaml', '--set=config.okta.clientId='], /config\.okta\.clientId is required/],
      [['ci/default-values.yaml', '--set=secrets.sessionSecret=short'], /at least 32 characters/],
      [['ci/default-values.yaml', '--set=database.type=postgres'], /secrets\.databaseUrl/],
      [['ci/default-values.yaml', '--set=config.okta.management.mode=apiToken'], /secrets\.oktaApiToken/],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await render(...args);
      assert.equal(code, 1, `accepted: ${args.join(' ')}`);
      assert.match(stderr, message);
    }
  });
});
