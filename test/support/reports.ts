import { createHash } from 'node:crypto';
import { importJWK, SignJWT } from 'jose';
import { apiClient } from './api.js';
import type { LinkedWallet } from './http-wallet.js';

/**
 * The wallet's record with a key binding for a fresh nonce, as the app
 * presents it to report an error or read a report's status.
 */
export async function present(
  apiUrl: string,
  wallet: LinkedWallet,
  options: { nonce?: string; aud?: string } = {},
): Promise<{ presentation: string; nonce: string }> {
  const call = apiClient(apiUrl);
  const nonce = options.nonce ?? (await call('POST', '/nonce')).body.c_nonce;
  const sdJwt = wallet.credential.endsWith('~')
    ? wallet.credential
    : `${wallet.credential}~`;
  const kb = await new SignJWT({
    aud: options.aud ?? apiUrl,
    nonce,
    sd_hash: createHash('sha256').update(sdJwt).digest('base64url'),
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'kb+jwt' })
    .setIssuedAt()
    .sign(await importJWK(wallet.key.privateJwk as never, 'ES256'));

  return { presentation: `${sdJwt}${kb}`, nonce };
}
