import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Hono } from 'hono';
import type { ManagementEnv } from './auth.ts';
import { errorBody, OktaApiError } from './errors.ts';
import { rateLimit } from './rate-limit.ts';
import { compileSearch, SearchSyntaxError, type SearchRules } from './search.ts';

const ALL: SearchRules = { attributes: () => true, operators: new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'sw', 'co', 'ew', 'pr']) };
const ada = { id: '00u1', status: 'ACTIVE', lastUpdated: '2026-01-02T00:00:00.000Z', profile: { login: 'ada@x.test', firstName: 'Ada', nickName: null } };
const run = (source: string, subject: unknown = ada) => compileSearch(source, ALL)(subject);

describe('search expressions', () => {
  test('compare strings case-insensitively, with every operator', () => {
    assert.equal(run('profile.login eq "ADA@x.test"'), true);
    assert.equal(run('profile.login ne "ada@x.test"'), false);
    assert.equal(run('profile.firstName sw "ad"'), true);
    assert.equal(run('profile.login co "@x."'), true);
    assert.equal(run('profile.login ew ".test"'), true);
    assert.equal(run('profile.firstName pr'), true);
    assert.equal(run('profile.nickName pr'), false);
    assert.equal(run('profile.missing eq null'), true);
  });

  test('compare dates as dates', () => {
    assert.equal(run('lastUpdated gt "2026-01-01T00:00:00.000Z"'), true);
    assert.equal(run('lastUpdated lt "2026-01-01T00:00:00.000Z"'), false);
    assert.equal(run('lastUpdated ge "2026-01-02T00:00:00.000Z" and lastUpdated le "2026-01-02T00:00:00.000Z"'), true);
  });

  test('and binds tighter than or; parentheses and not group', () => {
    assert.equal(run('status eq "SUSPENDED" and profile.firstName eq "Ada" or profile.login sw "ada"'), true);
    assert.equal(run('status eq "SUSPENDED" and (profile.firstName eq "Ada" or profile.login sw "ada")'), false);
    assert.equal(run('not (status eq "SUSPENDED")'), true);
    assert.equal(run('profile.login eq "a \\"quoted\\" value"'), false);
  });

  test('bad expressions fail at parse time, naming the problem', () => {
    for (const [source, message] of [
      ['', /empty/],
      ['status eq', /expected a value/],
      ['status equals "ACTIVE"', /unsupported operator/],
      ['(status eq "ACTIVE"', /missing \)/],
      ['status eq "ACTIVE" "extra"', /unexpected input/],
      ['status eq "ACTIVE" & x', /unexpected character/],
      ['lastUpdated gt "yesterday"', /needs a date/],
    ] as const) {
      assert.throws(() => compileSearch(source, ALL), (error: unknown) => error instanceof SearchSyntaxError && message.test(error.message), source);
    }
    const narrow: SearchRules = { attributes: (name) => name === 'status', operators: new Set(['eq']) };
    assert.throws(() => compileSearch('profile.login eq "x"', narrow), /unsupported attribute/);
    assert.throws(() => compileSearch('status sw "A"', narrow), /unsupported operator/);
  });
});

describe('rate limit windows', () => {
  test('the budget is per caller and per wall-clock minute', async () => {
    let now = Date.parse('2026-01-01T00:00:10.000Z');
    const app = new Hono<ManagementEnv>();
    app.use(async function principal(c, next) {
      const key = c.req.header('x-caller');
      c.set('principal', key ? { key, kind: 'ssws', scopes: 'all', actor: { id: key, type: 'User', alternateId: key, displayName: key } } : null);
      await next();
    });
    app.use(rateLimit({ perMinute: 2, now: () => now }));
    app.get('/', (c) => c.text('ok'));
    app.onError((error, c) => (error instanceof OktaApiError ? c.json(errorBody(error.code, error.message), error.status, error.headers) : c.text('bug', 500)));
    const call = async (caller = 'a') => {
      const response = await app.request('/', { headers: { 'x-caller': caller } });
      return [response.status, response.headers.get('x-rate-limit-remaining'), response.headers.get('x-rate-limit-reset')];
    };
    const reset = String(Date.parse('2026-01-01T00:01:00.000Z') / 1000);
    assert.deepEqual(await call(), [200, '1', reset]);
    assert.deepEqual(await call(), [200, '0', reset]);
    assert.deepEqual(await call(), [429, '0', reset]);
    assert.deepEqual(await call('b'), [200, '1', reset], 'another caller has its own budget');
    now = Date.parse('2026-01-01T00:01:00.000Z');
    assert.deepEqual(await call(), [200, '1', String(Date.parse('2026-01-01T00:02:00.000Z') / 1000)]);
  });
});
