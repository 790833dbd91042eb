/**
 * The default error page of the auth routes: small, self-contained HTML with every dynamic
 * value escaped (an IdP's `error_description` is attacker-controllable), or JSON for API callers.
 */
import type { ErrorPageInput } from './context.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char]!);
}

/** Renders {@link ErrorPageInput} as a complete HTML page with the given status. */
export function renderErrorPage(input: ErrorPageInput): Response {
  const retry = input.retryUrl ? `<p><a href="${escapeHtml(input.retryUrl)}">Try again</a></p>` : '';
  const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(input.title)} · Gatehouse</title></head>
<body>
<main>
<h1>${escapeHtml(input.title)}</h1>
<p>${escapeHtml(input.message)}</p>
${retry}
<p><a href="/">Back to the home page</a></p>
<p><small>Error code: <code>${escapeHtml(String(input.code))}</code></small></p>
</main>
</body>
</html>`;
  return new Response(html, {
    status: input.status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      // No script, no framing: the page only ever shows text and links.
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    },
  });
}

/** The same information as JSON (`{ error: { code, message } }`) for API clients. */
export function renderErrorJson(input: Pick<ErrorPageInput, 'code' | 'status' | 'message'>, headers: Record<string, string> = {}): Response {
  return Response.json({ error: { code: input.code, message: input.message } }, { status: input.status, headers: { 'cache-control': 'no-store', ...headers } });
}
