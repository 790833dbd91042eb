import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { CHART_THEME, chartCacheStats, renderChart, type ChartSpec } from './render.ts';

interface Row {
  day: string;
  result: string;
  count: number;
}

/** A stacked bar chart like the sign-ins chart; `width` keeps each test's shape its own. */
function barSpec(rows: Row[], width: number): ChartSpec {
  return {
    width,
    height: 200,
    data: { values: rows },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'day', type: 'ordinal' },
      y: { field: 'count', type: 'quantitative', stack: 'zero', axis: { tickMinStep: 1, format: 'd' } },
      color: { field: 'result', type: 'nominal', scale: { domain: ['ok', 'failed'] } },
    },
  };
}

/** The plain Vega-Lite → Vega → SVG path with no cache at all: what every chart must equal. */
async function referenceSvg(spec: ChartSpec): Promise<string> {
  const themed = { ...spec, config: { ...CHART_THEME, ...(spec.config ?? {}) } } as TopLevelSpec;
  const view = new View(parse(compile(structuredClone(themed)).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const days = (counts: number[]): Row[] =>
  counts.flatMap((count, i) => [
    { day: `2026-01-${String(i + 1).padStart(2, '0')}`, result: 'ok', count },
    { day: `2026-01-${String(i + 1).padStart(2, '0')}`, result: 'failed', count: count % 3 },
  ]);

describe('renderChart', () => {
  test('draws the same SVG as an uncached render, for data of every size in any order', async () => {
    // Large, then empty, then small, then large again: a shape reused across data must not keep
    // the previous data's axes, domains or layout.
    for (const counts of [[5, 40, 2, 9, 11, 0, 3], [], [1], [2, 3, 1], [120, 4, 7, 300, 2, 0, 1, 1, 9, 14]]) {
      const spec = barSpec(days(counts), 401);
      assert.equal(await renderChart(spec), await referenceSvg(spec), `rows for counts ${JSON.stringify(counts)}`);
    }
  });

  test('regression: new data gives a fresh chart (cached by data, not by time)', async () => {
    const before = days([3, 1, 4]);
    const first = await renderChart(barSpec(before, 402));
    // One more sign-in on the last day, as after a new sign-in between two page loads.
    const after = days([3, 1, 5]);
    const second = await renderChart(barSpec(after, 402));
    assert.notEqual(second, first);
    assert.equal(second, await referenceSvg(barSpec(after, 402)));
    // The first data again: served from the cache, identical, and not drawn again.
    const drawn = chartCacheStats().rendered;
    assert.equal(await renderChart(barSpec(days([3, 1, 4]), 402)), first);
    assert.equal(chartCacheStats().rendered, drawn);
  });

  test('concurrent calls for the same chart share one render', async () => {
    const { rendered, svgHits } = chartCacheStats();
    const svgs = await Promise.all(Array.from({ length: 8 }, () => renderChart(barSpec(days([7, 7]), 403))));
    assert.equal(new Set(svgs).size, 1);
    assert.equal(chartCacheStats().rendered, rendered + 1);
    assert.equal(chartCacheStats().svgHits, svgHits + 7);
  });

  test('compiles a chart shape once, whatever its data', async () => {
    const { shapesCompiled } = chartCacheStats();
    for (let n = 0; n < 4; n++) await renderChart(barSpec(days([n, n + 1]), 404));
    assert.equal(chartCacheStats().shapesCompiled, shapesCompiled + 1);
  });

  test('keeps the rendered-SVG cache bounded', async () => {
    for (let n = 0; n < 140; n++) await renderChart(barSpec(days([n]), 405));
    const { svgEntries, shapeEntries } = chartCacheStats();
    assert.ok(svgEntries <= 128, `${svgEntries} SVGs cached`);
    assert.ok(shapeEntries <= 32, `${shapeEntries} shapes cached`);
  });

  test('leaves the caller\'s rows untouched', async () => {
    const rows = days([2, 6]);
    const copy = structuredClone(rows);
    await renderChart(barSpec(rows, 406));
    assert.deepEqual(rows, copy);
    assert.deepEqual(rows.map((row) => Object.getOwnPropertySymbols(row).length), rows.map(() => 0));
  });
});
