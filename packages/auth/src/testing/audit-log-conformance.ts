/**
 * The conformance suite every audit log runs (memory and SQLite today): recording, filters,
 * keyset pagination and the two aggregate queries the admin dashboards chart.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { AuditEvent, AuditLog } from '../types.ts';

const DAY = 86_400_000;
const DAY1 = Date.UTC(2026, 10, 20); // 2026-11-20T00:00:00Z

/** Registers the suite (node:test `describe`/`it`) for one audit log implementation. */
export function runAuditLogConformance(name: string, open: () => Promise<AuditLog>): void {
  describe(`audit log conformance: ${name}`, () => {
    let log: AuditLog;
    beforeEach(async () => {
      log = await open();
    });
    afterEach(async () => {
      await log.close();
    });

    it('stores every field and returns events newest first with increasing ids', async () => {
      const before = Date.now();
      const full: AuditEvent = {
        type: 'signin.succeeded',
        result: 'success',
        sub: '00u-zoë',
        email: 'zoë@gatehouse.test',
        sessionId: 'sess-1',
        ip: '203.0.113.0/24',
        userAgent: 'Firefox on macOS',
        detail: { returnTo: '/dashboards', mfa: true, attempts: 2, note: null },
        at: DAY1 + 1000,
      };
      await log.record(full);
      await log.record({ type: 'signin.failed', result: 'failure', reason: 'auth_state_mismatch' });
      const [latest, first] = await log.query();
      assert.ok(latest && first);
      assert.ok(latest.id > first.id);
      assert.deepEqual(first, { ...full, id: first.id });
      assert.deepEqual(latest, { type: 'signin.failed', result: 'failure', reason: 'auth_state_mismatch', id: latest.id, at: latest.at });
      assert.ok(latest.at >= before && latest.at <= Date.now(), 'the sink stamps `at` when absent');
    });

    it('filters by user, email, type, result and time window', async () => {
      await log.record({ type: 'signin.succeeded', result: 'success', sub: 'a', email: 'a@x.test', at: DAY1 });
      await log.record({ type: 'signin.failed', result: 'failure', sub: 'a', reason: 'r', at: DAY1 + 10 });
      await log.record({ type: 'signin.succeeded', result: 'success', sub: 'b', email: 'b@x.test', at: DAY1 + 20 });
      await log.record({ type: 'access.denied', result: 'failure', sub: 'b', at: DAY1 + 30 });
      const ats = async (query: Parameters<AuditLog['query']>[0]) => (await log.query(query)).map((event) => event.at - DAY1);
      assert.deepEqual(await ats({ sub: 'a' }), [10, 0]);
      assert.deepEqual(await ats({ email: 'b@x.test' }), [20]);
      assert.deepEqual(await ats({ type: 'signin.succeeded' }), [20, 0]);
      assert.deepEqual(await ats({ result: 'failure' }), [30, 10]);
      assert.deepEqual(await ats({ since: DAY1 + 10, until: DAY1 + 30 }), [20, 10], 'since inclusive, until exclusive');
      assert.deepEqual(await ats({ sub: 'b', result: 'failure', type: 'access.denied' }), [30]);
      assert.deepEqual(await ats({ sub: 'nobody' }), []);
    });

    it('pages newest first with limit and before (keyset), without gaps or repeats', async () => {
      for (let i = 0; i < 25; i++) await log.record({ type: 'signout', result: 'success', detail: { i }, at: DAY1 + i });
      const seen: number[] = [];
      let before: number | undefined;
      for (;;) {
        const page = await log.query({ limit: 10, ...(before === undefined ? {} : { before }) });
        if (page.length === 0) break;
        assert.ok(page.length <= 10);
        seen.push(...page.map((event) => Number(event.detail?.i)));
        before = page.at(-1)!.id;
      }
      assert.deepEqual(seen, Array.from({ length: 25 }, (_, i) => 24 - i));
      assert.equal((await log.query({ limit: 0 })).length, 0);
    });

    it('counts by UTC day and result for one type since a time', async () => {
      const events: AuditEvent[] = [
        { type: 'signin.succeeded', result: 'success', at: DAY1 - 1 }, // previous day, before `since`
        { type: 'signin.succeeded', result: 'success', at: DAY1 },
        { type: 'signin.succeeded', result: 'success', at: DAY1 + DAY - 1 },
        { type: 'signin.failed', result: 'failure', at: DAY1 + 5 }, // other type
        { type: 'signin.succeeded', result: 'failure', at: DAY1 + DAY },
        { type: 'signin.succeeded', result: 'success', at: DAY1 + 2 * DAY + 7 },
      ];
      for (const event of events) await log.record(event);
      assert.deepEqual(await log.countByDay('signin.succeeded', DAY1), [
        { day: '2026-11-20', result: 'success', count: 2 },
        { day: '2026-11-21', result: 'failure', count: 1 },
        { day: '2026-11-22', result: 'success', count: 1 },
      ]);
      assert.deepEqual(await log.countByDay('refresh.failed', DAY1), []);
    });

    it('counts failures by reason since a time, most frequent first', async () => {
      const failures: AuditEvent[] = [
        { type: 'signin.failed', result: 'failure', reason: 'groups_claim_missing', at: DAY1 },
        { type: 'access.denied', result: 'failure', reason: 'groups_claim_missing', at: DAY1 + 1 },
        { type: 'signin.failed', result: 'failure', reason: 'auth_state_mismatch', at: DAY1 + 2 },
        { type: 'signin.failed', result: 'failure', at: DAY1 + 3 },
        { type: 'signin.failed', result: 'failure', reason: 'old', at: DAY1 - 1 },
        { type: 'signin.succeeded', result: 'success', reason: 'ignored', at: DAY1 + 4 },
      ];
      for (const event of failures) await log.record(event);
      assert.deepEqual(await log.countFailuresByReason(DAY1), [
        { reason: 'groups_claim_missing', count: 2 },
        { reason: 'auth_state_mismatch', count: 1 },
        { reason: 'unknown', count: 1 },
      ]);
    });

    it('counts an aggregated row (detail.repeated) as the failures it stands for, and purges by age', async () => {
      await log.record({ type: 'access.denied', result: 'failure', reason: 'malformed_authorization_header', at: DAY1 + 10 });
      await log.record({ type: 'access.denied', result: 'failure', reason: 'malformed_authorization_header', at: DAY1 + 20, detail: { repeated: 41, windowSeconds: 60 } });
      assert.deepEqual(await log.countFailuresByReason(DAY1), [{ reason: 'malformed_authorization_header', count: 43 }]);
      assert.ok(log.purgeBefore, 'every backend purges by age');
      const older = (await log.query({ limit: 1000 })).filter((event) => event.at < DAY1 + 15).length;
      assert.ok(older > 0);
      assert.equal(await log.purgeBefore(DAY1 + 15), older);
      assert.ok((await log.query({ limit: 1000 })).every((event) => event.at >= DAY1 + 15));
    });
  });
}
