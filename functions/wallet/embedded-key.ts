import type { JsonWebKey } from 'node:crypto';
import { compactVerify, importJWK } from 'jose';
import { PRIVATE_JWK_MEMBERS } from './constants.js';

/**
 * What DPoP proofs and credential request proofs share: a JWS whose header
 * carries the signer's own public key. `what` names the proof in messages
 * ("The DPoP proof"); `fail` makes the caller's own error.
 */
export interface EmbeddedKeyCheck {
  what: string;
  fail: (message: string, cause?: unknown) => Error;
}

/** The header's `jwk`, if it is a P-256 public key and nothing more. */
export function publicP256Jwk(
  value: unknown,
  check: EmbeddedKeyCheck,
): JsonWebKey {
  const jwk = value as Record<string, unknown> | undefined;
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
    throw check.fail(`${check.what} header has no jwk.`);
  }
  if (PRIVATE_JWK_MEMBERS.some((member) => member in jwk)) {
    throw check.fail(`${check.what} header jwk contains a private key.`);
  }
  if (
    jwk.kty !== 'EC' ||
    jwk.crv !== 'P-256' ||
    typeof jwk.x !== 'string' ||
    typeof jwk.y !== 'string'
  ) {
    throw check.fail(`${check.what} header jwk must be a P-256 EC public key.`);
  }

  // Only the members RFC 7638 hashes: nothing else is kept or bound.
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
}

/** Verifies the JWS with its own key; answers its payload object. */
export async function verifiedPayload(
  jws: string,
  jwk: JsonWebKey,
  alg: string,
  algorithms: readonly string[],
  check: EmbeddedKeyCheck,
): Promise<Record<string, unknown>> {
  let payloadBytes: Uint8Array;
  try {
    const key = await importJWK(jwk as Parameters<typeof importJWK>[0], alg);
    ({ payload: payloadBytes } = await compactVerify(jws, key, {
      algorithms: [...algorithms],
    }));
  } catch (error) {
    throw check.fail(`${check.what} signature does not verify.`, error);
  }

  let payload: unknown;
  try {
    payload = JSON.parse(new TextDecoder().decode(payloadBytes));
  } catch (error) {
    throw check.fail(`${check.what} payload is not JSON.`, error);
  }
  if (
    typeof payload !== 'object' ||
    payload === null ||
    Array.isArray(payload)
  ) {
    throw check.fail(`${check.what} payload is not a JSON object.`);
  }

  return payload as Record<string, unknown>;
}
