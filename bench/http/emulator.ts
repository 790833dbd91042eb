/**
 * The Okta emulator as its own process, for the HTTP benchmark: the IdP the dashboard exchanges
 * codes with and takes its JWKS from. Announces its issuer; `accessToken(role)` runs a real
 * authorization-code flow for a demo user (PKCE, state and nonce checked by openid-client) and
 * returns the Okta access token for `api://default`; `createUsers(count)` adds viewers
 * `bench<i>@gatehouse.test` (the demo password) and returns their logins.
 */
import * as oidc from 'openid-client';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_GROUP_IDS, DEMO_PASSWORD, DEMO_USERS, startEmulator } from '../../packages/okta-emulator/src/index.ts';
import { signIn } from '../../packages/okta-emulator/src/testing/index.ts';
import { serveCalls } from './child.ts';

const emulator = await startEmulator();

async function accessToken(role: keyof typeof DEMO_USERS): Promise<string> {
  const config = await oidc.discovery(new URL(emulator.issuer), DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, oidc.ClientSecretBasic(DEMO_CLIENT_SECRET), {
    execute: [oidc.allowInsecureRequests],
  });
  const user = DEMO_USERS[role];
  const signedIn = await signIn(emulator, { username: user.login, password: user.password, totpSecret: user.totpSecret, scope: 'openid profile email groups' });
  const tokens = await oidc.authorizationCodeGrant(config, signedIn.callbackUrl, {
    pkceCodeVerifier: signedIn.codeVerifier,
    expectedState: signedIn.state,
    expectedNonce: signedIn.nonce,
  });
  return tokens.access_token;
}

function createUsers(count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const login = `bench${i}@gatehouse.test`;
    emulator.directory.createUser({ profile: { login, email: login, firstName: 'Bench', lastName: `User ${i}` }, password: DEMO_PASSWORD, activate: true, groupIds: [DEMO_GROUP_IDS.viewer] });
    return login;
  });
}

serveCalls({ issuer: emulator.issuer }, { accessToken, createUsers }, () => emulator.close());
