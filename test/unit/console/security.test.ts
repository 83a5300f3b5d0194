import { describe, expect, it } from 'vitest';
import {
  clearCookie,
  contentSecurityPolicy,
  csrfMatches,
  isToken,
  pageHeaders,
  randomToken,
  readCookies,
  setCookie,
} from '../../../functions/console/security.js';

describe('contentSecurityPolicy', () => {
  it('allows only the console itself, no inline script and no framing', () => {
    const policy = contentSecurityPolicy();

    expect(policy).toContain("default-src 'self'");
    expect(policy).toContain("script-src 'self';");
    expect(policy).toContain("img-src 'self' data:");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).toContain("form-action 'self'");
    expect(policy).toContain("object-src 'none'");
    expect(policy).not.toContain('unsafe-inline');
    expect(policy).not.toContain('unsafe-eval');
  });

  it("adds the assets' origin to the sources of files, not of forms", () => {
    const policy = contentSecurityPolicy('https://d1.cloudfront.net');

    expect(policy).toContain("script-src 'self' https://d1.cloudfront.net");
    expect(policy).toContain("style-src 'self' https://d1.cloudfront.net");
    expect(policy).toContain("font-src 'self' https://d1.cloudfront.net");
    expect(policy).toContain("form-action 'self'");
    expect(policy).toContain("connect-src 'self';");
  });
});

describe('pageHeaders', () => {
  it('caches nothing and sends the CSP, nosniff and no referrer', () => {
    expect(pageHeaders()).toMatchObject({
      'Cache-Control': 'no-store',
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': contentSecurityPolicy(),
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    });
  });
});

describe('cookies', () => {
  it('are HttpOnly, Secure, SameSite=Lax and for /console only', () => {
    const cookie = setCookie('console_session', 'abc', 3600.7);

    expect(cookie.split('; ')).toEqual([
      'console_session=abc',
      'Path=/console',
      'Max-Age=3600',
      'HttpOnly',
      'Secure',
      'SameSite=Lax',
    ]);
  });

  it('are cleared with an empty value and no age', () => {
    expect(clearCookie('console_session')).toContain('console_session=;');
    expect(clearCookie('console_session')).toContain('Max-Age=0');
  });

  it('are read by name, the first of a repeated name winning', () => {
    expect(readCookies('a=1; b=2=3; a=4; =x; bad name=5')).toEqual({
      a: '1',
      b: '2=3',
    });
    expect(readCookies(undefined)).toEqual({});
  });
});

describe('csrfMatches', () => {
  const token = randomToken();

  it('accepts the same token', () => {
    expect(isToken(token)).toBe(true);
    expect(csrfMatches(token, token)).toBe(true);
  });

  it('refuses a missing, different or malformed token', () => {
    expect(csrfMatches(token, null)).toBe(false);
    expect(csrfMatches(token, undefined)).toBe(false);
    expect(csrfMatches(token, randomToken())).toBe(false);
    expect(csrfMatches(token, `${token}x`)).toBe(false);
    expect(csrfMatches(undefined, token)).toBe(false);
    expect(csrfMatches('', '')).toBe(false);
  });
});
