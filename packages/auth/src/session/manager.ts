/**
 * Server-side sessions: creation at sign-in, validation on every request, token storage (encrypted
 * at rest), refresh once across instances (under the session's lease), re-roling, revocation and
 * the admin panel's reads. The one path to sessions: stores only persist; every rule lives here.
 * @see https://lucia-auth.com/sessions/basic, OWASP Session Management Cheat Sheet
 * @see docs/decisions/011-leases-and-one-path-to-sessions.md
 */
import type { AuthLogger } from '../audit.ts';
import type { GatehouseConfig } from '../config/schema.ts';
import { createTokenCipher, sha256, timingSafeEqualString, type TokenCipher } from '../crypto.ts';
import { errorSummary } from '../errors.ts';
import type { SessionEndReason, SessionEventBus } from '../events/bus.ts';
import type { AuthUser, LeaseStore, Role, SessionListQuery, SessionRecord, SessionStore } from '../types.ts';
import { createSessionCache, type SessionCacheOptions } from './cache.ts';
import { generateSessionToken, parseSessionToken } from './token.ts';

/**
 * Lifetime of a session's lease (`refresh:<sessionId>`), in ms. 30 s: it must outlive the slowest
 * refresh we allow — the token request and a JWKS refetch at 10 s each (`oidc/client.ts`; discovery
 * is done before taking it) — or a second instance would spend the same refresh token; and a
 * crashed instance holds up its sessions' refresh for at most this.
 */
export const REFRESH_LEASE_TTL_MS = 30_000;
// Waiting for another holder of a session's lease: a store read every 100 ms.
const LEASE_POLL_MS = 100;
// A refresh waits for another instance's refresh for at most the lease's ttl.
const REFRESH_LEASE_POLLS = REFRESH_LEASE_TTL_MS / LEASE_POLL_MS;
// A re-role waits for a refresh in flight 50 times (5 s) before failing closed.
const REROLE_LEASE_POLLS = 50;

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The lease every write of a session's tokens or roles is made under, on every instance. */
const sessionLease = (id: string) => `refresh:${id}`;

/** Whether `stored` carries tokens written after `seen` was read (someone refreshed meanwhile). */
const refreshedSince = (stored: SessionRecord, seen: SessionRecord) =>
  stored.tokens !== seen.tokens || stored.accessTokenExpiresAt > seen.accessTokenExpiresAt;

/**
 * How {@link SessionManager.refreshOnce} ended: the caller's refresh ran under the lease
 * (`refreshed`, with its result), or it did not have to (`current`: refreshed since the caller
 * read it, or no longer due), or the session is gone (`ended`), or another instance held the lease
 * past its ttl (`busy`), or the lease could not be written (`unwritable`: new tokens could not be
 * saved either).
 */
export type RefreshTurn =
  | { status: 'refreshed'; session: SessionRecord | null }
  | { status: 'current'; session: SessionRecord; refreshedElsewhere: boolean }
  | { status: 'ended' }
  | { status: 'busy'; session: SessionRecord }
  | { status: 'unwritable'; error: unknown };

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
  /**
   * The session `id` without a token check — for the admin panel and the core's own re-reads —
   * or `null` when it is absent or expired.
   */
  get(id: string): Promise<SessionRecord | null>;
  /** Unexpired sessions, newest first (the admin panel; `sub` filters to one user). */
  list(query?: SessionListQuery): Promise<SessionRecord[]>;
  /** How many sessions are unexpired. */
  count(): Promise<number>;
  /**
   * Refreshes `seen`'s session once across every instance sharing the store: takes the session's
   * lease, reads the session again under it and calls `refresh` with that fresh record only when it
   * is still unexpired, not refreshed since `seen` was read, and `due` — using a rotated-away
   * refresh token again would look like token theft to the IdP (RFC 9700 §4.14.2). While another
   * holder has the lease it waits (a read every 100 ms, for at most {@link REFRESH_LEASE_TTL_MS})
   * for that holder's tokens, trying the lease again at each poll, so a crashed holder is taken
   * over. The lease is released after `refresh` (best effort: it expires by itself).
   */
  refreshOnce(
    seen: SessionRecord,
    due: (current: SessionRecord) => boolean,
    refresh: (current: SessionRecord) => Promise<SessionRecord | null>,
  ): Promise<RefreshTurn>;
  /**
   * Rewrites one session's groups and roles (a complete group list and the roles it grants) under
   * the session's lease, so a refresh finishing at the same moment cannot be overwritten with the
   * tokens read before it (or overwrite these roles with an ID token issued before the change).
   * `false` when the session is gone, or when a refresh held the lease for 5 s: the session then
   * ends rather than keep roles that could not be updated.
   */
  reRole(id: string, identity: { groups: readonly string[]; roles: readonly Role[] }): Promise<boolean>;
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

