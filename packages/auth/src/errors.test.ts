import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { AuthError, describeError, isAuthErrorCode, toAuthError } from './errors.ts';
import { escapeHtml, renderErrorPage } from './oidc/error-page.ts';

describe('AuthError and the one translation of library errors', () => {
  test('every code maps to a 4xx, or 503 only for an unreachable IdP', () => {
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
