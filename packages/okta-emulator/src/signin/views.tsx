import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';

const STYLE = `
:root { color-scheme: light dark; --bg: #f4f4f6; --card: #fff; --fg: #1d1d21; --muted: #5e5e6a;
  --accent: #1662dd; --accent-fg: #fff; --error-bg: #fdecec; --error-fg: #a4161a; --border: #c9c9d2; }
@media (prefers-color-scheme: dark) { :root { --bg: #131318; --card: #1f1f27; --fg: #ececf1;
  --muted: #a9a9b8; --accent: #6ea2ff; --accent-fg: #0b0b10; --error-bg: #3b1517; --error-fg: #ffb3b5; --border: #474756; } }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--fg); }
header { padding: 1rem 1.5rem; font-weight: 600; }
main { max-width: 26rem; margin: 2rem auto; padding: 2rem; background: var(--card); border: 1px solid var(--border); border-radius: .5rem; }
h1 { font-size: 1.5rem; margin: 0 0 1rem; }
p { margin: 0 0 1rem; }
.muted { color: var(--muted); font-size: .9rem; }
label { display: block; font-weight: 600; margin: 1rem 0 .25rem; }
input { width: 100%; padding: .6rem; font: inherit; color: inherit; background: transparent; border: 1px solid var(--border); border-radius: .25rem; }
input:focus-visible, button:focus-visible, a:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
button { margin-top: 1.5rem; width: 100%; padding: .7rem; font: inherit; font-weight: 600; border: 0; border-radius: .25rem; background: var(--accent); color: var(--accent-fg); cursor: pointer; }
[role="alert"] { background: var(--error-bg); color: var(--error-fg); padding: .75rem 1rem; border-radius: .25rem; margin-bottom: 1rem; }
a { color: var(--accent); }
`;

/** The page frame shared by every hosted page: landmarks, colour scheme, no script. */
export function Layout(props: { title: string; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{props.title} · Okta emulator</title>
        {/* raw: the stylesheet is a constant; escaping would break its quotes. */}
        <style>{raw(STYLE)}</style>
      </head>
      <body>
        <header role="banner">Okta emulator</header>
        <main>{props.children}</main>
      </body>
    </html>
  );
}

function ErrorBox(props: { message: string | undefined }) {
  return props.message ? (
    <div role="alert" id="form-error">
      {props.message}
    </div>
  ) : null;
}

/** Username and password step. */
export function PasswordPage(props: { action: string; csrf: string; clientName: string; login?: string; error?: string }) {
  return (
    <Layout title="Sign in">
      <h1>Sign in</h1>
      <p class="muted">to continue to {props.clientName}</p>
      <ErrorBox message={props.error} />
      <form method="post" action={props.action} aria-describedby={props.error ? 'form-error' : undefined}>
        <input type="hidden" name="csrf" value={props.csrf} />
        <label for="username">Username</label>
        <input id="username" name="username" type="text" autocomplete="username" required autofocus={!props.login} value={props.login ?? ''} aria-invalid={props.error ? 'true' : undefined} />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required autofocus={Boolean(props.login)} aria-invalid={props.error ? 'true' : undefined} />
        <button type="submit">Sign in</button>
      </form>
    </Layout>
  );
}

/** TOTP step after a correct password. */
export function TotpPage(props: { action: string; csrf: string; login: string; error?: string }) {
  return (
    <Layout title="Verify with your authenticator">
      <h1>Verify it's you</h1>
      <p class="muted">Enter the 6-digit code from your authenticator app for {props.login}.</p>
      <ErrorBox message={props.error} />
      <form method="post" action={props.action} aria-describedby={props.error ? 'form-error' : undefined}>
        <input type="hidden" name="csrf" value={props.csrf} />
        <label for="code">Verification code</label>
        <input id="code" name="code" type="text" inputmode="numeric" pattern="[0-9]{6}" maxlength={6} autocomplete="one-time-code" required autofocus aria-invalid={props.error ? 'true' : undefined} />
        <button type="submit">Verify</button>
      </form>
    </Layout>
  );
}

/** A page that only tells something (errors, signed out). */
export function MessagePage(props: { title: string; message: string; details?: string | undefined }) {
  return (
    <Layout title={props.title}>
      <h1>{props.title}</h1>
      <p>{props.message}</p>
      {props.details ? <p class="muted">{props.details}</p> : null}
    </Layout>
  );
}

/** Renders a page to an HTML document string. */
export async function renderPage(page: ReturnType<typeof Layout>): Promise<string> {
  return `<!doctype html>${await page.toString()}`;
}
