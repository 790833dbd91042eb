/**
 * The test kit's one cookie jar: what a browser keeps for one origin (paths ignored), for tests
 * that drive the emulator's hosted pages or an app's `/auth/*` routes without a browser.
 */

/** Cookies by name, filled from `Set-Cookie` headers and sent back as one `Cookie` header. */
export class CookieJar {
  readonly #cookies = new Map<string, string>();

  /** Takes every `Set-Cookie` of `response`: values as sent (no decoding); `Max-Age=0`, a past `Expires` or an empty value deletes. */
  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      if (at <= 0) continue;
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = attributes.some((attribute) => {
        const [key = '', val = ''] = attribute.trim().split('=');
        if (key.toLowerCase() === 'max-age') return Number(val) <= 0;
        if (key.toLowerCase() === 'expires') return Date.parse(val) <= Date.now();
        return false;
      });
      if (expired || value === '') this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  /** The `Cookie` request header value ('' when empty). */
  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  get(name: string): string | undefined {
    return this.#cookies.get(name);
  }

  set(name: string, value: string): void {
    this.#cookies.set(name, value);
  }

  delete(name: string): void {
    this.#cookies.delete(name);
  }

  /** Whether a cookie is held (e.g. the sign-in session `okta_emu_sid`). */
  has(name: string): boolean {
    return this.#cookies.has(name);
  }

  /** An independent copy (e.g. to replay old cookies after a logout). */
  clone(): CookieJar {
    const copy = new CookieJar();
    for (const [name, value] of this.#cookies) copy.#cookies.set(name, value);
    return copy;
  }
}
