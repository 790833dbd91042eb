import { randomInt } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Okta object id prefixes: users, groups, orgs, apps, API tokens, event hooks, policies, policy rules. */
export type OktaIdPrefix = '00u' | '00g' | '00o' | '0oa' | '00T' | 'who' | '00p' | '0pr';

/**
 * A fresh Okta-style object id: the type prefix and 17 random base62 characters (20 in all),
 * the shape Okta returns (`00u1abcdEFGH2ijkl3m4`).
 */
export function oktaId(prefix: OktaIdPrefix): string {
  let id = prefix;
  for (let i = 0; i < 17; i++) id += BASE62[randomInt(BASE62.length)];
  return id;
}

