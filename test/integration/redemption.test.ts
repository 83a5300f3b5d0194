import { beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../support/api.js';
import {
  type IssuingCentre,
  issuingCentre,
  preAuthorizedCodeOf,
  tokenRequest,
  vouchAndOffer,
  type WalletKey,
  walletKey,
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
  let key: WalletKey;
  let next = 0;
  const student = () => {
    const s = centre.form11a[next++];
    if (!s) throw new Error('out of students');
    return s;
  };
  /** A fresh offer for the next student of 11A, made by the tutor. */
  const offerForNext = () =>
    vouchAndOffer(stack, centre.urn, centre.tutor.token, student().studentId);
  const exchangeWith = (form: Record<string, string>) =>
    tokenRequest(stack.apiUrl, form, key);
  const status = async (offerId: string) =>
    (
      await call('GET', `/centres/${centre.urn}/offers/${offerId}`, {
        token: centre.tutor.token,
      })
    ).body;

  beforeAll(async () => {
    centre = await issuingCentre(stack, { lifetimeMinutes: 30 });
    key = await walletKey();
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
    const offer = await offerForNext();
    const code = await preAuthorizedCodeOf(offer.credentialOffer);

    const answers = await Promise.all(
      Array.from({ length: 12 }, () =>
        exchangeWith({
          grant_type: grantType,
          'pre-authorized_code': code,
          tx_code: offer.txCode,
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
    const offer = await offerForNext();

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
    const offer = await offerForNext();
    const code = await preAuthorizedCodeOf(offer.credentialOffer);
    const wrong = offer.txCode === '000000' ? '111111' : '000000';
    const exchange = (tx: string) =>
      exchangeWith({
        grant_type: grantType,
        'pre-authorized_code': code,
        tx_code: tx,
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
    const offer = await offerForNext();
    const code = await preAuthorizedCodeOf(offer.credentialOffer);
    const wrong = offer.txCode === '000000' ? '111111' : '000000';

    const first = await exchangeWith({
      grant_type: grantType,
      'pre-authorized_code': code,
      tx_code: wrong,
    });
    const second = await exchangeWith({
      grant_type: grantType,
      'pre-authorized_code': code,
      tx_code: offer.txCode,
    });

    expect(first.status).toBe(400);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({
      token_type: 'DPoP',
      expires_in: 300,
    });
    expect(second.body.refresh_token).toEqual(expect.any(String));
    expect(second.headers.get('cache-control')).toBe('no-store');
  });

  it('answers OAuth errors for bad token requests', async () => {
    const noGrant = await exchangeWith({ grant_type: 'password' });
    const noTx = await exchangeWith({
      grant_type: grantType,
      'pre-authorized_code': 'AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBB',
    });
    const json = await call('POST', '/token', {
      json: { grant_type: grantType },
    });
    const noProof = await call('POST', '/token', {
      form: { grant_type: grantType, tx_code: '123456' },
    });
    const unknown = await exchangeWith({
      grant_type: grantType,
      'pre-authorized_code': 'AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBB',
      tx_code: '123456',
    });

    expect(noGrant.body.error).toBe('unsupported_grant_type');
    expect(noTx.body.error).toBe('invalid_request');
    expect(json.status).toBe(400);
    expect(json.body.error).toBe('invalid_request');
    expect(unknown.body).toEqual({
      error: 'invalid_grant',
      error_description: expect.any(String),
    });
    expect(noProof.status).toBe(400);
    expect(noProof.body.error).toBe('invalid_dpop_proof');
  });

  it('refuses a reused c_nonce with invalid_nonce', async () => {
    const offer = await offerForNext();
    const code = await preAuthorizedCodeOf(offer.credentialOffer);
    const token = await tokenRequest(
      stack.apiUrl,
      {
        grant_type: grantType,
        'pre-authorized_code': code,
        tx_code: offer.txCode,
      },
      key,
    );
    const { SignJWT, importJWK } = await import('jose');
    const { dpopProof } = await import('../support/wallet-client.js');
    const nonce = (await call('POST', '/nonce')).body.c_nonce;
    const proof = await new SignJWT({ nonce, aud: stack.apiUrl })
      .setProtectedHeader({
        alg: 'ES256',
        typ: 'openid4vci-proof+jwt',
        jwk: key.jwk,
      })
      .setIssuedAt()
      .sign(await importJWK(key.privateJwk as never, 'ES256'));
    const request = async () =>
      call('POST', '/credential', {
        headers: {
          Authorization: `DPoP ${token.body.access_token}`,
          DPoP: await dpopProof({
            privateJwk: key.privateJwk,
            jwk: key.jwk,
            method: 'POST',
            url: `${stack.apiUrl}/credential`,
            accessToken: token.body.access_token,
          }),
        },
        json: {
          credential_configuration_id: 'EducationRecord',
          proofs: { jwt: [proof] },
        },
      });

    const first = await request();
    const replay = await request();
    const asBearer = await call('POST', '/credential', {
      headers: { Authorization: `Bearer ${token.body.access_token}` },
      json: {
        credential_configuration_id: 'EducationRecord',
        proofs: { jwt: [proof] },
      },
    });

    expect(first.status).toBe(200);
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_nonce');
    expect(asBearer.status).toBe(401);
    expect(asBearer.body.error).toBe('invalid_token');
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
    expect(as.body.dpop_signing_alg_values_supported).toEqual(['ES256']);
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

describe('guessing the tx_code', () => {
  it('checks at most five tx_codes of a burst of parallel guesses', async () => {
    const centre = await issuingCentre(stack, { lifetimeMinutes: 30 });
    const offer = await vouchAndOffer(
      stack,
      centre.urn,
      centre.tutor.token,
      centre.form11a[0]?.studentId ?? '',
    );
    const code = await preAuthorizedCodeOf(offer.credentialOffer);
    const key = await walletKey();
    const guesses = Array.from({ length: 40 }, (_, i) =>
      String((Number(offer.txCode) + 1 + i) % 1_000_000).padStart(6, '0'),
    );
    guesses.splice(20, 0, offer.txCode);

    const answers = await Promise.all(
      guesses.map((tx) =>
        tokenRequest(
          stack.apiUrl,
          { grant_type: grantType, 'pre-authorized_code': code, tx_code: tx },
          key,
        ),
      ),
    );
    const checkedWrong = answers.filter((a) =>
      /tx_code is wrong/.test(a.body.error_description ?? ''),
    );

    expect(checkedWrong.length).toBeLessThanOrEqual(5);
    expect(answers.filter((a) => a.status === 200).length).toBeLessThanOrEqual(
      1,
    );
    for (const a of answers.filter((a) => a.status !== 200)) {
      expect(a.body.error).toBe('invalid_grant');
    }
  });
});

describe('a first record', () => {
  it('is refused once the student has left the roll', async () => {
    const centre = await issuingCentre(stack, { lifetimeMinutes: 30 });
    const who = centre.form11a[0];
    const offer = await vouchAndOffer(
      stack,
      centre.urn,
      centre.tutor.token,
      who?.studentId ?? '',
    );
    const { sampleFile } = await import('../support/api.js');
    const roster = sampleFile('oakfield', 'roster.csv')
      .toString('utf8')
      .split('\r\n')
      .filter(
        (line) =>
          !line.includes(`,${who?.legalSurname},${who?.legalForename},`),
      )
      .join('\r\n');
    await call('POST', `/centres/${centre.urn}/students/import?roll=full`, {
      token: centre.admin.token,
      csv: roster,
    });

    const seen = await call(
      'GET',
      `/centres/${centre.urn}/offers/${offer.offerId}`,
      {
        token: centre.tutor.token,
      },
    );
    const scan = await fetch(
      new URL(offer.credentialOffer).searchParams.get('credential_offer_uri') ??
        '',
    );

    expect(seen.body).toMatchObject({
      status: 'revoked',
      revokedReason: 'student-left',
    });
    expect(scan.status).toBe(404);
  });

  it('is refused while the centre is suspended', async () => {
    const centre = await issuingCentre(stack, { lifetimeMinutes: 30 });
    const offer = await vouchAndOffer(
      stack,
      centre.urn,
      centre.tutor.token,
      centre.form11a[1]?.studentId ?? '',
    );
    const { operatorToken } = await import('../support/scenario.js');
    const operator = await operatorToken(stack);
    await call('PATCH', `/centres/${centre.urn}`, {
      token: operator,
      json: { status: 'suspended' },
    });

    const result = await redeemOffer({
      credentialOfferUri: offer.credentialOffer,
      txCode: offer.txCode,
    }).then(
      () => 'delivered',
      (error: Error) => error.message,
    );
    await call('PATCH', `/centres/${centre.urn}`, {
      token: operator,
      json: { status: 'active' },
    });

    expect(result).toMatch(/invalid_credential_request|no longer issue/);
  });
});
