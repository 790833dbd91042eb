/**
 * A small OpenID Provider under a test's full control, for the negative ID-token cases a real
 * (certified) provider will never produce: a real local HTTP server with discovery, JWKS and a
 * token endpoint built with `jose`, whose next ID token is whatever the test asks for (bad
 * signature, `alg: none`, HS256 keyed with the public key, wrong `iss`/`aud`, expired, missing or
 * wrong `nonce`, an unpublished `kid`, a rotated key). Test-only: never mount it in an app.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, type JWK, SignJWT } from 'jose';

/** How the next ID token is signed. */
export type Signing =
  | 'valid'
  /** Signed by a key that is not published, under the published key's `kid`. */
  | 'bad-signature'
  /** `alg: none`, empty signature. */
  | 'none'
  /** HS256 with the published RSA public key (PEM) as the HMAC secret: the classic key-confusion attack. */
  | 'hs256-public-key'
  /** Signed by the prepared next key (see `prepareNextKey`), published or not. */
  | 'next-key'
  /** Signed by a key with a `kid` that is never published. */
  | 'never-published';

/** The plan for the next token response. `claims` override the defaults; `undefined` removes a claim. */
export interface TokenPlan {
  signing?: Signing;
  claims?: Record<string, unknown>;
  /** Answer with this OAuth error (400) instead of tokens. */
  error?: string;
  /** Leave out `refresh_token` (a refresh that does not rotate). */
  omitRefreshToken?: boolean;
  /** Leave out `id_token` entirely. */
  omitIdToken?: boolean;
}

/** The one client the fake provider knows; its token endpoint answers `invalid_client` (401) to any other. */
export interface FakeProviderOptions {
  clientId: string;
  clientSecret: string;
  /** Advertise an end_session_endpoint (default true). */
  endSession?: boolean;
}

