/**
 * Roles come from the `groups` claim, so this is where most set-ups fail quietly: the
 * authorization server's audience, the `groups` scope and claim (in the ID token, and in the
 * access token for bearer calls), a filter that lets the configured groups through, the groups
 * existing under exactly those names and assigned to the app, and — with `--user` — the role a
 * given person would get.
 * @see https://developer.okta.com/docs/guides/customize-tokens-groups-claim/main/
 */
import { resolveRoles } from '@gatehouse/auth';
import type { DoctorContext } from '../context.ts';
import type { OktaApp, OktaAppUser, OktaAuthorizationServer, OktaClaim, OktaGroup, OktaScope, OktaUser } from '../okta-types.ts';
import { Unavailable, type Check } from '../types.ts';
import { oidcApp } from './app.ts';

/** Okta puts at most 100 groups in a groups claim and fails the token past that. */
const OKTA_GROUPS_CLAIM_CAP = 100;

function serverPath(ctx: DoctorContext): string {
  if (!ctx.serverId) throw new Unavailable('skipped', 'not checked: the org authorization server has no claims or scopes to read (see "Custom authorization server")');
  return `/api/v1/authorizationServers/${encodeURIComponent(ctx.serverId)}`;
}

function serverSettings(ctx: DoctorContext, section: string): string {
  return `Okta Admin Console → Security → API → Authorization Servers → ${ctx.serverId ?? 'default'} → ${section}`;
}

async function claims(ctx: DoctorContext): Promise<OktaClaim[]> {
  return (await ctx.okta<OktaClaim[]>(`${serverPath(ctx)}/claims`, 'okta.authorizationServers.read')) ?? [];
}

/** The active `groups` claim for one token type (`IDENTITY`: ID token, `RESOURCE`: access token). */
async function groupsClaim(ctx: DoctorContext, claimType: 'IDENTITY' | 'RESOURCE'): Promise<OktaClaim | null> {
  // GATEHOUSE_GROUPS_CLAIM names the claim the app reads (default groups).
  return (await claims(ctx)).find((claim) => claim.name === ctx.config.groupsClaim && claim.claimType === claimType && claim.status === 'ACTIVE') ?? null;
}

/** Whether Okta's groups filter lets `group` through; `null` when the filter cannot be evaluated here. */
export function passesFilter(claim: OktaClaim, group: string): boolean | null {
  const value = claim.value ?? '';
  switch (claim.group_filter_type) {
    case 'STARTS_WITH':
      return group.toLowerCase().startsWith(value.toLowerCase());
    case 'EQUALS':
      return group.toLowerCase() === value.toLowerCase();
    case 'CONTAINS':
      return group.toLowerCase().includes(value.toLowerCase());
    case 'REGEX':
      try {
        return new RegExp(`^(?:${value})$`).test(group);
      } catch {
        return false;
      }
    default:
      return null;
  }
}

function configuredGroups(ctx: DoctorContext): string[] {
  return [...new Set([...ctx.config.roles.admin, ...ctx.config.roles.viewer])];
}

/** Each configured group name with the Okta group of exactly that name (or null). */
async function oktaGroups(ctx: DoctorContext): Promise<Array<{ name: string; group: OktaGroup | null; near: string | null }>> {
  return Promise.all(
    configuredGroups(ctx).map(async (name) => {
      const found = (await ctx.okta<OktaGroup[]>(`/api/v1/groups?q=${encodeURIComponent(name)}&limit=200`, 'okta.groups.read')) ?? [];
      const group = found.find((candidate) => candidate.profile?.name === name) ?? null;
      const near = group ? null : (found.find((candidate) => candidate.profile?.name?.toLowerCase() === name.toLowerCase())?.profile?.name ?? null);
      return { name, group, near };
    }),
  );
}

const claimFix = (ctx: DoctorContext) => `Add Claim: Name ${ctx.config.groupsClaim}, Include in token type ID Token — Always, Value type Groups, Filter Matches regex .* (or narrower), Include in any scope or the scope groups`;

