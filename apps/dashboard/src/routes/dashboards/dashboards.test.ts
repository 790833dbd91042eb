import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHarness, type Harness } from '../../testing/harness.ts';
import { countByKind, filterWeather, loadWeather, summariseByMonth } from './weather-data.ts';

describe('weather dataset (vega-datasets)', () => {
  test('loads every day of 2012–2015 and filters by year and weather', () => {
    const days = loadWeather();
    assert.equal(days.length, 1461);
    const rain2014 = filterWeather(days, { year: '2014', weather: 'rain' });
    assert.ok(rain2014.length > 0 && rain2014.every((day) => day.year === '2014' && day.weather === 'rain'));
    assert.equal(countByKind(days).reduce((sum, kind) => sum + kind.days, 0), 1461);
    const months = summariseByMonth(filterWeather(days, { year: '2013', weather: 'all' }));
    assert.equal(months.length, 12);
    assert.ok(months.find((m) => m.month === 'Jul')!.avgHigh > months.find((m) => m.month === 'Jan')!.avgHigh);
  });
});

describe('/dashboards', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
    const now = Date.now();
    await h.deps.audit.record({ type: 'signin.succeeded', result: 'success', sub: 'u1', at: now - 1000 });
    await h.deps.audit.record({ type: 'signin.succeeded', result: 'success', sub: 'u1', at: now - 86_400_000 });
    await h.deps.audit.record({ type: 'signin.failed', result: 'failure', reason: 'idp_access_denied', at: now - 2000 });
  });
  after(() => h.close());

  test('a viewer sees sign-in activity and the business dashboard, charts as server-rendered SVG', async () => {
    const viewer = await h.signIn('viewer');
    const res = await h.request('/dashboards', { cookie: viewer.cookie });
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.equal(html.match(/<svg /g)?.length, 5, 'two activity charts and three weather charts');
    assert.match(html, /Sign-in activity/);
    assert.match(html, /<p class="stat__label">Sign-ins, last 14 days<\/p><p class="stat__value">2<\/p>/);
    assert.match(html, /<p class="stat__label">Failed sign-ins<\/p><p class="stat__value">1<\/p>/);
    assert.match(html, /<p class="stat__label">Active sessions now<\/p><p class="stat__value">1<\/p>/);
    assert.match(html, /<td>idp_access_denied<\/td><td class="num">1<\/td>/);
    assert.match(html, /<p class="stat__label">Days<\/p><p class="stat__value">1461<\/p>/);
    // Charts need no script; the only scripts are the live-update ones, from our origin, none inline.
    assert.doesNotMatch(html, /<script(?![^>]*\ssrc="\/static\/)/);
  });

  test('filters live in the query string', async () => {
    const viewer = await h.signIn('viewer');
    const html = await (await h.request('/dashboards?year=2012&weather=snow&days=7', { cookie: viewer.cookie })).text();
    const snow2012 = filterWeather(loadWeather(), { year: '2012', weather: 'snow' }).length;
    assert.match(html, new RegExp(`<p class="stat__label">Days</p><p class="stat__value">${snow2012}</p>`));
    assert.match(html, /<option value="2012" selected="">2012<\/option>/);
    assert.match(html, /<option value="snow" selected="">snow<\/option>/);
    assert.match(html, /Sign-ins, last 7 days/);
    assert.match(html, /<input type="hidden" name="weather" value="snow"\/>/);
  });

  test('an unknown filter value is a 400 page that lists the valid ones', async () => {
    const viewer = await h.signIn('viewer');
    for (const query of ['year=1999', 'weather=hail', 'days=365', 'days=']) {
      const res = await h.request(`/dashboards?${query}`, { cookie: viewer.cookie });
      assert.equal(res.status, 400, query);
      assert.match(await res.text(), /Unknown filter value/);
    }
  });

  test('the admin sees the dashboards too; a user with no role does not', async () => {
    const admin = await h.signIn('admin');
    assert.equal((await h.request('/dashboards', { cookie: admin.cookie })).status, 200);
    const norole = await h.signIn('norole');
    assert.equal((await h.request('/dashboards', { cookie: norole.cookie })).status, 403);
  });
});

describe('/dashboards with cached charts', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(() => h.close());

  const firstSvg = (html: string) => html.match(/<svg [\s\S]*?<\/svg>/)?.[0];

  test('regression: a new sign-in shows up on the next load, in the numbers and in the chart', async () => {
    const viewer = await h.signIn('viewer');
    const now = Date.now();
    await h.deps.audit.record({ type: 'signin.succeeded', result: 'success', sub: 'u1', at: now - 60_000 });
    const before = await (await h.request('/dashboards?days=7', { cookie: viewer.cookie })).text();
    assert.match(before, /<p class="stat__label">Sign-ins, last 7 days<\/p><p class="stat__value">1<\/p>/);
    // Same data: same page (and the chart comes from the cache).
    const again = await (await h.request('/dashboards?days=7', { cookie: viewer.cookie })).text();
    assert.equal(firstSvg(again), firstSvg(before));

    await h.deps.audit.record({ type: 'signin.succeeded', result: 'success', sub: 'u2', at: Date.now() });
    const after = await (await h.request('/dashboards?days=7', { cookie: viewer.cookie })).text();
    assert.match(after, /<p class="stat__label">Sign-ins, last 7 days<\/p><p class="stat__value">2<\/p>/);
    const [beforeSvg, afterSvg] = [firstSvg(before), firstSvg(after)];
    assert.ok(beforeSvg && afterSvg, 'the sign-ins chart is on the page');
    assert.notEqual(afterSvg, beforeSvg, 'the sign-ins chart is drawn from the new data');
  });
});
