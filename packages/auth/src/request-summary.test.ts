import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientNetwork, requestFields, resolveClientAddress } from './request-summary.ts';

describe('resolveClientAddress', () => {
  const cases: Array<[string, string | null, string | undefined, number, string | null]> = [
    ['no proxy: the peer, whatever the header says', '10.0.0.5', '203.0.113.9', 0, '10.0.0.5'],
    ['one hop: the entry the proxy appended', '10.0.0.5', '203.0.113.9', 1, '203.0.113.9'],
    ['one hop: a client-sent prefix is ignored', '10.0.0.5', '1.2.3.4, 203.0.113.9', 1, '203.0.113.9'],
    ['two hops: second from the right', '10.0.0.5', '1.2.3.4, 203.0.113.9, 10.0.0.9', 2, '203.0.113.9'],
    ['fewer entries than hops: the request bypassed the proxies, so the peer', '10.0.0.5', '203.0.113.9', 2, '10.0.0.5'],
    ['no header with a hop configured: the peer', '10.0.0.5', undefined, 1, '10.0.0.5'],
    ['garbage in the trusted position: the peer', '10.0.0.5', '<script>', 1, '10.0.0.5'],
    ['IPv6 entries are kept', '::1', '2001:db8::7', 1, '2001:db8::7'],
    ['no peer and no header', null, undefined, 1, null],
  ];
  for (const [name, peer, header, hops, expected] of cases) {
    it(name, () => assert.equal(resolveClientAddress(peer, header, hops), expected));
  }
});

describe('clientNetwork', () => {
  it('summarises the client address to a /24 or /48 network, never the full address', () => {
    assert.equal(clientNetwork('203.0.113.77'), '203.0.113.0/24');
    assert.equal(clientNetwork('2001:db8:1:2::9'), '2001:db8:1::/48');
    assert.equal(clientNetwork(null), null);
    assert.equal(clientNetwork(undefined), null);
    for (const loopback of ['::1', '127.0.0.1', '::ffff:127.0.0.1']) assert.equal(clientNetwork(loopback), 'localhost');
  });

  it('audit fields come from the facts passed in, not from the request', () => {
    const request = new Request('http://app.test/', { headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0' } });
    assert.deepEqual(requestFields(request, { clientAddress: '203.0.113.77' }), { ip: '203.0.113.0/24', userAgent: 'Firefox on Linux' });
    assert.deepEqual(requestFields(request), { userAgent: 'Firefox on Linux' });
  });
});