export const groupChecks: Check[] = [
  {
    id: 'authz.audience',
    title: 'Audience',
    async run(ctx) {
      const server = await ctx.okta<OktaAuthorizationServer>(serverPath(ctx), 'okta.authorizationServers.read');
      if (!server) return { status: 'problem', found: `the Management API has no authorization server "${ctx.serverId}"`, fix: 'Okta Admin Console → Security → API → Authorization Servers: use one listed there in OKTA_ISSUER.' };
      if (server.status !== 'ACTIVE') return { status: 'problem', found: `the authorization server "${server.name}" is ${server.status}`, fix: `${serverSettings(ctx, 'the status menu')} → Activate.` };
      const audiences = server.audiences ?? [];
      if (audiences.includes(ctx.config.okta.audience)) return { status: 'ok', found: `access tokens are for ${ctx.config.okta.audience}, as OKTA_AUDIENCE expects` };
      return { status: 'problem', found: `the server's audience is ${audiences.join(', ') || 'empty'}, OKTA_AUDIENCE is ${ctx.config.okta.audience}: bearer calls to /api would be refused`, fix: `Set OKTA_AUDIENCE=${audiences[0] ?? 'api://default'}, or ${serverSettings(ctx, 'Settings → Edit → Audience')}.` };
    },
  },
  {
    id: 'authz.groups-scope',
    title: 'groups scope',
    async run(ctx) {
      if (!ctx.config.okta.scopes.includes('groups')) {
        return { status: 'warning', found: 'OKTA_SCOPES does not ask for groups: the claim arrives only if it is included in any scope', fix: 'Add groups to OKTA_SCOPES (the default includes it).' };
      }
      const scopes = (await ctx.okta<OktaScope[]>(`${serverPath(ctx)}/scopes`, 'okta.authorizationServers.read')) ?? [];
      const missing = ctx.config.okta.scopes.filter((scope) => !scopes.some((known) => known.name === scope));
      if (missing.length === 0) return { status: 'ok', found: `the server defines ${ctx.config.okta.scopes.join(', ')}` };
      return { status: 'problem', found: `the server has no scope ${missing.join(', ')}: Okta refuses the sign-in request`, fix: `${serverSettings(ctx, 'Scopes')} → Add Scope: Name ${missing[0]}.` };
    },
  },
  {
    id: 'authz.groups-claim',
    title: 'groups claim in the ID token',
    async run(ctx) {
      const claim = await groupsClaim(ctx, 'IDENTITY');
      if (!claim) return { status: 'problem', found: `the authorization server has no active ${ctx.config.groupsClaim} claim for the ID token (GATEHOUSE_GROUPS_CLAIM): everyone signs in with no role`, fix: `${serverSettings(ctx, 'Claims')} → ${claimFix(ctx)}.` };
      if (claim.alwaysIncludeInToken === false) {
        return { status: 'problem', found: 'the groups claim is included only in the userinfo answer, not in the ID token Gatehouse reads', fix: `${serverSettings(ctx, 'Claims → groups → Edit')} → Include in token type: ID Token — Always.` };
      }
      const scopes = claim.conditions?.scopes ?? [];
      if (scopes.length > 0 && !scopes.some((scope) => ctx.config.okta.scopes.includes(scope))) {
        return { status: 'problem', found: `the groups claim is included only for the scopes ${scopes.join(', ')}, none of which OKTA_SCOPES asks for`, fix: `${serverSettings(ctx, 'Claims → groups → Edit')} → Include in: Any scope (or add ${scopes[0]} to OKTA_SCOPES).` };
      }
      return { status: 'ok', found: `an active groups claim (${claim.valueType} ${claim.group_filter_type ?? ''} ${claim.value ?? ''}) is in every ID token`.replace(/\s+/g, ' ') };
    },
  },
  {
    id: 'authz.groups-claim-access-token',
    title: 'groups claim in the access token',
    async run(ctx) {
      if (await groupsClaim(ctx, 'RESOURCE')) return { status: 'ok', found: 'access tokens carry groups too (roles for bearer calls to /api)' };
      return { status: 'warning', found: 'access tokens carry no groups claim: services calling /api with an Okta access token get no role (browser sign-in is not affected)', fix: `${serverSettings(ctx, 'Claims')} → Add Claim: Name ${ctx.config.groupsClaim}, Include in token type Access Token — Always, Value type Groups, the same filter.` };
    },
  },
  {
    id: 'authz.groups-filter',
    title: 'groups filter',
    async run(ctx) {
      const claim = await groupsClaim(ctx, 'IDENTITY');
      if (!claim) throw new Unavailable('skipped', 'not checked: no groups claim (see "groups claim in the ID token")');
      if (claim.valueType !== 'GROUPS') return { status: 'warning', found: `the groups claim is an ${claim.valueType} (${claim.value}); which groups it lets through cannot be checked here`, fix: `${serverSettings(ctx, 'Claims → groups')}: with --user, the doctor shows one person's groups.` };
      const dropped = configuredGroups(ctx).filter((group) => passesFilter(claim, group) === false);
      if (dropped.length === 0) return { status: 'ok', found: `the filter (${claim.group_filter_type} ${claim.value}) lets ${configuredGroups(ctx).join(', ')} through` };
      return {
        status: 'problem',
        found: `the filter (${claim.group_filter_type} ${claim.value}) drops ${dropped.join(', ')} (from GATEHOUSE_ADMIN_GROUPS/GATEHOUSE_VIEWER_GROUPS): their members sign in with no role`,
        fix: `${serverSettings(ctx, 'Claims → groups → Edit')} → Filter: Matches regex .* , or one that matches ${dropped.join(' and ')}.`,
      };
    },
  },
  {
    id: 'groups.exist',
    title: 'Groups exist',
    async run(ctx) {
      const results = await oktaGroups(ctx);
      const missing = results.filter((result) => !result.group);
      if (missing.length === 0) return { status: 'ok', found: `${results.map((result) => result.name).join(', ')} exist in Okta` };
      const detail = missing.map((result) => (result.near ? `${result.name} (Okta has ${result.near}: names match exactly, case included)` : result.name)).join(', ');
      return { status: 'problem', found: `no Okta group named ${detail}`, fix: `Okta Admin Console → Directory → Groups → Add group: ${missing[0]?.name}; or fix GATEHOUSE_ADMIN_GROUPS / GATEHOUSE_VIEWER_GROUPS to the exact names.` };
    },
  },
  {
    id: 'groups.assigned',
    title: 'Groups assigned to the app',
    async run(ctx) {
      const app = await oidcApp(ctx);
      const assigned = (await ctx.okta<OktaGroup[]>(`/api/v1/apps/${encodeURIComponent(app.id ?? ctx.config.okta.clientId)}/groups?limit=200`, 'okta.apps.read')) ?? [];
      const existing = (await oktaGroups(ctx)).filter((result) => result.group);
      if (existing.length === 0) throw new Unavailable('skipped', 'not checked: none of the configured groups exists (see "Groups exist")');
      const unassigned = existing.filter((result) => !assigned.some((assignment) => assignment.id === result.group?.id));
      if (unassigned.length === 0) return { status: 'ok', found: `${existing.map((result) => result.name).join(', ')} are assigned to "${app.label}"` };
      return {
        status: 'problem',
        found: `${unassigned.map((result) => result.name).join(', ')} ${unassigned.length === 1 ? 'is' : 'are'} not assigned to "${app.label}": members not assigned another way cannot sign in`,
        fix: `Okta Admin Console → Applications → Applications → ${app.label} → Assignments → Assign → Assign to Groups → ${unassigned[0]?.name} → Assign.`,
      };
    },
  },
  {
    id: 'user.role',
    title: 'Role of --user',
    async run(ctx) {
      const login = ctx.options.user;
      if (!login) return { status: 'skipped', found: 'not checked: pass --user <login> to see which role a person would get and whether they are assigned to the app' };
      const user = await ctx.okta<OktaUser>(`/api/v1/users/${encodeURIComponent(login)}`, 'okta.users.read');
      if (!user?.id) return { status: 'problem', found: `Okta has no user ${login}`, fix: 'Okta Admin Console → Directory → People: check the username (login).' };
      if (user.status !== 'ACTIVE') return { status: 'problem', found: `${login} is ${user.status}: Okta will not sign them in`, fix: `Okta Admin Console → Directory → People → ${login} → Activate / Unsuspend.` };
      const groups = ((await ctx.okta<OktaGroup[]>(`/api/v1/users/${encodeURIComponent(user.id)}/groups`, 'okta.users.read')) ?? []).map((group) => group.profile?.name ?? '').filter(Boolean);
      const assignment = await userAssignment(ctx, user.id);
      const claim = await groupsClaim(ctx, 'IDENTITY');
      if (!claim) return { status: 'problem', found: `${login} is in ${groups.join(', ') || 'no group'}, but there is no groups claim: no role; ${assignment.found}`, fix: `${serverSettings(ctx, 'Claims')} → ${claimFix(ctx)}.` };
      const released = claim.valueType === 'GROUPS' ? groups.filter((group) => passesFilter(claim, group) !== false) : groups;
      if (released.length > OKTA_GROUPS_CLAIM_CAP) return { status: 'problem', found: `${login} would get ${released.length} groups in the claim; Okta refuses tokens past ${OKTA_GROUPS_CLAIM_CAP}`, fix: `${serverSettings(ctx, 'Claims → groups → Edit')} → a narrower Filter (e.g. Starts with gatehouse-).` };
      const { roles } = resolveRoles(released, ctx.config.roles);
      const summary = `${login}: groups claim [${released.join(', ')}] → ${roles.length ? roles.join(' and ') : 'no role'}; ${assignment.found}`;
      if (roles.length > 0 && !assignment.assigned) {
        // Their groups grant a role, but Okta refuses the sign-in of a user not assigned to the app.
        return { status: 'problem', found: `${summary}: Okta refuses their sign-in ("not assigned to the client application")`, fix: assignment.fix };
      }
      if (roles.length === 0) {
        return { status: 'warning', found: `${summary}${assignment.assigned ? ' (the no-access page)' : ''}`, fix: `Okta Admin Console → Directory → Groups → ${ctx.config.roles.viewer[0] ?? 'viewer'} → Assign people → ${login}, if they should have access${assignment.assigned ? '' : ` (and assign that group to the app: ${assignment.fix})`}.` };
      }
      return { status: 'ok', found: summary };
    },
  },
];

