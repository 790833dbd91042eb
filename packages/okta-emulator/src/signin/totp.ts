import { Secret, TOTP } from 'otpauth';

/**
 * Okta Verify / Google Authenticator style TOTP: SHA-1, 6 digits, 30 s period.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6238#section-4
 */
function totpFor(secret: string): TOTP {
  return new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
}

/**
 * Whether `code` is the current TOTP for `secret`, accepting one step either side (RFC 6238
 * §5.2: ±30 s absorbs clock drift and typing time).
 */
export function verifyTotp(secret: string, code: string): boolean {
  if (!/^[0-9]{6}$/.test(code)) return false;
  return totpFor(secret).validate({ token: code, window: 1 }) !== null;
}

/** The current TOTP code for a base32 secret (what an authenticator app shows; for tests and demos). */
export function currentTotp(secret: string): string {
  return totpFor(secret).generate();
}
