/**
 * Authorization servers, read side: the `default` custom authorization server with its claims,
 * scopes, access policies and their rules, in Okta's shapes — what the emulator's provider
 * actually does (the groups claim and its filter, the scopes it knows, the grants its policies
 * allow), so a client reading them sees the truth.
 * @see https://developer.okta.com/docs/api/openapi/okta-management/management/tag/AuthorizationServer/
 */
import type { Hono } from 'hono';
import { accessPoliciesOf, serverScopes, type AccessPolicy, type AccessPolicyRule } from '../directory/access-policies.ts';
import type { Directory } from '../directory/directory.ts';
import type { AuthorizationServerSettings } from '../directory/types.ts';
import { DEFAULT_AS_PATH } from '../provider/default-as.ts';
import { requireScope, type ManagementEnv } from './auth.ts';
import { notFound } from './errors.ts';

/** Okta's reserved scopes: `system: true` in its answers. */
const SYSTEM_SCOPES = new Set(['openid', 'profile', 'email', 'address', 'phone', 'offline_access', 'device_sso']);

function href(orgUrl: string, path: string) {
  return { href: new URL(path, orgUrl).href };
}

function serverBase(settings: AuthorizationServerSettings) {
  return `/api/v1/authorizationServers/${settings.id}`;
}

/** The server as Okta's `AuthorizationServer`. */
export function oktaAuthorizationServer(settings: AuthorizationServerSettings, orgUrl: string, created: string) {
  return {
    id: settings.id,
    name: settings.id,
    description: 'Default Authorization Server for your Applications',
    audiences: [settings.audience],
    issuer: `${orgUrl}${DEFAULT_AS_PATH}`,
    issuerMode: 'ORG_URL',
    status: 'ACTIVE',
    created,
    lastUpdated: created,
    credentials: { signing: { rotationMode: 'AUTO', use: 'sig' } },
    default: settings.id === 'default',
    _links: {
      self: href(orgUrl, serverBase(settings)),
      claims: href(orgUrl, `${serverBase(settings)}/claims`),
      scopes: href(orgUrl, `${serverBase(settings)}/scopes`),
      policies: href(orgUrl, `${serverBase(settings)}/policies`),
      metadata: [href(orgUrl, `${DEFAULT_AS_PATH}/.well-known/openid-configuration`)],
    },
  };
}

/** The groups claim as Okta models it: one claim for the ID token (IDENTITY) and one for the access token (RESOURCE). */
function oktaClaims(settings: AuthorizationServerSettings, orgUrl: string) {
  const claim = settings.groupsClaim;
  if (!claim.enabled) return [];
  return (['IDENTITY', 'RESOURCE'] as const).map((claimType) => {
    const id = `ocl${claimType === 'IDENTITY' ? 'id' : 'at'}groups0gatehouse`;
    return {
      id,
      name: claim.name,
      status: 'ACTIVE',
      claimType,
      valueType: 'GROUPS',
      value: claim.filterRegex,
      group_filter_type: 'REGEX',
      alwaysIncludeInToken: true,
      conditions: { scopes: ['groups'] },
      system: false,
      _links: { self: href(orgUrl, `${serverBase(settings)}/claims/${id}`) },
    };
  });
}

function oktaScopes(settings: AuthorizationServerSettings, orgUrl: string) {
  return serverScopes(settings).map((name) => ({
    id: `scp${name.replace(/[^A-Za-z0-9]/g, '').slice(0, 17).padEnd(17, '0')}`,
    name,
    displayName: name,
    description: SYSTEM_SCOPES.has(name) ? `Okta reserved scope ${name}` : `Scope ${name}`,
    system: SYSTEM_SCOPES.has(name),
    metadataPublish: 'ALL_CLIENTS',
    consent: 'IMPLICIT',
    default: false,
    optional: false,
    _links: { self: href(orgUrl, `${serverBase(settings)}/scopes/${name}`) },
  }));
}

