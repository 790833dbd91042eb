import { createHmac, timingSafeEqual } from 'node:crypto';
import type { HttpBindings } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { InteractionModel, Provider } from 'oidc-provider';
import type { Directory } from '../directory/directory.ts';
import { sessionEvent } from '../directory/events.ts';
import type { DirectoryUser } from '../directory/types.ts';
import { ACR, mfaOptional, requestsMfa } from '../provider/acr.ts';
import { verifyTotp } from './totp.ts';
import { MessagePage, PasswordPage, TotpPage, renderPage } from './views.tsx';

type Env = { Bindings: HttpBindings };

/** What the hosted sign-in pages need. */
export interface SignInOptions {
  directory: Directory;
  /** The default authorization server (rebuilt when keys rotate, hence a getter). */
  provider: () => Provider;
  /** Secret for the forms' CSRF tokens. */
  csrfKey: string;
}

// 16 KiB: a sign-in form is a CSRF token, a login and a password (or a code); anything larger is
// refused before it is read, so no request can make the emulator buffer megabytes.
const MAX_FORM_BYTES = 16 * 1024;

/** Interaction `result` key marking a verified password waiting for the second factor. */
const PENDING = 'okta_emu_pending_mfa';

// Okta's words for a refused sign-in; the same for an unknown user and a wrong password.
const UNABLE = 'Unable to sign in';
const STATUS_MESSAGES: Partial<Record<DirectoryUser['status'], string>> = {
  SUSPENDED: 'Your account is suspended. Contact your administrator.',
  DEPROVISIONED: 'Your account is deactivated. Contact your administrator.',
  // Okta's wording for an account locked by too many failed sign-in attempts.
  LOCKED_OUT: 'Your account is locked. Please contact your administrator.',
};

// Pages carry no script and must not be framed (clickjacking of the password form).
const SECURITY_HEADERS = {
  'Cache-Control': 'no-store',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
} as const;

/**
 * The hosted sign-in pages at `/signin/<uid>`: the interaction oidc-provider redirects to when
 * it needs the user to authenticate. Username and password, then a TOTP code when the user's
 * policy or the client's `acr_values` ask for a second factor. No JavaScript needed.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#Authenticates (OIDC Core §3.1.2.3)
 */
