/**
 * Server-side charts: a Vega-Lite spec is compiled to Vega and rendered headless to an SVG
 * string, so pages show charts without any client script.
 *
 * Rendering costs ~25 ms of CPU per chart, most of it in `compile` (Vega-Lite → Vega), `parse`
 * (Vega → dataflow) and the View's set-up, and the page shows five charts. Two caches keep that
 * off the request path, both keyed by content, never by time, so a chart is always drawn from
 * the data it is given:
 * - rendered SVG, by a SHA-256 of the whole spec including its rows (same data → same SVG);
 * - the parsed dataflow per chart *shape* (the spec with its inline rows taken out), so new data
 *   only pays for a View and the drawing; the rows are bound to a fresh View each time (a reused
 *   View keeps layout state from the previous data and draws slightly different SVG).
 * @see https://vega.github.io/vega/usage/#view-api (View#toSVG with renderer 'none')
 * @see https://vega.github.io/vega/docs/api/view/#view_data (binding rows to a named dataset)
 */
import { createHash } from 'node:crypto';
import { parse, View, type Runtime } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { LruCache } from './lru.ts';

/**
 * The Gatehouse chart theme (Vega-Lite `config`): colours readable on both the light and the
 * dark theme; the background stays transparent so the card behind the chart shows through, and
 * text is re-coloured by the stylesheet.
 */
export const CHART_THEME = {
  background: null,
  font: 'system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif',
  view: { stroke: null },
  axis: {
    labelColor: '#8a93a3',
    titleColor: '#8a93a3',
    gridColor: '#8a93a333',
    domainColor: '#8a93a3',
    tickColor: '#8a93a3',
    labelFontSize: 12,
    titleFontSize: 13,
  },
  legend: { labelColor: '#8a93a3', titleColor: '#8a93a3', labelFontSize: 12, titleFontSize: 13, orient: 'bottom' },
  title: { color: '#8a93a3' },
  range: { category: ['#3b82f6', '#ef4444', '#10b981', '#f59e0b', '#8b5cf6', '#06b6d4', '#ec4899', '#84cc16'] },
} as const;

/** Name of the dataset that a chart shape's inline rows are bound to at render time. */
const ROWS_DATASET = 'gatehouse_rows';

// 128 SVGs of ~15–30 KB (≤ 4 MB): every period and filter of the page with room for the
// previous data of each; a miss costs one render (~10 ms), so a small bound is cheap.
const SVG_CACHE_ENTRIES = 128;
// 32 shapes: the page has five; the rest is head-room for new charts, not for data.
const SHAPE_CACHE_ENTRIES = 32;

const svgCache = new LruCache<Promise<string>>(SVG_CACHE_ENTRIES);
const shapeCache = new LruCache<Runtime>(SHAPE_CACHE_ENTRIES);
const stats = { svgHits: 0, rendered: 0, shapesCompiled: 0 };

/** Spec shape accepted by {@link renderChart}: any Vega-Lite spec; data is inlined by the caller. */
export type ChartSpec = TopLevelSpec;

/** What the chart caches hold and did since start-up (for tests and diagnostics). */
export interface ChartCacheStats {
  /** Calls answered with an SVG already rendered (or being rendered) for the same spec and rows. */
  svgHits: number;
  /** Charts actually drawn. */
  rendered: number;
  /** Chart shapes compiled and parsed. */
  shapesCompiled: number;
  svgEntries: number;
  shapeEntries: number;
}

/**
 * Renders a Vega-Lite spec to an SVG string with the Gatehouse theme.
 * Vega escapes text it writes into the SVG, so data values cannot inject markup.
 *
 * Results are memoised by the spec's content (rows included): equal input gives the same SVG
 * without drawing it again, and concurrent calls with equal input share one render. Changed
 * rows are a different key, so the output is always that of the rows passed in.
 */
export function renderChart(spec: ChartSpec): Promise<string> {
  const key = digest(JSON.stringify(spec));
  const cached = svgCache.get(key);
  if (cached) {
    stats.svgHits++;
    return cached;
  }
  const rendering = draw(spec);
  svgCache.set(key, rendering);
  // A failed render must not be cached: the next call tries again.
  rendering.catch(() => svgCache.deleteIf(key, rendering));
  return rendering;
}

/** Counters and sizes of the chart caches. */
export function chartCacheStats(): ChartCacheStats {
  return { ...stats, svgEntries: svgCache.size, shapeEntries: shapeCache.size };
}

async function draw(spec: ChartSpec): Promise<string> {
  const { shape, rows } = splitRows(spec);
  const view = new View(runtimeFor(shape), { renderer: 'none' });
  try {
    // Copies: Vega tags each tuple it ingests, and the caller's rows may also feed a table.
    if (rows) view.data(ROWS_DATASET, rows.map((row) => (typeof row === 'object' && row !== null ? { ...row } : row)));
    const svg = await view.toSVG();
    stats.rendered++;
    return svg;
  } finally {
    view.finalize();
  }
}

/** The parsed Vega dataflow of a chart shape, compiled once per distinct shape. */
function runtimeFor(shape: ChartSpec): Runtime {
  const key = digest(JSON.stringify(shape));
  let runtime = shapeCache.get(key);
  if (!runtime) {
    const themed = { ...shape, config: { ...CHART_THEME, ...(shape.config ?? {}) } } as TopLevelSpec;
    runtime = parse(compile(themed).spec);
    stats.shapesCompiled++;
    shapeCache.set(key, runtime);
  }
  return runtime;
}

/**
 * Takes top-level inline rows (`data: { values: [...] }`) out of a spec, leaving a named
 * dataset in their place; any other data (none, a URL, inline text) stays part of the shape.
 */
function splitRows(spec: ChartSpec): { shape: ChartSpec; rows: readonly unknown[] | null } {
  const data: unknown = 'data' in spec ? spec.data : undefined;
  if (typeof data !== 'object' || data === null || !('values' in data) || !Array.isArray(data.values)) return { shape: spec, rows: null };
  const { values, ...rest } = data as { values: unknown[] } & Record<string, unknown>;
  return { shape: { ...spec, data: { ...rest, name: ROWS_DATASET } } as ChartSpec, rows: values };
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}
