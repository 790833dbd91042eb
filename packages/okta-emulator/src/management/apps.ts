/**
 * Apps, read side: `GET /api/v1/apps`, `/apps/{id}`, `/apps/{id}/groups`, `/apps/{id}/users` and
 * `/apps/{id}/users/{userId}`, in the shapes Okta returns for OpenID Connect app integrations (the
 * app id of an OIDC app is its client id). A user is assigned individually (`scope: USER`) or
 * through a group assigned to the app (`scope: GROUP`), as Okta's app users say.
 * Client secrets never leave, as at Okta without `okta.apps.clientCredentials.read`.
 * @see https://developer.okta.com/docs/api/openapi/okta-management/management/tag/Application/
 */
import type { Hono } from 'hono';
import type { AppAssignment, Directory } from '../directory/directory.ts';
import type { OidcApp } from '../directory/types.ts';
import { requireScope, type ManagementEnv } from './auth.ts';
import { notFound } from './errors.ts';
import { paginate } from './pagination.ts';

// Okta's page sizes for apps: default 20, max 200; app group assignments default 20, max 200.
const APP_PAGE = { defaultLimit: 20, maxLimit: 200 };
// Okta's page size for app users: default 50, max 500.
const APP_USER_PAGE = { defaultLimit: 50, maxLimit: 500 };

function href(orgUrl: string, path: string) {
  return { href: new URL(path, orgUrl).href };
}

/** An OIDC app integration as Okta's `OpenIdConnectApplication` (no secret). */
export function oktaApp(app: OidcApp, orgUrl: string) {
  const service = app.grantTypes.includes('client_credentials') && !app.grantTypes.includes('authorization_code');
  return {
    id: app.clientId,
    name: 'oidc_client',
    label: app.name,
    status: 'ACTIVE',
    signOnMode: 'OPENID_CONNECT',
    credentials: {
      userNameTemplate: { template: '${source.login}', type: 'BUILT_IN' },
      oauthClient: {
        client_id: app.clientId,
        autoKeyRotation: true,
        token_endpoint_auth_method: app.tokenEndpointAuthMethod,
        pkce_required: app.pkceRequired !== false,
      },
    },
    settings: {
      oauthClient: {
        application_type: service ? 'service' : 'web',
        consent_method: 'TRUSTED',
        issuer_mode: 'DYNAMIC',
        redirect_uris: app.redirectUris,
        post_logout_redirect_uris: app.postLogoutRedirectUris,
        response_types: app.grantTypes.includes('authorization_code') ? ['code'] : ['token'],
        grant_types: app.grantTypes,
      },
    },
    _links: {
      self: href(orgUrl, `/api/v1/apps/${app.clientId}`),
      groups: href(orgUrl, `/api/v1/apps/${app.clientId}/groups`),
      users: href(orgUrl, `/api/v1/apps/${app.clientId}/users`),
    },
  };
}

/**
 * A user's assignment as Okta's `AppUser`: `scope` `USER` or `GROUP` (then `_links.group` names
 * the group), `credentials.userName` from the app's username template (`${source.login}`).
 * @see https://developer.okta.com/docs/api/openapi/okta-management/management/tag/ApplicationUsers/
 */
export function oktaAppUser({ user, scope, group }: AppAssignment, app: OidcApp, orgUrl: string) {
  return {
    id: user.id,
    externalId: null,
    created: user.created,
    lastUpdated: user.lastUpdated,
    scope,
    status: user.status === 'ACTIVE' ? 'ACTIVE' : 'INACTIVE',
    statusChanged: user.statusChanged,
    passwordChanged: null,
    syncState: 'DISABLED',
    credentials: { userName: user.profile.login },
    profile: {},
    _links: {
      app: href(orgUrl, `/api/v1/apps/${app.clientId}`),
      user: href(orgUrl, `/api/v1/users/${user.id}`),
      ...(group ? { group: { name: group.profile.name, ...href(orgUrl, `/api/v1/groups/${group.id}`) } } : {}),
    },
  };
}

/** Apps: list, get, and the groups and users assigned to one. */
export function appRoutes(app: Hono<ManagementEnv>, directory: Directory, orgUrl: string): void {
  const requireApp = (id: string): OidcApp => {
    const found = directory.getApp(id);
    if (!found) throw notFound(id, 'AppInstance');
    return found;
  };

  app.get('/api/v1/apps', (c) => {
    requireScope(c, 'okta.apps.read');
    const q = c.req.query('q')?.toLowerCase();
    const apps = directory
      .listApps()
      .filter((one) => !q || one.name.toLowerCase().startsWith(q))
      .map((one) => ({ ...one, id: one.clientId }))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    return c.json(paginate(c, orgUrl, apps, APP_PAGE).map((one) => oktaApp(one, orgUrl)));
  });

  app.get('/api/v1/apps/:id', (c) => {
    requireScope(c, 'okta.apps.read');
    return c.json(oktaApp(requireApp(c.req.param('id')), orgUrl));
  });

  app.get('/api/v1/apps/:id/groups', (c) => {
    requireScope(c, 'okta.apps.read');
    const found = requireApp(c.req.param('id'));
    const groups = directory.listGroups().filter((group) => found.assignedGroupIds?.includes(group.id) ?? true);
    const page = paginate(c, orgUrl, groups, APP_PAGE);
    return c.json(
      page.map((group, index) => ({
        id: group.id,
        lastUpdated: group.lastUpdated,
        priority: index,
        profile: {},
        _links: {
          app: href(orgUrl, `/api/v1/apps/${found.clientId}`),
          group: href(orgUrl, `/api/v1/groups/${group.id}`),
          self: href(orgUrl, `/api/v1/apps/${found.clientId}/groups/${group.id}`),
        },
      })),
    );
  });

  app.get('/api/v1/apps/:id/users', (c) => {
    requireScope(c, 'okta.apps.read');
    const found = requireApp(c.req.param('id'));
    const assignments = directory.appAssignments(found.clientId).map((assignment) => ({ ...assignment, id: assignment.user.id }));
    return c.json(paginate(c, orgUrl, assignments, APP_USER_PAGE).map((assignment) => oktaAppUser(assignment, found, orgUrl)));
  });

  app.get('/api/v1/apps/:id/users/:userId', (c) => {
    requireScope(c, 'okta.apps.read');
    const found = requireApp(c.req.param('id'));
    const userId = c.req.param('userId');
    const assignment = directory.appAssignments(found.clientId).find((candidate) => candidate.user.id === userId);
    if (!assignment) throw notFound(userId, 'AppUser');
    return c.json(oktaAppUser(assignment, found, orgUrl));
  });
}
