/**
 * A lean wallet for load, as test/support/http-wallet.ts makes one: the
 * requests the library's wallet makes for the token, nonce and credential
 * (DPoP-bound, with a proof of the holder key), its key kept as a key
 * object so a proof costs one signature.
 */
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { accessTokenHash } from '../../functions/wallet/dpop.js';
import type { Timer } from './load.js';

export interface Key {
  privateKey: CryptoKey;
  jwk: JWK;
}

export interface Wallet {
  key: Key;
  accessToken: string;
  refreshToken: string;
  credential: string;
}

export const preAuthorized =
  'urn:ietf:params:oauth:grant-type:pre-authorized_code';

export async function newKey(): Promise<Key> {
  const pair = await generateKeyPair('ES256', { extractable: true });
  const { kty, crv, x, y } = await exportJWK(pair.publicKey);
  return { privateKey: pair.privateKey as CryptoKey, jwk: { kty, crv, x, y } };
}

function dpop(key: Key, url: string, accessToken?: string): Promise<string> {
  return new SignJWT({
    jti: randomBytes(16).toString('base64url'),
    htm: 'POST',
    htu: url,
    ...(accessToken ? { ath: accessTokenHash(accessToken) } : {}),
  })
    .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.jwk })
    .setIssuedAt()
    .sign(key.privateKey);
}

// biome-ignore lint/suspicious/noExplicitAny: the answers are the API's
async function json(response: Response): Promise<any> {
  return response.json();
}

async function token(
  apiUrl: string,
  key: Key,
  form: Record<string, string>,
  time: Timer,
  kind: string,
) {
  const url = `${apiUrl}/token`;
  const proof = await dpop(key, url);
  return json(
    await time(kind, () =>
      fetch(url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          DPoP: proof,
        },
        body: new URLSearchParams(form).toString(),
      }),
    ),
  );
}

async function credential(
  apiUrl: string,
  key: Key,
  accessToken: string,
  time: Timer,
): Promise<string> {
  const { c_nonce: nonce } = await json(
    await time('nonce', () => fetch(`${apiUrl}/nonce`, { method: 'POST' })),
  );
  const proof = await new SignJWT({ nonce, aud: apiUrl })
    .setProtectedHeader({
      alg: 'ES256',
      typ: 'openid4vci-proof+jwt',
      jwk: key.jwk,
    })
    .setIssuedAt()
    .sign(key.privateKey);
  const url = `${apiUrl}/credential`;
  const proofOfPossession = await dpop(key, url, accessToken);
  const answer = await json(
    await time('credential', () =>
      fetch(url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Authorization: `DPoP ${accessToken}`,
          DPoP: proofOfPossession,
        },
        body: JSON.stringify({
          credential_configuration_id: 'EducationRecord',
          proofs: { jwt: [proof] },
        }),
      }),
    ),
  );
  return answer.credentials[0].credential;
}

/** The pre-authorized code of an offer, read as a wallet reads the QR. */
export async function scan(credentialOffer: string): Promise<string> {
  const uri = new URL(credentialOffer).searchParams.get('credential_offer_uri');
  const response = await fetch(uri ?? '');
  if (!response.ok) throw new Error(`offer answered ${response.status}`);
  const offer = await json(response);
  return offer.grants[preAuthorized]['pre-authorized_code'];
}

/** Token, nonce and credential for one scanned offer. */
export async function redeem(
  apiUrl: string,
  code: string,
  txCode: string,
  time: Timer,
): Promise<Wallet> {
  const key = await newKey();
  const grant = await token(
    apiUrl,
    key,
    { grant_type: preAuthorized, 'pre-authorized_code': code, tx_code: txCode },
    time,
    'token',
  );
  return {
    key,
    accessToken: grant.access_token,
    refreshToken: grant.refresh_token,
    credential: await credential(apiUrl, key, grant.access_token, time),
  };
}

export async function refresh(
  apiUrl: string,
  wallet: Wallet,
  time: Timer,
): Promise<Wallet> {
  const grant = await token(
    apiUrl,
    wallet.key,
    { grant_type: 'refresh_token', refresh_token: wallet.refreshToken },
    time,
    'refresh token',
  );
  return {
    key: wallet.key,
    accessToken: grant.access_token,
    refreshToken: grant.refresh_token,
    credential: await credential(apiUrl, wallet.key, grant.access_token, time),
  };
}

/** The record's claims with every disclosure applied. */
export { disclosedClaims as claimsOf } from '../../test/support/http-wallet.js';