export function createSignInApp(options: SignInOptions): Hono<Env> {
  const { directory } = options;
  const app = new Hono<Env>();

  const csrfFor = (interaction: InteractionModel): string =>
    createHmac('sha256', options.csrfKey).update(`signin:${interaction.jti}`).digest('base64url');

  const page = async (c: Context<Env>, body: Parameters<typeof renderPage>[0], status: 200 | 400 | 401 | 403 | 413 = 200) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.header(name, value);
    return c.html(await renderPage(body), status);
  };

  const expired = (c: Context<Env>) =>
    page(
      c,
      MessagePage({
        title: 'Sign-in expired',
        message: 'This sign-in request has expired or is not valid. Go back to the application and sign in again.',
      }),
      400,
    );

  /** The interaction of this browser for the uid in the path, or null. */
  const interactionOf = async (c: Context<Env>): Promise<InteractionModel | null> => {
    try {
      const interaction = await options.provider().interactionDetails(c.env.incoming, c.env.outgoing);
      return interaction.uid === c.req.param('uid') && interaction.prompt.name === 'login' ? interaction : null;
    } catch {
      return null;
    }
  };

  /** The form's fields when it is well-formed and its CSRF token matches, else null. */
  const formOf = async (c: Context<Env>, interaction: InteractionModel): Promise<Record<string, string> | null> => {
    let body: Record<string, unknown>;
    try {
      body = await c.req.parseBody();
    } catch {
      return null;
    }
    const fields: Record<string, string> = {};
    for (const [key, value] of Object.entries(body)) {
      // 4 KiB per field is far beyond any login, password or code.
      if (typeof value !== 'string' || value.length > 4096) return null;
      fields[key] = value;
    }
    const expected = Buffer.from(csrfFor(interaction));
    const given = Buffer.from(fields['csrf'] ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected) ? fields : null;
  };

  const finish = async (c: Context<Env>, user: DirectoryUser, acr: string, amr: string[]) => {
    directory.recordLogin(user.id);
    directory.announce(sessionEvent('user.session.start', user));
    const returnTo = await options.provider().interactionResult(c.env.incoming, c.env.outgoing, {
      // remember: false — Okta's session cookie lasts as long as the browser session.
      login: { accountId: user.id, acr, amr, remember: false, ts: Math.floor(Date.now() / 1000) },
    });
    return c.redirect(returnTo, 303);
  };

  const clientName = (interaction: InteractionModel): string => {
    const clientId = interaction.params['client_id'];
    return (typeof clientId === 'string' && directory.getApp(clientId)?.name) || 'the application';
  };

  app.post(
    '/signin/*',
    bodyLimit({
      maxSize: MAX_FORM_BYTES,
      onError: (c) => page(c, MessagePage({ title: 'Sign-in form too large', message: 'The form sent was too large. Go back and try again.' }), 413),
    }),
  );

  app.get('/signin/:uid', async (c) => {
    const interaction = await interactionOf(c);
    if (!interaction) return expired(c);
    const action = `/signin/${interaction.uid}`;
    const pending = interaction.result?.[PENDING] as { accountId: string } | undefined;
    if (pending) {
      const user = directory.getUser(pending.accountId);
      if (!user) return expired(c);
      return page(c, TotpPage({ action: `${action}/totp`, csrf: csrfFor(interaction), login: user.profile.login }));
    }
    const hint = interaction.params['login_hint'];
    return page(
      c,
      PasswordPage({
        action: `${action}/password`,
        csrf: csrfFor(interaction),
        clientName: clientName(interaction),
        ...(typeof hint === 'string' ? { login: hint } : {}),
      }),
    );
  });

  app.post('/signin/:uid/password', async (c) => {
    const interaction = await interactionOf(c);
    if (!interaction) return expired(c);
    const form = await formOf(c, interaction);
    if (!form) return expired(c);
    const login = (form['username'] ?? '').trim();
    const password = form['password'] ?? '';
    const action = `/signin/${interaction.uid}/password`;
    const refuse = (message: string, status: 401 | 403) =>
      page(c, PasswordPage({ action, csrf: csrfFor(interaction), clientName: clientName(interaction), login, error: message }), status);

    const user = login ? directory.getUser(login) : null;
    // The check runs even for unknown users so timing does not tell which logins exist.
    const passwordOk = directory.verifyPassword(user ?? PLACEHOLDER_USER, password) && user !== null;
    if (!user || !passwordOk) {
      // The 10th wrong password in a row locks the account (Okta's default policy) and says so.
      if (user && directory.recordFailedSignIn(user.id)) return refuse(STATUS_MESSAGES.LOCKED_OUT!, 403);
      return refuse(UNABLE, 401);
    }
    if (user.status !== 'ACTIVE') return refuse(STATUS_MESSAGES[user.status] ?? UNABLE, 403);

    const acrValues = interaction.params['acr_values'];
    const mfaWanted = user.mfaPolicy === 'always' || requestsMfa(acrValues);
    if (!mfaWanted) return finish(c, user, ACR.password, ['pwd']);
    if (user.totp) {
      await options.provider().interactionResult(c.env.incoming, c.env.outgoing, { [PENDING]: { accountId: user.id } });
      return c.redirect(`/signin/${interaction.uid}`, 303);
    }
    // No factor enrolled and the client allowed that (`…:ifpossible`): the context the client asked
    // for is satisfied, so that is the `acr` reported (OIDC Core §2: the class the authentication met).
    if (user.mfaPolicy !== 'always' && mfaOptional(acrValues)) return finish(c, user, ACR.twoFactorsIfPossible, ['pwd']);
    return refuse('This application requires a second factor, and you have none enrolled. Enroll one (an authenticator app) with your administrator, then sign in again.', 403);
  });

  app.post('/signin/:uid/totp', async (c) => {
    const interaction = await interactionOf(c);
    if (!interaction) return expired(c);
    const pending = interaction.result?.[PENDING] as { accountId: string } | undefined;
    const form = await formOf(c, interaction);
    if (!form || !pending) return expired(c);
    const user = directory.getUser(pending.accountId);
    if (!user || user.status !== 'ACTIVE' || !user.totp) return expired(c);
    if (!verifyTotp(user.totp.secret, form['code'] ?? '')) {
      // Wrong codes count towards the lockout like wrong passwords.
      const locked = directory.recordFailedSignIn(user.id);
      return page(
        c,
        TotpPage({ action: `/signin/${interaction.uid}/totp`, csrf: csrfFor(interaction), login: user.profile.login, error: locked ? STATUS_MESSAGES.LOCKED_OUT! : 'Invalid code. Try again.' }),
        locked ? 403 : 401,
      );
    }
    return finish(c, user, ACR.twoFactors, ['pwd', 'mfa', 'otp']);
  });

  app.all('/signin/*', (c) => expired(c));
  return app;
}

/** Stands in for a missing user so the password check costs the same time. */
const PLACEHOLDER_USER: DirectoryUser = {
  id: '00u00000000000000000',
  status: 'DEPROVISIONED',
  created: '1970-01-01T00:00:00.000Z',
  activated: null,
  statusChanged: null,
  lastLogin: null,
  lastUpdated: '1970-01-01T00:00:00.000Z',
  passwordChanged: null,
  profile: { login: '', email: '', firstName: '', lastName: '' },
  passwordHash: null,
  totp: null,
  mfaPolicy: 'on_request',
};
