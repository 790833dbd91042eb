/**
 * The chart's production pieces, rendered by the real helm: metrics on their own port (the
 * ServiceMonitor's, never the Ingress's), HorizontalPodAutoscaler, PodDisruptionBudget,
 * NetworkPolicy, topology spread, existing Secrets per concern, and the PrometheusRule alerts and
 * Grafana dashboard — whose every expression parses as PromQL (Prometheus' own grammar,
 * @prometheus-io/lezer-promql) and names only metrics the running app really exports, and whose
 * every alert has its runbook section in docs/operations.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parser } from '@prometheus-io/lezer-promql';
import pino from 'pino';
import { parseConfig } from '@gatehouse/auth/config';
import { startDashboard, type RunningDashboard } from '@gatehouse/dashboard/server';
import { container, find, podSpec, render, root, type Manifest, type Values } from './checks.ts';

const all = (manifests: Manifest[], kind: string) => manifests.filter((m) => m.kind === kind);

/** The metric names a PromQL expression selects, from Prometheus' own grammar; throws on a syntax error. */
function metricNames(expr: string): string[] {
  const tree = parser.parse(expr);
  const names: string[] = [];
  let error = -1;
  tree.iterate({
    enter(node) {
      if (node.type.isError) error = node.from;
      // A VectorSelector's metric name is its Identifier child (label names are LabelName nodes).
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') names.push(expr.slice(node.from, node.to));
    },
  });
  if (error >= 0) throw new Error(`PromQL syntax error at ${error}: ${expr.slice(Math.max(0, error - 20), error + 20)}`);
  return names;
}

