/**
 * Server-side sessions: creation at sign-in, validation on every request, token storage (encrypted
 * at rest), refresh bookkeeping and revocation. Stores only persist; every rule lives here.
 * @see https://lucia-auth.com/sessions/basic, OWASP Session Management Cheat Sheet
 */
import type { GatehouseConfig } from '../config/schema.ts';
import { createTokenCipher, sha256, timingSafeEqualString, type TokenCipher } from '../crypto.ts';
import type { SessionEndReason, SessionEventBus } from '../events/bus.ts';
import type { AuthUser, Role, SessionRecord, SessionStore } from '../types.ts';
import { generateSessionToken, parseSessionToken } from './token.ts';

/** The OIDC tokens of a session; kept server-side, encrypted in the store. */
export interface TokenBundle {
  idToken: string;
  accessToken: string;
  refreshToken: string | null;
}

/** The session rules on top of a {@link SessionStore}, which only persists. */
export interface SessionManager {
  /** Starts a brand-new session (new id and secret every time) and returns the cookie token. */
  create(input: {
    user: AuthUser;
    roles: Role[];
    claims: SessionRecord['claims'];
    tokens: TokenBundle;
    /** Epoch ms. */
    accessTokenExpiresAt: number;
    userAgent: string | null;
    ip: string | null;
  }): Promise<{ token: string; session: SessionRecord }>;
  /**
   * The session for a cookie token, or `null` for every kind of bad token (absent, malformed,
   * unknown, wrong secret, idle- or absolute-expired — expired ones are deleted). One store read,
   * no decryption; a write only when the sliding expiry needs moving (at most every touch interval).
   * `touch: false` never moves it: for requests a page makes by itself (live updates), which are
   * not the user's activity and must not keep an unattended session alive.
   */
  validate(token: string | null | undefined, options?: { touch?: boolean }): Promise<SessionRecord | null>;
  /** Decrypts the session's OIDC tokens; the only place they are decrypted. */
  readTokens(session: SessionRecord): Promise<TokenBundle>;
  /** Stores refreshed tokens and the user/roles/claims from the new ID token; returns the new record. */
  replaceTokens(
    session: SessionRecord,
    input: { tokens: TokenBundle; user: AuthUser; roles: Role[]; claims: SessionRecord['claims']; accessTokenExpiresAt: number },
  ): Promise<SessionRecord>;
  /**
   * Ends one session (deletes its record) and tells every instance (`session.ended`); a no-op for
   * an unknown id. `reason` defaults to `signed_out`.
   */
  revoke(id: string, options?: { reason?: SessionEndReason }): Promise<void>;
  /** Ends every session of a user and tells every instance (`user.sessions.ended`); returns how many. */
  revokeUser(sub: string, options?: { reason?: SessionEndReason }): Promise<number>;
  readonly store: SessionStore;
  /** Where revocations and new sessions are announced (in process when the app gave none). */
  readonly events: SessionEventBus | null;
}

/**
 * The claim (epoch ms) recording when the session's identity — user, groups, roles — was last read
 * from the IdP: at sign-in, at each token refresh, at each re-role. Revalidation compares its age with
 * `SESSION_REVALIDATE_SECONDS`. Kept among the claims so every store persists it as it is.
 */
export const IDENTITY_CHECKED_AT = 'gh_identity_checked_at';

/** When `session`'s identity was last read from the IdP (epoch ms); its creation for older records. */
export function identityCheckedAt(session: Pick<SessionRecord, 'claims' | 'createdAt'>): number {
  const value = session.claims[IDENTITY_CHECKED_AT];
  return typeof value === 'number' && Number.isFinite(value) ? value : session.createdAt;
}

/** Whether the session is past its idle or absolute expiry at `now` (epoch ms). */
export function isSessionExpired(session: Pick<SessionRecord, 'expiresAt' | 'absoluteExpiresAt'>, now: number): boolean {
  return now >= session.expiresAt || now >= session.absoluteExpiresAt;
}

function parseBundle(json: string): TokenBundle {
  const value = JSON.parse(json) as Partial<TokenBundle> | null;
  if (
    !value ||
    typeof value.idToken !== 'string' ||
    typeof value.accessToken !== 'string' ||
    (value.refreshToken !== null && typeof value.refreshToken !== 'string')
  ) {
    throw new TypeError('Decrypted token bundle has an unexpected shape');
  }
  return { idToken: value.idToken, accessToken: value.accessToken, refreshToken: value.refreshToken };
}

