/**
 * Start-up check of `OKTA_MANAGEMENT_PRIVATE_KEY`: the SDK only parses the key on the first
 * Management API call, so a pasted-wrong key would otherwise surface later as "Okta could not be
 * reached". Accepts what the SDK accepts — a PEM (PKCS#1 or PKCS#8, RSA or EC) or a private JWK
 * as a JSON string — and reports a bad one without echoing any of it.
 */
import { createPrivateKey } from 'node:crypto';

/**
 * Checks the configured private key once, at start-up, and returns it for the SDK (which reads
 * the JWK's `kid` itself; a PEM carries none, and Okta then tries the app's keys).
 * @throws Error naming OKTA_MANAGEMENT_PRIVATE_KEY and the accepted formats (never the key).
 * @see RFC 7523 §2.2 (JWT client assertions), RFC 7517 §4 (JWK)
 */
export function checkServiceAppKey(value: string): string {
  const fail = (why: string): never => {
    throw new Error(`OKTA_MANAGEMENT_PRIVATE_KEY ${why}: give the service app's private key as a PEM ("-----BEGIN PRIVATE KEY-----…") or as a private JWK in JSON (Okta Admin Console → the service app → Public keys → Generate new key).`);
  };
  const text = value.trim();
  if (text.startsWith('{')) {
    let jwk: Record<string, unknown>;
    try {
      jwk = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return fail('is not valid JSON');
    }
    if (jwk.kty !== 'RSA' && jwk.kty !== 'EC') fail('must be an RSA or EC key (kty "RSA" or "EC")');
    if (typeof jwk.d !== 'string') fail('is a public key; the private JWK (with "d") is needed');
    try {
      createPrivateKey({ key: jwk as never, format: 'jwk' });
    } catch {
      fail('is not a usable private JWK');
    }
    return text;
  }
  let key;
  try {
    key = createPrivateKey({ key: text, format: 'pem' });
  } catch {
    return fail('is not a readable PEM private key');
  }
  if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'ec') fail('must be an RSA or EC key');
  return text;
}
