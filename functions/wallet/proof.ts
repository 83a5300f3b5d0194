/**
 * Verifies the `jwt` key proof a wallet sends with a Credential Request
 * (OpenID4VCI 1.0 Appendix F.1 and F.4) and returns the key it proved it
 * holds, which the credential is then bound to.
 *
 * Only a key in the `jwk` header is accepted: the wallet is anonymous, so
 * there is nowhere to look a `kid` up, and this issuer trusts no `x5c` or
 * federation chains.
 */
import type { JsonWebKey } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { PROOF_JWT_TYP, PROOF_SIGNING_ALGS } from './constants.js';
import {
  type EmbeddedKeyCheck,
  publicP256Jwk,
  verifiedPayload,
} from './embedded-key.js';

export { PROOF_JWT_TYP, PROOF_SIGNING_ALGS };

export type ProofErrorCode = 'invalid_proof' | 'invalid_nonce';

/** Carries the Credential Request Errors code of OpenID4VCI 1.0. */
export class ProofError extends Error {
  override readonly name = 'ProofError';
  readonly code: ProofErrorCode;

  constructor(code: ProofErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

export interface ProofExpectations {
  /** The credential issuer identifier. */
  audience: string;
  /** The `c_nonce` the nonce endpoint gave out. */
  nonce: string;
  now: Date;
  /** How far `iat` may be from `now`, either way; 300 s if not given. */
  maxAgeSeconds?: number;
}

const DEFAULT_MAX_AGE_SECONDS = 300;

export async function verifyProofJwt(
  jwt: string,
  expect: ProofExpectations,
): Promise<{ holderJwk: JsonWebKey }> {
  const header = readHeader(jwt);
  checkType(header.typ);
  const alg = checkAlgorithm(header.alg);
  const holderJwk = checkKey(header);

  const payload = await verifiedPayload(
    jwt,
    holderJwk,
    alg,
    PROOF_SIGNING_ALGS,
    embedded,
  );
  checkAudience(payload.aud, expect.audience);
  checkTimes(payload, expect);
  checkNonce(payload.nonce, expect.nonce);

  return { holderJwk };
}

/**
 * The `nonce` a proof claims, read WITHOUT verifying anything, so the caller
 * can look up which c_nonce it was given before calling `verifyProofJwt`.
 */
export function peekProofNonce(jwt: string): string | undefined {
  try {
    const { nonce } = decodeJwt(jwt);

    return typeof nonce === 'string' ? nonce : undefined;
  } catch {
    return undefined;
  }
}

function readHeader(jwt: string): Record<string, unknown> {
  if (typeof jwt !== 'string' || jwt.split('.').length !== 3) {
    throw invalid('The proof is not a compact JWS.');
  }
  try {
    return decodeProtectedHeader(jwt) as Record<string, unknown>;
  } catch (error) {
    throw invalid('The proof header cannot be read.', error);
  }
}

function checkType(typ: unknown): void {
  // RFC 7515 4.1.9: `typ` is a media type, compared without case, and
  // `application/` may be left out.
  const type =
    typeof typ === 'string'
      ? typ.toLowerCase().replace(/^application\//, '')
      : '';
  if (type !== PROOF_JWT_TYP) {
    throw invalid(`The proof's typ must be ${PROOF_JWT_TYP}.`);
  }
}

function checkAlgorithm(alg: unknown): (typeof PROOF_SIGNING_ALGS)[number] {
  const allowed: readonly string[] = PROOF_SIGNING_ALGS;
  if (typeof alg !== 'string' || !allowed.includes(alg)) {
    throw invalid(
      `The proof's alg must be one of ${PROOF_SIGNING_ALGS.join(', ')}; ` +
        'none and MAC algorithms are never accepted.',
    );
  }

  return alg as (typeof PROOF_SIGNING_ALGS)[number];
}

function checkKey(header: Record<string, unknown>): JsonWebKey {
  if (header.x5c !== undefined) {
    throw invalid('x5c proofs are not supported; put the key in jwk.');
  }
  if (header.trust_chain !== undefined) {
    throw invalid('trust_chain proofs are not supported; put the key in jwk.');
  }
  if (header.kid !== undefined) {
    throw invalid('kid proofs are not supported; put the key in jwk.');
  }
  return publicP256Jwk(header.jwk, embedded);
}

const embedded: EmbeddedKeyCheck = { what: 'The proof', fail: invalid };

function checkAudience(aud: unknown, audience: string): void {
  // Appendix F.1 makes aud a single string: the issuer identifier.
  if (aud !== audience) {
    throw invalid(`The proof's aud must be ${audience}.`);
  }
}

function checkTimes(
  payload: Record<string, unknown>,
  expect: ProofExpectations,
): void {
  const now = expect.now.getTime() / 1000;
  const maxAge = expect.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS;
  const { iat, exp } = payload;
  if (typeof iat !== 'number' || !Number.isFinite(iat)) {
    throw invalid('The proof has no iat.');
  }
  // Both ways: a proof dated ahead would otherwise stay fresh for years.
  if (Math.abs(now - iat) > maxAge) {
    throw invalid(`The proof's iat is more than ${maxAge} s from now.`);
  }
  if (exp !== undefined && (typeof exp !== 'number' || now >= exp)) {
    throw invalid('The proof has expired.');
  }
}

function checkNonce(nonce: unknown, expected: string): void {
  if (nonce === undefined) {
    // OpenID4VCI 1.0 calls a proof with no c_nonce invalid_proof.
    throw invalid('The proof has no nonce; get one from the nonce endpoint.');
  }
  if (nonce !== expected) {
    throw new ProofError(
      'invalid_nonce',
      'The proof nonce is not the current c_nonce; get a new one.',
    );
  }
}

function invalid(message: string, cause?: unknown): ProofError {
  return new ProofError('invalid_proof', message, { cause });
}
