/**
 * Server-side token refresh: before the access token expires (or when a caller needs a fresh
 * one), exactly once per session even under concurrent requests in this process. Rotation is
 * handled (a new refresh token replaces the old; none back keeps the old), and the refreshed ID
 * token updates user, claims, groups and roles — so a group removed in Okta takes effect here.
 * `invalid_grant` (revoked, expired, or reused refresh token) ends the session.
 * @see RFC 6749 §6, OIDC Core §12.2, RFC 9700 §4.14 (refresh token rotation)
 */
import * as oidc from 'openid-client';
import { AuthError, errorSummary, toAuthError } from '../errors.ts';
import type { SessionRecord } from '../types.ts';
import { accessTokenExpiry } from './callback.ts';
import { groupsAuditFields, identityFromClaims } from './claims.ts';
import type { FlowContext } from './context.ts';

// 60 s before expiry: a request that starts now must not carry a token that dies in flight.
export const REFRESH_MARGIN_MS = 60_000;
// After a transient failure (IdP down) or when the session has no refresh token, wait 30 s before
// trying again, so a broken IdP costs one request per session per 30 s, not one per page view.
const RETRY_AFTER_MS = 30_000;

export interface RefreshOptions {
  /** Refresh even if the access token is not due (a caller got a 401 from an API). */
  force?: boolean;
}

export interface Refresher {
  /** Whether `session`'s access token expires within the margin. */
  isDue(session: SessionRecord): boolean;
  /**
   * Returns the session with fresh tokens, refreshing if due (or forced); `null` when the session
   * has ended (expired, revoked, or the IdP refused the refresh token). Concurrent callers for the
   * same session share one token request and all see the updated record.
   */
  ensureFreshTokens(session: SessionRecord, options?: RefreshOptions): Promise<SessionRecord | null>;
}

/**
 * Creates the per-process refresher. Single flight is keyed by session id; instances sharing a
 * store may each refresh once (the IdP's refresh-token grace period absorbs that).
 */
export function createRefresher(ctx: FlowContext): Refresher {
  const flights = new Map<string, Promise<SessionRecord | null>>();
  const retryAt = new Map<string, number>();
  const isDue = (session: SessionRecord) => ctx.now() >= session.accessTokenExpiresAt - REFRESH_MARGIN_MS;

  async function endSession(session: SessionRecord, error: AuthError): Promise<null> {
    await ctx.sessions.revoke(session.id);
    ctx.logger.info({ sessionId: session.id, ...errorSummary(error) }, 'session ended: refresh refused');
    await ctx.audit.emit({ type: 'refresh.failed', result: 'failure', reason: error.reason, sub: session.user.sub, sessionId: session.id });
    await ctx.audit.emit({ type: 'session.revoked', result: 'success', reason: error.reason, sub: session.user.sub, sessionId: session.id, detail: { by: 'refresh' } });
    return null;
  }

  async function refresh(id: string, force: boolean): Promise<SessionRecord | null> {
    // Re-read: a flight that finished just before this one started may already have rotated the
    // refresh token, and using the old one again would look like token theft to the IdP.
    const current = await ctx.store.get(id);
    const now = ctx.now();
    if (!current || now >= current.expiresAt || now >= current.absoluteExpiresAt) return null;
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
    const identity = claims ? identityFromClaims(claims, ctx.config, current.claims) : null;
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
      ...(groupsReason ? { reason: groupsReason } : {}),
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
        flight = refresh(session.id, force).finally(() => flights.delete(session.id));
        flights.set(session.id, flight);
      }
      return flight;
    },
  };
}
