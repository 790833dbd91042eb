import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSetCookie } from 'cookie';
import { parseConfig } from '../config/schema.ts';
import { parseCookies, serializeCookie, sessionCookie } from './cookie.ts';

const secret = 'cookie-test-session-secret-0123456789-abcdefghij';
const https = parseConfig({ NODE_ENV: 'production', OKTA_ISSUER: 'https://dev-1.okta.com/oauth2/default', OKTA_CLIENT_ID: 'id', OKTA_CLIENT_SECRET: 'secret', SESSION_SECRET: secret, APP_BASE_URL: 'https://gatehouse.example.com' });
const loopback = parseConfig({ NODE_ENV: 'test', SESSION_SECRET: secret, APP_BASE_URL: 'http://localhost:3000' });

describe('session cookie', () => {
  it('over https: __Host-gatehouse, Secure, HttpOnly, SameSite=Lax, Path=/, no Domain, Max-Age = absolute lifetime', () => {
    const cookie = sessionCookie(https);
    assert.equal(cookie.name, '__Host-gatehouse');
    const header = cookie.serialize('abc.def');
    assert.deepEqual(parseSetCookie(header), { name: '__Host-gatehouse', value: 'abc.def', maxAge: 43200, path: '/', httpOnly: true, secure: true, sameSite: 'lax' });
    assert.doesNotMatch(header, /domain/i);
  });

  it('on http loopback: gatehouse without Secure, otherwise the same', () => {
    const cookie = sessionCookie(loopback);
    assert.equal(cookie.name, 'gatehouse');
    assert.deepEqual(parseSetCookie(cookie.serialize('abc.def')), { name: 'gatehouse', value: 'abc.def', maxAge: 43200, path: '/', httpOnly: true, sameSite: 'lax' });
  });

  it('clear() expires the cookie with the same attributes', () => {
    assert.deepEqual(parseSetCookie(sessionCookie(https).clear()), { name: '__Host-gatehouse', value: '', maxAge: 0, path: '/', httpOnly: true, secure: true, sameSite: 'lax' });
    assert.deepEqual(parseSetCookie(sessionCookie(loopback).clear()), { name: 'gatehouse', value: '', maxAge: 0, path: '/', httpOnly: true, sameSite: 'lax' });
  });

  it('read() finds the session token among other cookies, and null when absent or empty', () => {
    const cookie = sessionCookie(https);
    const request = (header?: string) => new Request('https://gatehouse.example.com/', header ? { headers: { cookie: header } } : {});
    assert.equal(cookie.read(request('theme=dark; __Host-gatehouse=abc.def; gatehouse=wrong')), 'abc.def');
    assert.equal(cookie.read(request('gatehouse=abc.def')), null, 'the unprefixed name is not accepted over https');
    assert.equal(cookie.read(request()), null);
    assert.equal(cookie.read(request('__Host-gatehouse=')), null);
    assert.deepEqual(parseCookies(request('a=1; b=two%20words; c')), { a: '1', b: 'two words' });
  });

  it('serializeCookie refuses a __Host- cookie without Secure', () => {
    assert.throws(() => serializeCookie('__Host-x', 'v', { secure: false }), /__Host-/);
    assert.deepEqual(parseSetCookie(serializeCookie('tx', 'v', { secure: true, sameSite: 'strict', path: '/auth', maxAge: 600 })), { name: 'tx', value: 'v', maxAge: 600, path: '/auth', httpOnly: true, secure: true, sameSite: 'strict' });
  });
});
