import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { base64urlDecode, base64urlEncode, createTokenCipher, randomToken, sha256, timingSafeEqualString, TokenCipherError } from './crypto.ts';

const OLD = 'old-secret-old-secret-old-secret-0123456789';
const NEW = 'new-secret-new-secret-new-secret-0123456789';

describe('randomToken, sha256, base64url', () => {
  it('randomToken gives base64url of the requested size and never repeats', () => {
    const tokens = new Set(Array.from({ length: 1000 }, () => randomToken(24)));
    assert.equal(tokens.size, 1000);
    for (const token of tokens) {
      assert.match(token, /^[A-Za-z0-9_-]{32}$/);
      assert.equal(base64urlDecode(token).length, 24);
    }
    assert.throws(() => randomToken(0), RangeError);
  });

  it('sha256 matches the known vector, base64url without padding', async () => {
    // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
    assert.equal(await sha256('abc'), 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
    assert.notEqual(await sha256('abd'), await sha256('abc'));
  });

  it('base64url round-trips every byte value and rejects other alphabets', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    assert.deepEqual(base64urlDecode(base64urlEncode(bytes)), bytes);
    assert.throws(() => base64urlDecode('ab+/'), TypeError);
  });

  it('timingSafeEqualString compares exactly', () => {
    assert.equal(timingSafeEqualString('same-value', 'same-value'), true);
    assert.equal(timingSafeEqualString('same-value', 'same-valuE'), false);
    assert.equal(timingSafeEqualString('short', 'short-but-longer'), false);
    assert.equal(timingSafeEqualString('', ''), true);
    assert.equal(timingSafeEqualString('é', 'e\u0301'), false);
  });
});

describe('createTokenCipher (AES-256-GCM, HKDF keys, rotation)', () => {
  const plaintext = JSON.stringify({ idToken: 'eyJ.id.token', accessToken: 'eyJ.access', refreshToken: 'refresh-ünï' });

  it('round-trips, and the ciphertext reveals nothing of the plaintext', async () => {
    const cipher = await createTokenCipher([NEW]);
    const sealed = await cipher.encrypt(plaintext);
    assert.match(sealed, /^v1\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    assert.ok(!sealed.includes('eyJ') && !sealed.includes('refresh'));
    assert.equal(await cipher.decrypt(sealed), plaintext);
    assert.notEqual(await cipher.encrypt(plaintext), sealed, 'a fresh IV each time');
  });

  it('still decrypts what the old secret sealed after a new first secret is added', async () => {
    const before = await (await createTokenCipher([OLD])).encrypt(plaintext);
    const rotated = await createTokenCipher([NEW, OLD]);
    assert.equal(await rotated.decrypt(before), plaintext);
    const after = await rotated.encrypt(plaintext);
    assert.equal(await (await createTokenCipher([NEW])).decrypt(after), plaintext, 'new payloads use the first secret');
    await assert.rejects((await createTokenCipher([OLD])).decrypt(after), TokenCipherError);
  });

  it('wrong secrets, tampering and garbage give an error, never plaintext', async () => {
    const sealed = await (await createTokenCipher([OLD])).encrypt(plaintext);
    const wrong = await createTokenCipher([NEW]);
    await assert.rejects(wrong.decrypt(sealed), (error: unknown) => {
      assert.ok(error instanceof TokenCipherError);
      assert.ok(!error.message.includes(sealed) && !error.message.includes('eyJ'));
      return true;
    });
    const cipher = await createTokenCipher([OLD]);
    const [version, kid, iv, body] = sealed.split('.') as [string, string, string, string];
    const flipped = body.slice(0, 5) + (body[5] === 'A' ? 'B' : 'A') + body.slice(6);
    for (const bad of [`${version}.${kid}.${iv}.${flipped}`, `${version}.${kid}.${randomToken(12)}.${body}`, `v2.${kid}.${iv}.${body}`, `${version}.${kid}.${iv}`, '', 'not.base64!.x.y', `${version}.${kid}.${iv}.${body}=`]) {
      await assert.rejects(cipher.decrypt(bad), TokenCipherError, bad);
    }
  });

  it('requires at least one secret', async () => {
    await assert.rejects(createTokenCipher([]), TypeError);
  });
});

describe('Web-only core', () => {
  it('the core modules of sessions, crypto, RBAC, returnTo, config schema and memory stores import no node: module', async () => {
    const { readFileSync } = await import('node:fs');
    const core = [
      'crypto.ts', 'rbac.ts', 'return-to.ts', 'types.ts',
      'session/manager.ts', 'session/cookie.ts', 'session/token.ts', 'session/index.ts',
      'config/schema.ts', 'config/errors.ts', 'config/net.ts', 'config/redact.ts',
      'stores/memory.ts', 'stores/memory-audit.ts',
    ];
    for (const file of core) {
      const source = readFileSync(new URL(`./${file}`, import.meta.url), 'utf8');
      assert.doesNotMatch(source, /from\s+['"]node:|import\(\s*['"]node:|require\(/, file);
    }
  });
});
