import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { KoaContextWithOIDC } from 'oidc-provider';

// 56 KiB: oidc-provider's own limit for form bodies.
const BODY_LIMIT = 56 * 1024;

/** Stands for a JWT the emulator did not issue: unknown to the store, so "inactive" / no-op. */
const UNKNOWN_TOKEN = 'unknown-structured-token';

async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}

/**
 * Lets `/v1/introspect` and `/v1/revoke` take the emulator's JWT access tokens, as Okta's do.
 *
 * oidc-provider refuses any JWT at those endpoints ("structured tokens"); the emulator records
 * every JWT access token it issues under its `jti` (see access-tokens.ts). This middleware swaps a
 * presented JWT for that `jti` before oidc-provider reads the form, so its own introspection and
 * revocation run unchanged. A JWT the emulator did not sign becomes an unknown token: inactive
 * for introspection, a no-op for revocation (RFC 7009 §2.2).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.1
 * @see https://developer.okta.com/docs/api/openapi/okta-oauth/oauth/tag/CustomAS/#tag/CustomAS/operation/introspectCustomAS
 */
export function jwtAccessTokensAtIntrospection(options: {
  paths: string[];
  /** Maps a JWT access token to its recorded id, undefined when it is not one of ours. */
  resolveId: (value: string) => Promise<string | undefined>;
}) {
  return async function acceptJwtAccessTokens(ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> {
    const type = ctx.get('content-type').split(';')[0]?.trim().toLowerCase();
    if (ctx.method !== 'POST' || !options.paths.includes(ctx.path) || type !== 'application/x-www-form-urlencoded') {
      await next();
      return;
    }
    const raw = await readBody(ctx.req);
    if (raw === null) {
      ctx.status = 413;
      ctx.type = 'application/json';
      ctx.body = { error: 'invalid_request', error_description: 'request body too large' };
      return;
    }
    const params = new URLSearchParams(raw.toString('utf8'));
    const token = params.get('token');
    if (token !== null && token.split('.').length === 3) {
      params.set('token', (await options.resolveId(token)) ?? UNKNOWN_TOKEN);
    }
    const body = Buffer.from(params.toString());

    // oidc-provider reads the form from the request stream: hand it a fresh one with the new body.
    // (A plain stream carrying the request's fields: an IncomingMessage bound to the socket
    // would destroy the connection when it ends.)
    const original = ctx.req as IncomingMessage & { originalUrl?: string };
    const replacement = Object.assign(Readable.from([body]), {
      method: original.method,
      url: original.url,
      originalUrl: original.originalUrl,
      httpVersion: original.httpVersion,
      httpVersionMajor: original.httpVersionMajor,
      httpVersionMinor: original.httpVersionMinor,
      headers: { ...original.headers, 'content-length': String(body.length) },
      socket: original.socket,
    }) as unknown as IncomingMessage;
    const koa = ctx as unknown as { req: IncomingMessage; request: { req: IncomingMessage }; response: { req: IncomingMessage } };
    koa.req = replacement;
    koa.request.req = replacement;
    koa.response.req = replacement;
    await next();
  };
}
