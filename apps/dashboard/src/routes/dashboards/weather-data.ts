/**
 * The business dataset: daily Seattle weather 2012–2015 from the `vega-datasets` npm package
 * (NOAA data), read once from `node_modules/vega-datasets/data/seattle-weather.csv`.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The dataset's weather categories (synthesized by vega-datasets from NOAA fields). */
export const WEATHER_KINDS = ['sun', 'rain', 'drizzle', 'fog', 'snow'] as const;
/** One of {@link WEATHER_KINDS}. */
export type WeatherKind = (typeof WEATHER_KINDS)[number];
/** The years the dataset covers. */
export const WEATHER_YEARS = ['2012', '2013', '2014', '2015'] as const;

/** One day of Seattle weather. */
export interface WeatherDay {
  /** `YYYY-MM-DD`. */
  date: string;
  /** `YYYY`, for filtering. */
  year: string;
  /** 1–12 */
  month: number;
  /** mm. */
  precipitation: number;
  /** °C. */
  tempMax: number;
  /** °C. */
  tempMin: number;
  /**
   * Average wind speed, m/s (vega-datasets' metadata says km/h, but the values — mean 3.2,
   * max 9.5 — are NOAA's m/s).
   */
  wind: number;
  weather: WeatherKind;
}

/** Query-string filters of the weather dashboard; unknown values are a 400, not a guess. */
export const weatherFilterSchema = z.object({
  year: z.enum(['all', ...WEATHER_YEARS]).default('all'),
  weather: z.enum(['all', ...WEATHER_KINDS]).default('all'),
});
/** A parsed weather filter (`all` or one year / one kind). */
export type WeatherFilter = z.infer<typeof weatherFilterSchema>;

const rowSchema = z.object({
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  precipitation: z.coerce.number(),
  temp_max: z.coerce.number(),
  temp_min: z.coerce.number(),
  wind: z.coerce.number(),
  weather: z.enum(WEATHER_KINDS),
});

let cache: WeatherDay[] | undefined;

/** Path of the CSV inside the installed package (its `exports` hide `data/` from `import`). */
function datasetPath(): string {
  const entry = fileURLToPath(import.meta.resolve('vega-datasets'));
  return join(dirname(entry), '..', 'data', 'seattle-weather.csv');
}

/** Every day of the dataset, parsed and validated once. */
export function loadWeather(): WeatherDay[] {
  if (cache) return cache;
  const [header, ...lines] = readFileSync(datasetPath(), 'utf8').trim().split(/\r?\n/);
  const columns = (header ?? '').split(',');
  cache = lines.map((line) => {
    const cells = line.split(',');
    const row = rowSchema.parse(Object.fromEntries(columns.map((name, i) => [name, cells[i]])));
    return {
      date: row.date,
      year: row.date.slice(0, 4),
      month: Number(row.date.slice(5, 7)),
      precipitation: row.precipitation,
      tempMax: row.temp_max,
      tempMin: row.temp_min,
      wind: row.wind,
      weather: row.weather,
    };
  });
  return cache;
}

/** The days matching a filter. */
export function filterWeather(days: readonly WeatherDay[], filter: WeatherFilter): WeatherDay[] {
  return days.filter(
    (day) => (filter.year === 'all' || day.year === filter.year) && (filter.weather === 'all' || day.weather === filter.weather),
  );
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** One calendar month of a filtered dataset (across the selected years). */
export interface MonthSummary {
  /** Short English name, `Jan`…`Dec`. */
  month: string;
  /** Mean daily high, °C, one decimal. */
  avgHigh: number;
  /** Mean daily low, °C, one decimal. */
  avgLow: number;
  /** Total, mm, one decimal. */
  precipitation: number;
  /** Days of the month in the filtered data. */
  days: number;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** Per calendar month: average high/low (°C), total precipitation (mm), number of days. */
export function summariseByMonth(days: readonly WeatherDay[]): MonthSummary[] {
  return MONTHS.flatMap((name, index) => {
    const inMonth = days.filter((day) => day.month === index + 1);
    if (inMonth.length === 0) return [];
    const sum = (pick: (day: WeatherDay) => number) => inMonth.reduce((total, day) => total + pick(day), 0);
    return [{
      month: name,
      avgHigh: round1(sum((d) => d.tempMax) / inMonth.length),
      avgLow: round1(sum((d) => d.tempMin) / inMonth.length),
      precipitation: round1(sum((d) => d.precipitation)),
      days: inMonth.length,
    }];
  });
}

/** Days per weather kind, in a fixed order. */
export function countByKind(days: readonly WeatherDay[]): Array<{ weather: WeatherKind; days: number }> {
  return WEATHER_KINDS.map((weather) => ({ weather, days: days.filter((day) => day.weather === weather).length }));
}

export { MONTHS, round1 };
