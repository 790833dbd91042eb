/**
 * What each sign-in failure reason (as recorded in the audit log) usually means, and how to fix
 * it in Okta. Reasons are `AuthErrorCode`s lowercased, finer reasons the auth package records
 * (`idp_access_denied`, `invalid_grant`, `id_token_aud`, …) and app-level ones.
 */

export interface ReasonAdvice {
  meaning: string;
  fix: string;
}

const EXACT: Record<string, ReasonAdvice> = {
  groups_claim_missing: {
    meaning: 'The ID token had no `groups` claim, so Gatehouse could not give the user a role.',
    fix: 'In Okta: Security → API → Authorization Servers → default → Claims → Add Claim named `groups`, included in the ID token (Always), value type Groups, filter e.g. "Matches regex .*" (or "Starts with" your app prefix). Also request the `groups` scope.',
  },
  groups_claim_malformed: {
    meaning: 'The ID token\'s `groups` claim was not a list of group names, so no role was given.',
    fix: 'In the authorization server\'s `groups` claim, use value type Groups (not Expression returning a string) with a filter such as "Matches regex .*".',
  },
  role_missing: {
    meaning: 'A signed-in user opened a page their role does not allow (expected for viewers trying admin pages).',
    fix: 'If they should have access, add them in Okta to a group mapped to the role (GATEHOUSE_ADMIN_GROUPS / GATEHOUSE_VIEWER_GROUPS).',
  },
  permission_missing: {
    meaning: 'A signed-in user tried something their role does not permit.',
    fix: 'If they should be allowed, add them in Okta to a group mapped to a role with that permission (see Roles).',
  },
  auth_too_old: {
    meaning: 'A sensitive admin action asked for a fresh sign-in (expected; the admin is sent through Okta again).',
    fix: 'Nothing to fix. Repeated occurrences without a following success mean the admin gave up at the Okta prompt.',
  },
  mfa_required: {
    meaning: 'A sensitive admin action asked for multi-factor authentication (expected; Okta asks for the second factor).',
    fix: 'Make sure admins have an MFA factor enrolled (Okta Verify or another authenticator).',
  },
  auth_access_token_invalid: {
    meaning: 'An API call carried an access token that was expired, malformed, or issued for another audience or client.',
    fix: 'Check the calling service requests tokens from the same authorization server with audience OKTA_AUDIENCE (default `api://default`).',
  },
  malformed_authorization_header: {
    meaning: 'An API call sent an `Authorization` header that is not `Bearer <token>`.',
    fix: 'Fix the calling script or service; nothing to change in Okta.',
  },
  auth_state_mismatch: {
    meaning: 'The callback carried a `state` that no sign-in started here: a stale tab, a bookmark of the callback URL, or a forged request.',
    fix: 'Usually nothing to fix; the user starts again. If it happens to everyone, check that APP_BASE_URL matches the URL users open (cookie set on one host, callback on another).',
  },
  auth_transaction_expired: {
    meaning: 'The user took more than 10 minutes between leaving for Okta and coming back.',
    fix: 'Nothing to fix in Okta; if users get stuck at the Okta page (MFA enrolment, password reset), help them finish there.',
  },
  auth_transaction_not_found: {
    meaning: 'The callback was replayed (back button, double submit) or the login was started on another instance without a shared store.',
    fix: 'With several instances, set REDIS_URL or a PostgreSQL DATABASE_URL so every instance sees the same sign-ins.',
  },
  auth_browser_mismatch: {
    meaning: 'The browser that came back is not the one that started the sign-in: the sign-in cookie was blocked or lost.',
    fix: 'Ask the user to allow cookies for this site. Check APP_BASE_URL uses the same scheme and host users open (https cookies are not sent over http).',
  },
  auth_idp_error: {
    meaning: 'Okta sent an error back instead of a code.',
    fix: 'Read the detail on the event; see the specific `idp_*` reasons below.',
  },
  idp_access_denied: {
    meaning: 'Okta refused the sign-in, most often because the user is not assigned to the app.',
    fix: 'In Okta: Applications → your app → Assignments → assign the user or one of their groups.',
  },
  idp_login_required: {
    meaning: 'A silent sign-in was asked for but the user has no Okta session.',
    fix: 'Nothing to fix; the user signs in interactively.',
  },
  idp_consent_required: {
    meaning: 'The authorization server needs the user to consent to scopes.',
    fix: 'In Okta: the app → General → User consent off, or grant consent for the scopes requested.',
  },
  idp_invalid_scope: {
    meaning: 'A requested scope is not defined on the authorization server.',
    fix: 'Check OKTA_SCOPES; add missing scopes (e.g. `groups`) under Security → API → Authorization Servers → Scopes.',
  },
  idp_unauthorized_client: {
    meaning: 'The app is not allowed to use the authorization code grant or this authorization server.',
    fix: 'In Okta: the app → General → Grant type: Authorization Code (and Refresh Token); check the authorization server\'s access policy includes the app.',
  },
  idp_access_policy_denied: {
    meaning: 'No access policy rule of the authorization server allowed this user and app.',
    fix: 'Security → API → Authorization Servers → Access Policies: add a rule for the app and the user\'s groups.',
  },
  auth_idp_unavailable: {
    meaning: 'Gatehouse could not reach Okta, or Okta answered with a server error.',
    fix: 'Check network egress to the Okta org and status.okta.com; it resolves itself when Okta is reachable again.',
  },
  auth_discovery_failed: {
    meaning: 'The issuer\'s `/.well-known/openid-configuration` could not be loaded.',
    fix: 'Check OKTA_ISSUER (e.g. https://dev-1.okta.com/oauth2/default) and that the authorization server is active.',
  },
  auth_issuer_mismatch: {
    meaning: 'The response came from an issuer other than the configured one.',
    fix: 'Set OKTA_ISSUER to exactly the `issuer` of the authorization server (org server vs. `default` are different issuers).',
  },
  auth_id_token_invalid: {
    meaning: 'The ID token failed validation (signature, audience, expiry or issuer).',
    fix: 'Check OKTA_CLIENT_ID matches the app, and that the server clock is right (NTP).',
  },
  auth_nonce_mismatch: {
    meaning: 'The ID token does not belong to this sign-in (replayed or mixed-up responses).',
    fix: 'Usually nothing to fix; the user starts again. Repeated occurrences may indicate tampering.',
  },
  auth_token_exchange_failed: {
    meaning: 'Okta did not accept the authorization code at the token endpoint.',
    fix: 'Check OKTA_CLIENT_SECRET and the sign-in redirect URI (APP_BASE_URL/auth/callback) in the app\'s settings.',
  },
  invalid_client: {
    meaning: 'Okta rejected the app\'s credentials.',
    fix: 'Copy the Client ID and Client secret again from Applications → your app → General; rotate OKTA_CLIENT_SECRET if it was regenerated.',
  },
  invalid_grant: {
    meaning: 'The code or refresh token was expired, already used, or issued for another redirect URI.',
    fix: 'Check the redirect URI in Okta matches APP_BASE_URL/auth/callback exactly; a single occurrence is usually a replayed callback.',
  },
  auth_refresh_failed: {
    meaning: 'Okta no longer accepts the session\'s refresh token (user deactivated, session revoked, policy changed).',
    fix: 'Expected after a deactivation or a sign-out elsewhere; otherwise check the refresh token lifetime in the access policy rule.',
  },
  auth_user_inactive: {
    meaning: 'The Okta user is not active.',
    fix: 'Reactivate the user in Okta (Directory → People) if access is intended.',
  },
  auth_step_up_failed: {
    meaning: 'The re-authentication for a sensitive action did not return the required freshness or MFA.',
    fix: 'Make sure the user has an MFA factor enrolled and the sign-on policy requires it when asked (acr_values / max_age).',
  },
  auth_access_denied: {
    meaning: 'A signed-in user opened a page their role does not allow.',
    fix: 'If they should have access, add them to a group mapped to the role (GATEHOUSE_ADMIN_GROUPS / GATEHOUSE_VIEWER_GROUPS).',
  },
  rate_limited: {
    meaning: 'A client was refused for a while: too many failed sign-in callbacks or bad access tokens a minute, or too many sign-ins started and never finished (detail `limit` says which).',
    fix: 'Usually a script or a scanner; nothing to fix in Okta. If it is a real office behind one address, raise AUTH_RATE_LIMIT_PER_MINUTE or AUTH_ABANDONED_LOGINS_PER_10_MIN, and check TRUST_PROXY_HOPS behind a proxy.',
  },
  auth_csrf: {
    meaning: 'A state-changing request did not come from a Gatehouse page.',
    fix: 'Nothing to fix in Okta; repeated occurrences may indicate an attack, or a proxy rewriting the Origin header.',
  },
};

const PREFIXES: Array<[string, ReasonAdvice]> = [
  ['id_token_', EXACT.auth_id_token_invalid!],
  ['idp_', {
    meaning: 'Okta returned an OAuth error to the callback.',
    fix: 'Check Okta\'s System Log (Reports → System Log) for the sign-in at that time; the detail names the error.',
  }],
];

const UNKNOWN: ReasonAdvice = {
  meaning: 'A failure Gatehouse has no explanation for yet.',
  fix: 'Look at the event detail and Okta\'s System Log (Reports → System Log) around the same time.',
};

/** Advice for a recorded reason; never throws, falls back to a generic explanation. */
export function adviceFor(reason: string): ReasonAdvice {
  // hasOwn: a reason such as `constructor` must not pick up Object.prototype members.
  if (Object.hasOwn(EXACT, reason)) return EXACT[reason]!;
  for (const [prefix, advice] of PREFIXES) if (reason.startsWith(prefix)) return advice;
  return UNKNOWN;
}
