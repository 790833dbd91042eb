/**
 * `@gatehouse/okta-emulator/testing`: the project's one test kit for signing in without a browser.
 * One cookie jar; `signIn` (a code for a client at the emulator, PKCE S256), `completeSignIn`
 * (an authorization URL through the hosted pages), and `signInThroughApp` (an app's `/auth/login`
 * through the emulator and back to a session cookie). Test code only: never in the image.
 * @see docs/decisions/013-one-test-kit.md
 */
export { CookieJar } from './cookie-jar.ts';
export {
  completeSignIn,
  signIn,
  SignInError,
  type CompleteSignInOptions,
  type CompletedSignIn,
  type SignInOptions,
  type SignInResult,
  type SignInErrorCode,
} from './sign-in.ts';
export { fetchFrom, signInThroughApp, type AppGet, type AppSignInOptions } from './app-sign-in.ts';
