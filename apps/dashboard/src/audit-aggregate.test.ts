// Unauthenticated requests cannot fill the audit log: repeats are aggregated per client and window,
// counted by a metric, and audit entries past AUDIT_RETENTION_DAYS are purged with expired sessions.
import assert from 'node:assert/strict';
import { after, before, describe, mock, test } from 'node:test';
import { MemoryAuditLog, MemorySessionStore } from '@gatehouse/auth/stores/memory';
import { schedulePurge } from '@gatehouse/auth/stores/purge';
import { aggregateAnonymousRepeats } from './audit-aggregate.ts';
import { metricsApp } from './metrics-server.ts';
import { createHarness, type Harness } from './testing/harness.ts';

describe('audit flood', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({ emulator: true, env: { TRUST_PROXY_HOPS: '1' } });
  });
  after(() => h.close());

  test('1,000 sign-ins started and never finished from one network write one audit row, not 1,000; the metric counts the rest', async () => {
    // Regression: every /auth/login wrote a signin.started row (77,000 rows after a short load run).
    for (let i = 0; i < 1000; i++) await h.request('/auth/login', { headers: { 'X-Forwarded-For': `198.51.100.${i % 200}` } });
    const rows = await h.deps.audit.query({ type: 'signin.started', limit: 2000 });
    assert.equal(rows.length, 1, `${rows.length} rows`);
    assert.equal(rows[0]?.ip, '198.51.100.0/24');
    const text = await (await metricsApp(h.deps.metrics).request('/metrics')).text();
    assert.match(text, /^gatehouse_audit_events_aggregated_total\{type="signin.started",reason=""\} 999$/m);
    // Another network gets its own row.
    await h.request('/auth/login', { headers: { 'X-Forwarded-For': '203.0.113.9' } });
    assert.equal((await h.deps.audit.query({ type: 'signin.started' })).length, 2);
  });

  test('a signed-in user\'s events are never aggregated', async () => {
    for (let i = 0; i < 3; i++) await h.deps.audit.record({ type: 'access.denied', result: 'failure', reason: 'role_missing', sub: '00uviewer00gatehouse', ip: '198.51.100.0/24' });
    assert.equal((await h.deps.audit.query({ type: 'access.denied', sub: '00uviewer00gatehouse' })).length, 3);
  });
});

describe('aggregateAnonymousRepeats', () => {
  test('the window\'s repeats become one row with the count when the window ends', async () => {
    let now = 1_000_000;
    const log = new MemoryAuditLog();
    const audit = aggregateAnonymousRepeats(log, { windowMs: 60_000, now: () => now });
    const bad = { type: 'access.denied', result: 'failure', reason: 'malformed_authorization_header', ip: '192.0.2.0/24' } as const;
    for (let i = 0; i < 500; i++) await audit.record({ ...bad, at: now + i, detail: { path: `/api/me?${i}` } });
    assert.equal((await log.query()).length, 1);
    now += 61_000;
    await audit.record({ ...bad, at: now });
    const rows = await log.query();
    assert.equal(rows.length, 3);
    const aggregated = rows.find((row) => row.detail?.repeated !== undefined);
    assert.equal(aggregated?.detail?.repeated, 499);
    assert.equal(aggregated?.detail?.windowSeconds, 60);
    assert.equal(aggregated?.detail?.path, undefined, 'no per-request detail on the aggregate');
    await audit.close();
    assert.equal((await log.query()).length, 3, 'nothing left to flush: the new window had no repeats');
  });
});

describe('AUDIT_RETENTION_DAYS', () => {
  test('audit entries older than the retention are purged on the session purge schedule', async (t) => {
    mock.timers.enable({ apis: ['setInterval'] });
    t.after(() => mock.timers.reset());
    const day = 86_400_000;
    const now = Date.now();
    const log = new MemoryAuditLog();
    await log.record({ type: 'signin.failed', result: 'failure', at: now - 91 * day });
    await log.record({ type: 'signin.failed', result: 'failure', at: now - 89 * day });
    const stop = schedulePurge(new MemorySessionStore(), { intervalMs: 60_000, audit: { log, retentionDays: 90, now: () => now } });
    mock.timers.tick(60_000);
    stop();
    await new Promise((resolve) => setImmediate(resolve));
    const left = await log.query();
    assert.equal(left.length, 1);
    assert.equal(left[0]?.at, now - 89 * day);
  });
});
