/**
 * Shared set-up for this package's tests (not part of the public API): an `openid-client`
 * configuration for the emulator, and seeds derived from the demo seed.
 */
import * as client from 'openid-client';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } from './directory/demo.ts';
import { loadSeed } from './directory/seed.ts';
import type { DirectorySeed } from './directory/types.ts';
import type { Emulator } from './server.ts';
import type { SignInResult } from './testing.ts';

/** The demo web client at the emulator's default authorization server (plain HTTP: loopback only). */
export async function demoClient(emulator: Emulator): Promise<client.Configuration> {
  return client.discovery(new URL(emulator.issuer), DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, client.ClientSecretBasic(DEMO_CLIENT_SECRET), {
    execute: [client.allowInsecureRequests],
  });
}

/** Redeems a sign-in's code with every check openid-client makes (state, nonce, PKCE, iss). */
export function redeem(config: client.Configuration, signedIn: SignInResult) {
  return client.authorizationCodeGrant(config, signedIn.callbackUrl, {
    pkceCodeVerifier: signedIn.codeVerifier,
    expectedState: signedIn.state,
    expectedNonce: signedIn.nonce,
    idTokenExpected: true,
  });
}

/** The demo seed with changes applied (a deep copy; the bundled file is never touched). */
export function demoSeed(change: (seed: DirectorySeed) => void = () => {}): DirectorySeed {
  const seed = structuredClone(loadSeed());
  change(seed);
  return seed;
}

/** The claims of a JWT, unverified (tests check shape; signatures are checked by openid-client / jose). */
export function jwtClaims(jwt: string): Record<string, unknown> {
  const [, payload = ''] = jwt.split('.');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** The protected header of a JWT. */
export function jwtHeader(jwt: string): Record<string, unknown> {
  const [header = ''] = jwt.split('.');
  return JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<string, unknown>;
}
