/**
 * `/dashboards` (viewer, admin): read-only dashboards. Sign-in activity from the audit log and a
 * business dashboard over Seattle weather (vega-datasets). Filters live in the query string so a
 * view can be bookmarked and shared; charts are server-rendered SVG.
 */
import { Hono } from 'hono';
import { requirePermission } from '@gatehouse/auth/hono';
import { z } from 'zod';
import type { AuthEnv, AppDeps } from '../../app-context.ts';
import { ChartFigure } from '../../charts/figure.tsx';
import { Stat } from '../../views/components.tsx';
import { Layout } from '../../views/layout.tsx';
import { LiveRegion } from '../live/region.tsx';
import { BadRequestPage } from '../../views/status-pages.tsx';
import { failuresByReasonChart, signInsPerDayChart, weatherDashboard, type SignInDay } from './charts.ts';
import { WEATHER_KINDS, WEATHER_YEARS, weatherFilterSchema } from './weather-data.ts';

/** Sign-in activity periods offered, in days (strings: they are `?days=` query values). */
export const ACTIVITY_PERIODS = ['7', '14', '30', '90'] as const;

const querySchema = weatherFilterSchema.extend({
  days: z.enum(ACTIVITY_PERIODS).default('14'),
});

const DAY_MS = 86_400_000;

/** Every UTC day from `since` to today, so quiet days show as zero rather than vanish. */
function fillDays(rows: SignInDay[], since: number, now: number): SignInDay[] {
  const counts = new Map<string, number>();
  for (const row of rows) {
    const key = `${row.day}|${row.result}`;
    counts.set(key, (counts.get(key) ?? 0) + row.count);
  }
  const out: SignInDay[] = [];
  for (let t = since; t <= now; t += DAY_MS) {
    const day = new Date(t).toISOString().slice(0, 10);
    for (const result of ['success', 'failure'] as const) out.push({ day, result, count: counts.get(`${day}|${result}`) ?? 0 });
  }
  return out;
}

/** Sign-ins by result over the filled days (one pass, read twice by the page). */
function totals(perDay: readonly SignInDay[]): Record<SignInDay['result'], number> {
  const sums = { success: 0, failure: 0 };
  for (const row of perDay) sums[row.result] += row.count;
  return sums;
}

/**
 * The `/dashboards` sub-app: `GET /` shows sign-in activity and the weather dashboard; needs
 * `dashboards:read`. Unknown filter values get a 400 page.
 * @see ARCHITECTURE.md "Routes"
 */
