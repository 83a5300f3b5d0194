import {
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { CompactSign, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  ProofError,
  type ProofErrorCode,
  peekProofNonce,
  verifyProofJwt,
} from '../../../functions/wallet/proof.js';

const ISSUER = 'https://records.london.education-record.example.org';
const NONCE = 'wKI4LT17ac15ES9bw8ac4';
const NOW = new Date('2026-01-15T10:00:00Z');
const NOW_SECONDS = NOW.getTime() / 1000;

function newHolder() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
  });

  return {
    privateKey,
    publicJwk: publicKey.export({ format: 'jwk' }) as JsonWebKey,
  };
}

const holder = newHolder();

interface ProofParts {
  header?: Record<string, unknown>;
  payload?: Record<string, unknown>;
  key?: KeyObject | Uint8Array;
}

/** A proof as a wallet would send it, with parts replaced as asked. */
async function aProof(parts: ProofParts = {}): Promise<string> {
  const header = {
    typ: 'openid4vci-proof+jwt',
    alg: 'ES256',
    jwk: holder.publicJwk,
    ...parts.header,
  };
  const payload = {
    aud: ISSUER,
    iat: NOW_SECONDS - 5,
    nonce: NONCE,
    ...parts.payload,
  };

  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader(
      header as Parameters<CompactSign['setProtectedHeader']>[0],
    )
    .sign(parts.key ?? holder.privateKey);
}

function unsigned(header: object, payload: object): string {
  const encode = (value: object) =>
    Buffer.from(JSON.stringify(value)).toString('base64url');

  return `${encode(header)}.${encode(payload)}.`;
}

const expectations = { audience: ISSUER, nonce: NONCE, now: NOW };

async function expectRefusal(
  jwt: string | Promise<string>,
  code: ProofErrorCode,
  reason: RegExp,
  overrides: Partial<typeof expectations & { maxAgeSeconds: number }> = {},
) {
  const error = await verifyProofJwt(await jwt, {
    ...expectations,
    ...overrides,
  }).then(
    () => undefined,
    (caught: unknown) => caught,
  );

  expect(error).toBeInstanceOf(ProofError);
  expect(error).toMatchObject({ name: 'ProofError', code });
  expect((error as Error).message).toMatch(reason);
}

