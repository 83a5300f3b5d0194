/**
 * What every console answer carries, and the checks every console request
 * passes: the content security policy, the cookie attributes, and the CSRF
 * token of each form.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The console's content security policy. No inline script or style, no
 * framing, forms only to the console itself. `assetOrigin` is where the
 * static files come from when that is not the page's own origin (AWS:
 * CloudFront); the QR code is a `data:` image.
 */
export function contentSecurityPolicy(assetOrigin?: string): string {
  const from = (extra?: string) => ["'self'", extra].filter(Boolean).join(' ');

  return [
    `default-src ${from(assetOrigin)}`,
    `script-src ${from(assetOrigin)}`,
    `style-src ${from(assetOrigin)}`,
    `font-src ${from(assetOrigin)}`,
    `img-src ${from(assetOrigin)} data:`,
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');
}

/** Headers of every console answer, pages and assets alike. */
export function securityHeaders(assetOrigin?: string): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(assetOrigin),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Strict-Transport-Security': 'max-age=63072000; includeSubDomains',
  };
}

/** Headers of every console page: nothing personal is kept by a browser. */
export function pageHeaders(assetOrigin?: string): Record<string, string> {
  return {
    ...securityHeaders(assetOrigin),
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
  };
}

/** The cookie holding a signed-in session's id. */
export const sessionCookie = 'console_session';
/** The sign-in form's double-submit CSRF cookie, before any session. */
export const signInCookie = 'console_signin';

/**
 * A cookie for the console only: HttpOnly (no script reads it), Secure
 * (https only; browsers treat http://localhost as secure), SameSite=Lax
 * (not sent on another site's POST) and Path=/console. `maxAge` 0 clears.
 */
export function setCookie(name: string, value: string, maxAge: number) {
  return [
    `${name}=${value}`,
    'Path=/console',
    `Max-Age=${Math.max(0, Math.floor(maxAge))}`,
    'HttpOnly',
    'Secure',
    'SameSite=Lax',
  ].join('; ');
}

export const clearCookie = (name: string) => setCookie(name, '', 0);

/** Cookies of a request by name; a malformed pair is skipped. */
export function readCookies(
  header: string | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at < 1) continue;
    const name = part.slice(0, at).trim();
    const value = part.slice(at + 1).trim();
    if (/^[A-Za-z0-9_-]{1,64}$/.test(name) && !(name in out)) {
      out[name] = value;
    }
  }

  return out;
}

/** A random token for a session id or a CSRF token: 256 bits. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Whether a token has the shape `randomToken` makes. */
export const isToken = (value: string | undefined): value is string =>
  value !== undefined && /^[A-Za-z0-9_-]{43}$/.test(value);

/** The form's CSRF token matches the expected one, in constant time. */
export function csrfMatches(
  expected: string | undefined,
  sent: string | null | undefined,
): boolean {
  if (!isToken(expected) || !isToken(sent ?? undefined)) return false;

  return timingSafeEqual(Buffer.from(expected), Buffer.from(sent as string));
}