/**
 * Whether Okta lets `userId` use the app: `GET /api/v1/apps/{app}/users/{user}` answers the
 * assignment (`scope` `USER`: individually, `GROUP`: through a group assigned to the app), a 404
 * when there is none.
 * @see https://developer.okta.com/docs/api/openapi/okta-management/management/tag/ApplicationUsers/
 */
async function userAssignment(ctx: DoctorContext, userId: string): Promise<{ assigned: boolean; found: string; fix: string }> {
  const app = await ctx.okta<OktaApp>(`/api/v1/apps/${encodeURIComponent(ctx.config.okta.clientId)}`, 'okta.apps.read');
  if (!app) throw new Unavailable('skipped', 'not checked: the app was not found (see "App integration")');
  const appId = app.id ?? ctx.config.okta.clientId;
  const fix = `Okta Admin Console → Applications → Applications → ${app.label ?? appId} → Assignments → Assign → Assign to Groups (a group of GATEHOUSE_*_GROUPS) or Assign to People.`;
  const appUser = await ctx.okta<OktaAppUser>(`/api/v1/apps/${encodeURIComponent(appId)}/users/${encodeURIComponent(userId)}`, 'okta.apps.read');
  if (!appUser) return { assigned: false, found: `not assigned to "${app.label ?? appId}"`, fix };
  if (appUser.scope === 'GROUP') {
    const group = appUser._links?.group?.name;
    return { assigned: true, found: `assigned to "${app.label ?? appId}" through ${group ? `the group ${group}` : 'a group'}`, fix };
  }
  return { assigned: true, found: `assigned to "${app.label ?? appId}" individually`, fix };
}
