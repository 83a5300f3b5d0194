import { createHash } from 'node:crypto';
import { importJWK, SignJWT } from 'jose';
import { dpopProof } from '../../scripts/wallet/wallet-client.js';
import { type WalletKey, walletKey } from './issuing.js';

/**
 * A lean wallet for load: the same requests the library's wallet makes for
 * the token, nonce and credential, without its metadata discovery, so a
 * test can drive thousands of them. The library's own wallet is tested in
 * redemption.test.ts.
 */
export interface LinkedWallet {
  key: WalletKey;
  accessToken: string;
  refreshToken: string;
  credential: string;
}

const preAuthorized = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';

async function post(
  apiUrl: string,
  path: string,
  init: { headers?: Record<string, string>; body?: string },
  // biome-ignore lint/suspicious/noExplicitAny: the answers are the API's
): Promise<any> {
  const response = await fetch(`${apiUrl}${path}`, { method: 'POST', ...init });
  const body = await response.json();
  if (!response.ok) {
    throw new Error(`${path} answered ${response.status}: ${body.error}`);
  }
  return body;
}

async function tokens(
  apiUrl: string,
  key: WalletKey,
  form: Record<string, string>,
) {
  return post(apiUrl, '/token', {
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      DPoP: await dpopProof({
        privateJwk: key.privateJwk,
        jwk: key.jwk,
        method: 'POST',
        url: `${apiUrl}/token`,
      }),
    },
    body: new URLSearchParams(form).toString(),
  });
}

async function credential(
  apiUrl: string,
  key: WalletKey,
  accessToken: string,
): Promise<string> {
  const { c_nonce: nonce } = await post(apiUrl, '/nonce', {});
  const proof = await new SignJWT({ nonce, aud: apiUrl })
    .setProtectedHeader({
      alg: 'ES256',
      typ: 'openid4vci-proof+jwt',
      jwk: key.jwk as never,
    })
    .setIssuedAt()
    .sign(await importJWK(key.privateJwk as never, 'ES256'));
  const answer = await post(apiUrl, '/credential', {
    headers: {
      'Content-Type': 'application/json',
      Authorization: `DPoP ${accessToken}`,
      DPoP: await dpopProof({
        privateJwk: key.privateJwk,
        jwk: key.jwk,
        method: 'POST',
        url: `${apiUrl}/credential`,
        accessToken,
      }),
    },
    body: JSON.stringify({
      credential_configuration_id: 'EducationRecord',
      proofs: { jwt: [proof] },
    }),
  });
  return answer.credentials[0].credential;
}

export async function linkWallet(
  apiUrl: string,
  credentialOffer: string,
  txCode: string,
): Promise<LinkedWallet> {
  const uri = new URL(credentialOffer).searchParams.get('credential_offer_uri');
  const offer = await (await fetch(uri ?? '')).json();
  const code = offer.grants[preAuthorized]['pre-authorized_code'] as string;
  const key = await walletKey();
  const grant = await tokens(apiUrl, key, {
    grant_type: preAuthorized,
    'pre-authorized_code': code,
    tx_code: txCode,
  });
  return {
    key,
    accessToken: grant.access_token,
    refreshToken: grant.refresh_token,
    credential: await credential(apiUrl, key, grant.access_token),
  };
}

export async function refreshWallet(
  apiUrl: string,
  wallet: LinkedWallet,
): Promise<LinkedWallet> {
  const grant = await tokens(apiUrl, wallet.key, {
    grant_type: 'refresh_token',
    refresh_token: wallet.refreshToken,
  });
  return {
    key: wallet.key,
    accessToken: grant.access_token,
    refreshToken: grant.refresh_token,
    credential: await credential(apiUrl, wallet.key, grant.access_token),
  };
}

/** The record's claims, every disclosure applied. */
export function disclosedClaims(record: string) {
  const [jwt = '', ...disclosures] = record.split('~').filter(Boolean);
  const decode = (part: string) =>
    JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  const byDigest = new Map(
    disclosures.map((d) => [
      createHash('sha256').update(d).digest('base64url'),
      decode(d) as unknown[],
    ]),
  );
  const payload = decode(jwt.split('.')[1] ?? '');
  const out: Record<string, unknown> = { ...payload };
  for (const digest of payload._sd ?? []) {
    const [, name, value] = byDigest.get(digest) ?? [];
    if (typeof name === 'string') out[name] = value;
  }
  const quals = (out.qualifications ?? []) as { '...': string }[];
  out.qualifications = quals.map((q) => byDigest.get(q['...'])?.[1]);
  return out as {
    given_name: string;
    family_name: string;
    birthdate: string;
    qualifications: { qan: string; grade: string; title: string }[];
    pendingSeries?: { seriesId: string; releaseAt: string }[];
    status: { status_list: { idx: number; uri: string } };
  };
}

/** Runs tasks with at most `lanes` in flight. */
export async function inLanes<T, R>(
  items: T[],
  lanes: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(lanes, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        out[index] = await work(items[index] as T, index);
      }
    }),
  );
  return out;
}

export { walletKey };
