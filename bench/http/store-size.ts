/**
 * Store size (`npm run bench -- --only stores`): `GET /api/me` throughput over a pool of real
 * sessions, with 1k sessions in the store and then with 1M (BENCH_STORE_SESSIONS), for SQLite and
 * for PostgreSQL (a throwaway server, `scripts/test-servers.ts`). Target: within 10 %.
 *
 * Each request carries the next cookie of the pool of 1k working-set sessions, so the store is
 * asked for many keys (as many users would), not one row a cache keeps hot. The filler rows are
 * added while the same server keeps running (`sessions-bulk.ts`).
 */
import { startPostgres, type TestServer } from '../../scripts/test-servers.ts';
import { ratio, type Row } from '../report.ts';
import type { LoadGenerator } from './load.ts';
import { createWorkingSet, fillPostgres, fillSqlite, type Fill } from './sessions-bulk.ts';
import { CONNECTIONS, measure, perCpuNote, rowOf, startEmulatorProcess, startServer, WARMUP_SECONDS } from './stack.ts';

const WORKING_SET = 1_000;
const LARGE = Number(process.env.BENCH_STORE_SESSIONS ?? 1_000_000);
// 10 %: the bound, either way (a faster large run is noise of the same size).
const TOLERANCE = 0.1;

const count = (n: number) => (n >= 1_000_000 && n % 1_000_000 === 0 ? `${n / 1_000_000}M` : n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : n.toLocaleString('en'));

interface Backend {
  name: string;
  /** `undefined`: the server's own SQLite file. */
  databaseUrl?: string;
  fill(databaseUrl: string, total: number): Promise<Fill> | Fill;
}

async function one(load: LoadGenerator, issuer: string, backend: Backend): Promise<Row[]> {
  const server = await startServer(issuer, backend.databaseUrl ? { databaseUrl: backend.databaseUrl } : {});
  try {
    const cookies = await createWorkingSet(server.env, server.target.cookieName, WORKING_SET);
    const url = `${server.target.url}/api/me`;
    // Nothing to add: PostgreSQL's statistics are then taken of the small table too, as after the fill.
    await backend.fill(server.env.DATABASE_URL!, WORKING_SET);
    // A fresh server: its JIT and the store's caches first warm up on this route, or the 1k run
    // would be the cold one and any later run look faster.
    await load.run({ url, cookies, connections: CONNECTIONS, seconds: WARMUP_SECONDS * 2 });
    const small = await measure(load, server.child, { url, cookies });
    const filled = await backend.fill(server.env.DATABASE_URL!, LARGE);
    const large = await measure(load, server.child, { url, cookies });
    const r = ratio(large.rps, small.rps);
    return [
      rowOf(`GET /api/me, ${backend.name}, ${count(WORKING_SET)} sessions`, small, { measure: '1.00×' }),
      rowOf(`GET /api/me, ${backend.name}, ${count(WORKING_SET + filled.rows)} sessions`, large, {
        measure: `${r.toFixed(2)}×`,
        target: `${(1 - TOLERANCE).toFixed(2)}–${(1 + TOLERANCE).toFixed(2)}× ${count(WORKING_SET)}`,
        met: Math.abs(r - 1) <= TOLERANCE,
        note: `${perCpuNote(large, small)}; ${filled.rows.toLocaleString('en')} rows added in bulk in ${filled.seconds.toFixed(1)} s; requests rotate over ${count(WORKING_SET)} real sessions`,
      }),
    ];
  } finally {
    await server.stop();
  }
}

/** Runs SQLite, then PostgreSQL; returns their rows. */
export async function benchStoreSize(load: LoadGenerator): Promise<Row[]> {
  const rows: Row[] = [];
  const emulator = await startEmulatorProcess();
  let postgres: TestServer | undefined;
  try {
    rows.push(...(await one(load, emulator.issuer, { name: 'SQLite', fill: fillSqlite })));
    postgres = await startPostgres();
    rows.push(...(await one(load, emulator.issuer, { name: 'PostgreSQL', databaseUrl: postgres.url, fill: fillPostgres })));
  } finally {
    await postgres?.stop();
    await emulator.child.stop();
  }
  return rows;
}
