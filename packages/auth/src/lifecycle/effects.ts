/**
 * What a change at the IdP (or in the admin panel) does to open sessions, in one place: end every
 * session of a user, or recompute a user's roles from their current groups and write them to each
 * of their sessions. Both write the store first (the truth) and then tell every instance through
 * the session-event bus; both leave an audit entry naming the source, the user and how many
 * sessions they touched.
 */
import type { Audit, AuthLogger } from '../audit.ts';
import type { GatehouseConfig } from '../config/schema.ts';
import { errorSummary } from '../errors.ts';
import type { SessionEndReason } from '../events/bus.ts';
import type { RoleTable } from '../rbac.ts';
import type { SessionManager } from '../session/manager.ts';
import type { Role, UserDirectory } from '../types.ts';

export type { UserDirectory };

/** Where a lifecycle change came from (audit `detail.source`). */
export type LifecycleSource = 'event_hook' | 'universal_logout' | 'backchannel_logout' | 'admin_panel' | 'revalidation';

/** Audit details a caller adds (the Okta event type and uuid, …); never a secret. */
export type LifecycleDetail = Record<string, string | number | boolean | null>;

/** The lifecycle effects of the auth core (`auth.lifecycle`). */
export interface Lifecycle {
  /**
   * Ends every session of `sub` on every instance; returns how many ended. With
   * `revokeRefreshTokens`, each session's refresh token is first revoked at the IdP (best effort).
   */
  endUserSessions(sub: string, reason: SessionEndReason, source: LifecycleSource, detail?: LifecycleDetail, options?: { revokeRefreshTokens?: boolean }): Promise<number>;
  /**
   * Writes the roles that `groups` (a complete list) grant to each of `sub`'s sessions and tells
   * every instance (`roles.changed`); returns how many sessions it rewrote.
   */
  reRole(sub: string, groups: readonly string[], source: LifecycleSource, detail?: LifecycleDetail): Promise<{ sessions: number; roles: Role[] }>;
  /**
   * Rewrites one session's groups and roles from a complete group list (revalidation through the
   * Management API); `false` when the session is gone or could not be updated (it then ended).
   */
  reRoleSession(sessionId: string, groups: readonly string[]): Promise<boolean>;
  /**
   * The user changed at the IdP (a group added or removed): reads their groups through the
   * directory and re-roles their sessions. Without a directory, or when it fails, the sessions end
   * instead (fail closed: the next sign-in reads the groups afresh).
   */
  userChanged(sub: string, source: LifecycleSource, detail?: LifecycleDetail): Promise<{ sessions: number; roles: Role[] | null }>;
}

/** What {@link createLifecycle} is built from (the auth core's own parts). */
export interface LifecycleDeps {
  config: GatehouseConfig;
  sessions: SessionManager;
  audit: Audit;
  logger: AuthLogger;
  directory: UserDirectory | null;
  /** The project's one roles table (core and app roles): every recomputed role comes from it. */
  rbac: Pick<RoleTable, 'resolve'>;
  /** Revokes a refresh token at the IdP (RFC 7009); rejects when the IdP did not take it. */
  revokeRefreshToken?: (token: string) => Promise<void>;
}

// 1,000 sessions: far more than one person has open; bounds the work of one event.
const MAX_SESSIONS_PER_USER = 1000;

/** Creates the lifecycle effects over the auth core's session manager. */
export function createLifecycle(deps: LifecycleDeps): Lifecycle {
  const { sessions, audit, logger } = deps;

  /** Revokes the refresh tokens of `sub`'s sessions at the IdP; returns how many it revoked. */
  async function revokeRefreshTokens(sub: string): Promise<number> {
    const revoke = deps.revokeRefreshToken;
    if (!revoke) return 0;
    const open = await sessions.list({ sub, limit: MAX_SESSIONS_PER_USER });
    const results = await Promise.allSettled(
      open.map(async (session) => {
        const { refreshToken } = await sessions.readTokens(session);
        if (!refreshToken) return false;
        await revoke(refreshToken);
        return true;
      }),
    );
    for (const result of results) if (result.status === 'rejected') logger.warn({ step: 'lifecycle', ...errorSummary(result.reason) }, 'refresh token not revoked at the IdP');
    return results.filter((result) => result.status === 'fulfilled' && result.value).length;
  }

  async function endUserSessions(sub: string, reason: SessionEndReason, source: LifecycleSource, detail: LifecycleDetail = {}, options: { revokeRefreshTokens?: boolean } = {}): Promise<number> {
    const revoked: LifecycleDetail = options.revokeRefreshTokens ? { refreshTokensRevoked: await revokeRefreshTokens(sub) } : {};
    const ended = await sessions.revokeUser(sub, { reason });
    await audit.emit({ type: 'lifecycle.event', result: 'success', sub, detail: { source, action: 'sessions_ended', reason, sessions: ended, ...revoked, ...detail } });
    return ended;
  }

  /** Rewrites one session's groups and roles, under its lease (see `SessionManager.reRole`). */
  const rewrite = (id: string, groups: string[], roles: Role[]) => sessions.reRole(id, { groups, roles });

  async function reRole(sub: string, groups: readonly string[], source: LifecycleSource, detail: LifecycleDetail = {}) {
    const { roles, groups: unique } = deps.rbac.resolve([...groups]);
    const open = await sessions.list({ sub, limit: MAX_SESSIONS_PER_USER });
    let rewritten = 0;
    for (const session of open) if (session.user.sub === sub && (await rewrite(session.id, unique, roles))) rewritten++;
    if (sessions.events) {
      await sessions.events.publish({ type: 'roles.changed', sub, roles }).catch((err: unknown) => {
        logger.warn({ step: 'session-events', ...errorSummary(err) }, 'session event not published');
      });
    }
    await audit.emit({ type: 'lifecycle.event', result: 'success', sub, detail: { source, action: 'roles_changed', roles: roles.join(',') || 'none', sessions: rewritten, ...detail } });
    return { sessions: rewritten, roles };
  }

  return {
    endUserSessions,
    reRole,
    reRoleSession(sessionId, groups) {
      const { roles, groups: unique } = deps.rbac.resolve([...groups]);
      return rewrite(sessionId, unique, roles);
    },
    async userChanged(sub, source, detail = {}) {
      // No open session: nothing to re-role, and no Management API call spent on it.
      if ((await sessions.list({ sub, limit: 1 })).length === 0) {
        await audit.emit({ type: 'lifecycle.event', result: 'success', sub, detail: { source, action: 'none', sessions: 0, ...detail } });
        return { sessions: 0, roles: null };
      }
      if (!deps.directory) {
        const ended = await endUserSessions(sub, 'refresh_refused', source, { ...detail, why: 'no_management_api' });
        return { sessions: ended, roles: null };
      }
      let groups: string[];
      try {
        groups = await deps.directory.userGroups(sub);
      } catch (err) {
        logger.warn({ step: 'lifecycle', ...errorSummary(err) }, 'groups not readable; ending the user’s sessions');
        const ended = await endUserSessions(sub, 'refresh_refused', source, { ...detail, why: 'groups_unreadable' });
        return { sessions: ended, roles: null };
      }
      return reRole(sub, groups, source, { ...detail, groupsFrom: 'management_api' });
    },
  };
}
