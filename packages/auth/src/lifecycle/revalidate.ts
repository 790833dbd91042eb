/**
 * Roles that never go stale, even without hooks: a session whose identity (groups, roles) is older
 * than `SESSION_REVALIDATE_SECONDS` is re-checked before its request is answered — a forced token
 * refresh (a new ID token carries the current groups; a user deactivated at the IdP is refused
 * there and the session ends), or, when the session has no refresh token or the refresh gave
 * nothing new, the user's groups through the Management API. Single flight per session in this
 * process; across instances the refresh runs under the session's lease and the Management API
 * rewrite under the same lease (both in the session manager). While the IdP is unreachable the last known roles
 * hold for `SESSION_REVALIDATE_GRACE` past that age; then the session is refused (fail closed)
 * until a check succeeds.
 */
import type { Audit, AuthLogger } from '../audit.ts';
import type { GatehouseConfig } from '../config/schema.ts';
import { errorSummary } from '../errors.ts';
import type { Refresher } from '../oidc/refresh.ts';
import { identityCheckedAt, type SessionManager } from '../session/manager.ts';
import type { SessionRecord } from '../types.ts';
import type { Lifecycle, UserDirectory } from './effects.ts';

/** What the revalidator is built from. */
export interface RevalidatorDeps {
  config: GatehouseConfig;
  refresher: Refresher;
  lifecycle: Lifecycle;
  directory: UserDirectory | null;
  sessions: SessionManager;
  audit: Audit;
  logger: AuthLogger;
  now: () => number;
}

/** Checks a session's identity when it is too old; see the module comment. */
export interface Revalidator {
  /** The session to answer with (possibly re-roled), or `null` when it ended or must be refused now. */
  check(session: SessionRecord): Promise<SessionRecord | null>;
}

// 30 s between attempts for a session whose check failed: an IdP outage costs one try per session per 30 s.
const RETRY_AFTER_MS = 30_000;

/** Creates this instance's revalidator. */
export function createRevalidator(deps: RevalidatorDeps): Revalidator {
  const { config, refresher, lifecycle, directory, sessions, audit, logger, now } = deps;
  const maxAgeMs = config.lifecycle.revalidateSeconds * 1000;
  const graceMs = config.lifecycle.revalidateGraceSeconds * 1000;
  const flights = new Map<string, Promise<SessionRecord | null>>();
  const retryAt = new Map<string, number>();

  /** Within the grace the last known roles stand; past it, the session is refused until a check succeeds. */
  async function unchecked(session: SessionRecord, why: string): Promise<SessionRecord | null> {
    if (now() - identityCheckedAt(session) < maxAgeMs + graceMs) return session;
    await audit.emit({ type: 'access.denied', result: 'failure', reason: 'revalidation_failed', sub: session.user.sub, sessionId: session.id, detail: { why } });
    return null;
  }

  async function revalidate(session: SessionRecord): Promise<SessionRecord | null> {
    const seenAt = identityCheckedAt(session);
    const refreshed = await refresher.ensureFreshTokens(session, { force: true });
    if (!refreshed) return null;
    if (identityCheckedAt(refreshed) > seenAt) {
      retryAt.delete(session.id);
      return refreshed;
    }
    // No refresh token, or the IdP's token endpoint did not answer: ask the Management API.
    if (directory) {
      try {
        const groups = await directory.userGroups(session.user.sub);
        if (await lifecycle.reRoleSession(session.id, groups)) {
          const updated = await sessions.get(session.id);
          if (updated) {
            retryAt.delete(session.id);
            await audit.emit({ type: 'lifecycle.event', result: 'success', reason: 'groups_from_management_api', sub: session.user.sub, sessionId: session.id, detail: { source: 'revalidation', action: 'roles_checked', roles: updated.roles.join(',') || 'none' } });
            return updated;
          }
        }
        return null;
      } catch (err) {
        logger.warn({ step: 'revalidation', sessionId: session.id, ...errorSummary(err) }, 'groups not readable through the Management API');
      }
    }
    retryAt.set(session.id, now() + RETRY_AFTER_MS);
    return unchecked(refreshed, directory ? 'idp_unavailable' : 'no_refresh_token_or_idp_unavailable');
  }

  return {
    async check(session) {
      if (now() - identityCheckedAt(session) < maxAgeMs) return session;
      if ((retryAt.get(session.id) ?? 0) > now()) return unchecked(session, 'retry_later');
      let flight = flights.get(session.id);
      if (!flight) {
        flight = revalidate(session).finally(() => flights.delete(session.id));
        flights.set(session.id, flight);
      }
      return flight;
    },
  };
}