/** Options of {@link createSessionManager}. */
export interface SessionManagerOptions {
  now?: () => number;
  cipher?: TokenCipher;
  events?: SessionEventBus;
  onPublishError?: (err: unknown) => void;
  /** Where a lease that could not be released is reported (it expires by itself). */
  logger?: AuthLogger;
  /**
   * The validated-session cache (`session/cache.ts`), coherent through `events`; `false` turns it
   * off (every validation reads the store). Default on, with its default bounds.
   */
  cache?: SessionCacheOptions | false;
}

/**
 * Creates the session manager over a store: its sessions and its leases (the same backend, so
 * every instance sharing the sessions shares the leases). Keys for token encryption are derived
 * once here from `config.session.secrets` (unless a cipher is given).
 */
export async function createSessionManager(
  config: GatehouseConfig,
  store: SessionStore & LeaseStore,
  options: SessionManagerOptions = {},
): Promise<SessionManager> {
  const leases: LeaseStore = store;
  // Name this instance's refreshes and re-roles as lease holders: random, so no two instances (or
  // restarts) share them, and two, because a holder gets its own lease again — a re-role here must
  // wait for a refresh here as for one elsewhere.
  const refreshHolder = crypto.randomUUID();
  const reRoleHolder = `re-role:${crypto.randomUUID()}`;
  const now = options.now ?? Date.now;
  const bus = options.events ?? null;
  const cache = options.cache === false ? null : createSessionCache(bus, options.cache);
  // The store already holds the truth when a change is published. When the publish fails, other
  // instances may not hear of it, so the call returns only once every entry their caches could
  // hold from before the change has aged out (the cache's guarantee: docs/decisions/010).
  const events: SessionEventBus | null = bus && cache
    ? {
        instanceId: bus.instanceId,
        async publish(event) {
          try {
            return await bus.publish(event);
          } catch (err) {
            await pause(cache.maxAgeMs);
            throw err;
          }
        },
        subscribe: (listener) => bus.subscribe(listener),
        onReconnect: (listener) => bus.onReconnect(listener),
        healthy: () => bus.healthy(),
        close: () => bus.close(),
      }
    : bus;
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

  const release = async (id: string, holder: string) => {
    await leases.releaseLease(sessionLease(id), holder).catch((err: unknown) => {
      options.logger?.warn({ sessionId: id, ...errorSummary(err) }, 'session lease not released');
    });
  };
  const unexpired = (session: SessionRecord | null) => (session && !isSessionExpired(session, now()) ? session : null);

  /** Under the lease: read again, then refresh only what still needs it. */
  async function refreshLeased(seen: SessionRecord, due: (current: SessionRecord) => boolean, refresh: (current: SessionRecord) => Promise<SessionRecord | null>): Promise<RefreshTurn> {
    const current = unexpired(await store.get(seen.id));
    if (!current) return { status: 'ended' };
    // Refreshed since the caller read the session: those tokens are as fresh as a forced refresh.
    if (refreshedSince(current, seen)) return { status: 'current', session: current, refreshedElsewhere: true };
    if (!due(current)) return { status: 'current', session: current, refreshedElsewhere: false };
    return { status: 'refreshed', session: await refresh(current) };
  }

  const manager: SessionManager = {
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
      const touch = validateOptions.touch !== false;
      const cached = cache?.get(parsed.id);
      if (cached) {
        // The secret's hash never changes for an id: a mismatch here is a mismatch in the store.
        if (!timingSafeEqualString(secretHash, cached.secretHash)) return null;
        const at = now();
        // Served from the cache only while no decision is due: expiry and sliding renewal are
        // decided on a fresh store read (another instance may have moved them).
        if (!isSessionExpired(cached, at) && (!touch || at - cached.lastSeenAt < touchMs)) return cached;
      }
      const ticket = cache?.ticket();
      const session = await store.get(parsed.id);
      if (!session || !timingSafeEqualString(secretHash, session.secretHash)) return null;
      const at = now();
      if (isSessionExpired(session, at)) {
        await store.delete(session.id);
        cache?.forget(session.id);
        return null;
      }
      // Throttled sliding renewal: most requests write nothing.
      if (touch && at - session.lastSeenAt >= touchMs) {
        const expiresAt = Math.min(at + idleMs, session.absoluteExpiresAt);
        await store.touch(session.id, at, expiresAt);
        const touched = { ...session, lastSeenAt: at, expiresAt };
        if (ticket) cache?.remember(touched, ticket);
        return touched;
      }
      if (ticket) cache?.remember(session, ticket);
      return session;
    },

    async readTokens(session) {
      return parseBundle(await cipher.decrypt(session.tokens));
    },

    async replaceTokens(session, input) {
      const updated: SessionRecord = { ...session, ...(await identityFields(input)) };
      await store.update(updated);
      cache?.forget(updated.id);
      return updated;
    },

    async revoke(id, revokeOptions = {}) {
      const session = events ? await store.get(id) : null;
      await store.delete(id);
      cache?.forget(id);
      if (session) await announce({ type: 'session.ended', sub: session.user.sub, sessionIds: [id], reason: revokeOptions.reason ?? 'signed_out' });
    },
    async revokeUser(sub, revokeOptions = {}) {
      const count = await store.deleteByUser(sub);
      cache?.forgetUser(sub);
      await announce({ type: 'user.sessions.ended', sub, reason: revokeOptions.reason ?? 'revoked_by_admin' });
      return count;
    },

    async get(id) {
      return unexpired(await store.get(id));
    },
    list: (query) => store.list(query),
    count: () => store.count(now()),

    async refreshOnce(seen, due, refresh) {
      for (let poll = 0; ; poll++) {
        let leased: boolean;
        try {
          leased = await leases.acquireLease(sessionLease(seen.id), refreshHolder, REFRESH_LEASE_TTL_MS);
        } catch (error) {
          return { status: 'unwritable', error };
        }
        if (leased) {
          try {
            return await refreshLeased(seen, due, refresh);
          } finally {
            await release(seen.id, refreshHolder);
          }
        }
        const stored = unexpired(await store.get(seen.id));
        if (!stored) return { status: 'ended' };
        if (refreshedSince(stored, seen)) return { status: 'current', session: stored, refreshedElsewhere: true };
        if (poll >= REFRESH_LEASE_POLLS) return { status: 'busy', session: stored };
        await pause(LEASE_POLL_MS);
      }
    },

    async reRole(id, identity) {
      for (let poll = 0; poll < REROLE_LEASE_POLLS; poll++) {
        if (await leases.acquireLease(sessionLease(id), reRoleHolder, REFRESH_LEASE_TTL_MS)) {
          try {
            const current = await store.get(id);
            if (!current) return false;
            await store.update({ ...current, user: { ...current.user, groups: [...identity.groups] }, roles: [...identity.roles], claims: { ...current.claims, [IDENTITY_CHECKED_AT]: now() } });
            cache?.forget(id);
            return true;
          } finally {
            await release(id, reRoleHolder);
          }
        }
        await pause(LEASE_POLL_MS);
      }
      // A refresh held the session for 5 s: end it rather than leave roles we could not update.
      await manager.revoke(id, { reason: 'refresh_refused' });
      return false;
    },
  };
  return manager;
}