/**
 * Creates the session manager over a store. Keys for token encryption are derived once here from
 * `config.session.secrets` (unless a cipher is given).
 */
export async function createSessionManager(
  config: GatehouseConfig,
  store: SessionStore,
  options: { now?: () => number; cipher?: TokenCipher; events?: SessionEventBus; onPublishError?: (err: unknown) => void } = {},
): Promise<SessionManager> {
  const now = options.now ?? Date.now;
  const events = options.events ?? null;
  // The store already holds the truth when this runs; a bus outage only delays the others' view.
  const announce = async (event: Parameters<SessionEventBus['publish']>[0]) => {
    if (!events) return;
    await events.publish(event).catch((err: unknown) => options.onPublishError?.(err));
  };
  const cipher = options.cipher ?? (await createTokenCipher(config.session.secrets));
  const idleMs = config.session.idleTimeoutSeconds * 1000;
  const absoluteMs = config.session.absoluteTimeoutSeconds * 1000;
  const touchMs = config.session.touchIntervalSeconds * 1000;
  const seal = (tokens: TokenBundle) =>
    cipher.encrypt(JSON.stringify({ idToken: tokens.idToken, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken }));
  /** What sign-in and refresh both write: copies (the caller keeps its objects) and the sealed tokens. */
  const identityFields = async (input: Parameters<SessionManager['replaceTokens']>[1]) => ({
    user: { sub: input.user.sub, email: input.user.email, name: input.user.name, groups: [...input.user.groups] },
    roles: [...input.roles],
    claims: { ...input.claims, [IDENTITY_CHECKED_AT]: now() },
    tokens: await seal(input.tokens),
    accessTokenExpiresAt: input.accessTokenExpiresAt,
  });

  return {
    store,
    events,

    async create(input) {
      const { token, id, secretHash } = await generateSessionToken();
      const createdAt = now();
      const absoluteExpiresAt = createdAt + absoluteMs;
      const session: SessionRecord = {
        id,
        secretHash,
        ...(await identityFields(input)),
        createdAt,
        lastSeenAt: createdAt,
        expiresAt: Math.min(createdAt + idleMs, absoluteExpiresAt),
        absoluteExpiresAt,
        userAgent: input.userAgent,
        ip: input.ip,
      };
      await store.create(session);
      await announce({ type: 'session.created', sub: session.user.sub, sessionId: id });
      return { token, session };
    },

    async validate(token, validateOptions = {}) {
      const parsed = parseSessionToken(token);
      if (!parsed) return null;
      // Hash first, so an unknown id and a wrong secret cost the same.
      const secretHash = await sha256(parsed.secret);
      const session = await store.get(parsed.id);
      if (!session || !timingSafeEqualString(secretHash, session.secretHash)) return null;
      const at = now();
      if (isSessionExpired(session, at)) {
        await store.delete(session.id);
        return null;
      }
      // Throttled sliding renewal: most requests write nothing.
      if (validateOptions.touch !== false && at - session.lastSeenAt >= touchMs) {
        const expiresAt = Math.min(at + idleMs, session.absoluteExpiresAt);
        await store.touch(session.id, at, expiresAt);
        return { ...session, lastSeenAt: at, expiresAt };
      }
      return session;
    },

    async readTokens(session) {
      return parseBundle(await cipher.decrypt(session.tokens));
    },

    async replaceTokens(session, input) {
      const updated: SessionRecord = { ...session, ...(await identityFields(input)) };
      await store.update(updated);
      return updated;
    },

    async revoke(id, revokeOptions = {}) {
      const session = events ? await store.get(id) : null;
      await store.delete(id);
      if (session) await announce({ type: 'session.ended', sub: session.user.sub, sessionIds: [id], reason: revokeOptions.reason ?? 'signed_out' });
    },
    async revokeUser(sub, revokeOptions = {}) {
      const count = await store.deleteByUser(sub);
      await announce({ type: 'user.sessions.ended', sub, reason: revokeOptions.reason ?? 'revoked_by_admin' });
      return count;
    },
  };
}
