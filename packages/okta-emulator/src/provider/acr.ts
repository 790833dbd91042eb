/**
 * Okta's authentication context class references.
 *
 * @see https://developer.okta.com/docs/guides/step-up-authentication/main/#predefined-parameter-values
 */
export const ACR = {
  /** Password only. */
  password: 'urn:okta:loa:1fa:pwd',
  /** Any single factor. */
  anyOneFactor: 'urn:okta:loa:1fa:any',
  /** Two factors. */
  twoFactors: 'urn:okta:loa:2fa:any',
  /** Two factors when the user has one enrolled, otherwise one. */
  twoFactorsIfPossible: 'urn:okta:loa:2fa:any:ifpossible',
} as const;

/** The ACR values the default authorization server advertises (`acr_values_supported`). */
export const ACR_VALUES: string[] = Object.values(ACR);

const MFA_ACRS = new Set<string>([ACR.twoFactors, ACR.twoFactorsIfPossible, 'phr', 'phrh']);

function requested(acrValues: unknown): string[] {
  return typeof acrValues === 'string' ? acrValues.split(' ').filter(Boolean) : [];
}

/** Whether an `acr_values` request parameter asks for a second factor. */
export function requestsMfa(acrValues: unknown): boolean {
  return requested(acrValues).some((value) => MFA_ACRS.has(value));
}

/** Whether the second factor may be skipped for a user without one (`…:ifpossible`). */
export function mfaOptional(acrValues: unknown): boolean {
  const values = requested(acrValues);
  return values.length > 0 && values.every((value) => !MFA_ACRS.has(value) || value === ACR.twoFactorsIfPossible);
}
