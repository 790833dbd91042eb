/**
 * Server-side token refresh: before the access token expires (or when a caller needs a fresh
 * one), exactly once per session even under concurrent requests — in this process (one flight
 * per session) and across the instances sharing the store (the session manager's lease around
 * the token request; the others wait for its result). Rotation is
 * handled (a new refresh token replaces the old; none back keeps the old), and the refreshed ID
 * token updates user, claims, groups and roles — so a group removed in Okta takes effect here.
 * `invalid_grant` (revoked, expired, or reused refresh token) ends the session.
 * @see RFC 6749 §6, OIDC Core §12.2, RFC 9700 §4.14 (refresh token rotation)
 */
import * as oidc from 'openid-client';
import { AuthError, errorSummary, toAuthError } from '../errors.ts';
import { REFRESH_LEASE_TTL_MS } from '../session/manager.ts';
import type { SessionRecord } from '../types.ts';
import { accessTokenExpiry } from './callback.ts';
import { completeGroups } from './groups.ts';
import { groupsAuditFields, identityFromClaims } from './claims.ts';
import type { FlowContext } from './context.ts';

export { REFRESH_LEASE_TTL_MS };

/**
 * How long before the access token's expiry a refresh is due, in ms. 60 s: a request that starts
 * now must not carry a token that dies in flight.
 */
export const REFRESH_MARGIN_MS = 60_000;
// After a transient failure (IdP down) or when the session has no refresh token, wait 30 s before
// trying again, so a broken IdP costs one request per session per 30 s, not one per page view.
const RETRY_AFTER_MS = 30_000;
/** Options of {@link Refresher.ensureFreshTokens}. */
export interface RefreshOptions {
  /**
   * Refresh even if the access token is not due (a caller got a 401 from an API) — unless the
   * stored tokens were already replaced since the caller read `session`: those are returned as is.
   */
  force?: boolean;
}

/**
 * Refreshes session tokens once per session across concurrent callers and instances.
 * @see RFC 6749 §6 (refreshing an access token), OIDC Core §12.2 (refresh response)
 */
export interface Refresher {
  /** Whether `session`'s access token expires within the margin. */
  isDue(session: SessionRecord): boolean;
  /**
   * Returns the session with fresh tokens, refreshing if due (or forced); `null` when the session
   * has ended (expired, revoked, or the IdP refused the refresh token). Concurrent callers for the
   * same session — in this process or on any instance sharing the store — share one token request
   * and all see the updated record. When another instance's refresh does not finish within
   * {@link REFRESH_LEASE_TTL_MS}, the stored session comes back unrefreshed (failed for this call only).
   */
  ensureFreshTokens(session: SessionRecord, options?: RefreshOptions): Promise<SessionRecord | null>;
}

/**
 * Creates the refresher of this instance. Single flight is keyed by session id within the
 * process; across instances sharing the store, the session manager runs the token request once
 * under the session's lease (`SessionManager.refreshOnce`, {@link REFRESH_LEASE_TTL_MS}), so one
 * refresh token is spent once. An instance that finds the lease taken waits for the holder's result.
 * @see RFC 9700 §4.14.2 (a reused rotated refresh token may revoke the whole grant)
 */
