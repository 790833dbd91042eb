/**
 * Printing helpers the two benchmarks (`run.ts`, `http.ts`) share, so their figures line up.
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
