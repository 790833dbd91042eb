import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adviceFor } from './reasons.ts';

test('groups_claim_missing says to add a groups claim to the authorization server', () => {
  assert.match(adviceFor('groups_claim_missing').fix, /Authorization Servers .* Claims .* `groups`/);
});

test('finer reasons fall back to their family (idp_*, id_token_*)', () => {
  assert.match(adviceFor('idp_temporarily_unavailable').fix, /System Log/);
  assert.equal(adviceFor('id_token_aud'), adviceFor('auth_id_token_invalid'));
});

test('unknown reasons, including Object.prototype names, get the generic advice', () => {
  const generic = adviceFor('something_new');
  assert.match(generic.meaning, /no explanation/);
  for (const reason of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) assert.equal(adviceFor(reason), generic, reason);
});
