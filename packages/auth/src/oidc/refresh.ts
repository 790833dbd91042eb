/**
 * Server-side token refresh: before the access token expires (or when a caller needs a fresh
 * one), exactly once per session even under concurrent requests — in this process (one flight
 * per session) and across the instances sharing the store (a store lease around the token
 * request; the others wait for its result). Rotation is
 * handled (a new refresh token replaces the old; none back keeps the old), and the refreshed ID
 * token updates user, claims, groups and roles — so a group removed in Okta takes effect here.
 * `invalid_grant` (revoked, expired, or reused refresh token) ends the session.
 * @see RFC 6749 §6, OIDC Core §12.2, RFC 9700 §4.14 (refresh token rotation)
 */
import * as oidc from 'openid-client';
import { AuthError, errorSummary, toAuthError } from '../errors.ts';
import { isSessionExpired } from '../session/manager.ts';
import type { SessionRecord } from '../types.ts';
import { accessTokenExpiry } from './callback.ts';
import { completeGroups } from '../lifecycle/groups.ts';
import { groupsAuditFields, identityFromClaims } from './claims.ts';
import type { FlowContext } from './context.ts';

/**
 * How long before the access token's expiry a refresh is due, in ms. 60 s: a request that starts
 * now must not carry a token that dies in flight.
 */
export const REFRESH_MARGIN_MS = 60_000;
// After a transient failure (IdP down) or when the session has no refresh token, wait 30 s before
// trying again, so a broken IdP costs one request per session per 30 s, not one per page view.
const RETRY_AFTER_MS = 30_000;
/**
 * Lifetime of the cross-instance refresh lease, in ms. 30 s: it must outlive the slowest refresh
 * we allow — the token request and a JWKS refetch at 10 s each (client.ts; discovery is done before
 * taking it) — or a second instance would spend the same refresh token; and a crashed instance
 * holds up its sessions' refresh for at most this.
 */
export const REFRESH_LEASE_TTL_MS = 30_000;
// Waiting for another instance's refresh: a store read every 100 ms, for at most the lease's ttl.
const LEASE_POLL_MS = 100;
const LEASE_POLLS = REFRESH_LEASE_TTL_MS / LEASE_POLL_MS;

/** Whether `stored` carries tokens written after `seen` was read (someone refreshed meanwhile). */
const refreshedSince = (stored: SessionRecord, seen: SessionRecord) =>
  stored.tokens !== seen.tokens || stored.accessTokenExpiresAt > seen.accessTokenExpiresAt;

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

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
 * process; across instances sharing the store, the token request runs under the store lease
 * `refresh:<sessionId>` ({@link REFRESH_LEASE_TTL_MS}), so one refresh token is spent once. An
 * instance that finds the lease taken waits for the holder's result in the store.
 * @see RFC 9700 §4.14.2 (a reused rotated refresh token may revoke the whole grant)
 */
export function createRefresher(ctx: FlowContext): Refresher {
  const flights = new Map<string, Promise<SessionRecord | null>>();
  const retryAt = new Map<string, number>();
  // Names this instance as the lease holder; random, so no two instances (or restarts) share it.
  const holder = crypto.randomUUID();
  const isDue = (session: SessionRecord) => ctx.now() >= session.accessTokenExpiresAt - REFRESH_MARGIN_MS;

  async function endSession(session: SessionRecord, error: AuthError): Promise<null> {
    await ctx.sessions.revoke(session.id, { reason: 'refresh_refused' });
    ctx.logger.info({ sessionId: session.id, ...errorSummary(error) }, 'session ended: refresh refused');
    await ctx.audit.emit({ type: 'refresh.failed', result: 'failure', reason: error.reason, sub: session.user.sub, sessionId: session.id });
    await ctx.audit.emit({ type: 'session.revoked', result: 'success', reason: error.reason, sub: session.user.sub, sessionId: session.id, detail: { by: 'refresh' } });
    return null;
  }

  /**
   * One flight: takes the lease and refreshes, or — while another instance holds it — waits for
   * that instance's tokens to appear in the store. Each poll tries the lease again, so a holder
   * that crashed (lease expired) or gave up without refreshing (IdP down) is taken over.
   */
  async function refresh(seen: SessionRecord, force: boolean): Promise<SessionRecord | null> {
    const key = `refresh:${seen.id}`;
    // Discover before taking the lease, so the lease covers only the token request; a failure
    // here shows again (at once, through the client's backoff) under the lease and is handled there.
    await ctx.client.configuration().catch(() => {});
    for (let poll = 0; ; poll++) {
      let leased: boolean;
      try {
        leased = await ctx.store.acquireLease(key, holder, REFRESH_LEASE_TTL_MS);
      } catch (err) {
        // The lease cannot be written (a region serving read-only without its primary, a store
        // outage): new tokens could not be saved either. Go on with the session as it is; retry later.
        ctx.logger.warn({ sessionId: seen.id, ...errorSummary(err) }, 'token refresh skipped: the session store takes no writes');
        retryAt.set(seen.id, ctx.now() + RETRY_AFTER_MS);
        return seen;
      }
      if (leased) {
        try {
          return await refreshUnderLease(seen, force);
        } finally {
          // Best effort: a lease we fail to release expires by itself.
          await ctx.store.releaseLease(key, holder).catch((err: unknown) => {
            ctx.logger.warn({ sessionId: seen.id, ...errorSummary(err) }, 'refresh lease not released');
          });
        }
      }
      const stored = await ctx.store.get(seen.id);
      if (!stored || isSessionExpired(stored, ctx.now())) return null;
      if (refreshedSince(stored, seen)) {
        retryAt.delete(seen.id);
        return stored;
      }
      if (poll >= LEASE_POLLS) {
        // Failed for this request only: it goes on with the tokens it has; the session stays.
        ctx.logger.warn({ sessionId: seen.id }, 'token refresh still in progress on another instance; going on without it');
        await ctx.audit.emit({ type: 'refresh.failed', result: 'failure', reason: 'refresh_in_progress_elsewhere', sub: stored.user.sub, sessionId: seen.id });
        return stored;
      }
      await pause(LEASE_POLL_MS);
    }
  }

  async function refreshUnderLease(seen: SessionRecord, force: boolean): Promise<SessionRecord | null> {
    const id = seen.id;
    // Re-read under the lease: another flight (here or on another instance) that finished just
    // before may already have rotated the refresh token, and using the old one again would look
    // like token theft to the IdP.
    const current = await ctx.store.get(id);
    const now = ctx.now();
    if (!current || isSessionExpired(current, now)) return null;
    // Refreshed since the caller read the session: those tokens are as fresh as a forced refresh.
    if (refreshedSince(current, seen)) return current;
    if (!force && !isDue(current)) return current;

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
