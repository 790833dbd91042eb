import type { Hono } from 'hono';
import { z } from 'zod';
import type { Directory } from '../directory/directory.ts';
import type { DirectoryGroup } from '../directory/types.ts';
import { requireScope, type ManagementEnv } from './auth.ts';
import { readJson } from './body.ts';
import { notFound } from './errors.ts';
import { paginate } from './pagination.ts';
import { oktaGroup, oktaUser } from './serialize.ts';

// Okta's page sizes: groups default 10000 (max 10000), group members default and max 1000.
const GROUP_PAGE = { defaultLimit: 10_000, maxLimit: 10_000 };
const MEMBER_PAGE = { defaultLimit: 1000, maxLimit: 1000 };

const blank = 'The field cannot be left blank';
const createBody = z.looseObject({
  profile: z.looseObject({
    name: z.string({ error: blank }).trim().min(1, blank).max(255),
    description: z.string().max(1024).nullable().optional(),
  }),
});

/**
 * Groups: list (`q`), get, create, delete, members, add and remove a member. Unknown ids are
 * the directory's `NOT_FOUND` (group checked first), answered as Okta's 404 E0000007.
 */
export function groupRoutes(app: Hono<ManagementEnv>, directory: Directory, orgUrl: string): void {
  const requireGroup = (id: string): DirectoryGroup => {
    const group = directory.getGroup(id);
    if (!group) throw notFound(id, 'UserGroup');
    return group;
  };

  app.get('/api/v1/groups', (c) => {
    requireScope(c, 'okta.groups.read');
    const q = c.req.query('q')?.toLowerCase();
    const groups = directory.listGroups().filter((group) => !q || group.profile.name.toLowerCase().startsWith(q));
    return c.json(paginate(c, orgUrl, groups, GROUP_PAGE).map((group) => oktaGroup(group, orgUrl)));
  });

  app.post('/api/v1/groups', async (c) => {
    const principal = requireScope(c, 'okta.groups.manage');
    const body = await readJson(c, createBody);
    const group = directory.createGroup({ name: body.profile.name, description: body.profile.description ?? null }, principal.actor);
    return c.json(oktaGroup(group, orgUrl));
  });

  app.get('/api/v1/groups/:groupId', (c) => {
    requireScope(c, 'okta.groups.read');
    return c.json(oktaGroup(requireGroup(c.req.param('groupId')), orgUrl));
  });

  app.delete('/api/v1/groups/:groupId', (c) => {
    const principal = requireScope(c, 'okta.groups.manage');
    directory.deleteGroup(c.req.param('groupId'), principal.actor);
    return c.body(null, 204);
  });

  app.get('/api/v1/groups/:groupId/users', (c) => {
    requireScope(c, 'okta.groups.read');
    const members = directory.usersInGroup(c.req.param('groupId'));
    return c.json(paginate(c, orgUrl, members, MEMBER_PAGE).map((user) => oktaUser(user, orgUrl)));
  });

  app.put('/api/v1/groups/:groupId/users/:userId', (c) => {
    const principal = requireScope(c, 'okta.groups.manage');
    directory.addUserToGroup(c.req.param('groupId'), c.req.param('userId'), principal.actor);
    return c.body(null, 204);
  });

  app.delete('/api/v1/groups/:groupId/users/:userId', (c) => {
    const principal = requireScope(c, 'okta.groups.manage');
    directory.removeUserFromGroup(c.req.param('groupId'), c.req.param('userId'), principal.actor);
    return c.body(null, 204);
  });
}
