/**
 * The chart's own files, before Helm: Chart.yaml, and values.schema.json under Ajv in strict mode
 * (values.yaml and every ci/*-values.yaml merged over it pass; weakened hardening, unknown keys and
 * wrong types are refused). Helm itself enforces the same schema at install and template time
 * (chart-render.test.ts checks that, with `helm lint --strict`, `helm template` and the
 * Kubernetes schemas); the image is checked in deploy/image/*.test.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv, type ValidateFunction } from 'ajv';
import { chartDir, ciFiles as listCiFiles, defaultValues as defaults, mergeValues, readYaml, root, type Values } from './checks.ts';

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

  test('the four scenarios exist and each passes the schema merged over values.yaml', () => {
    assert.deepEqual([...ciFiles].sort(), ['default-values.yaml', 'ha-redis-values.yaml', 'ingress-values.yaml', 'production-values.yaml']);
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
