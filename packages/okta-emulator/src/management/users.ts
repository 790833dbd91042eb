import type { Hono } from 'hono';
import { z } from 'zod';
import type { Directory } from '../directory/directory.ts';
import { DIRECTORY_EVENT_MESSAGES, userTarget } from '../directory/events.ts';
import type { DirectoryUser, UserProfile } from '../directory/types.ts';
import { requireScope, type ManagementEnv } from './auth.ts';
import { readJson } from './body.ts';
import { notFound, OktaApiError } from './errors.ts';
import { paginate } from './pagination.ts';
import { compileSearch, SearchSyntaxError, type SearchOperator, type SearchRules } from './search.ts';
import { oktaGroup, oktaUser } from './serialize.ts';

// 200: Okta's default and maximum page size for /api/v1/users.
const USER_PAGE = { defaultLimit: 200, maxLimit: 200 };
// A user's groups page like Okta's lists: 200 at most per page, the rest through `Link: rel="next"`.
const USER_GROUPS_PAGE = { defaultLimit: 200, maxLimit: 200 };

const SEARCH_RULES: SearchRules = {
  attributes: (name) =>
    /^(id|status|created|activated|statusChanged|lastLogin|lastUpdated|passwordChanged|type\.id)$/.test(name) ||
    /^profile\.[A-Za-z_][\w]*$/.test(name),
  operators: new Set<SearchOperator>(['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'sw', 'co', 'ew', 'pr']),
};
/** `filter` supports fewer attributes and operators than `search`, as in Okta. */
const FILTER_RULES: SearchRules = {
  attributes: (name) => /^(id|status|lastUpdated|profile\.(login|email|firstName|lastName))$/.test(name),
  operators: new Set<SearchOperator>(['eq', 'gt', 'ge', 'lt', 'le']),
};

const blank = 'The field cannot be left blank';
// Lengths: Okta's base user profile schema (login and email 100, names 50).
const tooLong = (max: number) => `The field is too long (at most ${max} characters)`;
const fullProfile = z
  .object({
    login: z.email({ error: 'Username must be in the form of an email address' }).max(100, tooLong(100)),
    email: z.email({ error: 'Does not match required pattern' }).max(100, tooLong(100)),
    firstName: z.string({ error: blank }).min(1, blank).max(50, tooLong(50)),
    lastName: z.string({ error: blank }).min(1, blank).max(50, tooLong(50)),
  })
  .catchall(z.string().nullable().optional());
const partialProfile = fullProfile.partial();
const credentials = z.looseObject({ password: z.looseObject({ value: z.string().optional() }).optional() }).optional();

const createBody = z.looseObject({ profile: fullProfile, credentials, groupIds: z.array(z.string()).optional() });
const replaceBody = z.looseObject({ profile: fullProfile, credentials });
const updateBody = z.looseObject({ profile: partialProfile.optional(), credentials });

/**
 * Okta's default password policy: 8 characters with a lowercase and an uppercase letter and
 * a number, and not containing the username.
 */
function checkPasswordPolicy(password: string, login: string): void {
  const username = login.split('@')[0]?.toLowerCase() ?? '';
  const ok =
    password.length >= 8 && /[a-z]/.test(password) && /[A-Z]/.test(password) && /\d/.test(password) &&
    !(username.length >= 3 && password.toLowerCase().includes(username));
  if (!ok) {
    throw new OktaApiError(400, 'E0000001', 'Api validation failed: password', {
      causes: [
        'password: Password requirements were not met. Password requirements: at least 8 characters, a lowercase letter, an uppercase letter, a number, no parts of your username.',
      ],
    });
  }
}

function compile(source: string, rules: SearchRules): (user: DirectoryUser) => boolean {
  try {
    return compileSearch(source, rules);
  } catch (error) {
    if (error instanceof SearchSyntaxError) throw new OktaApiError(400, 'E0000031', 'Invalid search criteria.', { causes: [error.message] });
    throw error;
  }
}

function boolQuery(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new OktaApiError(400, 'E0000001', 'Api validation failed: activate', { causes: ['activate: must be true or false'] });
}

/** Users: list, search, get, create, update, lifecycle, delete, a user's groups. */
export function userRoutes(app: Hono<ManagementEnv>, directory: Directory, orgUrl: string, onClearSessions?: (user: DirectoryUser) => Promise<void>): void {
  const requireUser = (idOrLogin: string): DirectoryUser => {
    const user = directory.getUser(idOrLogin);
    if (!user) throw notFound(idOrLogin, 'User');
    return user;
  };

  app.get('/api/v1/users', (c) => {
    requireScope(c, 'okta.users.read');
    const { q, search, filter } = c.req.query();
    let users = directory.listUsers();
    // Without search or filter Okta leaves DEPROVISIONED users out of the list.
    if (!search && !filter) users = users.filter((user) => user.status !== 'DEPROVISIONED');
    if (search) users = users.filter(compile(search, SEARCH_RULES));
    if (filter) users = users.filter(compile(filter, FILTER_RULES));
    if (q) {
      const prefix = q.toLowerCase();
      users = users.filter((user) =>
        [user.profile.login, user.profile.email, user.profile.firstName, user.profile.lastName].some((field) =>
          field?.toLowerCase().startsWith(prefix),
        ),
      );
    }
    return c.json(paginate(c, orgUrl, users, USER_PAGE).map((user) => oktaUser(user, orgUrl)));
  });

  app.post('/api/v1/users', async (c) => {
    const principal = requireScope(c, 'okta.users.manage');
    const activate = boolQuery(c.req.query('activate'), true);
    const body = await readJson(c, createBody);
    const password = body.credentials?.password?.value;
    if (password !== undefined) checkPasswordPolicy(password, body.profile.login);
    for (const groupId of body.groupIds ?? []) {
      if (!directory.getGroup(groupId)) {
        throw new OktaApiError(400, 'E0000001', 'Api validation failed: groupIds', { causes: [`groupIds: group ${groupId} does not exist`] });
      }
    }
    const user = directory.createUser({ profile: body.profile as UserProfile, password: password ?? null, activate, groupIds: body.groupIds ?? [] }, principal.actor);
    return c.json(oktaUser(user, orgUrl), 200);
  });

  app.get('/api/v1/users/:id', (c) => {
    requireScope(c, 'okta.users.read');
    return c.json(oktaUser(requireUser(c.req.param('id')), orgUrl));
  });

  app.post('/api/v1/users/:id', async (c) => {
    const principal = requireScope(c, 'okta.users.manage');
    const user = requireUser(c.req.param('id'));
    const body = await readJson(c, updateBody);
    const password = body.credentials?.password?.value;
    if (password !== undefined) checkPasswordPolicy(password, body.profile?.login ?? user.profile.login);
    const updated = directory.updateUser(user.id, { profile: body.profile as Partial<UserProfile>, password: password ?? null }, 'merge', principal.actor);
    return c.json(oktaUser(updated, orgUrl));
  });

  app.put('/api/v1/users/:id', async (c) => {
    const principal = requireScope(c, 'okta.users.manage');
    const user = requireUser(c.req.param('id'));
    const body = await readJson(c, replaceBody);
    const password = body.credentials?.password?.value;
    if (password !== undefined) checkPasswordPolicy(password, body.profile.login);
    const updated = directory.updateUser(user.id, { profile: body.profile as UserProfile, password: password ?? null }, 'replace', principal.actor);
    return c.json(oktaUser(updated, orgUrl));
  });

  app.delete('/api/v1/users/:id', (c) => {
    const principal = requireScope(c, 'okta.users.manage');
    directory.deleteUser(c.req.param('id'), principal.actor);
    return c.body(null, 204);
  });

  app.post('/api/v1/users/:id/lifecycle/:action', (c) => {
    const principal = requireScope(c, 'okta.users.manage');
    const user = requireUser(c.req.param('id'));
    const action = c.req.param('action');
    if (action === 'activate') directory.activateUser(user.id, principal.actor);
    else if (action === 'deactivate') directory.deactivateUser(user.id, principal.actor);
    else if (action === 'suspend') directory.suspendUser(user.id, principal.actor);
    else if (action === 'unsuspend') directory.unsuspendUser(user.id, principal.actor);
    else if (action === 'unlock') directory.unlockUser(user.id, principal.actor);
    else throw notFound(action, 'LifecycleOperation');
    // Okta answers lifecycle operations with an empty object (no activation token: with
    // `sendEmail=false` Okta would return one, but the emulator has no activation flow).
    return c.json({});
  });

  // Okta's "revoke all user sessions": logs user.session.clear and sends Universal Logout to the
  // apps that registered an endpoint (awaited, so the caller knows the apps were told).
  app.delete('/api/v1/users/:id/sessions', async (c) => {
    const principal = requireScope(c, 'okta.users.manage');
    const user = requireUser(c.req.param('id'));
    directory.announce({ eventType: 'user.session.clear', displayMessage: DIRECTORY_EVENT_MESSAGES['user.session.clear'], actor: principal.actor, target: [userTarget(user)], outcome: { result: 'SUCCESS' } });
    await onClearSessions?.(user);
    return c.body(null, 204);
  });

  app.get('/api/v1/users/:id/groups', (c) => {
    requireScope(c, 'okta.users.read');
    // groupsOfUser is in id order, as the cursor needs.
    return c.json(paginate(c, orgUrl, directory.groupsOfUser(c.req.param('id')), USER_GROUPS_PAGE).map((group) => oktaGroup(group, orgUrl)));
  });
}
