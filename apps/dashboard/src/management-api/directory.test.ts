// Okta's 429 handling through the real SDK over real HTTP: a local server answering like Okta's
// rate limiter (429 E0000047 with X-Rate-Limit-Reset), then the real answer.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import okta from '@okta/okta-sdk-nodejs';
import { DirectoryError, OktaDirectory } from './directory.ts';

const USER = {
  id: '00u1ratelimited00001',
  status: 'ACTIVE',
  created: '2026-01-01T00:00:00.000Z',
  lastLogin: null,
  profile: { login: 'rl@gatehouse.test', email: 'rl@gatehouse.test', firstName: 'Rate', lastName: 'Limited' },
  _links: {},
};

describe('OktaDirectory against a rate-limiting Management API', () => {
  let server: Server;
  let orgUrl: string;
  /** How many 429s the next calls get before the real answer. */
  let limitedCalls = 0;
  let requests = 0;

  before(async () => {
    server = createServer((req, res) => {
      requests++;
      if (limitedCalls > 0) {
        limitedCalls--;
        // Reset at the current second: the SDK waits until then plus its 1 s margin.
        res.writeHead(429, { 'Content-Type': 'application/json', 'X-Rate-Limit-Limit': '1', 'X-Rate-Limit-Remaining': '0', 'X-Rate-Limit-Reset': String(Math.floor(Date.now() / 1000)) });
        res.end(JSON.stringify({ errorCode: 'E0000047', errorSummary: 'API call exceeded rate limit due to too many requests.', errorCauses: [] }));
        return;
      }
      if (req.url === '/api/v1/users' || req.url?.startsWith('/api/v1/users?')) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify([USER]));
        return;
      }
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ errorCode: 'E0000007', errorSummary: 'Not found: Resource not found', errorCauses: [] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    orgUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const directory = (maxRetries = 3) =>
    new OktaDirectory(new okta.Client({ orgUrl, token: 'test-token', requestExecutor: new okta.DefaultRequestExecutor({ maxRetries, requestTimeout: 30_000 }) }));

  test('waits for X-Rate-Limit-Reset and retries, then returns the users', async () => {
    limitedCalls = 2;
    requests = 0;
    const users = await directory().listUsers();
    assert.equal(requests, 3);
    assert.deepEqual(users.map((user) => user.email), ['rl@gatehouse.test']);
  });

  test('gives up after the bounded number of retries with DIRECTORY_RATE_LIMITED', async () => {
    limitedCalls = 10;
    requests = 0;
    await assert.rejects(directory(1).listUsers(), (err: unknown) => err instanceof DirectoryError && err.code === 'DIRECTORY_RATE_LIMITED');
    assert.equal(requests, 2);
    limitedCalls = 0;
  });

  test('a 404 becomes DIRECTORY_NOT_FOUND with Okta\'s summary and no URL or token', async () => {
    await assert.rejects(directory().getUser('00unosuchuser0000000'), (err: unknown) => {
      assert.ok(err instanceof DirectoryError);
      assert.equal(err.code, 'DIRECTORY_NOT_FOUND');
      assert.doesNotMatch(err.message, /127\.0\.0\.1|test-token/);
      return true;
    });
  });
});
