/**
 * `npm run bench`: every benchmark in turn; `npm run bench -- --only http,stores` runs some of them
 * (names below). It prints figures with their ratio and target and never fails the build; `npm
 * test` does not run it. The HTTP figures (http, stores, sign-ins) are also written to
 * `bench/results/latest.json` and `latest.md` (a Markdown table for the README).
 *
 * Knobs (environment): BENCH_LOADGEN (autocannon | wrk), BENCH_SECONDS and BENCH_WARMUP_SECONDS per
 * load, BENCH_STORE_SESSIONS, BENCH_SIGN_INS, BENCH_SIGN_IN_SECONDS, BENCH_SIGN_IN_CONCURRENCY,
 * BENCH_CALLBACK_SIGN_INS — each described where it is read.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { startLoadGenerator, type LoadGenerator } from './http/load.ts';
import { benchRoutes } from './http/routes.ts';
import { benchSignIns } from './http/sign-in-memory.ts';
import { CONNECTIONS, SECONDS, WARMUP_SECONDS } from './http/stack.ts';
import { benchStoreSize } from './http/store-size.ts';
import { benchLive } from './live.ts';
import { benchRegions } from './regions.ts';
import { loadAverage, markdownTable, printTable, type Row } from './report.ts';
import { benchSessions } from './sessions.ts';

interface Bench {
  title: string;
  /** A table bench returns rows; the others print their own lines. */
  run(load: LoadGenerator): Promise<Row[] | void>;
}

const BENCHES: Record<string, Bench> = {
  sessions: { title: 'Session validation in-process (bench/sessions.ts)', run: () => benchSessions() },
  http: { title: 'Per-request path over HTTP (bench/http/routes.ts)', run: (load) => benchRoutes(load) },
  stores: { title: 'GET /api/me with 1k and 1M sessions in the store (bench/http/store-size.ts)', run: (load) => benchStoreSize(load) },
  'sign-ins': { title: 'Sign-ins: callback latency and server memory (bench/http/sign-in-memory.ts)', run: () => benchSignIns() },
  live: { title: 'Live pages (bench/live.ts)', run: () => benchLive() },
  regions: { title: 'Sessions across regions (bench/regions.ts)', run: () => benchRegions() },
};

const { values } = parseArgs({ options: { only: { type: 'string' } } });
const selected = values.only ? values.only.split(',').map((name) => name.trim()).filter(Boolean) : Object.keys(BENCHES);
const unknown = selected.filter((name) => !(name in BENCHES));
if (unknown.length > 0) {
  console.error(`npm run bench: no benchmark named ${unknown.join(', ')}; choose from ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}

const load = await startLoadGenerator();
const started = new Date();
console.log(`Gatehouse benchmarks — ${started.toISOString()}, Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? '?'}), load average ${loadAverage()}`);
console.log(`HTTP loads: ${load.name}, its own process, ${CONNECTIONS} connections, ${SECONDS} s after ${WARMUP_SECONDS} s of warm-up; each server in its own process.`);
console.log('Ratios are of figures of this run; "load" is the 1-minute load average after each figure (above the CPU count, other work shared the machine).\n');

const tables: Record<string, Row[]> = {};
try {
  for (const name of selected) {
    const bench = BENCHES[name]!;
    console.log(`${bench.title}`);
    const rows = await bench.run(load);
    if (rows) {
      tables[name] = rows;
      printTable(rows);
    }
    console.log('');
  }
} finally {
  await load.close();
}

if (Object.keys(tables).length > 0) {
  const dir = new URL('./results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model.trim() ?? null, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: `${process.platform} ${process.arch}` };
  const summary = { date: started.toISOString(), finished: new Date().toISOString(), machine, loadGenerator: load.name, connections: CONNECTIONS, seconds: SECONDS, warmupSeconds: WARMUP_SECONDS, loadAverageAtEnd: loadavg(), tables };
  writeFileSync(new URL('latest.json', dir), `${JSON.stringify(summary, null, 2)}\n`);
  const heading = `${started.toISOString().slice(0, 10)}, ${machine.cpus} cores (${machine.cpuModel}), Node ${machine.node}, ${load.name}, ${CONNECTIONS} connections, ${SECONDS} s per load`;
  const markdown = Object.entries(tables).map(([name, rows]) => `**${BENCHES[name]!.title}**\n\n${markdownTable(rows)}\n`).join('\n');
  writeFileSync(new URL('latest.md', dir), `${heading}\n\n${markdown}`);
  console.log(`Results: bench/results/latest.json and latest.md (load average at the end ${loadAverage()}).`);
}