interface Key {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

interface Grant {
  nonce: string | null;
  codeChallenge: string | null;
  sub: string;
  groups: string[] | undefined;
}

/** A running fake provider: its issuer URL, request counters and the controls a test drives it with. */
export interface FakeProvider {
  /** `http://127.0.0.1:<port>`, known once started. */
  readonly issuer: string;
  /** Requests seen per endpoint. */
  readonly requests: { discovery: number; jwks: number; token: number; tokenByGrant: Record<string, number> };
  /**
   * Plays the authorization endpoint for a user who signs in at once: reads the authorization
   * URL our login built and returns the callback URL the IdP would redirect to (`code`, `state`, `iss`).
   */
  authorize(authorizationUrl: string, user?: { sub?: string; groups?: string[] | undefined }): string;
  /**
   * An Okta-style JWT access token (`iss`, `aud` api://default, `cid`, `scp`, `uid`, `sub` = login)
   * signed as asked; `claims` override the defaults (`undefined` removes one).
   */
  accessToken(claims?: Record<string, unknown>, signing?: Signing): Promise<string>;
  /** Plans the next token response (authorization code or refresh); one-shot, then back to valid. */
  plan(next: TokenPlan): void;
  /** Generates the next signing key without publishing it. */
  prepareNextKey(): Promise<void>;
  /** Publishes the prepared key in the JWKS and makes it the signing key (a rotation). */
  publishNextKey(): void;
  close(): Promise<void>;
}

async function newKey(kid: string): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid, privateKey, publicKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

function b64url(value: object | string): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** Starts the fake provider on 127.0.0.1 and a free port. */
export async function startFakeProvider(options: FakeProviderOptions): Promise<FakeProvider> {
  let current = await newKey('key-1');
  let next: Key | null = null;
  const published: Key[] = [current];
  const strangerKey = await newKey('never-published');
  const forgerKey = await newKey(current.kid);
  const grants = new Map<string, Grant>();
  const refreshGrants = new Map<string, Grant>();
  let planned: TokenPlan | null = null;
  const requests = { discovery: 0, jwks: 0, token: 0, tokenByGrant: {} as Record<string, number> };
  let issuer = '';

  async function sign(claims: Record<string, unknown>, signing: Signing): Promise<string> {
    switch (signing) {
      case 'none':
        return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`;
      case 'hs256-public-key': {
        const secret = new TextEncoder().encode(await exportSPKI(current.publicKey));
        return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: current.kid, typ: 'JWT' }).sign(secret);
      }
      default: {
        const key =
          signing === 'bad-signature' ? forgerKey :
          signing === 'never-published' ? strangerKey :
          signing === 'next-key' ? next ?? current : current;
        return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' }).sign(key.privateKey);
      }
    }
  }

  function applyOverrides(claims: Record<string, unknown>, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    for (const [name, value] of Object.entries(overrides)) {
      if (value === undefined) delete claims[name];
      else claims[name] = value;
    }
    return claims;
  }

  async function idToken(grant: Grant, plan: TokenPlan): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = {
      iss: issuer,
      aud: options.clientId,
      sub: grant.sub,
      iat: now,
      exp: now + 3600,
      auth_time: now,
      amr: ['pwd'],
      email: `${grant.sub}@fake.test`,
      name: 'Fake User',
      ...(grant.groups ? { groups: grant.groups } : {}),
      ...(grant.nonce ? { nonce: grant.nonce } : {}),
    };
    return sign(applyOverrides(claims, plan.claims), plan.signing ?? 'valid');
  }

  async function token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = await readForm(req);
    const grantType = form.get('grant_type') ?? 'missing';
    requests.token += 1;
    requests.tokenByGrant[grantType] = (requests.tokenByGrant[grantType] ?? 0) + 1;
    // RFC 6749 §2.3.1: both parts are form-urlencoded before Basic encoding.
    const basic = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString('utf8');
    const [id = '', secret = ''] = basic.split(':').map((part) => decodeURIComponent(part.replace(/\+/g, ' ')));
    if (id !== options.clientId || secret !== options.clientSecret) return json(res, 401, { error: 'invalid_client' });
    const plan = planned ?? {};
    planned = null;
    if (plan.error) return json(res, 400, { error: plan.error, error_description: 'planned by the test' });

    let grant: Grant | undefined;
    if (grantType === 'authorization_code') {
      const code = form.get('code') ?? '';
      grant = grants.get(code);
      grants.delete(code);
      const verifier = form.get('code_verifier') ?? '';
      if (!grant || createHash('sha256').update(verifier).digest('base64url') !== grant.codeChallenge) return json(res, 400, { error: 'invalid_grant' });
    } else if (grantType === 'refresh_token') {
      const refreshToken = form.get('refresh_token') ?? '';
      grant = refreshGrants.get(refreshToken);
      if (!grant) return json(res, 400, { error: 'invalid_grant' });
      // Rotation: a refresh token that is replaced stops working (Okta without a grace period).
      if (!plan.omitRefreshToken) refreshGrants.delete(refreshToken);
      grant = { ...grant, nonce: null };
    } else {
      return json(res, 400, { error: 'unsupported_grant_type' });
    }
    const refreshToken = plan.omitRefreshToken ? undefined : `fake-rt-${randomBytes(16).toString('base64url')}`;
    if (refreshToken) refreshGrants.set(refreshToken, grant);
    json(res, 200, {
      access_token: `fake-at-${randomBytes(16).toString('base64url')}`,
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'openid profile email groups offline_access',
      ...(plan.omitIdToken ? {} : { id_token: await idToken(grant, plan) }),
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
    });
  }

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    if (req.method === 'GET' && path === '/.well-known/openid-configuration') {
      requests.discovery += 1;
      return json(res, 200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/keys`,
        ...(options.endSession === false ? {} : { end_session_endpoint: `${issuer}/logout` }),
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        // Advertises weak algorithms on purpose: the relying party's allowlist must be what refuses them.
        id_token_signing_alg_values_supported: ['RS256', 'HS256', 'none'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['client_secret_basic'],
        authorization_response_iss_parameter_supported: true,
      });
    }
    if (req.method === 'GET' && path === '/keys') {
      requests.jwks += 1;
      return json(res, 200, { keys: published.map((key) => key.jwk) });
    }
    if (req.method === 'POST' && path === '/token') {
      token(req, res).catch(() => json(res, 500, { error: 'server_error' }));
      return;
    }
    json(res, 404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    get issuer() {
      return issuer;
    },
    requests,
    authorize(authorizationUrl, user = {}) {
      const url = new URL(authorizationUrl);
      const q = url.searchParams;
      if (q.get('client_id') !== options.clientId) throw new Error('fake provider: unexpected client_id');
      const code = randomBytes(24).toString('base64url');
      grants.set(code, {
        nonce: q.get('nonce'),
        codeChallenge: q.get('code_challenge_method') === 'S256' ? q.get('code_challenge') : null,
        sub: user.sub ?? '00ufakeuser0000000001',
        groups: 'groups' in user ? user.groups : ['admin'],
      });
      const callback = new URL(q.get('redirect_uri') ?? '');
      callback.searchParams.set('code', code);
      const state = q.get('state');
      if (state !== null) callback.searchParams.set('state', state);
      callback.searchParams.set('iss', issuer);
      return callback.href;
    },
    accessToken(claims = {}, signing = 'valid') {
      const now = Math.floor(Date.now() / 1000);
      const defaults: Record<string, unknown> = {
        ver: 1,
        jti: `AT.${randomBytes(12).toString('base64url')}`,
        iss: issuer,
        aud: 'api://default',
        iat: now,
        exp: now + 3600,
        cid: options.clientId,
        uid: '00ufakeuser0000000001',
        scp: ['openid', 'profile', 'email'],
        sub: 'fake.user@fake.test',
        groups: ['viewer'],
      };
      return sign(applyOverrides(defaults, claims), signing);
    },
    plan(nextPlan) {
      planned = nextPlan;
    },
    async prepareNextKey() {
      next = await newKey(`key-${published.length + 1}`);
    },
    publishNextKey() {
      if (!next) throw new Error('fake provider: prepareNextKey() first');
      published.push(next);
      current = next;
      next = null;
    },
    close() {
      return new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      });
    },
  };
}
