/**
 * The authorization server's access policy: Okta takes the first active policy (by priority)
 * assigned to the app, then the first active rule of it matching the grant and the scopes; no
 * match means "Policy evaluation failed" at sign-in or at refresh. The matching rule's token
 * lifetimes are compared with the session's: a refresh token that dies before the session does
 * signs people out early.
 * @see https://developer.okta.com/docs/guides/configure-access-policy/main/
 */
import type { DoctorContext } from '../context.ts';
import type { OktaPolicy, OktaPolicyRule } from '../okta-types.ts';
import { Unavailable, type Check } from '../types.ts';

const byPriority = (a: { priority?: number }, b: { priority?: number }) => (a.priority ?? 0) - (b.priority ?? 0);

function policies(ctx: DoctorContext): string {
  return `Okta Admin Console → Security → API → Authorization Servers → ${ctx.serverId ?? 'default'} → Access Policies`;
}

/** The policy Okta applies to this client and its active rules, in priority order. */
async function appliedPolicy(ctx: DoctorContext): Promise<{ policy: OktaPolicy | null; rules: OktaPolicyRule[] }> {
  if (!ctx.serverId) throw new Unavailable('skipped', 'not checked: the org authorization server has no access policies to read (see "Custom authorization server")');
  const base = `/api/v1/authorizationServers/${encodeURIComponent(ctx.serverId)}/policies`;
  const all = ((await ctx.okta<OktaPolicy[]>(base, 'okta.authorizationServers.read')) ?? []).filter((policy) => policy.status === 'ACTIVE').sort(byPriority);
  const policy = all.find((candidate) => {
    const clients = candidate.conditions?.clients?.include ?? [];
    return clients.includes('ALL_CLIENTS') || clients.includes(ctx.config.okta.clientId);
  }) ?? null;
  if (!policy?.id) return { policy: null, rules: [] };
  const rules = ((await ctx.okta<OktaPolicyRule[]>(`${base}/${encodeURIComponent(policy.id)}/rules`, 'okta.authorizationServers.read')) ?? []).filter((rule) => rule.status === 'ACTIVE').sort(byPriority);
  return { policy, rules };
}

/** The first rule allowing `grant` with every scope the app asks for. */
function ruleFor(ctx: DoctorContext, rules: OktaPolicyRule[], grant: string): OktaPolicyRule | null {
  return rules.find((rule) => {
    const grants = rule.conditions?.grantTypes?.include ?? [];
    const scopes = rule.conditions?.scopes?.include ?? ['*'];
    return grants.includes(grant) && (scopes.includes('*') || ctx.config.okta.scopes.every((scope) => scopes.includes(scope)));
  }) ?? null;
}

function minutes(value: number): string {
  return value % 1440 === 0 ? `${value / 1440} d` : value % 60 === 0 ? `${value / 60} h` : `${value} min`;
}

export const policyChecks: Check[] = [
  {
    id: 'policy.rule',
    title: 'Access policy rule',
    async run(ctx) {
      const { policy, rules } = await appliedPolicy(ctx);
      const scopes = ctx.config.okta.scopes.join(' ');
      if (!policy) {
        return { status: 'problem', found: `no active access policy is assigned to client ${ctx.config.okta.clientId}: every sign-in fails with "Policy evaluation failed"`, fix: `${policies(ctx)} → Add New Access Policy → Assign to: The following clients → your app (or All clients).` };
      }
      const rule = ruleFor(ctx, rules, 'authorization_code');
      if (!rule) {
        return { status: 'problem', found: `the policy "${policy.name}" has no active rule allowing the Authorization Code grant with the scopes ${scopes}: every sign-in fails`, fix: `${policies(ctx)} → ${policy.name} → Add rule → IF Grant type is: Authorization Code (and Refresh Token); AND Scopes requested: Any scopes.` };
      }
      const people = rule.conditions?.people?.groups?.include ?? ['EVERYONE'];
      const everyone = people.includes('EVERYONE') || (rule.conditions?.people?.users?.include ?? []).length === 0 && people.length === 0;
      if (!everyone) {
        return { status: 'warning', found: `the rule "${rule.name}" of "${policy.name}" applies only to some groups: others fail with "Policy evaluation failed"`, fix: `${policies(ctx)} → ${policy.name} → ${rule.name} → Edit → AND User is: Any user assigned the app.` };
      }
      return { status: 'ok', found: `"${policy.name}" → rule "${rule.name}" allows the Authorization Code grant with ${scopes}` };
    },
  },
  {
    id: 'policy.refresh',
    title: 'Access policy allows refresh',
    async run(ctx) {
      if (!ctx.config.okta.scopes.includes('offline_access')) throw new Unavailable('skipped', 'not checked: OKTA_SCOPES has no offline_access (see "Refresh Token grant")');
      const { policy, rules } = await appliedPolicy(ctx);
      if (!policy) throw new Unavailable('skipped', 'not checked: no access policy applies (see "Access policy rule")');
      const rule = ruleFor(ctx, rules, 'refresh_token');
      if (rule) return { status: 'ok', found: `rule "${rule.name}" allows the Refresh Token grant` };
      return { status: 'problem', found: `no active rule of "${policy.name}" allows the Refresh Token grant: sessions end when the first access token expires`, fix: `${policies(ctx)} → ${policy.name} → the rule → Edit → IF Grant type is: check Refresh Token (under Advanced / Client acting on behalf of a user).` };
    },
  },
  {
    id: 'policy.lifetimes',
    title: 'Token lifetimes vs session',
    async run(ctx) {
      const { rules } = await appliedPolicy(ctx);
      const rule = ruleFor(ctx, rules, 'refresh_token') ?? ruleFor(ctx, rules, 'authorization_code');
      if (!rule) throw new Unavailable('skipped', 'not checked: no rule applies (see "Access policy rule")');
      const token = rule.actions?.token ?? {};
      const { absoluteTimeoutSeconds, idleTimeoutSeconds } = ctx.config.session;
      const lifetime = token.refreshTokenLifetimeMinutes ?? 0;
      const window = token.refreshTokenWindowMinutes ?? 0;
      const where = `${policies(ctx)} → the rule "${rule.name}" → Edit → THEN`;
      if (lifetime > 0 && lifetime * 60 < absoluteTimeoutSeconds) {
        return { status: 'warning', found: `refresh tokens live ${minutes(lifetime)}, sessions ${minutes(absoluteTimeoutSeconds / 60)} (SESSION_ABSOLUTE_TIMEOUT): people are signed out after ${minutes(lifetime)}`, fix: `${where} Refresh token lifetime is: at least ${minutes(Math.ceil(absoluteTimeoutSeconds / 60))} (or lower SESSION_ABSOLUTE_TIMEOUT).` };
      }
      if (window > 0 && window * 60 < idleTimeoutSeconds) {
        return { status: 'warning', found: `refresh tokens expire when unused for ${minutes(window)}, shorter than SESSION_IDLE_TIMEOUT (${minutes(idleTimeoutSeconds / 60)}): an idle session cannot refresh`, fix: `${where} "but will expire if not used every": at least ${minutes(Math.ceil(idleTimeoutSeconds / 60))}.` };
      }
      return { status: 'ok', found: `access tokens ${minutes(token.accessTokenLifetimeMinutes ?? 60)}, refresh tokens ${lifetime ? minutes(lifetime) : 'unlimited'}: no shorter than the session (${minutes(absoluteTimeoutSeconds / 60)})` };
    },
  },
];
