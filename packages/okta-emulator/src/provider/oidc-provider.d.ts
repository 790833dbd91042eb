/**
 * The slice of `oidc-provider` 9 the emulator uses. The package ships no type declarations and
 * `@types/oidc-provider` lags behind v9, so the surface we touch is declared here, loosely: the
 * configuration object stays `Record<string, unknown>` because oidc-provider validates it itself
 * at construction.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';
  import type { EventEmitter } from 'node:events';

  /** Koa context as oidc-provider hands it to configuration helpers. */
  export interface KoaContextWithOIDC {
    method: string;
    path: string;
    url: string;
    status: number;
    body: unknown;
    type: string;
    host: string;
    secure: boolean;
    req: IncomingMessage;
    res: ServerResponse;
    query: Record<string, string | string[] | undefined>;
    querystring: string;
    cookies: { get(name: string, options?: unknown): string | undefined; set(name: string, value: string | null, options?: unknown): void };
    redirect(url: string): void;
    set(name: string, value: string): void;
    get(name: string): string;
    oidc: OIDCContext;
  }

  export interface OIDCContext {
    route: string;
    issuer: string;
    provider: Provider;
    params: Record<string, unknown> | undefined;
    client: ClientModel | undefined;
    session: SessionModel | undefined;
    entities: Record<string, any>;
    acr: string | undefined;
    amr: string[] | undefined;
    result: Record<string, any> | undefined;
    requestParamScopes: Set<string>;
    urlFor(name: string, opt?: Record<string, unknown>): string;
  }

  export interface ClientModel {
    clientId: string;
    clientName?: string;
    scope?: string;
    postLogoutRedirectUris?: string[];
    backchannelLogoutUri?: string;
    /** Posts a logout token (OIDC Back-Channel Logout 1.0 §2.5) to the client's endpoint; rejects unless it answers 200/204. */
    backchannelLogout(sub: string, sid: string): Promise<void>;
  }

  export interface SessionModel {
    accountId: string | undefined;
    uid: string;
    jti: string;
    acr?: string;
    amr?: string[];
    loginTs?: number;
    state?: Record<string, any>;
    authorizations?: Record<string, { grantId?: string; sid?: string }>;
    destroyed?: boolean;
    grantIdFor(clientId: string): string | undefined;
    sidFor(clientId: string): string | undefined;
    destroy(): Promise<void>;
  }

  export interface InteractionModel {
    jti: string;
    uid: string;
    exp: number;
    returnTo: string;
    prompt: { name: string; reasons: string[]; details: Record<string, unknown> };
    params: Record<string, unknown>;
    session?: { accountId?: string; uid?: string };
    lastSubmission?: Record<string, any>;
    result?: Record<string, any>;
    save(ttl: number): Promise<string>;
  }

  export interface GrantModel {
    jti: string;
    accountId: string;
    clientId: string;
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: string[]): void;
    addResourceScope(resource: string, scope: string): void;
    save(): Promise<string>;
  }

  export class Provider extends EventEmitter {
    constructor(issuer: string, configuration?: Record<string, unknown>);
    issuer: string;
    proxy: boolean;
    callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
    use(middleware: (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void> | void): this;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionModel>;
    interactionResult(req: IncomingMessage, res: ServerResponse, result: Record<string, unknown>, options?: { mergeWithLastSubmission?: boolean }): Promise<string>;
    urlFor(name: string, opt?: Record<string, unknown>): string;
    Grant: { new (properties: { accountId: string; clientId: string }): GrantModel; find(id: string): Promise<GrantModel | undefined> };
    Session: { find(id: string): Promise<SessionModel | undefined>; findByUid(uid: string): Promise<SessionModel | undefined> };
    Client: { find(id: string): Promise<ClientModel | undefined> };
    static readonly ctx: KoaContextWithOIDC | undefined;
  }

  export class Check {
    constructor(reason: string, description: string, check: (ctx: KoaContextWithOIDC) => boolean | Promise<boolean>);
    static readonly REQUEST_PROMPT: true;
    static readonly NO_NEED_TO_PROMPT: false;
  }

  export interface Prompt {
    name: string;
    checks: Check[] & { add(check: Check, index?: number): void; get(name: string): Check | undefined; remove(name: string): void };
  }

  export const interactionPolicy: {
    Check: typeof Check;
    base(): Prompt[] & { get(name: string): Prompt | undefined; remove(name: string): void };
  };

  export const errors: {
    InvalidRequest: new (description?: string) => Error;
    InvalidGrant: new (description?: string) => Error;
    AccessDenied: new (description?: string) => Error;
    InvalidTarget: new (description?: string) => Error;
    SessionNotFound: new (description?: string) => Error;
    [name: string]: new (description?: string) => Error;
  };

  export default Provider;
}
