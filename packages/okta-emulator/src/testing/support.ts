/**
 * Shared set-up for this package's own tests (not exported by `@gatehouse/okta-emulator/testing`): an `openid-client`
 * configuration for the emulator, seeds derived from the demo seed, and raw HTTP helpers for
 * hostile-input tables (`send`, `sendRaw`, `runAll`).
 */
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import * as client from 'openid-client';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } from '../directory/demo.ts';
import { loadSeed } from '../directory/seed.ts';
import type { DirectorySeed } from '../directory/types.ts';
import type { Emulator } from '../server.ts';
import type { SignInResult } from './sign-in.ts';

/** The demo web client at the emulator's default authorization server (plain HTTP: loopback only). */
export async function demoClient(emulator: Emulator): Promise<client.Configuration> {
  return client.discovery(new URL(emulator.issuer), DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, client.ClientSecretBasic(DEMO_CLIENT_SECRET), {
    execute: [client.allowInsecureRequests],
  });
}

/**
 * An authorization request URL at the default authorization server for the demo client and its
 * local redirect URI (scope `openid`); `params` are added after, or override, those.
 */
export function authorizeUrl(emulator: Pick<Emulator, 'issuer'>, params: Record<string, string>): URL {
  const url = new URL(`${emulator.issuer}/v1/authorize`);
  url.search = new URLSearchParams({
    client_id: DEMO_CLIENT_ID,
    response_type: 'code',
    redirect_uri: 'http://localhost:3000/auth/callback',
    scope: 'openid',
    ...params,
  }).toString();
  return url;
}

/** Redeems a sign-in's code with every check openid-client makes (state, nonce, PKCE, iss). */
export function redeem(config: client.Configuration, signedIn: SignInResult) {
  return client.authorizationCodeGrant(config, signedIn.callbackUrl, {
    pkceCodeVerifier: signedIn.codeVerifier,
    expectedState: signedIn.state,
    expectedNonce: signedIn.nonce,
    idTokenExpected: true,
  });
}

/** The demo seed with changes applied (a deep copy; the bundled file is never touched). */
export function demoSeed(change: (seed: DirectorySeed) => void = () => {}): DirectorySeed {
  const seed = structuredClone(loadSeed());
  change(seed);
  return seed;
}

/** The claims of a JWT, unverified (tests check shape; signatures are checked by openid-client / jose). */
export function jwtClaims(jwt: string): Record<string, unknown> {
  const [, payload = ''] = jwt.split('.');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** The protected header of a JWT. */
export function jwtHeader(jwt: string): Record<string, unknown> {
  const [header = ''] = jwt.split('.');
  return JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** One raw HTTP request of a hostile-input table. */
export interface Probe {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** What the body is, for failure messages (bodies can be megabytes). */
  note?: string;
}
/** What came back: status, content type and body text. */
export interface Answer {
  status: number;
  contentType: string;
  body: string;
}

/** One request with node:http (any method, any path bytes it accepts); never rejects once answered. */
export function send(port: number, probe: Probe): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // node:http sends a GET body without framing: give every body its length.
    const length = probe.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(probe.body)) };
    const headers = { ...probe.headers, ...length };
    let answered = false;
    const req = httpRequest({ host: '127.0.0.1', port, method: probe.method, path: probe.path, headers, agent: false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    // A server may answer (413, 431) before reading a huge body and close the socket: the answer counts.
    req.on('error', (error) => (answered ? undefined : reject(error)));
    if (probe.body !== undefined) req.end(probe.body);
    else req.end();
  });
}

/** A request written byte for byte (paths node:http refuses to send); the status line is all we read. */
export function sendRaw(port: number, head: string, body = ''): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(`${head}\r\nConnection: close\r\n\r\n${body}`, 'latin1'));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
      const contentType = /\r\ncontent-type: ([^\r]*)/i.exec(text)?.[1] ?? '';
      const body = text.slice(text.indexOf('\r\n\r\n') + 4);
      // Node's own 400 for an unparsable request is an empty chunked body.
      resolve({ status, contentType, body: body === '0\r\n\r\n' ? '' : body });
    });
  });
}

/** Runs probes a few at a time (bounded concurrency keeps the run short and the machine calm). */
export async function runAll<T>(items: T[], worker: (item: T) => Promise<void>, parallel = 8): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < items.length) await worker(items[next++] as T);
  }));
}
