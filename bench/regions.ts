/**
 * Sessions across regions (part of `npm run bench`): a throwaway PostgreSQL primary and two
 * streaming replicas (scripts/test-servers.ts), one regional store per "region" exactly as
 * `openStores` builds it for `DATABASE_READ_URL`. Prints how long a revocation in one region takes
 * to be honoured in the other (with that region's replica replaying, and with it paused), and how
 * much of the per-request read load still reaches the primary.
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { loadConfig } from '../packages/auth/src/config/index.ts';
import { createSessionManager, type SessionManager } from '../packages/auth/src/session/manager.ts';
import { openStores, type OpenedStores } from '../packages/auth/src/stores/factory.ts';
import type { RegionalSessionStore } from '../packages/auth/src/stores/postgres-regional.ts';
import { holdReplay, startPostgres, type TestPostgres } from '../scripts/test-servers.ts';
import { line, percentile } from './report.ts';

const SESSIONS = 2_000;
const VALIDATIONS = 20_000;
const REVOCATIONS = 100;

async function sql<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

async function caughtUp(primary: TestPostgres, replicas: TestPostgres[]): Promise<void> {
  const [{ lsn }] = (await sql<{ lsn: string }>(primary.url, 'SELECT pg_current_wal_insert_lsn()::text AS lsn')) as [{ lsn: string }];
  for (const replica of replicas) {
    while ((await sql<{ ok: boolean }>(replica.url, 'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [lsn]))[0]?.ok !== true) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

interface Region {
  stores: OpenedStores;
  store: RegionalSessionStore;
  sessions: SessionManager;
}

async function openRegion(primary: TestPostgres, replica: TestPostgres): Promise<Region> {
  const config = loadConfig({ NODE_ENV: 'test', SESSION_SECRET: 'bench-regions-session-secret-0123456789-abcdef', DATABASE_URL: primary.url, DATABASE_READ_URL: replica.url }, { envFile: false });
  const stores = await openStores(config);
  const sessions = await createSessionManager(config, stores.sessions, { events: stores.events });
  return { stores, store: stores.sessions as RegionalSessionStore, sessions };
}

async function create(region: Region, i: number): Promise<{ token: string; id: string }> {
  const { token, session } = await region.sessions.create({
    user: { sub: `00u-bench-${i}`, email: `user${i}@gatehouse.test`, name: `User ${i}`, groups: ['viewer'] },
    roles: ['viewer'],
    claims: { auth_time: Math.floor(Date.now() / 1000), amr: ['pwd'] },
    tokens: { idToken: 'id', accessToken: 'access', refreshToken: null },
    accessTokenExpiresAt: Date.now() + 3_600_000,
    userAgent: 'bench',
    ip: null,
  });
  return { token, id: session.id };
}

/** Revokes each session in `from` and measures until `to` refuses it; returns sorted ms. */
async function revocationTimes(from: Region, to: Region, sessions: Array<{ token: string; id: string }>): Promise<Float64Array> {
  const times = new Float64Array(sessions.length);
  for (const [i, session] of sessions.entries()) {
    if (!(await to.sessions.validate(session.token))) throw new Error('session not honoured before its revocation');
    const t0 = performance.now();
    await from.sessions.revoke(session.id);
    while (await to.sessions.validate(session.token)) await new Promise((resolve) => setImmediate(resolve));
    times[i] = performance.now() - t0;
  }
  return times.sort();
}

/** Runs the multi-region figures and prints them. */
export async function benchRegions(): Promise<void> {
  const primary = await startPostgres();
  const replicas = [await startPostgres({ replicaOf: primary }), await startPostgres({ replicaOf: primary })];
  const regions: Region[] = [];
  try {
    regions.push(await openRegion(primary, replicas[0]!), await openRegion(primary, replicas[1]!));
    const [a, b] = regions as [Region, Region];
    const made: Array<{ token: string; id: string }> = [];
    for (let i = 0; i < SESSIONS; i++) made.push(await create(a, i));
    await caughtUp(primary, replicas);

    // Read load: region B validates sessions made in region A, all already replicated.
    const before = { ...b.store.stats };
    const started = performance.now();
    for (let i = 0; i < VALIDATIONS; i++) await b.sessions.validate(made[(i * 7919) % made.length]!.token);
    const seconds = (performance.now() - started) / 1000;
    const reads = b.store.stats.replicaReads - before.replicaReads;
    const primaryReads = b.store.stats.primaryReads - before.primaryReads;
    const primaryWrites = b.store.stats.primaryWrites - before.primaryWrites;

    // A sign-in in A used at once in B: the replica has not replayed it yet, so the primary answers.
    const fresh = await create(a, SESSIONS);
    const missBefore = b.store.stats.primaryReads;
    const firstUse = !!(await b.sessions.validate(fresh.token));
    const missRetries = b.store.stats.primaryReads - missBefore;

    const replaying = await revocationTimes(a, b, made.slice(0, REVOCATIONS));
    await holdReplay(replicas[1]!.url, true, primary.url);
    const paused = await revocationTimes(a, b, made.slice(REVOCATIONS, 2 * REVOCATIONS));
    await holdReplay(replicas[1]!.url, false);

    console.log(`\nSessions across two regions (PostgreSQL primary + 2 streaming replicas, loopback; ${SESSIONS.toLocaleString('en')} sessions):`);
    const ms = (value: number) => `${value.toFixed(2)} ms`;
    line('cross-region revocation p50', ms(percentile(replaying, 50)), `p99 ${ms(percentile(replaying, 99))}, max ${ms(replaying.at(-1)!)} (${REVOCATIONS} revocations)`);
    line('… with the far replica paused, p50', ms(percentile(paused, 50)), `p99 ${ms(percentile(paused, 99))}: told by LISTEN/NOTIFY, not by replication`);
    line('validations in the reading region', `${Math.round(VALIDATIONS / seconds).toLocaleString('en')} ops/s`, `${VALIDATIONS.toLocaleString('en')} validations`);
    line('… answered by the replica', `${reads.toLocaleString('en')}`, `${((reads / VALIDATIONS) * 100).toFixed(1)} %`);
    line('… primary reads (misses, fences)', `${primaryReads.toLocaleString('en')}`, `${((primaryReads / VALIDATIONS) * 1000).toFixed(2)} per 1,000 validations`);
    line('… primary writes (sliding expiry)', `${primaryWrites.toLocaleString('en')}`, 'at most one per session per touch interval');
    line('first use of a brand-new session', firstUse ? 'honoured' : 'REFUSED', `${missRetries} primary read (replica miss retried)`);
  } finally {
    await Promise.allSettled(regions.map((region) => region.stores.close()));
    await Promise.allSettled(replicas.map((replica) => replica.stop()));
    await primary.stop();
  }
}
