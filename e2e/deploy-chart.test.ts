/**
 * Static checks of the Helm chart in deploy/helm/gatehouse, without Helm (it does not exist on the
 * CI machine); the rendered chart is checked in deploy-chart-render.test.ts, the image in
 * deploy-image.test.ts.
 * - the chart's plain YAML parses; values.yaml and every ci/*-values.yaml (merged over it, as
 *   Helm merges) pass values.schema.json, and the schema refuses weakened or unknown settings;
 * - every `.Values.…` a template reads exists in values.yaml; every `include` names a defined
 *   template; every control block is closed;
 * - every variable the chart sets is one the config schema knows.
 * What is NOT checked here (no helm): `helm lint` itself, and installing into a cluster.
 */
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv, type ValidateFunction } from 'ajv';
import { SECRET_VARIABLES } from '@gatehouse/auth/config';
import {
  chartDir, ciFiles as listCiFiles, defaultValues as defaults, isMap, knownVariables, mergeValues, readTemplate, readYaml, root,
  templateFiles as listTemplates, type Values,
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
});