describe('verifyProofJwt', () => {
  it('returns the public key a valid proof was signed with', async () => {
    const { holderJwk } = await verifyProofJwt(await aProof(), expectations);

    expect(holderJwk).toEqual(holder.publicJwk);
  });

  it('returns the key members alone, not header jwk extras', async () => {
    const proof = await aProof({
      header: { jwk: { ...holder.publicJwk, kid: 'k1', use: 'sig' } },
    });

    const { holderJwk } = await verifyProofJwt(proof, expectations);

    expect(holderJwk).toEqual(holder.publicJwk);
  });

  it('accepts the typ with its application/ prefix', async () => {
    const proof = await aProof({
      header: { typ: 'application/openid4vci-proof+jwt' },
    });

    await expect(verifyProofJwt(proof, expectations)).resolves.toBeDefined();
  });

  it('refuses a token that is not a compact JWS', async () => {
    await expectRefusal('not-a-jwt', 'invalid_proof', /not a compact JWS/);
  });

  it('refuses a proof typed as a plain JWT', async () => {
    await expectRefusal(
      aProof({ header: { typ: 'JWT' } }),
      'invalid_proof',
      /typ must be openid4vci-proof\+jwt/,
    );
  });

  it('refuses a proof with no typ', async () => {
    await expectRefusal(
      aProof({ header: { typ: undefined } }),
      'invalid_proof',
      /typ must be/,
    );
  });

  it('refuses alg none', async () => {
    const proof = unsigned(
      { typ: 'openid4vci-proof+jwt', alg: 'none', jwk: holder.publicJwk },
      { aud: ISSUER, iat: NOW_SECONDS, nonce: NONCE },
    );

    await expectRefusal(proof, 'invalid_proof', /none and MAC/);
  });

  it('refuses an HMAC proof', async () => {
    const proof = aProof({
      header: { alg: 'HS256' },
      key: new TextEncoder().encode('a-shared-secret-of-32-bytes-long!'),
    });

    await expectRefusal(proof, 'invalid_proof', /must be one of ES256/);
  });

  it('refuses an algorithm the issuer does not advertise', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', {
      namedCurve: 'P-384',
    });
    const proof = aProof({
      header: { alg: 'ES384', jwk: publicKey.export({ format: 'jwk' }) },
      key: privateKey,
    });

    await expectRefusal(proof, 'invalid_proof', /must be one of ES256/);
  });

  it('refuses a proof that names its key by kid', async () => {
    await expectRefusal(
      aProof({ header: { jwk: undefined, kid: 'did:example:123#key-1' } }),
      'invalid_proof',
      /kid proofs are not supported/,
    );
  });

  it('refuses a proof with both kid and jwk', async () => {
    await expectRefusal(
      aProof({ header: { kid: 'key-1' } }),
      'invalid_proof',
      /kid proofs are not supported/,
    );
  });

  it('refuses a proof carrying an x5c chain', async () => {
    await expectRefusal(
      aProof({ header: { jwk: undefined, x5c: ['MIIB'] } }),
      'invalid_proof',
      /x5c proofs are not supported/,
    );
  });

  it('refuses a proof with no key at all', async () => {
    await expectRefusal(
      aProof({ header: { jwk: undefined } }),
      'invalid_proof',
      /has no jwk/,
    );
  });

  it('refuses a header jwk that holds a private key', async () => {
    const privateJwk = holder.privateKey.export({ format: 'jwk' });

    await expectRefusal(
      aProof({ header: { jwk: privateJwk } }),
      'invalid_proof',
      /contains a private key/,
    );
  });

  it('refuses a header jwk that is not a P-256 key', async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });

    await expectRefusal(
      aProof({ header: { jwk: publicKey.export({ format: 'jwk' }) as JWK } }),
      'invalid_proof',
      /must be a P-256 EC public key/,
    );
  });

  it('refuses a proof signed by a key other than the one in jwk', async () => {
    await expectRefusal(
      aProof({ key: newHolder().privateKey }),
      'invalid_proof',
      /signature does not verify/,
    );
  });

  it('refuses a proof for another issuer', async () => {
    await expectRefusal(
      aProof({ payload: { aud: 'https://other-issuer.example' } }),
      'invalid_proof',
      /aud must be/,
    );
  });

  it('refuses an aud given as an array', async () => {
    await expectRefusal(
      aProof({ payload: { aud: [ISSUER] } }),
      'invalid_proof',
      /aud must be/,
    );
  });

  it('refuses a proof with no iat', async () => {
    await expectRefusal(
      aProof({ payload: { iat: undefined } }),
      'invalid_proof',
      /has no iat/,
    );
  });

  it('refuses a proof issued more than five minutes ago', async () => {
    await expectRefusal(
      aProof({ payload: { iat: NOW_SECONDS - 301 } }),
      'invalid_proof',
      /more than 300 s from now/,
    );
  });

  it('refuses a proof dated more than five minutes ahead', async () => {
    await expectRefusal(
      aProof({ payload: { iat: NOW_SECONDS + 301 } }),
      'invalid_proof',
      /more than 300 s from now/,
    );
  });

  it('takes a narrower window when asked', async () => {
    await expectRefusal(
      aProof({ payload: { iat: NOW_SECONDS - 61 } }),
      'invalid_proof',
      /more than 60 s/,
      { maxAgeSeconds: 60 },
    );
  });

  it('refuses a proof past its own exp', async () => {
    await expectRefusal(
      aProof({ payload: { exp: NOW_SECONDS - 1 } }),
      'invalid_proof',
      /has expired/,
    );
  });

  it('refuses a proof with no nonce as an invalid proof', async () => {
    await expectRefusal(
      aProof({ payload: { nonce: undefined } }),
      'invalid_proof',
      /has no nonce/,
    );
  });

  it('refuses a stale nonce with invalid_nonce', async () => {
    await expectRefusal(
      aProof({ payload: { nonce: 'an-earlier-nonce' } }),
      'invalid_nonce',
      /not the current c_nonce/,
    );
  });
});

describe('peekProofNonce', () => {
  it('reads the nonce a proof claims, before any check', async () => {
    const proof = await aProof({ key: newHolder().privateKey });

    expect(peekProofNonce(proof)).toBe(NONCE);
  });

  it('gives nothing for a proof with no nonce or no JWT at all', async () => {
    const proof = await aProof({ payload: { nonce: undefined } });

    expect(peekProofNonce(proof)).toBeUndefined();
    expect(peekProofNonce('not-a-jwt')).toBeUndefined();
  });
});