describe('Helm chart: production pieces', () => {
  let production: Manifest[];
  let exported: Set<string>;
  let dashboard: RunningDashboard;
  let tmp: string;

  before(async () => {
    const rendered = await render('ci/production-values.yaml');
    assert.equal(rendered.code, 0, rendered.stderr);
    production = rendered.manifests;
    // The metric names the app really exports: scraped from a running app's metrics listener.
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-'));
    const config = parseConfig({ NODE_ENV: 'test', DATABASE_URL: `file:${tmp}/test.db` });
    dashboard = await startDashboard({ config, port: 0, hostname: '127.0.0.1', logger: pino({ level: 'silent' }) });
    assert.ok(dashboard.metricsUrl, 'the app serves /metrics on its own port');
    const text = await (await fetch(dashboard.metricsUrl!)).text();
    exported = new Set([...text.matchAll(/^# TYPE (\S+) (\w+)$/gm)].flatMap(([, name, type]) => (type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name!])));
    assert.ok(exported.has('gatehouse_auth_events_total'));
  });
  after(async () => {
    await dashboard?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('metrics have their own port: set as METRICS_PORT, named in the Service, scraped by the ServiceMonitor, never routed by the Ingress', () => {
    const port = Number(find(production, 'ConfigMap')!.data!.METRICS_PORT);
    assert.equal(port, 9464);
    const ports = container(production).ports as Array<{ name: string; containerPort: number }>;
    assert.deepEqual(ports.map((p) => [p.name, p.containerPort]), [['http', 3000], ['metrics', port]]);
    const service = find(production, 'Service')!.spec!.ports as Array<{ name: string; port: number }>;
    assert.deepEqual(service.find((p) => p.name === 'metrics')?.port, port);
    const endpoints = find(production, 'ServiceMonitor')!.spec!.endpoints as Array<{ port: string; path: string }>;
    assert.deepEqual(endpoints.map((e) => [e.port, e.path]), [['metrics', '/metrics']]);
    const backends = (find(production, 'Ingress')!.spec!.rules as Array<{ http: { paths: Array<{ backend: { service: { port: Values } } }> } }>)
      .flatMap((r) => r.http.paths.map((p) => p.backend.service.port));
    assert.ok(backends.length > 0);
    for (const backend of backends) assert.deepEqual(backend, { name: 'http' }, 'the Ingress routes the app port only');
    assert.notEqual(port, 3000);
  });

  test('autoscaled: an HPA owns the replica count, a PDB and topology spread apply', () => {
    const hpa = find(production, 'HorizontalPodAutoscaler')!.spec!;
    assert.deepEqual([hpa.minReplicas, hpa.maxReplicas], [3, 10]);
    assert.equal((hpa.scaleTargetRef as Values).name, find(production, 'Deployment')!.metadata.name);
    assert.equal(find(production, 'Deployment')!.spec!.replicas, undefined, 'replicas is left to the HPA');
    assert.equal(find(production, 'PodDisruptionBudget')!.spec!.maxUnavailable, 1);
    const spread = podSpec(production).topologySpreadConstraints as Array<{ topologyKey: string; whenUnsatisfiable: string }>;
    assert.deepEqual(spread.map((s) => s.topologyKey), ['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
    assert.ok(spread.every((s) => s.whenUnsatisfiable === 'ScheduleAnyway'));
  });

  test('one pod: no PDB (it would block drains), no spread, no HPA; autoscaling on SQLite is refused', async () => {
    const single = (await render('ci/default-values.yaml')).manifests;
    assert.equal(find(single, 'PodDisruptionBudget'), undefined);
    assert.equal(find(single, 'HorizontalPodAutoscaler'), undefined);
    assert.equal(podSpec(single).topologySpreadConstraints, undefined);
    const refused = await render('ci/default-values.yaml', '--set=autoscaling.enabled=true');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /autoscaling\.enabled needs shared stores/);
    const inverted = await render('ci/production-values.yaml', '--set=autoscaling.minReplicas=12');
    assert.match(inverted.stderr, /minReplicas must not exceed/);
  });

  test('the NetworkPolicy lets in the Ingress controller (app port) and Prometheus (metrics port) only; out: DNS, the IdP, the stores', () => {
    const policy = find(production, 'NetworkPolicy')!.spec!;
    assert.deepEqual(policy.policyTypes, ['Ingress', 'Egress']);
    const ingress = policy.ingress as Array<{ from: Values[]; ports: Array<{ port: string }> }>;
    assert.deepEqual(ingress.map((r) => r.ports.map((p) => p.port)), [['http'], ['metrics']]);
    assert.deepEqual(ingress[0]!.from, [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }]);
    assert.deepEqual(ingress[1]!.from, [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }]);
    const egress = policy.egress as Array<{ to: Values[]; ports: Array<{ port: number; protocol: string }> }>;
    assert.deepEqual(egress.map((r) => r.ports.map((p) => `${p.port}/${p.protocol}`)), [['53/UDP', '53/TCP'], ['443/TCP'], ['5432/TCP', '6379/TCP']]);
    assert.deepEqual((egress[1]!.to[0]!.ipBlock as Values).except, ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']);
  });

  test('existing Secrets per concern: each key mounted from its own Secret; the chart makes one only for keys left to it', async () => {
    assert.equal(find(production, 'Secret'), undefined);
    const sources = ((podSpec(production).volumes as Values[]).find((v) => v.name === 'secrets')!.projected as { sources: Array<{ secret: { name: string; items: Array<{ key: string }> } }> }).sources;
    assert.deepEqual(Object.fromEntries(sources.map((s) => [s.secret.name, s.secret.items.map((i) => i.key)])), {
      'gatehouse-okta-client': ['OKTA_CLIENT_SECRET'],
      'gatehouse-okta-management': ['OKTA_MANAGEMENT_PRIVATE_KEY'],
      'gatehouse-session': ['SESSION_SECRET'],
      'gatehouse-stores': ['DATABASE_URL', 'REDIS_URL'],
    });
    // Mixed: the session secret from an existing Secret, the client secret from values.
    const mixed = (await render('ci/default-values.yaml', '--set=secrets.existing.sessionSecret=team-session', '--set=secrets.sessionSecret=')).manifests;
    assert.deepEqual(Object.keys(find(mixed, 'Secret')!.data!), ['OKTA_CLIENT_SECRET']);
    const mixedSources = ((podSpec(mixed).volumes as Values[]).find((v) => v.name === 'secrets')!.projected as { sources: Array<{ secret: { name: string } }> }).sources;
    assert.deepEqual(mixedSources.map((s) => s.secret.name).sort(), ['gatehouse', 'team-session']);
    // Renaming an existing Secret rolls the pods.
    const renamed = (await render('ci/production-values.yaml', '--set=secrets.existing.stores=gatehouse-stores-v2')).manifests;
    const checksum = (m: Manifest[]) => ((find(m, 'Deployment')!.spec!.template as { metadata: { annotations: Record<string, string> } }).metadata.annotations['checksum/secret']);
    assert.notEqual(checksum(renamed), checksum(production));
  });

  test('the alerts: each one asked for, valid PromQL over metrics the app exports, with a runbook section in docs/operations.md', () => {
    const rules = ((find(production, 'PrometheusRule')!.spec!.groups as Array<{ rules: Array<{ alert: string; expr: string; annotations: Record<string, string> }> }>)[0]!).rules;
    assert.deepEqual(rules.map((r) => r.alert), [
      'GatehouseSignInFailures', 'GatehouseGroupsClaimMissing', 'GatehouseRefreshFailures', 'GatehouseStoreErrors',
      'GatehouseIdpUnreachable', 'GatehouseServerErrors', 'GatehouseMetricsDown',
    ]);
    const runbook = fs.readFileSync(path.join(root, 'docs/operations.md'), 'utf8');
    const anchors = new Set([...runbook.matchAll(/^#{2,4} (.+)$/gm)].map(([, title]) => title!.trim().toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-')));
    for (const rule of rules) {
      const names = metricNames(rule.expr);
      assert.ok(names.length > 0, `${rule.alert}: no metric`);
      // `up` is Prometheus' own series for every scrape target.
      assert.deepEqual(names.filter((n) => n !== 'up' && !exported.has(n)), [], `${rule.alert} uses metrics the app does not export`);
      assert.match(rule.expr, /namespace="gatehouse",service="gatehouse"/, `${rule.alert} is not scoped to the release`);
      assert.equal(rule.annotations.runbook_url, `https://wiki.example.com/gatehouse/operations#${rule.alert.toLowerCase()}`);
      assert.ok(anchors.has(rule.alert.toLowerCase()), `docs/operations.md has no section "### ${rule.alert}"`);
      assert.ok(rule.annotations.summary && rule.annotations.description);
    }
    const signIn = rules[0]!.expr;
    assert.match(signIn, /sum by \(reason\)/);
    assert.match(signIn, /\[5m\]/);
    assert.match(rules[1]!.expr, /reason="groups_claim_missing"/);
    assert.throws(() => metricNames('sum(rate(gatehouse_http_requests_total[5m])'), /syntax error/, 'the PromQL check can fail');
  });

  test('the Grafana dashboard: a ConfigMap for the sidecar, every panel valid PromQL over exported metrics', () => {
    const configMap = all(production, 'ConfigMap').find((m) => m.metadata.name.endsWith('-dashboard'))!;
    assert.equal((configMap.metadata as unknown as { labels: Record<string, string> }).labels.grafana_dashboard, '1');
    const dashboardJson = JSON.parse(configMap.data!['gatehouse.json']!) as { uid: string; panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
    assert.equal(dashboardJson.uid, 'gatehouse');
    assert.ok(dashboardJson.panels.length >= 8);
    const used = new Set<string>();
    for (const panel of dashboardJson.panels) {
      for (const target of panel.targets) {
        const expr = target.expr.replaceAll('$namespace', 'gatehouse').replaceAll('$service', 'gatehouse');
        for (const name of metricNames(expr)) used.add(name);
      }
    }
    assert.deepEqual([...used].filter((n) => !exported.has(n)), [], 'dashboard panels on metrics the app does not export');
    for (const signal of ['gatehouse_auth_events_total', 'gatehouse_http_requests_total', 'gatehouse_active_sessions']) assert.ok(used.has(signal), `no panel on ${signal}`);
  });
});
