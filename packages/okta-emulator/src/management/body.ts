import type { Context } from 'hono';
import type { z } from 'zod';
import { fieldPath } from '../directory/seed.ts';
import { OktaApiError } from './errors.ts';

/**
 * Read and validate a JSON body: malformed JSON is `400 E0000003`, a schema failure
 * `400 E0000001` with one `errorCauses` entry per bad field (`login: …`). An empty body
 * counts as `{}` so endpoints whose fields are all optional accept a bodiless POST.
 */
export async function readJson<T>(c: Context, schema: z.ZodType<T>): Promise<T> {
  const text = await readText(c.req.raw);
  let json: unknown = {};
  if (text.trim() !== '') {
    try {
      json = JSON.parse(text);
    } catch {
      throw new OktaApiError(400, 'E0000003', 'The request body was not well-formed.');
    }
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const causes = result.error.issues.map((issue) => `${lastField(issue.path)}: ${issue.message}`);
    const first = result.error.issues[0];
    throw new OktaApiError(400, 'E0000001', `Api validation failed: ${first ? lastField(first.path) : 'body'}`, { causes });
  }
  return result.data;
}

/** Largest Management API request body accepted, in bytes. 64 KiB: far above any user, group or hook body, small enough that no request can hog memory. */
export const MAX_BODY_BYTES = 64 * 1024;

/** The body as text, refused with 413 as soon as it passes {@link MAX_BODY_BYTES} (chunked or not). */
async function readText(request: Request): Promise<string> {
  const tooLarge = () =>
    new OktaApiError(413, 'E0000001', 'Api validation failed: body', { causes: [`The request body exceeds ${MAX_BODY_BYTES} bytes.`] });
  if (Number(request.headers.get('content-length') ?? 0) > MAX_BODY_BYTES) throw tooLarge();
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Okta names the field, not its JSON path (`login`, not `profile.login`). */
function lastField(path: ReadonlyArray<PropertyKey>): string {
  const named = path.filter((key) => typeof key === 'string');
  return named.length > 0 ? String(named.at(-1)) : path.length > 0 ? fieldPath(path) : 'body';
}
