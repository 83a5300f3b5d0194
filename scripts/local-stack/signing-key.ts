/**
 * The local stand-in for the region's KMS signing key: a P-256 private JWK
 * in a file only its owner may read. Handlers find it through
 * SIGNING_KEY_FILE.
 */
import { createHash, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Makes the key file unless one is there; returns its path. */
export function ensureSigningKey(file: string): string {
  if (existsSync(file)) return file;

  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' });
  const key = { ...jwk, kid: thumbprint(jwk), alg: 'ES256', use: 'sig' };

  mkdirSync(dirname(file), { recursive: true });
  // `wx` refuses to follow a file that appeared since the check above.
  writeFileSync(file, `${JSON.stringify(key, null, 2)}\n`, {
    mode: 0o600,
    flag: 'wx',
  });

  return file;
}

/** The RFC 7638 thumbprint: SHA-256 over the required members in order. */
function thumbprint(jwk: JsonWebKey): string {
  const { crv, kty, x, y } = jwk;

  return createHash('sha256')
    .update(JSON.stringify({ crv, kty, x, y }))
    .digest('base64url');
}
