/**
 * Which part of the emulator answers a request, by path: the Management API (`/api/v1`), the
 * hosted sign-in pages (`/signin`), the custom authorization server `default` (mounted under its
 * issuer path), the org authorization server (`/oauth2/v1`, `/.well-known`); Okta's JSON 404 for
 * anything else. Requests for another host name get no answer (421).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_AS_PATH } from '../provider/default-as.ts';
import { notFoundBody, oktaErrorBody } from '../provider/errors.ts';
import type { EmulatorLogger } from '../server.ts';
import type { BuiltProviders } from './providers.ts';

type NodeListener = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

/** The parts a request can go to. */
export interface Routes {
  /** The emulator's public base URL (its host is the one answered for). */
  url: string;
  management: NodeListener;
  signIn: NodeListener;
  providers: () => BuiltProviders;
  logger: EmulatorLogger;
}

/**
 * Whether `host` (a `Host` header) names this emulator: its public URL's host, or loopback on any
 * port. Anything else is a DNS-rebinding page or a misdirected request and gets no answer, so a
 * web page cannot drive the Management API with the public demo token.
 */
export function isOwnHost(host: string | undefined, publicUrl: string): boolean {
  if (!host) return false;
  const own = new URL(publicUrl);
  if (host.toLowerCase() === own.host.toLowerCase()) return true;
  const name = URL.parse(`http://${host}`)?.hostname.toLowerCase();
  return name === 'localhost' || name === '127.0.0.1' || name === '[::1]' || (name?.endsWith('.localhost') ?? false);
}

function startsWithSegment(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify(body));
}

/** Sends the request to the part of the emulator its path names. */
function dispatch(routes: Routes, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> | void {
  if (startsWithSegment(path, '/api/v1')) return routes.management(req, res);
  if (startsWithSegment(path, '/signin')) return routes.signIn(req, res);
  if (startsWithSegment(path, DEFAULT_AS_PATH)) {
    // Mount the provider under its issuer path the way connect/express do: it reads the
    // prefix back from `originalUrl` to build absolute URLs.
    const original = req.url ?? '/';
    const rest = original.slice(DEFAULT_AS_PATH.length);
    (req as IncomingMessage & { originalUrl?: string }).originalUrl = original;
    req.url = rest.startsWith('/') ? rest : `/${rest}`;
    return routes.providers().defaultListener(req, res);
  }
  if (startsWithSegment(path, '/oauth2/v1') || startsWithSegment(path, '/.well-known')) {
    return routes.providers().orgListener(req, res);
  }
  sendJson(res, 404, notFoundBody(path));
}

/** The HTTP server's `request` listener. */
export function emulatorRequestListener(routes: Routes): (req: IncomingMessage, res: ServerResponse) => void {
  return function routeRequest(req, res) {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (!isOwnHost(req.headers.host, routes.url)) {
      // 421 Misdirected Request (RFC 9110 §15.5.20): this server does not answer for that name.
      sendJson(res, 421, oktaErrorBody('E0000015', 'You do not have permission to access the feature you are requesting'));
      return;
    }
    Promise.resolve()
      .then(() => dispatch(routes, req, res, path))
      .catch((error: Error) => {
        routes.logger.error(`request failed: ${error.name} at ${req.method} ${path}`);
        if (!res.headersSent) sendJson(res, 500, oktaErrorBody('E0000009', 'Internal Server Error'));
        else res.destroy();
      });
  };
}
