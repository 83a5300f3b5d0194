import { beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../support/api.js';
import {
  type IssuingCentre,
  issuingCentre,
  preAuthorizedCodeOf,
  vouchAndOffer,
} from '../support/issuing.js';
import { useLocalStack } from '../support/local-stack.js';
import {
  redeemOffer,
  verifyEducationRecord,
} from '../support/wallet-client.js';

const stack = useLocalStack();
const call = apiClient(stack.apiUrl);
const grantType = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';

describe('redemption', () => {
  let centre: IssuingCentre;
  let next = 0;
  const student = () => {
    const s = centre.form11a[next++];
    if (!s) throw new Error('out of students');
    return s;
  };
  const status = async (offerId: string) =>
    (
      await call('GET', `/centres/${centre.urn}/offers/${offerId}`, {
        token: centre.tutor.token,
      })
    ).body;

  beforeAll(async () => {
    centre = await issuingCentre(stack, { lifetimeMinutes: 30 });
  });

  it('delivers the record to the wallet that scans the code, and nowhere else', async () => {
    const who = student();
    const offer = await vouchAndOffer(
      stack,
      centre.urn,
      centre.tutor.token,
      who.studentId,
    );

    const wallet = await redeemOffer({
      credentialOfferUri: offer.credentialOffer,
      txCode: offer.txCode,
    });
    const { claims } = await verifyEducationRecord(wallet.credential, {
      issuer: stack.apiUrl,
    });

    expect(claims).toMatchObject({
      given_name: who.legalForename,
      family_name: who.legalSurname,
      centre: { urn: centre.urn },
      qualifications: [],
    });
    expect(claims.birthdate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect((claims.cnf as { jwk: { x: string } }).jwk.x).toBe(
      (wallet.holderJwk as { x: string }).x,
    );
    const seen = await status(offer.offerId);
    expect(seen.status).toBe('delivered');
    expect(seen.scannedAt).toBeTruthy();
    expect(seen.redeemedAt).toBeTruthy();
  });

  it('lets exactly one of many concurrent exchanges of a code succeed', async () => {
    const offer = await vouchAndOffer(
      stack,
      centre.urn,
      centre.tutor.token,
      student().studentId,
    );
    const code = await preAuthorizedCodeOf(offer.credentialOffer);

    const answers = await Promise.all(
      Array.from({ length: 12 }, () =>
        call('POST', '/token', {
          form: {
            grant_type: grantType,
            'pre-authorized_code': code,
            tx_code: offer.txCode,
          },
        }),
      ),
    );

    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    for (const a of answers.filter((a) => a.status !== 200)) {
      expect(a.status).toBe(400);
      expect(a.body.error).toBe('invalid_grant');
    }
  });

  it('yields exactly one credential when two wallets redeem one offer at once', async () => {
    const offer = await vouchAndOffer(
      stack,
      centre.urn,
      centre.tutor.token,
      student().studentId,
    );

    const results = await Promise.allSettled([
      redeemOffer({
        credentialOfferUri: offer.credentialOffer,
        txCode: offer.txCode,
      }),
      redeemOffer({
        credentialOfferUri: offer.credentialOffer,
        txCode: offer.txCode,
      }),
    ]);

    const failures = results.flatMap((r) =>
      r.status === 'rejected' ? [String(r.reason)] : [],
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/invalid_grant|400/);
  });

  it('keeps the offer after a wrong tx_code, and revokes it at the fifth', async () => {
    const offer = await vouchAndOffer(
      stack,
      centre.urn,
      centre.tutor.token,
      student().studentId,
    );
    const code = await preAuthorizedCodeOf(offer.credentialOffer);
    const wrong = offer.txCode === '000000' ? '111111' : '000000';
    const exchange = (tx: string) =>
      call('POST', '/token', {
        form: {
          grant_type: grantType,
          'pre-authorized_code': code,
          tx_code: tx,
        },
      });

    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await exchange(wrong));
    const stillLive = await status(offer.offerId);
    const fifth = await exchange(wrong);
    const right = await exchange(offer.txCode);
    const revoked = await status(offer.offerId);

    for (const a of answers) expect(a.body.error).toBe('invalid_grant');
    expect(stillLive.status).toBe('scanned');
    expect(fifth.body.error).toBe('invalid_grant');
    expect(right.status).toBe(400);
    expect(revoked).toMatchObject({
      status: 'revoked',
      revokedReason: 'too-many-wrong-codes',
    });
  });

  it('still accepts the right tx_code after one wrong try', async () => {
    const offer = await vouchAndOffer(
      stack,
      centre.urn,
      centre.tutor.token,
      student().studentId,
    );
    const code = await preAuthorizedCodeOf(offer.credentialOffer);
    const wrong = offer.txCode === '000000' ? '111111' : '000000';

    const first = await call('POST', '/token', {
      form: {
        grant_type: grantType,
        'pre-authorized_code': code,
        tx_code: wrong,
      },
    });
    const second = await call('POST', '/token', {
      form: {
        grant_type: grantType,
        'pre-authorized_code': code,
        tx_code: offer.txCode,
      },
    });

    expect(first.status).toBe(400);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 300,
    });
    expect(second.headers.get('cache-control')).toBe('no-store');
  });

  it('answers OAuth errors for bad token requests', async () => {
    const noGrant = await call('POST', '/token', {
      form: { grant_type: 'password' },
    });
    const noTx = await call('POST', '/token', {
      form: {
        grant_type: grantType,
        'pre-authorized_code': 'AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBB',
      },
    });
    const json = await call('POST', '/token', {
      json: { grant_type: grantType },
    });
    const unknown = await call('POST', '/token', {
      form: {
        grant_type: grantType,
        'pre-authorized_code': 'AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBB',
        tx_code: '123456',
      },
    });

    expect(noGrant.body.error).toBe('unsupported_grant_type');
    expect(noTx.body.error).toBe('invalid_request');
    expect(json.status).toBe(400);
    expect(json.body.error).toBe('invalid_request');
    expect(unknown.body).toEqual({
      error: 'invalid_grant',
      error_description: expect.any(String),
    });
  });

  it('refuses a reused c_nonce with invalid_nonce', async () => {
    const offer = await vouchAndOffer(
      stack,
      centre.urn,
      centre.tutor.token,
      student().studentId,
    );
    const code = await preAuthorizedCodeOf(offer.credentialOffer);
    const token = await call('POST', '/token', {
      form: {
        grant_type: grantType,
        'pre-authorized_code': code,
        tx_code: offer.txCode,
      },
    });
    const { generateKeyPair, exportJWK, SignJWT } = await import('jose');
    const keys = await generateKeyPair('ES256');
    const jwk = await exportJWK(keys.publicKey);
    const nonce = (await call('POST', '/nonce')).body.c_nonce;
    const proof = await new SignJWT({ nonce, aud: stack.apiUrl })
      .setProtectedHeader({ alg: 'ES256', typ: 'openid4vci-proof+jwt', jwk })
      .setIssuedAt()
      .sign(keys.privateKey);
    const request = () =>
      call('POST', '/credential', {
        headers: { Authorization: `Bearer ${token.body.access_token}` },
        json: {
          credential_configuration_id: 'EducationRecord',
          proofs: { jwt: [proof] },
        },
      });

    const first = await request();
    const replay = await request();

    expect(first.status).toBe(200);
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_nonce');
  });

  it('refuses the credential endpoint without a good access token', async () => {
    const none = await call('POST', '/credential', {
      json: {
        credential_configuration_id: 'EducationRecord',
        proofs: { jwt: ['x'] },
      },
    });
    const bad = await call('POST', '/credential', {
      headers: {
        Authorization: 'Bearer AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBB',
      },
      json: {
        credential_configuration_id: 'EducationRecord',
        proofs: { jwt: ['x'] },
      },
    });

    expect(none.status).toBe(401);
    expect(none.body.error).toBe('invalid_token');
    expect(bad.status).toBe(401);
  });

  it("publishes issuer metadata at the issuer's own well-known address", async () => {
    const issuer = await call('GET', '/.well-known/openid-credential-issuer');
    const as = await call('GET', '/.well-known/oauth-authorization-server');
    const jwks = await call('GET', '/.well-known/jwt-vc-issuer');

    expect(issuer.body.credential_issuer).toBe(stack.apiUrl);
    expect(issuer.body.credential_endpoint).toBe(`${stack.apiUrl}/credential`);
    expect(as.body.token_endpoint).toBe(`${stack.apiUrl}/token`);
    expect(jwks.body.jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256' });
    expect(jwks.body.jwks.keys[0]).not.toHaveProperty('d');
  });
});

describe('expiry', () => {
  it('moves an unscanned offer to expired at its time, and refuses it after', async () => {
    const centre = await issuingCentre(stack, { lifetimeMinutes: 2 });
    const who = centre.form11a[0]?.studentId ?? '';
    const offer = await vouchAndOffer(
      stack,
      centre.urn,
      centre.tutor.token,
      who,
    );
    const lifetimeMs = new Date(offer.body.expiresAt).getTime() - Date.now();
    expect(lifetimeMs).toBeLessThan(20_000);

    let seen: { status: string; expiredAt?: string } = { status: 'issued' };
    const deadline = Date.now() + lifetimeMs + 15_000;
    while (Date.now() < deadline && !seen.expiredAt) {
      await new Promise((r) => setTimeout(r, 500));
      seen = (
        await call('GET', `/centres/${centre.urn}/offers/${offer.offerId}`, {
          token: centre.tutor.token,
        })
      ).body;
    }
    const scan = await fetch(
      new URL(offer.credentialOffer).searchParams.get('credential_offer_uri') ??
        '',
    );

    expect(seen.status).toBe('expired');
    expect(seen.expiredAt).toBeTruthy();
    expect(scan.status).toBe(404);
  });
});
