/**
 * Hostile input over real HTTP: every route of the emulator (both authorization servers, the
 * hosted sign-in pages, the Management API, unknown paths) hit with odd methods, malformed
 * query strings, malformed bodies, garbage cookies and Authorization headers. A fixed table —
 * no randomness — so a failure names the exact request that broke.
 *
 * Every answer must be < 500, carry no stack trace and no secret, and be Okta-shaped when it is
 * a JSON error; no log line (the emulator's logger and the console) may carry a secret, code,
 * token or cookie value.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { DEMO_API_TOKEN, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PASSWORD, DEMO_USERS } from './directory/demo.ts';
import { keyFilePath, type KeyFile } from './keys.ts';
import { DEFAULT_AS_PATH } from './provider/default-as.ts';
import { startEmulator, type Emulator } from './server.ts';
import { authorizeUrl, demoClient, demoSeed, redeem, runAll, send, sendRaw, type Answer, type Probe } from './testing/support.ts';
import { CookieJar, signIn } from './testing/index.ts';

const AS = DEFAULT_AS_PATH;
const b64 = (text: string) => Buffer.from(text, 'latin1').toString('base64');

const HOOK_SECRET = 'hook-shared-secret-do-not-log-0123';
const BAD_HOOK_ID = 'who0badheader0000001';
const STACK = [/\n\s+at /, / {4}at /, /node_modules/, /\.tsx?:\d/];

describe('hostile input over HTTP', () => {
  let emulator: Emulator;
  let dataDir: string;
  let port: number;
  const logLines: string[] = [];
  const consoleLines: string[] = [];
  /** Values that must never appear in an answer or a log line. */
  const secrets = new Map<string, string>();
  /** Values that must never appear in a log line (they may legitimately be in a token response). */
  const logSecrets = new Map<string, string>();
  let uid = '';
  let interactionJar = new CookieJar();
  let csrf = '';
  let fuzzUserId = '';
  let fuzzGroupId = '';
  const restoreConsole: Array<() => void> = [];

  before(async () => {
    dataDir = mkdtempSync(`${tmpdir()}/gh-`);
    const record = (level: string) => (message: string) => logLines.push(`${level} ${message}`);
    emulator = await startEmulator({
      port: 0,
      dataDir,
      // The Management API is probed hundreds of times: a budget past the table keeps every probe reaching a handler.
      seed: demoSeed((seed) => {
        seed.rateLimitPerMinute = 100_000;
        // A hook whose endpoint refuses connections: its failures are logged, its secret header must not be.
        const events = ['user.lifecycle.suspend', 'user.lifecycle.activate'];
        seed.eventHooks = [
          { name: 'unreachable', url: 'http://127.0.0.1:9/hook', events, status: 'ACTIVE', authScheme: { type: 'HEADER', key: 'Authorization', value: HOOK_SECRET } },
          // A value `Headers` refuses (seeds are not checked for it): must fail like a dead endpoint, not crash or leak.
          { id: BAD_HOOK_ID, name: 'bad header', url: 'http://127.0.0.1:9/hook', events, status: 'ACTIVE', authScheme: { type: 'HEADER', key: 'Authorization', value: `x\r\n${HOOK_SECRET}` } },
        ];
      }),
      hookRetryDelaysMs: [],
      logger: { info: record('info'), warn: record('warn'), error: record('error') },
    });
    port = Number(new URL(emulator.url).port);
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      const original = console[method];
      console[method] = (...args: unknown[]) => void consoleLines.push(args.map((arg) => (arg instanceof Error ? `${arg.message}\n${arg.stack}` : String(arg))).join(' '));
      restoreConsole.push(() => void (console[method] = original));
    }

    secrets.set('client secret', DEMO_CLIENT_SECRET);
    secrets.set('API token', DEMO_API_TOKEN);
    secrets.set('event hook secret', HOOK_SECRET);
    secrets.set('demo password', DEMO_PASSWORD);
    for (const [role, user] of Object.entries(DEMO_USERS)) secrets.set(`${role} TOTP secret`, user.totpSecret);
    const keys = JSON.parse(readFileSync(keyFilePath(dataDir), 'utf8')) as KeyFile;
    keys.cookieKeys.forEach((key, i) => secrets.set(`cookie key ${i}`, key));
    keys.keys.forEach((key, i) => secrets.set(`signing key ${i} (d)`, String(key.jwk['d'])));

    // Real artefacts, so the probes can use (and misuse) them and the logs can be checked for them.
    const signedIn = await signIn(emulator, { username: DEMO_USERS.viewer.login, password: DEMO_PASSWORD, scope: 'openid profile email groups offline_access' });
    logSecrets.set('authorization code', signedIn.code);
    const tokens = await redeem(await demoClient(emulator), signedIn);
    logSecrets.set('access token', tokens.access_token);
    logSecrets.set('refresh token', tokens.refresh_token ?? 'missing');
    logSecrets.set('ID token', tokens.id_token ?? 'missing');
    const sid = /okta_emu_sid=([^;]+)/.exec(signedIn.jar.header())?.[1];
    logSecrets.set('sign-in session cookie', sid ?? 'missing');

    // An open interaction (sign-in page shown, not answered) for the /signin/* probes.
    const authorize = authorizeUrl(emulator, {
      state: 'fuzz-state', nonce: 'fuzz-nonce', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
    });
    interactionJar = new CookieJar();
    const started = await fetch(authorize, { redirect: 'manual' });
    interactionJar.store(started);
    const page = new URL(started.headers.get('location') ?? '', authorize);
    uid = page.pathname.split('/')[2] ?? '';
    const html = await (await fetch(page, { headers: { cookie: interactionJar.header() } })).text();
    csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    assert.ok(uid && csrf, 'an open sign-in interaction');
    logSecrets.set('interaction cookie', /okta_emu_interaction=([^;]+)/.exec(interactionJar.header())?.[1] ?? 'missing');

    const sswsHeaders = { authorization: `SSWS ${DEMO_API_TOKEN}`, 'content-type': 'application/json' };
    const user = await fetch(`${emulator.url}/api/v1/users?activate=false`, {
      method: 'POST', headers: sswsHeaders,
      body: JSON.stringify({ profile: { login: 'fuzz@gatehouse.test', email: 'fuzz@gatehouse.test', firstName: 'F', lastName: 'Z' }, credentials: { password: { value: 'Target-pw-9xyz' } } }),
    });
    fuzzUserId = ((await user.json()) as { id: string }).id;
    secrets.set('created user password', 'Target-pw-9xyz');
    const group = await fetch(`${emulator.url}/api/v1/groups`, { method: 'POST', headers: sswsHeaders, body: JSON.stringify({ profile: { name: 'fuzz' } }) });
    fuzzGroupId = ((await group.json()) as { id: string }).id;
    assert.ok(fuzzUserId && fuzzGroupId, 'a user and a group for the Management API probes to work on');
  });

  after(async () => {
    for (const restore of restoreConsole) restore();
    await emulator.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const routes = () => [
    `${AS}/v1/authorize`, `${AS}/v1/token`, `${AS}/v1/keys`, `${AS}/v1/userinfo`, `${AS}/v1/logout`, `${AS}/v1/revoke`,
    `${AS}/v1/introspect`, `${AS}/v1/par`, `${AS}/.well-known/openid-configuration`, `${AS}/.well-known/oauth-authorization-server`,
    '/.well-known/openid-configuration', '/.well-known/oauth-authorization-server', '/oauth2/v1/authorize', '/oauth2/v1/token',
    '/oauth2/v1/keys', '/oauth2/v1/introspect', '/oauth2/v1/revoke', '/oauth2/v1/logout',
    `/signin/${uid}`, `/signin/${uid}/password`, `/signin/${uid}/totp`, '/signin', '/signin/not-a-uid/password',
    '/api/v1/users', `/api/v1/users/${fuzzUserId}`, '/api/v1/users/fuzz@gatehouse.test', `/api/v1/users/${fuzzUserId}/lifecycle/suspend`,
    `/api/v1/users/${fuzzUserId}/groups`, '/api/v1/groups', `/api/v1/groups/${fuzzGroupId}`, `/api/v1/groups/${fuzzGroupId}/users/${fuzzUserId}`,
    '/api/v1/eventHooks', '/api/v1/eventHooks/nope/lifecycle/verify', '/api/v1/nope',
    '/', '/nope', `${AS}`, `${AS}/nope`, '/oauth2/other/v1/authorize', '/oauth2', '/api', '/api/v1',
  ];

  const big = (n: number) => 'A'.repeat(n);
  const QUERIES = [
    '?%', '?%zz', '?a=%zz&b=%', '?client_id=%E0%A4%A&scope=%', `?state=${big(7000)}`, '?client_id=a&client_id=b&scope=openid&scope=email',
    '?client_id[]=a&redirect_uri[x]=b', '?a%00=b%00&client_id=%00', '?login_hint=%F0%9F%98%80%E2%80%AE&state=%C3%28%FF', '?=&&==&;;',
    '?__proto__[x]=1&constructor[prototype][y]=2', '?limit=-1&after=%00', '?limit=99999999999999999999999', `?q=%25&search=${'('.repeat(300)}`,
    '?filter=profile.login%20eq%20%22', '?search=status%20eq%20%22ACTIVE%22%20and%20', '?activate=maybe',
    `?client_id=${DEMO_CLIENT_ID}&response_type=code&redirect_uri=javascript:alert(1)&scope=openid&code_challenge=x&code_challenge_method=plain`,
    `?client_id=${DEMO_CLIENT_ID}&response_type=code%20token&redirect_uri=http://localhost:3000/auth/callback&scope=openid&state=<script>&max_age=-1&prompt=none%20login&claims={bad&request=a.b.c&acr_values=${big(3000)}`,
    `?client_id=${DEMO_CLIENT_ID}&redirect_uri=http://localhost:3000/auth/callback&request_uri=urn:ietf:params:oauth:request_uri:nope&response_type=code&scope=openid`,
    `?id_token_hint=a.b.c&post_logout_redirect_uri=https://evil.example/&state=<b>x</b>`,
    `?id_token_hint=${b64('{"alg":"none"}')}.${b64('{}')}.&post_logout_redirect_uri=%zz`,
    `?client_secret=${DEMO_CLIENT_SECRET}&token=${DEMO_API_TOKEN}&password=${DEMO_PASSWORD}`,
  ];
  const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'PROPFIND'];
  const BODIES: Array<{ type?: string; body: string; name: string }> = [
    { type: 'application/json', body: '{bad json', name: 'bad JSON' },
    { type: 'application/json', body: 'null', name: 'JSON null' },
    { type: 'application/json', body: '[1,2]', name: 'JSON array' },
    { type: 'application/json', body: '{"__proto__":{"polluted":1},"profile":{"login":{"$ne":1}}}', name: 'JSON with __proto__' },
    { type: 'application/json; charset=utf-16', body: '\u00fe\u00ff{', name: 'JSON in a charset we do not speak' },
    { type: 'application/x-www-form-urlencoded', body: 'a=%zz&b&=&%', name: 'broken form' },
    { type: 'application/x-www-form-urlencoded', body: 'grant_type=authorization_code', name: 'form missing fields' },
    { type: 'application/x-www-form-urlencoded', body: `grant_type=refresh_token&grant_type=password&client_id=${DEMO_CLIENT_ID}&client_id=x&refresh_token[]=a&token=%00&csrf[]=1`, name: 'form with repeated and array fields' },
    { type: 'application/x-www-form-urlencoded', body: `grant_type=authorization_code&code=${big(5000)}&redirect_uri=%zz&code_verifier=${'\u00e9'.repeat(200)}&client_id=${DEMO_CLIENT_ID}&client_secret=${DEMO_CLIENT_SECRET}x`, name: 'form with garbage code and near-miss secret' },
    { type: 'multipart/form-data; boundary=zz', body: '--x\r\nbroken', name: 'broken multipart' },
    { type: 'multipart/form-data', body: 'no boundary', name: 'multipart without boundary' },
    { type: 'text/plain', body: 'grant_type=client_credentials', name: 'text body' },
    { type: 'application/xml', body: '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>', name: 'XML' },
    { body: '{"a":1}', name: 'no content type' },
    { type: 'application/json', body: `{"a":"${big(2 * 1024 * 1024)}"}`, name: 'huge JSON (2 MiB)' },
    { type: 'application/x-www-form-urlencoded', body: `csrf=x&username=${big(2 * 1024 * 1024)}`, name: 'huge form (2 MiB)' },
  ];
  const AUTHORIZATIONS = [
    'Basic', 'Basic !!!', `Basic ${b64('%zz:%zz')}`, `Basic ${b64(':')}`, `Basic ${b64(`${DEMO_CLIENT_ID}:wrong`)}`, `Basic ${b64(`${DEMO_CLIENT_ID}%00:${DEMO_CLIENT_SECRET}`)}`,
    'Bearer', 'Bearer a.b.c', `Bearer ${big(8000)}`, `Bearer ${DEMO_API_TOKEN}`, 'SSWS', 'SSWS \u00ff\u00fe', `SSWS ${DEMO_API_TOKEN}x`, `ssws  ${DEMO_API_TOKEN} extra`,
    'DPoP garbage', 'Negotiate =', '\u00e9\u00e8',
  ];
  const COOKIES = [
    'okta_emu_sid=garbage; okta_emu_sid.sig=garbage', 'okta_emu_interaction=%zz; okta_emu_interaction.sig=%', 'okta_emu_resume=x; okta_emu_resume.sig=y',
    '=;;;=; ;a', '__proto__=1; constructor=2; hasOwnProperty=3', `okta_emu_sid=${big(6000)}`, 'okta_emu_sid="\\"; okta_emu_sid=a',
  ];

  it('answers every malformed request with a 4xx (or a normal answer): no 5xx, no stack, no secret, Okta-shaped errors', async () => {
    const probes: Probe[] = [];
    for (const path of routes()) {
      // Management API probes carry a valid token, so they reach the handlers, not just the 401.
      const auth: Record<string, string> = path.startsWith('/api/') ? { authorization: `SSWS ${DEMO_API_TOKEN}` } : {};
      for (const method of METHODS) probes.push({ method, path, headers: auth });
      for (const query of QUERIES) probes.push({ method: 'GET', path: `${path}${query}`, headers: auth });
      for (const { type, body, name } of BODIES) {
        for (const method of ['POST', 'PUT']) probes.push({ method, path, body, note: name, headers: { ...auth, ...(type ? { 'content-type': type } : {}), cookie: interactionJar.header() } });
      }
      for (const authorization of AUTHORIZATIONS) probes.push({ method: path.includes('token') || path.includes('introspect') || path.includes('revoke') ? 'POST' : 'GET', path, headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&token=x' });
      for (const cookie of COOKIES) probes.push({ method: 'GET', path, headers: { cookie } });
    }
    // The sign-in form with a real interaction and a valid CSRF token, but hostile fields.
    for (const body of [`csrf=${csrf}`, `csrf=${csrf}&username[]=a&password[]=b`, `csrf=${csrf}&username=%00&password=%zz`, `csrf=${csrf}&csrf=${csrf}&username=a&password=b`, `csrf=${csrf}&code=${big(10)}`, `csrf=${csrf}&username=${encodeURIComponent('<script>alert(1)</script>')}&password=${DEMO_PASSWORD}`]) {
      for (const step of ['password', 'totp']) probes.push({ method: 'POST', path: `/signin/${uid}/${step}`, body, headers: { cookie: interactionJar.header(), 'content-type': 'application/x-www-form-urlencoded' } });
    }
    probes.push({ method: 'POST', path: `/signin/${uid}/password`, body: `csrf=${csrf}&username=${big(3 * 1024 * 1024)}`, note: 'huge sign-in form (3 MiB)', headers: { cookie: interactionJar.header(), 'content-type': 'application/x-www-form-urlencoded' } });

    const problems: string[] = [];
    const check = (label: string, answer: Answer) => {
      if (answer.status === 0 || answer.status >= 500) problems.push(`${label}: HTTP ${answer.status}`);
      for (const pattern of STACK) if (pattern.test(answer.body)) problems.push(`${label}: stack-like text ${pattern}`);
      for (const [name, value] of secrets) if (answer.body.includes(value)) problems.push(`${label}: body contains the ${name}`);
      if (answer.status >= 400 && answer.contentType.includes('json') && answer.body) {
        let json: Record<string, unknown> | null = null;
        try {
          json = JSON.parse(answer.body) as Record<string, unknown>;
        } catch {
          problems.push(`${label}: JSON error body does not parse`);
        }
        const okta = json && typeof json['errorCode'] === 'string' && typeof json['errorSummary'] === 'string';
        const oauth = json && typeof json['error'] === 'string';
        if (json && !okta && !oauth) problems.push(`${label}: JSON error is neither Okta- nor OAuth-shaped: ${answer.body.slice(0, 200)}`);
      }
      if (answer.status < 400 && /^\{"(errorCode|error)":/.test(answer.body)) problems.push(`${label}: error body with HTTP ${answer.status}`);
      if (answer.status >= 400 && answer.body && !answer.contentType.includes('json') && !answer.contentType.includes('html')) {
        problems.push(`${label}: ${answer.status} error with content type "${answer.contentType}": ${answer.body.slice(0, 120)}`);
      }
    };
    await runAll(probes, async (probe) => {
      const body = probe.body === undefined ? '' : ` body ${probe.note ?? probe.body.slice(0, 100)}`;
      const label = `${probe.method} ${probe.path.slice(0, 160)}${body}${probe.headers ? ` ${JSON.stringify(probe.headers).slice(0, 120)}` : ''}`;
      try {
        check(label, await send(port, probe));
      } catch (error) {
        problems.push(`${label}: no answer (${(error as Error).message})`);
      }
    });

    // Request lines node:http will not write.
    const raw = [
      'GET /%%%% HTTP/1.1\r\nHost: localhost', 'GET /oauth2/default/v1/authorize?%ff%00 HTTP/1.1\r\nHost: localhost',
      'GET http://evil.example/oauth2/default/v1/keys HTTP/1.1\r\nHost: localhost', 'OPTIONS * HTTP/1.1\r\nHost: localhost',
      'GET /api/v1/users HTTP/1.1\r\nHost: a b c', 'GET /signin/x HTTP/1.1\r\nHost: [::1', 'GET /oauth2/default/v1/keys HTTP/1.1',
      `GET /oauth2/default/v1/authorize?x=${'\u00e9'.repeat(100)} HTTP/1.1\r\nHost: localhost`, 'GET /api/v1/users/%2e%2e%2f%2e%2e%2fetc HTTP/1.1\r\nHost: localhost',
      `GET /api/v1/users HTTP/1.1\r\nHost: localhost\r\nAuthorization: SSWS ${DEMO_API_TOKEN}\r\nContent-Length: 5\r\nTransfer-Encoding: chunked`,
      `GET /oauth2/default/.well-known/openid-configuration HTTP/1.1\r\nHost: localhost\r\nCookie: ${big(20_000)}`,
    ];
    for (const head of raw) check(`raw ${head.split('\r\n')[0]?.slice(0, 80)}`, await sendRaw(port, head));
    // Bodies cut short (the client hangs up mid-request): no answer is owed, but the process must live on.
    for (const path of [`${AS}/v1/token`, '/api/v1/users', `/signin/${uid}/password`, '/oauth2/v1/token']) {
      const head = `POST ${path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: SSWS ${DEMO_API_TOKEN}\r\nCookie: ${interactionJar.header()}\r\nContent-Type: application/json\r\nContent-Length: 1000`;
      await sendRaw(port, head, '{"grant_type":').catch(() => null);
    }
    const alive = await send(port, { method: 'GET', path: `${AS}/.well-known/openid-configuration` });
    assert.equal(alive.status, 200, 'the emulator still answers after cut-short requests');
    assert.deepEqual(problems, [], `${problems.length} of ${probes.length + raw.length} probes failed:\n${problems.slice(0, 60).join('\n')}`);
    assert.ok(probes.length > 1000, `the table is not empty (${probes.length} probes)`);
  });

  it('Management API bodies that are well-formed but hostile get Okta 400s, never a 500 or an echoed header value', async () => {
    const sswsJson = { authorization: `SSWS ${DEMO_API_TOKEN}`, 'content-type': 'application/json' };
    const hook = (config: Record<string, unknown>) => JSON.stringify({ name: 'h', events: { type: 'EVENT_TYPE', items: ['user.lifecycle.suspend'] }, channel: { type: 'HTTP', version: '1.0.0', config: { uri: 'http://localhost:9/x', ...config } } });
    const user = (profile: Record<string, unknown>, more: Record<string, unknown> = {}) => JSON.stringify({ profile: { login: 'u@x.test', email: 'u@x.test', firstName: 'A', lastName: 'B', ...profile }, ...more });
    const cases: Array<[string, string, string]> = [
      ...['not a url', 'http://', 'http://[::1]:99999/', 'file:///etc/passwd', ''].map((uri): [string, string, string] => [`hook uri ${JSON.stringify(uri)}`, '/api/v1/eventHooks', hook({ uri })]),
      ['hook with a number for a uri', '/api/v1/eventHooks', hook({ uri: 123 })],
      ['hook header value with CRLF', '/api/v1/eventHooks', hook({ headers: [{ key: 'X-A', value: `a\r\n${HOOK_SECRET}` }] })],
      ['hook auth value with NUL', '/api/v1/eventHooks', hook({ authScheme: { type: 'HEADER', key: 'Authorization', value: `a\u0000${HOOK_SECRET}` } })],
      ['hook header name with a colon', '/api/v1/eventHooks', hook({ headers: [{ key: 'X-A: b', value: 'c' }] })],
      ['hook uri to a metadata service', '/api/v1/eventHooks', hook({ uri: 'http://169.254.169.254/latest' })],
      ['user with a number for a name', '/api/v1/users', user({ firstName: 1 })],
      ['user with a nested custom attribute', '/api/v1/users', user({ custom: { a: 1 } })],
      ['user with a numeric password', '/api/v1/users', user({}, { credentials: { password: { value: 12345678 } } })],
      ['user with a weak password', '/api/v1/users', user({}, { credentials: { password: { value: 'short' } } })],
      ['user with an unknown group', '/api/v1/users', user({}, { groupIds: ['00gnope'] })],
      ['user with groupIds not an array', '/api/v1/users', user({}, { groupIds: '00gnope' })],
      ['user with a 101-character login', '/api/v1/users', user({ login: `${'a'.repeat(95)}@x.test` })],
      ['user with a login that is not an email', '/api/v1/users', user({ login: '<script>' })],
      ['profile update with a bad email', `/api/v1/users/${DEMO_USERS.norole.id}`, JSON.stringify({ profile: { email: 'nope' } })],
      ['profile update with a null profile', `/api/v1/users/${DEMO_USERS.norole.id}`, JSON.stringify({ profile: null })],
      ['group with an empty name', '/api/v1/groups', JSON.stringify({ profile: { name: '   ' } })],
      ['group with a 256-character name', '/api/v1/groups', JSON.stringify({ profile: { name: 'g'.repeat(256) } })],
      ['group with a numeric description', '/api/v1/groups', JSON.stringify({ profile: { name: 'g', description: 5 } })],
    ];
    for (const [name, path, body] of cases) {
      const response = await send(port, { method: 'POST', path, body, headers: sswsJson });
      assert.equal(response.status, 400, `${name}: ${response.body.slice(0, 200)}`);
      assert.equal((JSON.parse(response.body) as { errorCode: string }).errorCode, 'E0000001', name);
      assert.ok(!response.body.includes(HOOK_SECRET), `${name}: the header value is not echoed`);
    }
    const verify = await send(port, { method: 'POST', path: `/api/v1/eventHooks/${BAD_HOOK_ID}/lifecycle/verify`, headers: sswsJson });
    assert.equal(verify.status, 400, verify.body);
    assert.ok(!verify.body.includes(HOOK_SECRET), 'the stored header value is not echoed');
  });

  it('HEAD /v1/logout without id_token_hint is refused like GET and does not end the sign-in session', async () => {
    const first = await signIn(emulator, { username: DEMO_USERS.admin.login, password: DEMO_PASSWORD });
    const head = await fetch(`${emulator.issuer}/v1/logout?post_logout_redirect_uri=${encodeURIComponent('http://localhost:3000/')}`, {
      method: 'HEAD', redirect: 'manual', headers: { cookie: first.jar.header() },
    });
    assert.equal(head.status, 400);
    const again = await signIn(emulator, { jar: first.jar });
    assert.deepEqual(again.steps, [], 'single sign-on still works: the session was not ended');
  });

  it('/v1/logout answers carry Referrer-Policy: no-referrer and never echo the id_token_hint', async () => {
    const signedIn = await signIn(emulator, { username: DEMO_USERS.viewer.login, password: DEMO_PASSWORD });
    const { id_token: idToken = '' } = await redeem(await demoClient(emulator), signedIn);
    logSecrets.set('logout ID token', idToken);
    const logout = (redirect: string) =>
      fetch(`${emulator.issuer}/v1/logout?id_token_hint=${idToken}&post_logout_redirect_uri=${encodeURIComponent(redirect)}&state=s1`, {
        redirect: 'manual', headers: { cookie: signedIn.jar.header() },
      });
    const refused = await logout('https://evil.example/');
    assert.equal(refused.status, 400);
    assert.equal(refused.headers.get('referrer-policy'), 'no-referrer');
    assert.ok(!(await refused.text()).includes(idToken), 'the refused logout does not echo the ID token');
    const done = await logout('http://localhost:3000/');
    assert.equal(done.status, 302);
    assert.equal(done.headers.get('referrer-policy'), 'no-referrer');
    assert.ok(!(done.headers.get('location') ?? '').includes(idToken), 'the ID token is not passed on to the app');
  });

  it('refuses a sign-in form past 16 KiB with 413 before reading it', async () => {
    const response = await send(port, {
      method: 'POST', path: `/signin/${uid}/password`, body: `csrf=${csrf}&username=${big(20 * 1024)}&password=x`,
      headers: { cookie: interactionJar.header(), 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(response.status, 413);
    assert.match(response.contentType, /html/);
  });

  it('answers unknown org authorization server paths with a real 404 status', async () => {
    for (const method of ['POST', 'DELETE', 'OPTIONS']) {
      const response = await send(port, { method, path: '/.well-known/openid-configuration' });
      assert.equal(response.status, 404, method);
      assert.equal((JSON.parse(response.body) as { errorCode: string }).errorCode, 'E0000007');
    }
  });

  it('still works after the barrage: a normal sign-in and code exchange succeed', async () => {
    const signedIn = await signIn(emulator, { username: DEMO_USERS.admin.login, password: DEMO_PASSWORD });
    const tokens = await redeem(await demoClient(emulator), signedIn);
    assert.ok(tokens.id_token);
    logSecrets.set('second authorization code', signedIn.code);
    logSecrets.set('second ID token', tokens.id_token);
  });

  it('wrote no secret, code, token or cookie value to any log line or the console', async () => {
    // Make sure the logs hold something to check: a key rotation and a failed hook delivery both log.
    await emulator.rotateKeys();
    const keys = JSON.parse(readFileSync(keyFilePath(dataDir), 'utf8')) as KeyFile;
    keys.keys.forEach((key, i) => secrets.set(`rotated signing key ${i} (d)`, String(key.jwk['d'])));
    const suspended = await fetch(`${emulator.url}/api/v1/users/${DEMO_USERS.norole.id}/lifecycle/suspend`, { method: 'POST', headers: { authorization: `SSWS ${DEMO_API_TOKEN}` } });
    assert.equal(suspended.status, 200);
    // Waits for the delivery attempt to fail (an event, not a duration: bounded only so a bug cannot hang the suite).
    for (let i = 0; i < 200 && !logLines.some((line) => line.includes('event hook')); i++) await new Promise((done) => setTimeout(done, 25));
    assert.ok(logLines.some((line) => line.includes('signing keys reloaded')), 'the key rotation was logged');
    assert.ok(logLines.some((line) => line.includes('event hook')), 'the failed hook delivery was logged');

    const lines = [...logLines.map((line) => `logger: ${line}`), ...consoleLines.map((line) => `console: ${line}`)];
    const leaks: string[] = [];
    for (const line of lines) {
      for (const [name, value] of [...secrets, ...logSecrets]) if (line.includes(value)) leaks.push(`${name} in ${line.slice(0, 200)}`);
      for (const pattern of STACK) if (pattern.test(line)) leaks.push(`stack trace in ${line.slice(0, 200)}`);
    }
    assert.deepEqual(leaks, []);
  });
});
