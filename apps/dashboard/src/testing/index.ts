/**
 * `@gatehouse/dashboard/testing`: what the project's apps test with — the real app over real
 * stores (`createHarness({ apps: [myApp] })`, driven with `app.request()`), a real sign-in through
 * the emulator (the test kit's `signInThroughApp`, from `@gatehouse/okta-emulator/testing`), and
 * the whole project in-process for browser tests.
 */
export { APP_BASE_URL, createHarness, form, SAME_ORIGIN, type DemoKind, type Harness, type HarnessOptions } from './harness.ts';
export { fetchFrom, signInThroughApp, type AppGet } from '@gatehouse/okta-emulator/testing';
export { startProjectStack, type ProjectStack } from './stack.ts';
