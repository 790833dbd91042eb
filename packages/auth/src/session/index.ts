export { createSessionManager, isSessionExpired, REFRESH_LEASE_TTL_MS, type RefreshTurn, type SessionManager, type SessionManagerOptions, type TokenBundle } from './manager.ts';
export { SESSION_CACHE_MAX_AGE_MS, SESSION_CACHE_MAX_ENTRIES, type SessionCacheOptions } from './cache.ts';
export { parseCookies, serializeCookie, sessionCookie } from './cookie.ts';
export { generateSessionToken, parseSessionToken, SESSION_ID_BYTES, SESSION_SECRET_BYTES } from './token.ts';
