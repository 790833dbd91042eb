// /metrics off the public port: startDashboard serves it on its own listener (METRICS_PORT), and
// the app port answers 404 for it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { loadConfig } from '@gatehouse/auth/config';
import { startDashboard } from './server.ts';

describe('metrics listener', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gh-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('metrics are served on METRICS_PORT only; the public port answers 404 for /metrics', async () => {
    // Regression: /metrics was public on the app port, which the chart's Ingress routes.
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: `file:${join(dir, 'gatehouse.db')}`, SESSION_SECRET: 'metrics-test-secret-0123456789-abcdefghij' }, { envFile: false, cwd: dir });
    assert.equal(config.metrics.port, 9464, 'the default port');
    const running = await startDashboard({ config, port: 0, metricsPort: 0, hostname: '127.0.0.1', logger: pino({ level: 'silent' }) });
    try {
      const app = running.url.replace('localhost', '127.0.0.1');
      assert.equal((await fetch(`${app}/healthz`)).status, 200);
      assert.equal((await fetch(`${app}/metrics`)).status, 404);
      assert.ok(running.metricsUrl);
      const scrape = await fetch(running.metricsUrl.replace('localhost', '127.0.0.1'));
      assert.equal(scrape.status, 200);
      const text = await scrape.text();
      assert.match(text, /^gatehouse_http_requests_total\{method="GET",[^}]*status="404"\} 1$/m, 'the app port counted its own 404 for /metrics');
      assert.equal((await fetch(running.metricsUrl.replace('localhost', '127.0.0.1').replace('/metrics', '/healthz'))).status, 404, 'nothing else on the metrics port');
    } finally {
      await running.close();
    }
    await assert.rejects(fetch(running.metricsUrl!.replace('localhost', '127.0.0.1')), 'the listener closes with the app');
  });
});
