/**
 * Printing helpers the benchmarks share, so their figures line up: aligned lines (`line`), and the
 * result tables of the HTTP benchmarks (`Row`, `printTable`), which `run.ts` also writes as JSON.
 */
import { loadavg } from 'node:os';

/** The value at percentile `p` (0-100) of ascending `sorted` samples; NaN when there are none. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** One aligned result line: label, value, and optionally how it compares to its target. */
export function line(label: string, value: string, target?: string): void {
  console.log(`  ${label.padEnd(38)} ${value.padStart(14)}${target ? `   ${target}` : ''}`);
}

/** The 1, 5 and 15 min load averages: figures scale with free CPU, so a low one can be judged. */
export function loadAverage(): string {
  return loadavg().map((load) => load.toFixed(2)).join(' ');
}

/** One figure of a result table. Latencies in ms; what is absent prints as `—`. */
export interface Row {
  /** What was measured, e.g. `GET /api/me (session cookie)`. */
  figure: string;
  rps?: number;
  p50?: number;
  p99?: number;
  /** The compared quantity as printed, e.g. `0.83×`, `+12.3 MiB`. */
  measure?: string;
  /** The target, e.g. `≥ 0.80× reference`. */
  target?: string;
  /** Whether the target is met; absent for figures without one. */
  met?: boolean;
  /** 1-minute load average right after the figure was taken. */
  load: number;
  /** The server's requests per CPU-second in the measured run. */
  perCpuSecond?: number;
  /** CPU used during the run, % of one core: the server, and the load generator (autocannon only). */
  cpu?: { server: number; client?: number };
  /** Responses by status, when not all were what the route should answer. */
  statuses?: Record<string, number>;
  note?: string;
}

/** The 1-minute load average now, rounded for a table. */
export function load1(): number {
  return Math.round(loadavg()[0]! * 100) / 100;
}

const fixed = (value: number | undefined, digits: number) => (value === undefined || Number.isNaN(value) ? '—' : value.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits }));

/** The cells of a row, in {@link COLUMNS} order. */
function cells(row: Row): string[] {
  const cpu = row.cpu ? `${Math.round(row.cpu.server)}/${row.cpu.client === undefined ? '—' : Math.round(row.cpu.client)}` : '—';
  return [row.figure, fixed(row.rps, 0), fixed(row.p50, 2), fixed(row.p99, 2), row.measure ?? '—', row.target ?? '—', row.met === undefined ? '—' : row.met ? 'met' : 'MISSED', row.load.toFixed(2), cpu, fixed(row.perCpuSecond, 0)];
}

const COLUMNS = ['figure', 'req/s', 'p50 ms', 'p99 ms', 'ratio', 'target', 'met', 'load', 'cpu % srv/gen', 'req/cpu-s'];
// Right-aligned: the numbers.
const NUMERIC = new Set([1, 2, 3, 4, 7, 8, 9]);

/** Prints `rows` as an aligned table, then each row's note and unexpected statuses. */
export function printTable(rows: Row[]): void {
  const table = [COLUMNS, ...rows.map(cells)];
  const widths = COLUMNS.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  const format = (r: string[]) => `  ${r.map((cell, i) => (NUMERIC.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ')}`.trimEnd();
  console.log(format(table[0]!));
  console.log(`  ${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const r of table.slice(1)) console.log(format(r));
  for (const row of rows) {
    if (row.note) console.log(`  · ${row.figure}: ${row.note}`);
    if (row.statuses) console.log(`  · ${row.figure}: responses ${Object.entries(row.statuses).map(([status, n]) => `${status}×${n}`).join(', ')} ← not all as expected: its figures are not comparable`);
  }
}

/** The same rows as a Markdown table and their notes (for the README's Performance section). */
export function markdownTable(rows: Row[]): string {
  const body = rows.map((row) => `| ${cells(row).join(' | ')} |`);
  const notes = rows.filter((row) => row.note).map((row) => `- ${row.figure}: ${row.note}`);
  return [`| ${COLUMNS.join(' | ')} |`, `|${COLUMNS.map((_, i) => (NUMERIC.has(i) ? '---:' : '---')).join('|')}|`, ...body, ...(notes.length ? ['', ...notes] : [])].join('\n');
}

/** `value / reference`, the way every ratio target reads. */
export function ratio(value: number, reference: number): number {
  return reference > 0 ? value / reference : Number.NaN;
}