function oktaPolicy(policy: AccessPolicy, priority: number, settings: AuthorizationServerSettings, orgUrl: string, created: string) {
  const base = `${serverBase(settings)}/policies/${policy.id}`;
  return {
    id: policy.id,
    type: 'OAUTH_AUTHORIZATION_POLICY',
    name: policy.name,
    description: policy.name,
    status: policy.status,
    priority,
    system: policy.id === '00pdefault0gatehouse',
    conditions: { clients: { include: policy.clients } },
    created,
    lastUpdated: created,
    _links: { self: href(orgUrl, base), rules: href(orgUrl, `${base}/rules`) },
  };
}

function oktaRule(rule: AccessPolicyRule, priority: number, base: string, orgUrl: string, created: string) {
  return {
    id: rule.id,
    type: 'RESOURCE_ACCESS',
    name: rule.name,
    status: rule.status,
    priority,
    system: false,
    conditions: {
      people: { groups: { include: rule.groups }, users: { include: [] } },
      grantTypes: { include: rule.grantTypes },
      scopes: { include: rule.scopes },
    },
    actions: {
      token: {
        accessTokenLifetimeMinutes: rule.accessTokenLifetimeMinutes,
        refreshTokenLifetimeMinutes: rule.refreshTokenLifetimeMinutes,
        refreshTokenWindowMinutes: rule.refreshTokenWindowMinutes,
      },
    },
    created,
    lastUpdated: created,
    _links: { self: href(orgUrl, `${base}/rules/${rule.id}`) },
  };
}

/** Authorization servers: list, get, claims, scopes, policies, policy rules (read only). */
export function authorizationServerRoutes(app: Hono<ManagementEnv>, directory: Directory, orgUrl: string): void {
  // The org's creation time stands in for the server's: the emulator creates both at once.
  const created = new Date().toISOString();
  const requireServer = (id: string): AuthorizationServerSettings => {
    const settings = directory.authorizationServer;
    if (id !== settings.id) throw notFound(id, 'AuthorizationServer');
    return settings;
  };
  const requirePolicy = (settings: AuthorizationServerSettings, id: string): { policy: AccessPolicy; priority: number } => {
    const policies = accessPoliciesOf(settings);
    const index = policies.findIndex((policy) => policy.id === id);
    const policy = policies[index];
    if (!policy) throw notFound(id, 'Policy');
    return { policy, priority: index + 1 };
  };

  app.get('/api/v1/authorizationServers', (c) => {
    requireScope(c, 'okta.authorizationServers.read');
    return c.json([oktaAuthorizationServer(directory.authorizationServer, orgUrl, created)]);
  });
  app.get('/api/v1/authorizationServers/:id', (c) => {
    requireScope(c, 'okta.authorizationServers.read');
    return c.json(oktaAuthorizationServer(requireServer(c.req.param('id')), orgUrl, created));
  });
  app.get('/api/v1/authorizationServers/:id/claims', (c) => {
    requireScope(c, 'okta.authorizationServers.read');
    return c.json(oktaClaims(requireServer(c.req.param('id')), orgUrl));
  });
  app.get('/api/v1/authorizationServers/:id/scopes', (c) => {
    requireScope(c, 'okta.authorizationServers.read');
    return c.json(oktaScopes(requireServer(c.req.param('id')), orgUrl));
  });
  app.get('/api/v1/authorizationServers/:id/policies', (c) => {
    requireScope(c, 'okta.authorizationServers.read');
    const settings = requireServer(c.req.param('id'));
    return c.json(accessPoliciesOf(settings).map((policy, index) => oktaPolicy(policy, index + 1, settings, orgUrl, created)));
  });
  app.get('/api/v1/authorizationServers/:id/policies/:policyId', (c) => {
    requireScope(c, 'okta.authorizationServers.read');
    const settings = requireServer(c.req.param('id'));
    const { policy, priority } = requirePolicy(settings, c.req.param('policyId'));
    return c.json(oktaPolicy(policy, priority, settings, orgUrl, created));
  });
  app.get('/api/v1/authorizationServers/:id/policies/:policyId/rules', (c) => {
    requireScope(c, 'okta.authorizationServers.read');
    const settings = requireServer(c.req.param('id'));
    const { policy } = requirePolicy(settings, c.req.param('policyId'));
    const base = `${serverBase(settings)}/policies/${policy.id}`;
    return c.json(policy.rules.map((rule, index) => oktaRule(rule, index + 1, base, orgUrl, created)));
  });
}
