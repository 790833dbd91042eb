/**
 * Test support: an OpenID Provider that is not shaped like Okta — plain `oidc-provider` (the
 * certified OP the emulator also builds on) configured the way a Keycloak realm looks to a relying
 * party: issuer `<origin>/realms/<realm>`, endpoints under `/protocol/openid-connect/*`, realm
 * roles in the nested `realm_access.roles` claim (no `groups` claim), JWT access tokens with
 * `client_id`/`scope` instead of Okta's `cid`/`scp`, and no end-session endpoint. Its sign-in page
 * is a plain form; {@link KeycloakRealm.signIn} fills it the way a browser would.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';

/** A realm user: username, password and realm roles. */
export interface RealmUser {
  username: string;
  password: string;
  /** Stable subject (Keycloak uses a UUID). */
  sub: string;
  email: string;
  name: string;
  roles: string[];
}

/** What {@link startKeycloakRealm} needs: the one confidential client and the realm's users. */
export interface KeycloakRealmOptions {
  realm?: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  users: RealmUser[];
}

/** A running realm. */
export interface KeycloakRealm {
  /** `http://127.0.0.1:<port>/realms/<realm>`. */
  readonly issuer: string;
  /**
   * Follows the app's redirect to the authorization endpoint, posts the credentials to the sign-in
   * form and returns where the realm sends the browser next: the app's callback URL (with `code`,
   * `state`, `iss`) on success, or `null` when the form refused the credentials.
   */
  signIn(authorizationUrl: string, username: string, password: string): Promise<URL | null>;
  close(): Promise<void>;
}

/** Cookie jar of one browser at the realm (name → value; attributes ignored). */
class Jar {
  readonly #cookies = new Map<string, string>();
  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      this.#cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
  }
  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Starts the realm on 127.0.0.1 and a free port. */
export async function startKeycloakRealm(options: KeycloakRealmOptions): Promise<KeycloakRealm> {
  const realm = options.realm ?? 'acme';
  const prefix = `/realms/${realm}`;
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${origin}${prefix}`;

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const users = new Map(options.users.map((user) => [user.sub, user]));
  const resource = `${issuer}/account`;

  const provider = new Provider(issuer, {
    clients: [{
      client_id: options.clientId,
      client_secret: options.clientSecret,
      redirect_uris: [options.redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' }] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    scopes: ['openid', 'profile', 'email', 'roles', 'offline_access'],
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email', 'email_verified'], roles: ['realm_access'] },
    // Keycloak's "add to ID token" mappers: the profile claims and realm roles ride in the ID token.
    conformIdTokenClaims: false,
    async findAccount(_ctx: unknown, sub: string) {
      const user = users.get(sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        claims: async () => ({ sub, name: user.name, preferred_username: user.username, email: user.email, email_verified: true, realm_access: { roles: user.roles } }),
      };
    },
    routes: {
      authorization: '/protocol/openid-connect/auth',
      token: '/protocol/openid-connect/token',
      jwks: '/protocol/openid-connect/certs',
      userinfo: '/protocol/openid-connect/userinfo',
      introspection: '/protocol/openid-connect/token/introspect',
      revocation: '/protocol/openid-connect/revoke',
    },
    features: {
      devInteractions: { enabled: false },
      // No RP-initiated logout: discovery has no end_session_endpoint.
      rpInitiatedLogout: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({ scope: 'openid profile email roles', audience: 'account', accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } }),
      },
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `${prefix}/login-actions/authenticate?uid=${interaction.uid}` },
    // Keycloak does not ask first-party users for consent: grant what the client asked for.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const { client, session, params } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const grant = new ctx.oidc.provider.Grant({ accountId: session.accountId, clientId: client.clientId });
      const scope = typeof params?.['scope'] === 'string' ? params['scope'] : 'openid';
      grant.addOIDCScope(scope);
      grant.addResourceScope(resource, scope);
      await grant.save();
      return grant;
    },
    extraTokenClaims: async (_ctx: unknown, token: Record<string, unknown>) => {
      const user = users.get(String(token['accountId']));
      return token['kind'] === 'AccessToken' && user ? { realm_access: { roles: user.roles } } : undefined;
    },
    pkce: { required: () => true },
    // Keycloak's defaults: 5 min access tokens, 30 min sessions, 1 min codes.
    ttl: { AccessToken: 300, IdToken: 300, AuthorizationCode: 60, Interaction: 600, Session: 1800, Grant: 1800 },
  });
  const handle = provider.callback();

  async function loginActions(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const uid = url.searchParams.get('uid') ?? '';
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><title>Sign in to ${realm}</title><form method="post" action="?uid=${escapeHtml(uid)}"><input name="username"><input name="password" type="password"><button>Sign in</button></form>`);
      return;
    }
    const form = await readForm(req);
    const user = [...users.values()].find((candidate) => candidate.username === form.get('username'));
    if (!user || user.password !== form.get('password')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>Sign in</title><p id="input-error">Invalid username or password.</p>');
      return;
    }
    const redirectTo = await provider.interactionResult(req, res, { login: { accountId: user.sub, amr: ['pwd'] } }, { mergeWithLastSubmission: false });
    res.writeHead(303, { location: redirectTo });
    res.end();
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname === `${prefix}/login-actions/authenticate`) {
      loginActions(req, res, url).catch(() => {
        res.writeHead(500);
        res.end();
      });
      return;
    }
    if (url.pathname === prefix || url.pathname.startsWith(`${prefix}/`)) {
      // oidc-provider routes relative to its mount point and builds absolute URLs from the issuer.
      (req as IncomingMessage & { originalUrl?: string }).originalUrl = req.url;
      req.url = req.url!.slice(prefix.length) || '/';
      void handle(req, res);
      return;
    }
    res.writeHead(404);
    res.end();
  });

  return {
    issuer,
    async signIn(authorizationUrl, username, password) {
      const jar = new Jar();
      let response = await fetch(authorizationUrl, { redirect: 'manual' });
      jar.store(response);
      const formUrl = new URL(response.headers.get('location') ?? '', authorizationUrl);
      response = await fetch(formUrl, { redirect: 'manual', method: 'POST', headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ username, password }) });
      if (response.status !== 303) return null;
      jar.store(response);
      // The resumed authorization answers with the redirect back to the app.
      let next = new URL(response.headers.get('location')!, formUrl);
      while (next.origin === origin) {
        response = await fetch(next, { redirect: 'manual', headers: { cookie: jar.header() } });
        jar.store(response);
        const location = response.headers.get('location');
        if (!location) throw new Error(`the realm stopped at ${next.pathname} with ${response.status}: ${(await response.text()).slice(0, 300)}`);
        next = new URL(location, next);
      }
      return next;
    },
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
