/**
 * Server-side charts: a Vega-Lite spec is compiled to Vega and rendered headless to an SVG
 * string, so pages show charts without any client script.
 * @see https://vega.github.io/vega/usage/#view-api (View#toSVG with renderer 'none')
 */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/**
 * Colours readable on both the light and the dark theme; the background stays transparent so
 * the card behind the chart shows through, and text is re-coloured by the stylesheet.
 */
const THEME = {
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

/** Spec shape accepted by {@link renderChart}: any Vega-Lite spec; data is inlined by the caller. */
export type ChartSpec = TopLevelSpec;

/**
 * Renders a Vega-Lite spec to an SVG string with the Gatehouse theme.
 * Vega escapes text it writes into the SVG, so data values cannot inject markup.
 */
export async function renderChart(spec: ChartSpec): Promise<string> {
  const themed = { ...spec, config: { ...THEME, ...(spec.config ?? {}) } } as TopLevelSpec;
  const vegaSpec = compile(themed).spec;
  const view = new View(parse(vegaSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
