import type { DirectoryGroup, DirectoryUser, EventHook } from '../directory/types.ts';

/**
 * The directory's records in the JSON shapes Okta's Management API returns, with the `_links`
 * the SDK reads (its cache keys on `_links.self.href`).
 * @see https://developer.okta.com/docs/api/openapi/okta-management/management/tag/User/
 */

const LIFECYCLE_LINKS: Record<DirectoryUser['status'], string[]> = {
  STAGED: ['activate', 'deactivate'],
  PROVISIONED: ['reactivate', 'deactivate'],
  ACTIVE: ['suspend', 'deactivate'],
  SUSPENDED: ['unsuspend', 'deactivate'],
  LOCKED_OUT: ['unlock', 'deactivate'],
  DEPROVISIONED: ['activate'],
};

function href(orgUrl: string, path: string, method?: string) {
  return method ? { href: new URL(path, orgUrl).href, method } : { href: new URL(path, orgUrl).href };
}

/** A user as Okta's User object (secrets never leave: `credentials.password` is `{}`). */
export function oktaUser(user: DirectoryUser, orgUrl: string) {
  const base = `/api/v1/users/${user.id}`;
  const links: Record<string, { href: string; method?: string }> = { self: href(orgUrl, base) };
  for (const action of LIFECYCLE_LINKS[user.status]) links[action] = href(orgUrl, `${base}/lifecycle/${action}`, 'POST');
  if (user.status !== 'DEPROVISIONED') links['changePassword'] = href(orgUrl, `${base}/credentials/change_password`, 'POST');
  return {
    id: user.id,
    status: user.status,
    created: user.created,
    activated: user.activated,
    statusChanged: user.statusChanged,
    lastLogin: user.lastLogin,
    lastUpdated: user.lastUpdated,
    passwordChanged: user.passwordChanged,
    type: { id: 'oty1gatehousedefault' },
    profile: user.profile,
    credentials: {
      ...(user.passwordHash ? { password: {} } : {}),
      provider: { type: 'OKTA', name: 'OKTA' },
    },
    _links: links,
  };
}

/** A group as Okta's Group object. */
export function oktaGroup(group: DirectoryGroup, orgUrl: string) {
  const base = `/api/v1/groups/${group.id}`;
  return {
    id: group.id,
    created: group.created,
    lastUpdated: group.lastUpdated,
    lastMembershipUpdated: group.lastMembershipUpdated,
    objectClass: ['okta:user_group'],
    type: group.type,
    profile: group.profile,
    _links: {
      self: href(orgUrl, base),
      users: href(orgUrl, `${base}/users`),
      apps: href(orgUrl, `${base}/apps`),
    },
  };
}

/** An event hook as Okta's EventHook object; the auth header's value is never returned, as in Okta. */
export function oktaEventHook(hook: EventHook, orgUrl: string) {
  const base = `/api/v1/eventHooks/${hook.id}`;
  const lifecycle = hook.status === 'ACTIVE' ? 'deactivate' : 'activate';
  return {
    id: hook.id,
    status: hook.status,
    verificationStatus: hook.verificationStatus,
    name: hook.name,
    created: hook.created,
    lastUpdated: hook.lastUpdated,
    createdBy: null,
    description: null,
    events: { type: 'EVENT_TYPE', items: hook.events, filter: null },
    channel: {
      type: 'HTTP',
      version: '1.0.0',
      config: {
        uri: hook.url,
        method: 'POST',
        headers: hook.headers,
        authScheme: hook.authScheme ? { type: hook.authScheme.type, key: hook.authScheme.key } : null,
      },
    },
    _links: {
      self: href(orgUrl, base),
      verify: href(orgUrl, `${base}/lifecycle/verify`, 'POST'),
      [lifecycle]: href(orgUrl, `${base}/lifecycle/${lifecycle}`, 'POST'),
    },
  };
}
