import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Client } from '@okta/okta-sdk-nodejs';
import { DEMO_API_TOKEN, DEMO_GROUP_IDS, DEMO_USERS } from '../directory/demo.ts';
import { startEmulator, type Emulator } from '../server.ts';

interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A real HTTP endpoint standing in for an app's event hook receiver. It echoes verification
 * challenges (unless told otherwise) and answers deliveries with the next status in `statuses`
 * (then 200). `received(n)` resolves once n requests have arrived.
 */
async function startReceiver(options: { statuses?: number[]; echoChallenge?: boolean } = {}) {
  const requests: Received[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const statuses = [...(options.statuses ?? [])];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (req.method === 'GET') {
        const challenge = String(req.headers['x-okta-verification-challenge'] ?? '');
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ verification: options.echoChallenge === false ? 'wrong' : challenge }));
      } else {
        res.statusCode = statuses.shift() ?? 200;
        res.end();
      }
      for (const waiter of waiters.filter((w) => requests.length >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/okta/events`,
    requests,
    received(count: number): Promise<Received[]> {
      if (requests.length >= count) return Promise.resolve(requests.slice());
      return new Promise((resolve) => waiters.push({ count, resolve: () => resolve(requests.slice()) }));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

function hookBody(name: string, receiver: Receiver, events: string[]) {
  return {
    name,
    events: { type: 'EVENT_TYPE', items: events },
    channel: {
      type: 'HTTP',
      version: '1.0.0',
      config: {
        uri: receiver.url,
        headers: [{ key: 'X-Gatehouse-Test', value: name }],
        authScheme: { type: 'HEADER', key: 'Authorization', value: `secret-for-${name}` },
      },
    },
  };
}

describe('Event Hooks', () => {
  let emulator: Emulator;
  let client: Client;
  const receivers: Receiver[] = [];
  const receiver = async (options?: Parameters<typeof startReceiver>[0]) => {
    const started = await startReceiver(options);
    receivers.push(started);
    return started;
  };
  const createVerifiedHook = async (name: string, target: Receiver, events: string[]) => {
    const hook = await client.eventHookApi.createEventHook({ eventHook: hookBody(name, target, events) as never });
    await client.eventHookApi.verifyEventHook({ eventHookId: hook.id! });
    return hook;
  };

  const warnings: string[] = [];
  const warningWaiters: Array<{ match: RegExp; count: number; resolve: () => void }> = [];
  const warned = (match: RegExp, count: number) =>
    new Promise<void>((resolve) => {
      warningWaiters.push({ match, count, resolve });
      checkWarnings();
    });
  const checkWarnings = () => {
    for (const waiter of [...warningWaiters]) {
      if (warnings.filter((w) => waiter.match.test(w)).length >= waiter.count) {
        warningWaiters.splice(warningWaiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };

  before(async () => {
    // Short backoff so a retry happens within the test; the count of attempts is what is checked.
    emulator = await startEmulator({
      hookRetryDelaysMs: [20, 20],
      logger: {
        info() {},
        error() {},
        warn(message) {
          warnings.push(message);
          checkWarnings();
        },
      },
    });
    client = new Client({ orgUrl: emulator.url, token: DEMO_API_TOKEN, cacheMiddleware: null });
  });
  after(async () => {
    await emulator.close();
    for (const r of receivers) await r.close();
  });

  test('registers, verifies with the challenge, and delivers subscribed events with the auth header', async () => {
    const target = await receiver();
    const hook = await client.eventHookApi.createEventHook({
      eventHook: hookBody('lifecycle', target, ['user.lifecycle.deactivate', 'group.user_membership.add']) as never,
    });
    assert.match(hook.id ?? '', /^who[0-9A-Za-z]{17}$/);
    assert.equal(hook.status, 'ACTIVE');
    assert.equal(hook.verificationStatus, 'UNVERIFIED');
    assert.equal(hook.channel?.config?.authScheme?.key, 'Authorization');
    assert.equal(hook.channel?.config?.authScheme?.value, undefined, 'the auth value is never returned');

    const verified = await client.eventHookApi.verifyEventHook({ eventHookId: hook.id! });
    assert.equal(verified.verificationStatus, 'VERIFIED');
    const [verification] = await target.received(1);
    assert.equal(verification?.method, 'GET');
    assert.match(String(verification?.headers['x-okta-verification-challenge']), /^[\w-]{20,}$/);
    assert.equal(verification?.headers['authorization'], 'secret-for-lifecycle');

    // Not subscribed: suspend. Subscribed: deactivate and membership add.
    const user = await client.userApi.createUser({
      body: { profile: { login: 'hooked@gatehouse.test', email: 'hooked@gatehouse.test', firstName: 'Hugo', lastName: 'Hook' } },
    });
    await client.userApi.deactivateUser({ userId: user.id! });
    const delivered = await target.received(2);
    const delivery = delivered[1]!;
    assert.equal(delivery.method, 'POST');
    assert.equal(delivery.path, '/okta/events');
    assert.equal(delivery.headers['authorization'], 'secret-for-lifecycle');
    assert.equal(delivery.headers['x-gatehouse-test'], 'lifecycle');
    assert.match(String(delivery.headers['content-type']), /^application\/json/);
    const body = JSON.parse(delivery.body);
    assert.equal(body.eventType, 'com.okta.event_hook');
    assert.equal(body.eventTypeVersion, '1.0');
    assert.equal(body.cloudEventsVersion, '0.1');
    assert.equal(body.contentType, 'application/json');
    assert.equal(body.source, `${emulator.url}/api/v1/eventHooks/${hook.id}`);
    assert.match(body.eventId, /^[0-9a-f-]{36}$/);
    assert.ok(!Number.isNaN(Date.parse(body.eventTime)));
    assert.equal(body.data.events.length, 1);
    const event = body.data.events[0];
    assert.equal(event.eventType, 'user.lifecycle.deactivate');
    assert.equal(event.displayMessage, 'Deactivate Okta user');
    assert.equal(event.severity, 'INFO');
    assert.deepEqual(event.outcome, { result: 'SUCCESS', reason: null });
    assert.match(event.uuid, /^[0-9a-f-]{36}$/);
    assert.equal(event.actor.type, 'SystemPrincipal');
    assert.deepEqual(event.target.map((t: { id: string; type: string; alternateId: string }) => [t.id, t.type, t.alternateId]), [
      [user.id, 'User', 'hooked@gatehouse.test'],
    ]);

    await client.userApi.activateUser({ userId: user.id!, sendEmail: false });
    await client.userApi.suspendUser({ userId: DEMO_USERS.viewer.id });
    await client.groupApi.assignUserToGroup({ groupId: DEMO_GROUP_IDS.viewer, userId: user.id! });
    const afterMembership = await target.received(3);
    const membership = JSON.parse(afterMembership[2]!.body).data.events[0];
    assert.equal(membership.eventType, 'group.user_membership.add');
    assert.deepEqual(membership.target.map((t: { type: string; id: string }) => [t.type, t.id]), [
      ['User', user.id],
      ['UserGroup', DEMO_GROUP_IDS.viewer],
    ]);
    // Activation and suspension happened before the membership change and are not subscribed.
    const types = target.requests.slice(1).map((r) => JSON.parse(r.body).data.events[0].eventType);
    assert.deepEqual(types, ['user.lifecycle.deactivate', 'group.user_membership.add']);
  });

  test('retries a delivery that failed, with the same event', async () => {
    const flaky = await receiver({ statuses: [500, 503] });
    await createVerifiedHook('flaky', flaky, ['user.lifecycle.suspend']);
    await client.userApi.suspendUser({ userId: DEMO_USERS.norole.id });
    const requests = await flaky.received(4);
    const posts = requests.filter((r) => r.method === 'POST');
    assert.equal(posts.length, 3);
    const bodies = posts.map((p) => JSON.parse(p.body));
    assert.equal(new Set(bodies.map((b) => b.eventId)).size, 1, 'a retry resends the same delivery');
    assert.equal(bodies[0].data.events[0].target[0].id, DEMO_USERS.norole.id);
    assert.ok(posts.every((p) => p.headers['authorization'] === 'secret-for-flaky'));
  });

  test('an endpoint that went away is retried, reported without secrets, and nothing crashes', async () => {
    const gone = await receiver();
    const hook = await createVerifiedHook('gone', gone, ['group.lifecycle.create']);
    await gone.close();
    await client.groupApi.createGroup({ group: { profile: { name: 'made-while-receiver-is-down' } } });
    await warned(new RegExp(hook.id!), 3);
    const reports = warnings.filter((w) => w.includes(hook.id!));
    assert.equal(reports.length, 3, 'the first attempt and two retries');
    assert.ok(reports.every((w) => /connection failed/.test(w) && !w.includes('secret-for-gone')));
    // The emulator still serves.
    assert.equal((await client.userApi.getUser({ userId: DEMO_USERS.admin.id })).id, DEMO_USERS.admin.id);
  });

  test('delivers the sign-in server’s session events announced on the directory', async () => {
    const sessions = await receiver();
    await createVerifiedHook('sessions', sessions, ['user.session.end']);
    emulator.directory.announce({
      eventType: 'user.session.end',
      displayMessage: 'User logout from Okta',
      actor: { id: DEMO_USERS.admin.id, type: 'User', alternateId: DEMO_USERS.admin.login, displayName: DEMO_USERS.admin.name },
      target: [],
      outcome: { result: 'SUCCESS' },
    });
    const [, delivery] = await sessions.received(2);
    const event = JSON.parse(delivery!.body).data.events[0];
    assert.equal(event.eventType, 'user.session.end');
    assert.equal(event.actor.alternateId, DEMO_USERS.admin.login);
  });

  test('a failed verification leaves the hook unverified, and unverified hooks get nothing', async () => {
    const wrong = await receiver({ echoChallenge: false });
    const hook = await client.eventHookApi.createEventHook({ eventHook: hookBody('wrong', wrong, ['user.lifecycle.unsuspend']) as never });
    const error = (await client.eventHookApi.verifyEventHook({ eventHookId: hook.id! }).then(
      () => assert.fail('verification should fail'),
      (e: unknown) => e,
    )) as { status: number; errorCode: string; errorCauses: Array<{ errorSummary: string }> };
    assert.equal(error.status, 400);
    assert.equal(error.errorCode, 'E0000001');
    assert.match(error.errorCauses[0]?.errorSummary ?? '', /did not echo the verification challenge/);
    assert.equal((await client.eventHookApi.getEventHook({ eventHookId: hook.id! })).verificationStatus, 'UNVERIFIED');

    // A verified hook on the same event proves the event went out; the unverified one got only the GET.
    const witness = await receiver();
    await createVerifiedHook('witness', witness, ['user.lifecycle.unsuspend']);
    await client.userApi.unsuspendUser({ userId: DEMO_USERS.norole.id });
    await witness.received(2);
    assert.deepEqual(wrong.requests.map((r) => r.method), ['GET']);
  });

  test('lists, replaces, deactivates and deletes hooks the way Okta does', async () => {
    const target = await receiver();
    const hook = await createVerifiedHook('lifecycle-ops', target, ['group.lifecycle.create']);
    const sameUrl = await client.eventHookApi.replaceEventHook({
      eventHookId: hook.id!,
      eventHook: hookBody('renamed', target, ['group.lifecycle.create', 'group.lifecycle.delete']) as never,
    });
    assert.equal(sameUrl.name, 'renamed');
    assert.deepEqual(sameUrl.events?.items, ['group.lifecycle.create', 'group.lifecycle.delete']);
    assert.equal(sameUrl.verificationStatus, 'VERIFIED');
    const moved = await receiver();
    const newUrl = await client.eventHookApi.replaceEventHook({ eventHookId: hook.id!, eventHook: hookBody('moved', moved, ['group.lifecycle.create']) as never });
    assert.equal(newUrl.verificationStatus, 'UNVERIFIED', 'a new URL must be verified again');
    const listed = [];
    for await (const h of await client.eventHookApi.listEventHooks()) listed.push(h?.id);
    assert.ok(listed.includes(hook.id));
    const refused = await client.eventHookApi.deleteEventHook({ eventHookId: hook.id! }).then(
      () => null,
      (e: { status: number }) => e.status,
    );
    assert.equal(refused, 400, 'an ACTIVE hook cannot be deleted');
    assert.equal((await client.eventHookApi.deactivateEventHook({ eventHookId: hook.id! })).status, 'INACTIVE');
    await client.eventHookApi.deleteEventHook({ eventHookId: hook.id! });
    const gone = await client.eventHookApi.getEventHook({ eventHookId: hook.id! }).then(
      () => null,
      (e: { status: number; errorCode: string }) => [e.status, e.errorCode],
    );
    assert.deepEqual(gone, [404, 'E0000007']);
  });

  test('refuses hooks for event types Okta does not offer hooks for, in Okta’s error shape', async () => {
    const post = (body: unknown) =>
      fetch(`${emulator.url}/api/v1/eventHooks`, {
        method: 'POST',
        headers: { authorization: `SSWS ${DEMO_API_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const target = await receiver();
    const unknownEvent = await post(hookBody('x', target, ['user.lifecycle.reticulate_splines']));
    assert.equal(unknownEvent.status, 400);
    assert.equal(((await unknownEvent.json()) as { errorCode: string }).errorCode, 'E0000001');
    const plainHttp = await post({ ...hookBody('y', target, ['user.lifecycle.create']), channel: { type: 'HTTP', version: '1.0.0', config: { uri: 'http://example.com/hook' } } });
    assert.equal(plainHttp.status, 400);
    const body = (await plainHttp.json()) as { errorCauses: Array<{ errorSummary: string }> };
    assert.match(body.errorCauses[0]?.errorSummary ?? '', /HTTPS/);
  });

  test('a hook subscribed to Okta-eligible events the emulator never emits registers, as at a real org (npm run doctor flagged npm start\'s own hook without them)', async () => {
    const target = await receiver();
    const response = await fetch(`${emulator.url}/api/v1/eventHooks`, {
      method: 'POST',
      headers: { authorization: `SSWS ${DEMO_API_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(hookBody('eligible', target, ['application.user_membership.remove', 'user.mfa.factor.deactivate', 'user.lifecycle.deactivate'])),
    });
    assert.equal(response.status, 200);
    assert.deepEqual(((await response.json()) as { events: { items: string[] } }).events.items, ['application.user_membership.remove', 'user.mfa.factor.deactivate', 'user.lifecycle.deactivate']);
  });
});