export function dashboardRoutes(deps: AppDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();

  app.get('/', async (c) => {
    const auth = requirePermission(c, 'dashboards:read');
    const parsed = querySchema.safeParse(c.req.query());
    if (!parsed.success) {
      const message = `Unknown filter value. Periods: ${ACTIVITY_PERIODS.join(', ')} days; years: all, ${WEATHER_YEARS.join(', ')}; weather: all, ${WEATHER_KINDS.join(', ')}.`;
      return c.html(<BadRequestPage auth={auth} message={message} back="/dashboards" />, 400);
    }
    const filter = parsed.data;
    const now = Date.now();
    const startOfToday = Math.floor(now / DAY_MS) * DAY_MS;
    const since = startOfToday - (Number(filter.days) - 1) * DAY_MS;

    const [succeeded, failed, reasons, activeSessions, weather] = await Promise.all([
      deps.audit.countByDay('signin.succeeded', since),
      deps.audit.countByDay('signin.failed', since),
      deps.audit.countFailuresByReason(since),
      deps.auth.sessions.count(),
      weatherDashboard(filter),
    ]);
    const perDay = fillDays([...succeeded, ...failed], since, now);
    const [perDaySvg, reasonsSvg] = await Promise.all([signInsPerDayChart(perDay), failuresByReasonChart(reasons)]);
    const total = totals(perDay);

    return c.html(
      <Layout title="Dashboards" auth={auth} path="/dashboards">
        <h1 class="page-title">Dashboards</h1>
        <p class="page-lead">Read-only views. Filters are part of the address, so you can bookmark or share a view.</p>

        <section aria-labelledby="activity-title" class="stack">
          <div class="card">
            <div class="card__header">
              <h2 id="activity-title">Sign-in activity</h2>
              <form method="get" action="/dashboards" class="filters">
                <input type="hidden" name="year" value={filter.year} />
                <input type="hidden" name="weather" value={filter.weather} />
                <div class="field">
                  <label for="days">Period</label>
                  <select id="days" name="days">
                    {ACTIVITY_PERIODS.map((days) => <option value={days} selected={days === filter.days}>Last {days} days</option>)}
                  </select>
                </div>
                <button type="submit" class="button button--ghost">Apply</button>
              </form>
            </div>
            <LiveRegion id="live-activity" topics={['activity']} label="Sign-in activity">
            <div class="stats">
              <Stat label={`Sign-ins, last ${filter.days} days`} value={total.success} />
              <Stat label="Failed sign-ins" value={total.failure} />
              <Stat label="Active sessions now" value={activeSessions} />
            </div>
            <div class="grid grid--charts">
              <ChartFigure
                svg={perDaySvg}
                caption={`Sign-ins per day (UTC), last ${filter.days} days, by result.`}
                columns={['Day', 'Result', 'Sign-ins']}
                rows={perDay.filter((row) => row.count > 0).map((row) => [row.day, row.result, row.count])}
              />
              {reasonsSvg === null ? (
                <figure class="chart chart--empty">
                  <p class="empty">No failed sign-ins in the last {filter.days} days.</p>
                  <figcaption>Failures by reason, last {filter.days} days.</figcaption>
                </figure>
              ) : (
                <ChartFigure
                  svg={reasonsSvg}
                  caption={`Failures by reason, last ${filter.days} days.`}
                  columns={['Reason', 'Failures']}
                  rows={reasons.map((row) => [row.reason, row.count])}
                />
              )}
            </div>
            </LiveRegion>
          </div>
        </section>

        <section aria-labelledby="weather-title" class="card">
          <div class="card__header">
            <div>
              <h2 id="weather-title">Seattle weather, 2012–2015</h2>
              <p class="page-lead">Daily observations (NOAA, via the vega-datasets package).</p>
            </div>
            <form method="get" action="/dashboards" class="filters">
              <input type="hidden" name="days" value={filter.days} />
              <div class="field">
                <label for="year">Year</label>
                <select id="year" name="year">
                  <option value="all" selected={filter.year === 'all'}>All years</option>
                  {WEATHER_YEARS.map((year) => <option value={year} selected={year === filter.year}>{year}</option>)}
                </select>
              </div>
              <div class="field">
                <label for="weather">Weather</label>
                <select id="weather" name="weather">
                  <option value="all" selected={filter.weather === 'all'}>Any weather</option>
                  {WEATHER_KINDS.map((kind) => <option value={kind} selected={kind === filter.weather}>{kind}</option>)}
                </select>
              </div>
              <button type="submit" class="button button--ghost">Apply</button>
            </form>
          </div>
          <div class="stats">
            <Stat label="Days" value={weather.days} />
            <Stat label="Average high" value={weather.avgHigh === null ? '—' : `${weather.avgHigh} °C`} />
            <Stat label="Total precipitation" value={`${weather.totalPrecipitation} mm`} />
            <Stat label="Strongest wind" value={weather.windiest === null ? '—' : `${weather.windiest} m/s`} />
          </div>
          <div class="grid grid--charts">
            <ChartFigure
              svg={weather.temperatureSvg}
              caption="Average daily high and low by month (°C)."
              columns={['Month', 'Avg high °C', 'Avg low °C', 'Days']}
              rows={weather.months.map((m) => [m.month, m.avgHigh, m.avgLow, m.days])}
            />
            <ChartFigure
              svg={weather.kindsSvg}
              caption="Days by weather."
              columns={['Weather', 'Days']}
              rows={weather.kinds.map((k) => [k.weather, k.days])}
            />
            <ChartFigure
              svg={weather.precipitationSvg}
              caption="Total precipitation by month (mm)."
              columns={['Month', 'Precipitation mm']}
              rows={weather.months.map((m) => [m.month, m.precipitation])}
            />
          </div>
        </section>
      </Layout>,
    );
  });

  return app;
}
