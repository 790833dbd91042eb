/** What each Okta event type does (`effectOf`), and the order a batch is applied in. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../config/schema.ts';
import { effectOf, inPublishedOrder, type OktaLogEvent } from './okta-events.ts';

const base = { NODE_ENV: 'test', OKTA_ISSUER: 'https://dev-1.okta.com/oauth2/default', OKTA_CLIENT_ID: '0oaOurApp', OKTA_CLIENT_SECRET: 'real-client-secret-value', SESSION_SECRET: 'Zr8q-unit-test-session-secret-9fK2mW4xL7pQ' };
const config = parseConfig(base);
const ignoring = parseConfig({ ...base, OKTA_HOOK_CREDENTIAL_CHANGE: 'ignore' });
const user = { id: '00uUser', type: 'User' };
const event = (eventType: string, fields: Partial<OktaLogEvent> = {}): OktaLogEvent => ({ uuid: 'u', eventType, published: '2026-12-04T10:00:00.000Z', actor: { id: '00uAdmin', type: 'User' }, target: [user], ...fields });

describe('effectOf', () => {
  it('ends sessions for lifecycle, session and (by default) credential events', () => {
    assert.deepEqual(effectOf(event('user.lifecycle.deactivate'), config), { kind: 'end', sub: '00uUser', reason: 'user_deactivated' });
    assert.deepEqual(effectOf(event('user.session.clear'), config), { kind: 'end', sub: '00uUser', reason: 'idp_logout' });
    assert.deepEqual(effectOf(event('user.mfa.factor.deactivate'), config), { kind: 'end', sub: '00uUser', reason: 'credentials_changed' });
    assert.deepEqual(effectOf(event('user.account.update_password'), ignoring), { kind: 'ignore', why: 'policy' });
  });

  it('user.session.end without a target names the actor; other events need a User target', () => {
    assert.deepEqual(effectOf(event('user.session.end', { actor: user, target: null }), config), { kind: 'end', sub: '00uUser', reason: 'idp_logout' });
    assert.deepEqual(effectOf(event('user.lifecycle.deactivate', { target: [] }), config), { kind: 'ignore', why: 'no_user' });
  });

  it('re-roles on group membership; acts on unassignment from our app only', () => {
    assert.deepEqual(effectOf(event('group.user_membership.add'), config), { kind: 'reRole', sub: '00uUser' });
    const unassign = (appId: string) => event('application.user_membership.remove', { target: [{ id: '00uUser', type: 'AppUser' }, { id: appId, type: 'AppInstance' }] });
    assert.deepEqual(effectOf(unassign('0oaOurApp'), config), { kind: 'end', sub: '00uUser', reason: 'app_unassigned' });
    assert.deepEqual(effectOf(unassign('0oaOtherApp'), config), { kind: 'ignore', why: 'other_app' });
    assert.deepEqual(effectOf(event('user.account.update_profile'), config), { kind: 'ignore', why: 'not_handled' });
  });

  it('a batch applies oldest published first', () => {
    const later = event('b', { uuid: '2', published: '2026-12-04T10:00:05.000Z' });
    const earlier = event('a', { uuid: '1', published: '2026-12-04T10:00:01.000Z' });
    assert.deepEqual(inPublishedOrder([later, earlier]).map((e) => e.uuid), ['1', '2']);
  });
});
