/**
 * Forged staff tokens for the integration tier. cognito-local signs every
 * pool's tokens with one key shipped in its package, so a test holding that
 * key can mint tokens the local JWKS vouches for: whatever then refuses
 * them is the API's own checks (issuer, client, token use, times).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import {
  base64url,
  type CryptoKey,
  decodeJwt,
  decodeProtectedHeader,
  importJWK,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose';

interface KeyFile {
  jwk: JWK & { kid: string };
  pem: string;
}

const require = createRequire(import.meta.url);

function keyFile(name: 'private' | 'public'): KeyFile {
  const file = require.resolve(
    `cognito-local/lib/keys/cognitoLocal.${name}.json`,
  );
  return JSON.parse(readFileSync(file, 'utf8')) as KeyFile;
}

export interface CognitoLocalKey {
  kid: string;
  privateKey: CryptoKey;
  /** The public key as PEM text, for algorithm-confusion attacks. */
  publicPem: string;
}

export async function cognitoLocalKey(): Promise<CognitoLocalKey> {
  const { jwk } = keyFile('private');
  const privateKey = (await importJWK(jwk, 'RS256')) as CryptoKey;
  return { kid: jwk.kid, privateKey, publicPem: keyFile('public').pem };
}

/** A real token's claims and header, to forge from one change at a time. */
export function tokenParts(token: string) {
  return { header: decodeProtectedHeader(token), claims: decodeJwt(token) };
}

/** Signs the claims exactly as given: no time claim is added or moved. */
export function signRs256(
  key: CognitoLocalKey,
  claims: JWTPayload,
  kid = key.kid,
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid })
    .sign(key.privateKey);
}

/** HS256 keyed with the public key's PEM text, as a confused verifier might. */
export function signHs256WithPublicKey(
  key: CognitoLocalKey,
  claims: JWTPayload,
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', kid: key.kid })
    .sign(new TextEncoder().encode(key.publicPem));
}

/** An `alg: none` token: header and claims with an empty signature. */
export function unsigned(claims: JWTPayload, kid: string): string {
  const part = (value: object) =>
    base64url.encode(new TextEncoder().encode(JSON.stringify(value)));
  return `${part({ alg: 'none', kid })}.${part(claims)}.`;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
