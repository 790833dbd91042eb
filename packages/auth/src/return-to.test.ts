import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeReturnTo } from './return-to.ts';

/** Inputs that must never survive: each would leave the origin, confuse a parser, or loop sign-in. */
const HOSTILE: unknown[] = [
  // Absolute and protocol-relative URLs
  'https://evil.example',
  'http://evil.example/dashboards',
  '//evil.example',
  '//evil.example/path',
  '///evil.example',
  '////evil.example',
  'https:evil.example',
  'http:/evil.example',
  // Backslashes (browsers read them as slashes)
  '/\\evil.example',
  '\\\\evil.example',
  '\\/evil.example',
  '/\\/evil.example',
  '/dashboards\\..\\..\\evil',
  // Schemes
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  ' javascript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'vbscript:msgbox(1)',
  'file:///etc/passwd',
  // Userinfo and hosts hidden in paths
  '@evil.example',
  'user:pass@evil.example',
  'evil.example',
  'dashboards',
  './/evil.example',
  // Control characters, tabs and newlines (stripped by URL parsers → //evil)
  '/\t/evil.example',
  '/\n/evil.example',
  '/\r\n/evil.example',
  '/dashboards\u0000',
  '/dash\u007fboards',
  '/\u0085/evil.example',
  // Encoded slashes, backslashes, dots, controls, double encoding
  '/%2f%2fevil.example',
  '/%2F/evil.example',
  '/%5cevil.example',
  '/%5C%5Cevil.example',
  '/%2e%2e/%2e%2e/evil',
  '/%09/evil.example',
  '/%0d%0aSet-Cookie:x=y',
  '/%252f%252fevil.example',
  // Dot segments collapsing into a protocol-relative path
  '/.//evil.example',
  '/..//evil.example',
  '/a/../..//evil.example',
  // Unicode tricks: whitespace, invisible and bidi characters, lookalike separators
  '/\u2028/evil.example',
  '/\u00a0/evil.example',
  '/\u200b/evil.example',
  '/\u202eelpmaxe.live',
  '/\ufeff/evil.example',
  '/\u3000/evil.example',
  // Sign-in loops
  '/auth/login',
  '/auth/callback?code=x&state=y',
  '/auth/logout',
  '/auth',
  '/dashboards/../auth/login',
  // Not a usable string at all
  '',
  ' ',
  '/'.padEnd(2049, 'a'),
  undefined,
  null,
  42,
  ['/dashboards'],
  { toString: () => '/dashboards' },
];

describe('normalizeReturnTo', () => {
  it(`refuses ${HOSTILE.length} hostile inputs, falling back to the home page`, () => {
    assert.ok(HOSTILE.length >= 40);
    for (const input of HOSTILE) assert.equal(normalizeReturnTo(input), '/', JSON.stringify(input));
  });

  it('falls back to the fallback given', () => {
    assert.equal(normalizeReturnTo('//evil.example', '/dashboards'), '/dashboards');
    assert.equal(normalizeReturnTo(undefined, '/profile'), '/profile');
  });

  it('passes same-origin paths through, query and hash included', () => {
    const good: Array<[string, string]> = [
      ['/', '/'],
      ['/dashboards', '/dashboards'],
      ['/dashboards?range=7d', '/dashboards?range=7d'],
      ['/dashboards?range=7d#signins', '/dashboards?range=7d#signins'],
      ['/admin/users/00u1abc?tab=sessions', '/admin/users/00u1abc?tab=sessions'],
      ['/search?q=a%2Fb&next=%2F%2Fx', '/search?q=a%2Fb&next=%2F%2Fx'],
      ['/profile#top', '/profile#top'],
      ['/authors', '/authors'],
      ['/a/./b/../c', '/a/c'],
      ['/../dashboards', '/dashboards'],
      ['/dashboards/überblick', '/dashboards/%C3%BCberblick'],
      ['/admin?q=zoë', '/admin?q=zo%C3%AB'],
    ];
    for (const [input, expected] of good) assert.equal(normalizeReturnTo(input), expected, input);
  });

  it('is idempotent on what it returns', () => {
    for (const input of ['/dashboards?range=7d#x', '/a/./b/../c', '/dashboards/überblick']) {
      const once = normalizeReturnTo(input);
      assert.equal(normalizeReturnTo(once), once);
    }
  });
});
