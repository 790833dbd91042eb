import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { AuthError, describeError, errorSummary, isAuthErrorCode, ownFailure, StoreUnavailableError, toAuthError } from './errors.ts';
import { classifyStoreError } from './stores/guard.ts';
import { escapeHtml, renderErrorPage } from './oidc/error-page.ts';

describe('AuthError and the one translation of library errors', () => {
  test('every code maps to a 4xx, or 503 only for an unreachable IdP or our own store or disk', () => {
    for (const code of ['AUTH_STATE_MISMATCH', 'AUTH_CSRF', 'AUTH_ACCESS_TOKEN_INVALID', 'AUTH_IDP_UNAVAILABLE', 'AUTH_DISCOVERY_FAILED'] as const) {
      const { status } = describeError(code);
      assert.ok(status < 500 || code === 'AUTH_IDP_UNAVAILABLE' || code === 'AUTH_DISCOVERY_FAILED', code);
    }
    assert.equal(new AuthError('AUTH_CSRF').status, 403);
    assert.equal(isAuthErrorCode('AUTH_CSRF'), true);
    assert.equal(isAuthErrorCode('toString'), false);
  });

  test('network failures become AUTH_IDP_UNAVAILABLE (or AUTH_DISCOVERY_FAILED during discovery)', () => {
    const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) });
    assert.equal(toAuthError(refused, 'callback').code, 'AUTH_IDP_UNAVAILABLE');
    assert.equal(toAuthError(refused, 'refresh').code, 'AUTH_IDP_UNAVAILABLE');
    assert.equal(toAuthError(refused, 'discovery').code, 'AUTH_DISCOVERY_FAILED');
    assert.equal(toAuthError(new oidc.ClientError('operation timed out', { code: 'OAUTH_TIMEOUT' } as ErrorOptions), 'callback').code, 'AUTH_IDP_UNAVAILABLE');
  });

  test('an IdP authorization error keeps its code in the reason and its text (for escaping) in the detail', () => {
    const params = new URLSearchParams({ error: 'access_denied', error_description: 'User is not assigned <b>' });
    const error = toAuthError(new oidc.AuthorizationResponseError('x', { cause: params }), 'callback');
    assert.equal(error.code, 'AUTH_IDP_ERROR');
    assert.equal(error.status, 403);
    assert.equal(error.reason, 'idp_access_denied');
    assert.equal(error.detail, 'access_denied: User is not assigned <b>');
  });

  test('unknown errors never leak their message', () => {
    const error = toAuthError(new Error('secret-token-value in message'), 'callback');
    assert.equal(error.code, 'AUTH_TOKEN_EXCHANGE_FAILED');
    assert.doesNotMatch(error.message, /secret-token-value/);
  });

  test('the error page escapes everything it is given', async () => {
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const page = renderErrorPage({ code: '<c>', status: 400, title: '<t>', message: '<m>', retryUrl: '/auth/login?returnTo="x"' });
    const html = await page.text();
    assert.equal(page.status, 400);
    assert.doesNotMatch(html, /<[tmc]>/);
    assert.match(html, /href="\/auth\/login\?returnTo=&quot;x&quot;"/);
  });
});

describe('our own failures are ours', () => {
  test('a store failure during the callback is AUTH_STORE_UNAVAILABLE (503), not AUTH_TOKEN_EXCHANGE_FAILED blaming Okta', () => {
    const failure = new StoreUnavailableError('store_timeout', { store: 'sessions', cause: new Error('Query read timeout') });
    const error = toAuthError(failure, 'callback');
    assert.equal(error.code, 'AUTH_STORE_UNAVAILABLE');
    assert.equal(error.status, 503);
    assert.equal(error.reason, 'store_timeout');
    assert.equal(describeError(error.code).retryAfterSeconds, 60);
    assert.equal(toAuthError(new StoreUnavailableError('disk_full'), 'callback').code, 'AUTH_DISK_FULL');
    assert.equal(ownFailure(new Error('a bug')), null);
  });

  test('driver errors are classified by cause: pg, ioredis, node:sqlite, errno', () => {
    assert.equal(classifyStoreError(new Error('Query read timeout')), 'store_timeout');
    assert.equal(classifyStoreError(Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' })), 'store_timeout');
    assert.equal(classifyStoreError(new Error('Command timed out')), 'store_timeout');
    assert.equal(classifyStoreError(Object.assign(new Error('database or disk is full'), { code: 'ERR_SQLITE_ERROR', errcode: 13 })), 'disk_full');
    assert.equal(classifyStoreError(Object.assign(new Error('disk I/O error'), { code: 'ERR_SQLITE_ERROR', errcode: 778 })), 'disk_error');
    assert.equal(classifyStoreError(new Error('wrapped', { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) })), 'store_unreachable');
    assert.equal(classifyStoreError(new Error('something else')), 'store_error');
  });

  test('error summaries keep the underlying socket code (the unexplained callback 503 under load)', () => {
    const socket = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET', name: 'SocketError' });
    const error = toAuthError(new TypeError('fetch failed', { cause: socket }), 'callback');
    assert.equal(error.code, 'AUTH_IDP_UNAVAILABLE');
    assert.equal(errorSummary(error).causeCode, 'UND_ERR_SOCKET');
    assert.equal(errorSummary(new Error('x', { cause: Object.assign(new Error('y'), { code: 'ECONNRESET' }) })).causeCode, 'ECONNRESET');
    // Only code-shaped values: a message can never reach the log through this field.
    assert.equal(errorSummary(new Error('x', { cause: { code: 'password=hunter2' } })).causeCode, undefined);
  });
});
