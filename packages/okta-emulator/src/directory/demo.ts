/**
 * The demo org's well-known values, as in `seed/default.json` — printed by the CLI banner and
 * used by tests. Public on purpose: they exist only in the emulator, never in a real org.
 */

/** The Gatehouse web app's client id. */
export const DEMO_CLIENT_ID = '0oa1gatehousedemoapp';
/** The Gatehouse web app's client secret (demo only). */
export const DEMO_CLIENT_SECRET = 'gatehouse-demo-secret-do-not-use-in-production';
/** The demo SSWS API token for the Management API. */
export const DEMO_API_TOKEN = '00gatehouse-demo-api-token-do-not-use-in-prod';
/** Every demo user's password. */
export const DEMO_PASSWORD = 'Gatehouse-demo-1';
/** The demo org id. */
export const DEMO_ORG_ID = '00ogatehouse0demoorg';

/** A seeded demo user. */
export interface DemoUser {
  id: string;
  login: string;
  name: string;
  password: string;
  /** Base32 TOTP secret, for authenticator apps and tests. */
  totpSecret: string;
  /** Group names. */
  groups: readonly string[];
}

/** The three demo users, by role. */
export const DEMO_USERS = Object.freeze({
  admin: Object.freeze({ id: '00uadmin000gatehouse', login: 'admin@gatehouse.test', name: 'Ada Admin', password: DEMO_PASSWORD, totpSecret: 'MOEMBMG6VSGBAXGXS6DIAN3VENUSCUIB', groups: Object.freeze(['admin']) }),
  viewer: Object.freeze({ id: '00uviewer00gatehouse', login: 'viewer@gatehouse.test', name: 'Victor Viewer', password: DEMO_PASSWORD, totpSecret: 'SKAEICQ3DFM6QTZ2KONGO3PH3V2FNSUC', groups: Object.freeze(['viewer']) }),
  norole: Object.freeze({ id: '00unorole00gatehouse', login: 'norole@gatehouse.test', name: 'Nora Norole', password: DEMO_PASSWORD, totpSecret: '33CHP7YRRCDS6MFMOTA2DKHX3WJ6XFXL', groups: Object.freeze([]) }),
}) satisfies Readonly<Record<'admin' | 'viewer' | 'norole', DemoUser>>;

/** The demo groups' ids. */
export const DEMO_GROUP_IDS = Object.freeze({ admin: '00gadmin000gatehouse', viewer: '00gviewer00gatehouse' });