export function createRefresher(ctx: FlowContext): Refresher {
  const flights = new Map<string, Promise<SessionRecord | null>>();
  const retryAt = new Map<string, number>();
  const isDue = (session: SessionRecord) => ctx.now() >= session.accessTokenExpiresAt - REFRESH_MARGIN_MS;

  async function endSession(session: SessionRecord, error: AuthError): Promise<null> {
    await ctx.sessions.revoke(session.id, { reason: 'refresh_refused' });
    ctx.logger.info({ sessionId: session.id, ...errorSummary(error) }, 'session ended: refresh refused');
    await ctx.audit.emit({ type: 'refresh.failed', result: 'failure', reason: error.reason, sub: session.user.sub, sessionId: session.id });
    await ctx.audit.emit({ type: 'session.revoked', result: 'success', reason: error.reason, sub: session.user.sub, sessionId: session.id, detail: { by: 'refresh' } });
    return null;
  }

  /** One flight: the token request once across instances, or what another instance's brought. */
  async function refresh(seen: SessionRecord, force: boolean): Promise<SessionRecord | null> {
    // Discover before taking the lease, so the lease covers only the token request; a failure
    // here shows again (at once, through the client's backoff) under the lease and is handled there.
    await ctx.client.configuration().catch(() => {});
    const turn = await ctx.sessions.refreshOnce(seen, (current) => force || isDue(current), refreshUnderLease);
    switch (turn.status) {
      case 'refreshed':
        return turn.session;
      case 'current':
        if (turn.refreshedElsewhere) retryAt.delete(seen.id);
        return turn.session;
      case 'ended':
        return null;
      case 'unwritable':
        // The lease cannot be written (a region serving read-only without its primary, a store
        // outage): new tokens could not be saved either. Go on with the session as it is; retry later.
        ctx.logger.warn({ sessionId: seen.id, ...errorSummary(turn.error) }, 'token refresh skipped: the session store takes no writes');
        retryAt.set(seen.id, ctx.now() + RETRY_AFTER_MS);
        return seen;
      case 'busy':
        // Failed for this request only: it goes on with the tokens it has; the session stays.
        ctx.logger.warn({ sessionId: seen.id }, 'token refresh still in progress on another instance; going on without it');
        await ctx.audit.emit({ type: 'refresh.failed', result: 'failure', reason: 'refresh_in_progress_elsewhere', sub: turn.session.user.sub, sessionId: seen.id });
        return turn.session;
    }
  }

  /** The token request for `current`, read again under its lease, unexpired, due and not refreshed meanwhile. */
  async function refreshUnderLease(current: SessionRecord): Promise<SessionRecord | null> {
    const id = current.id;
    const now = ctx.now();
    let tokens: Awaited<ReturnType<typeof ctx.sessions.readTokens>>;
    try {
      tokens = await ctx.sessions.readTokens(current);
    } catch (cause) {
      // Sealed under a secret no longer in SESSION_SECRET, or tampered: nothing to refresh with.
      return endSession(current, new AuthError('AUTH_REFRESH_FAILED', { reason: 'tokens_unreadable', cause }));
    }
    if (!tokens.refreshToken) {
      retryAt.set(id, now + RETRY_AFTER_MS);
      return current;
    }
    let response: Awaited<ReturnType<typeof oidc.refreshTokenGrant>>;
    try {
      const configuration = await ctx.client.configuration();
      response = await oidc.refreshTokenGrant(configuration, tokens.refreshToken);
    } catch (err) {
      const error = toAuthError(err, 'refresh');
      if (error.code === 'AUTH_IDP_UNAVAILABLE' || error.code === 'AUTH_DISCOVERY_FAILED') {
        // The IdP is down, not the session: keep it and try again later.
        retryAt.set(id, ctx.now() + RETRY_AFTER_MS);
        ctx.logger.warn({ sessionId: id, ...errorSummary(error) }, 'token refresh failed; keeping the session');
        await ctx.audit.emit({ type: 'refresh.failed', result: 'failure', reason: error.reason, sub: current.user.sub, sessionId: id });
        return current;
      }
      return endSession(current, error);
    }

    const claims = response.claims();
    if (claims && claims.sub !== current.user.sub) {
      return endSession(current, new AuthError('AUTH_REFRESH_FAILED', { reason: 'subject_changed' }));
    }
    const completed = claims ? await completeGroups(identityFromClaims(claims, ctx.config, ctx.rbac, current.claims), ctx) : null;
    const identity = completed?.identity ?? null;
    const updated = await ctx.sessions.replaceTokens(current, {
      tokens: {
        idToken: response.id_token ?? tokens.idToken,
        accessToken: response.access_token,
        // Rotation: use the new refresh token when one comes back; otherwise the old one stays valid.
        refreshToken: response.refresh_token ?? tokens.refreshToken,
      },
      user: identity?.user ?? current.user,
      roles: identity?.roles ?? current.roles,
      claims: identity?.claims ?? current.claims,
      accessTokenExpiresAt: accessTokenExpiry(response, ctx.now()),
    });
    retryAt.delete(id);
    const rolesChanged = updated.roles.join(',') !== current.roles.join(',');
    const { reason: groupsReason, groupsClaim } = groupsAuditFields(identity?.groupsProblem ?? null);
    await ctx.audit.emit({
      type: 'refresh.succeeded',
      result: 'success',
      ...(groupsReason ? { reason: groupsReason } : completed && completed.source !== 'claim' ? { reason: completed.source } : {}),
      sub: updated.user.sub,
      sessionId: id,
      detail: { rolesChanged, roles: updated.roles.join(',') || null, rotated: response.refresh_token !== undefined, ...(groupsClaim ? { groupsClaim } : {}) },
    });
    return updated;
  }

  return {
    isDue,
    async ensureFreshTokens(session, options = {}) {
      const force = options.force === true;
      if (!force && !isDue(session)) return session;
      if (!force && (retryAt.get(session.id) ?? 0) > ctx.now()) return session;
      let flight = flights.get(session.id);
      if (!flight) {
        flight = refresh(session, force).finally(() => flights.delete(session.id));
        flights.set(session.id, flight);
      }
      return flight;
    },
  };
}
