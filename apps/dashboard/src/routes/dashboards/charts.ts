/**
 * The dashboard charts as Vega-Lite specs over already-aggregated rows, rendered to SVG.
 * Weather charts are cached per filter (the dataset never changes; the filter space is 30 keys).
 */
import { renderChart } from '../../charts/render.ts';
import { MONTHS, countByKind, filterWeather, loadWeather, summariseByMonth, type WeatherFilter } from './weather-data.ts';

/** The weather dashboard for one filter: headline numbers, the three charts as SVG, and their data. */
export interface RenderedWeather {
  /** Days matching the filter. */
  days: number;
  /** Mean daily high, °C, one decimal; null when no day matches. */
  avgHigh: number | null;
  /** Total, mm, rounded. */
  totalPrecipitation: number;
  /** Highest daily average wind speed, m/s; null when no day matches. */
  windiest: number | null;
  temperatureSvg: string;
  kindsSvg: string;
  precipitationSvg: string;
  months: ReturnType<typeof summariseByMonth>;
  kinds: ReturnType<typeof countByKind>;
}

const weatherCache = new Map<string, Promise<RenderedWeather>>();

/** The weather dashboard for one filter (cached). */
export function weatherDashboard(filter: WeatherFilter): Promise<RenderedWeather> {
  const key = `${filter.year}|${filter.weather}`;
  let rendered = weatherCache.get(key);
  if (!rendered) {
    rendered = buildWeather(filter);
    weatherCache.set(key, rendered);
    // A failed render must not be cached forever.
    rendered.catch(() => weatherCache.delete(key));
  }
  return rendered;
}

async function buildWeather(filter: WeatherFilter): Promise<RenderedWeather> {
  const days = filterWeather(loadWeather(), filter);
  const months = summariseByMonth(days);
  const kinds = countByKind(days);
  const temperatureRows = months.flatMap((m) => [
    { month: m.month, series: 'Average high', celsius: m.avgHigh },
    { month: m.month, series: 'Average low', celsius: m.avgLow },
  ]);
  const [temperatureSvg, kindsSvg, precipitationSvg] = await Promise.all([
    renderChart({
      width: 460,
      height: 240,
      data: { values: temperatureRows },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'month', type: 'ordinal', sort: [...MONTHS], title: 'Month' },
        y: { field: 'celsius', type: 'quantitative', title: '°C' },
        color: { field: 'series', type: 'nominal', title: null, scale: { range: ['#ef4444', '#3b82f6'] } },
      },
    }),
    renderChart({
      width: 460,
      height: 200,
      data: { values: kinds },
      mark: { type: 'bar', cornerRadiusEnd: 3 },
      encoding: {
        y: { field: 'weather', type: 'nominal', sort: '-x', title: null },
        x: { field: 'days', type: 'quantitative', title: 'Days', axis: { format: 'd' } },
        color: { field: 'weather', type: 'nominal', legend: null },
      },
    }),
    renderChart({
      width: 460,
      height: 220,
      data: { values: months },
      mark: { type: 'bar', color: '#06b6d4', cornerRadiusEnd: 3 },
      encoding: {
        x: { field: 'month', type: 'ordinal', sort: [...MONTHS], title: 'Month' },
        y: { field: 'precipitation', type: 'quantitative', title: 'Precipitation (mm)' },
      },
    }),
  ]);
  const avgHigh = days.length > 0 ? Math.round((days.reduce((t, d) => t + d.tempMax, 0) / days.length) * 10) / 10 : null;
  return {
    days: days.length,
    avgHigh,
    totalPrecipitation: Math.round(days.reduce((t, d) => t + d.precipitation, 0)),
    windiest: days.length > 0 ? Math.max(...days.map((d) => d.wind)) : null,
    temperatureSvg,
    kindsSvg,
    precipitationSvg,
    months,
    kinds,
  };
}

/** Sign-ins of one result on one UTC day. */
export interface SignInDay {
  /** `YYYY-MM-DD`, UTC. */
  day: string;
  result: 'success' | 'failure';
  count: number;
}

/** Sign-ins per day, stacked by result. */
export function signInsPerDayChart(rows: readonly SignInDay[]): Promise<string> {
  return renderChart({
    width: 460,
    height: 220,
    data: { values: rows.map((r) => ({ ...r, result: r.result === 'success' ? 'Succeeded' : 'Failed' })) },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'day', type: 'ordinal', title: 'Day (UTC)', axis: { labelAngle: -45, labelOverlap: true } },
      y: { field: 'count', type: 'quantitative', title: 'Sign-ins', stack: 'zero', axis: { tickMinStep: 1, format: 'd' } },
      color: {
        field: 'result',
        type: 'nominal',
        title: null,
        scale: { domain: ['Succeeded', 'Failed'], range: ['#10b981', '#ef4444'] },
      },
    },
  });
}

/** Failures by reason, as horizontal bars; `null` when there were none (the page says so instead). */
export async function failuresByReasonChart(rows: ReadonlyArray<{ reason: string; count: number }>): Promise<string | null> {
  if (rows.length === 0) return null;
  return renderChart({
    width: 460,
    height: { step: 24 },
    data: { values: [...rows] },
    mark: { type: 'bar', color: '#ef4444', cornerRadiusEnd: 3 },
    encoding: {
      y: { field: 'reason', type: 'nominal', sort: '-x', title: null },
      x: { field: 'count', type: 'quantitative', title: 'Failures', axis: { tickMinStep: 1, format: 'd' } },
    },
  });
}
