/**
 * Checks a DPoP proof (RFC 9449) the way section 4.3 lists, and returns the
 * key it proves, by RFC 7638 thumbprint, for the caller to bind tokens to or
 * to compare with the key a token is bound to.
 *
 * Two things are left to the caller on purpose: remembering `jti` values to
 * refuse a replay within the window (that needs the table), and comparing
 * `jkt` with the key a token is bound to (that needs the token).
 */
import { createHash, type JsonWebKey } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader } from 'jose';
import {
  type EmbeddedKeyCheck,
  publicP256Jwk,
  verifiedPayload,
} from './embedded-key.js';

/** The proof algorithms this server accepts and advertises in metadata. */
export const DPOP_SIGNING_ALGS = ['ES256'] as const;

export const DPOP_JWT_TYP = 'dpop+jwt';

export type DpopErrorCode = 'invalid_dpop_proof' | 'use_dpop_nonce';

/** Carries the error code RFC 9449 gives the failure (sections 5, 7.1, 8). */
export class DpopError extends Error {
  override readonly name = 'DpopError';
  readonly code: DpopErrorCode;

  constructor(code: DpopErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

export interface DpopExpectations {
  /** The HTTP method of the request, compared exactly with `htm`. */
  method: string;
  /** The request's URL; any query or fragment is ignored. */
  url: string;
  now: Date;
  /** How far `iat` may be from `now`, either way; 60 s if not given. */
  maxAgeSeconds?: number;
  /** At a protected resource: the token the proof's `ath` must hash. */
  accessToken?: string;
  /** A nonce this server gave the client, which the proof must carry. */
  nonce?: string;
}

export interface VerifiedDpopProof {
  /** RFC 7638 SHA-256 thumbprint of the proof's key, base64url. */
  jkt: string;
  /** The proof's public key, its required members only. */
  jwk: JsonWebKey;
  /** Remember it until `iat` + the window has passed, to refuse replays. */
  jti: string;
  iat: number;
}

const DEFAULT_MAX_AGE_SECONDS = 60;

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export async function verifyDpopProof(
  proof: string | undefined,
  expect: DpopExpectations,
): Promise<VerifiedDpopProof> {
  const header = readHeader(proof);
  checkType(header.typ);
  const alg = checkAlgorithm(header.alg);
  const jwk = checkKey(header.jwk);

  const payload = await verifiedPayload(
    proof as string,
    jwk,
    alg,
    DPOP_SIGNING_ALGS,
    embedded,
  );
  const jti = checkJti(payload.jti);
  checkMethod(payload.htm, expect.method);
  checkUrl(payload.htu, expect.url);
  const iat = checkIssuedAt(payload.iat, expect);
  if (expect.accessToken !== undefined) {
    checkAccessTokenHash(payload.ath, expect.accessToken);
  }
  // Last, so a client told to use a nonce is not told so for a proof that
  // would fail anyway.
  if (expect.nonce !== undefined) checkNonce(payload.nonce, expect.nonce);

  return { jkt: await calculateJwkThumbprint(jwk, 'sha256'), jwk, jti, iat };
}

/** base64url(SHA-256(token)): the `ath` claim of RFC 9449 section 4.2. */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest('base64url');
}

export interface DpopAuthorization {
  scheme: 'DPoP' | 'Bearer';
  token: string;
}

/** token68 of RFC 9110 section 11.2, as RFC 9449 section 7.1 uses it. */
const AUTHORIZATION = /^(dpop|bearer) +([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * Reads `Authorization: DPoP <token>` or `Bearer <token>`; the scheme is
 * matched without case (RFC 9110 section 11.1). Anything else is undefined.
 */
export function dpopAuthorization(
  header: string | undefined,
): DpopAuthorization | undefined {
  const match = AUTHORIZATION.exec(header?.trim() ?? '');
  if (!match) return undefined;
  const [, scheme = '', token = ''] = match;

  return { scheme: scheme.toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer', token };
}

function readHeader(proof: string | undefined): Record<string, unknown> {
  if (proof === undefined || proof === '') {
    throw invalid('The request has no DPoP header.');
  }
  // Node and API Gateway join repeated headers with a comma, which no JWS
  // contains: this also refuses a request with two DPoP headers.
  if (!COMPACT_JWS.test(proof)) {
    throw invalid('The DPoP header must be exactly one compact JWT.');
  }
  try {
    return decodeProtectedHeader(proof) as Record<string, unknown>;
  } catch (error) {
    throw invalid('The DPoP proof header cannot be read.', error);
  }
}

function checkType(typ: unknown): void {
  // RFC 7515 4.1.9: `typ` is a media type, compared without case, and
  // `application/` may be left out.
  const type =
    typeof typ === 'string'
      ? typ.toLowerCase().replace(/^application\//, '')
      : '';
  if (type !== DPOP_JWT_TYP) {
    throw invalid(`The DPoP proof's typ must be ${DPOP_JWT_TYP}.`);
  }
}

function checkAlgorithm(alg: unknown): (typeof DPOP_SIGNING_ALGS)[number] {
  const allowed: readonly string[] = DPOP_SIGNING_ALGS;
  if (typeof alg !== 'string' || !allowed.includes(alg)) {
    throw invalid(
      `The DPoP proof's alg must be one of ${DPOP_SIGNING_ALGS.join(', ')}; ` +
        'none and MAC algorithms are never accepted.',
    );
  }

  return alg as (typeof DPOP_SIGNING_ALGS)[number];
}

const embedded: EmbeddedKeyCheck = { what: 'The DPoP proof', fail: invalid };

function checkKey(value: unknown): JsonWebKey {
  return publicP256Jwk(value, embedded);
}

function checkJti(jti: unknown): string {
  if (typeof jti !== 'string' || jti === '') {
    throw invalid('The DPoP proof has no jti.');
  }

  return jti;
}

function checkMethod(htm: unknown, method: string): void {
  // Methods are case-sensitive (RFC 9110 section 9.1).
  if (htm !== method) {
    throw invalid(`The DPoP proof's htm must be ${method}.`);
  }
}

function checkUrl(htu: unknown, url: string): void {
  if (typeof htu !== 'string' || normalUrl(htu) !== normalUrl(url)) {
    throw invalid(`The DPoP proof's htu must be ${normalUrl(url)}.`);
  }
}

/**
 * The URL without query and fragment (RFC 9449 section 4.3 check 9). The
 * WHATWG parser lowercases scheme and host and drops a default port: the
 * syntax- and scheme-based normalisation that section asks for.
 */
function normalUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return '';
  }
  url.search = '';
  url.hash = '';

  return url.href;
}

function checkIssuedAt(iat: unknown, expect: DpopExpectations): number {
  if (typeof iat !== 'number' || !Number.isFinite(iat)) {
    throw invalid('The DPoP proof has no iat.');
  }
  const now = expect.now.getTime() / 1000;
  const maxAge = expect.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS;
  // Both ways: a proof dated ahead would otherwise stay fresh for longer.
  if (Math.abs(now - iat) > maxAge) {
    throw invalid(`The DPoP proof's iat is more than ${maxAge} s from now.`);
  }

  return iat;
}

function checkAccessTokenHash(ath: unknown, accessToken: string): void {
  if (ath !== accessTokenHash(accessToken)) {
    throw invalid("The DPoP proof's ath is not the hash of the access token.");
  }
}

function checkNonce(nonce: unknown, expected: string): void {
  if (nonce !== expected) {
    throw new DpopError(
      'use_dpop_nonce',
      'The DPoP proof must carry the nonce this server gave out last.',
    );
  }
}

function invalid(message: string, cause?: unknown): DpopError {
  return new DpopError('invalid_dpop_proof', message, { cause });
}
