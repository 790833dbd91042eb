/**
 * `@gatehouse/okta-emulator`: an Okta-compatible identity provider for development, tests and
 * air-gapped demos — OpenID Provider (custom authorization server `default` and the org
 * authorization server), hosted sign-in with TOTP, Management API subset and Event Hooks.
 */
export { startEmulator, type Emulator, type EmulatorLogger, type EmulatorOptions } from './server.ts';
export { demoBanner } from './banner.ts';
export type { SubjectFormat } from './logout/universal-logout.ts';
export {
  DEMO_API_TOKEN,
  DEMO_CLIENT_ID,
  DEMO_CLIENT_SECRET,
  DEMO_GROUP_IDS,
  DEMO_ORG_ID,
  DEMO_PASSWORD,
  DEMO_USERS,
  type DemoUser,
} from './directory/demo.ts';
export { Directory } from './directory/directory.ts';
export { EVENT_HOOK_EVENT_TYPES } from './directory/events.ts';
export { DEFAULT_SEED_PATH, loadSeed } from './directory/seed.ts';
export type {
  AuthorizationServerSettings,
  DirectoryEvent,
  DirectoryGroup,
  DirectorySeed,
  DirectoryUser,
  OidcApp,
  UserStatus,
} from './directory/types.ts';
export { ACR, ACR_VALUES } from './provider/acr.ts';
export { DEFAULT_AS_PATH, DEFAULT_AS_SCOPES } from './provider/default-as.ts';
export { MANAGEMENT_SCOPES, type OrgAccessToken } from './provider/org-as.ts';
export { currentTotp } from './signin/totp.ts';
