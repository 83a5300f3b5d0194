import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import fc from 'fast-check';
import { CompactSign, importJWK } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  accessTokenHash,
  DpopError,
  type DpopExpectations,
  dpopAuthorization,
  verifyDpopProof,
} from '../../../functions/wallet/dpop.js';

/** RFC 9449 Figure 5: a token request's proof, made at 1562262616. */
const RFC_TOKEN_PROOF =
  'eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6' +
  'Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZF' +
  'NGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2' +
  'In19.eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIjoiUE9TVCIsImh0dSI6Imh0dHB' +
  'zOi8vc2VydmVyLmV4YW1wbGUuY29tL3Rva2VuIiwiaWF0IjoxNTYyMjYyNjE2fQ.2-GxA6T8' +
  'lP4vfrg8v-FdWP0A0zdrj8igiMLvqRMUvwnQg4PtFLbdLXiOSsX0x7NVY-FNyJK70nfbV37x' +
  'RZT3Lg';

/** RFC 9449 Figure 13: a resource request's proof, made at 1562262618. */
const RFC_RESOURCE_PROOF =
  'eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6' +
  'Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZF' +
  'NGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2' +
  'In19.eyJqdGkiOiJlMWozVl9iS2ljOC1MQUVCIiwiaHRtIjoiR0VUIiwiaHR1IjoiaHR0cHM' +
  '6Ly9yZXNvdXJjZS5leGFtcGxlLm9yZy9wcm90ZWN0ZWRyZXNvdXJjZSIsImlhdCI6MTU2MjI' +
  '2MjYxOCwiYXRoIjoiZlVIeU8ycjJaM0RaNTNFc05yV0JiMHhXWG9hTnk1OUlpS0NBcWtzbVF' +
  'FbyJ9.2oW9RP35yRqzhrtNP86L-Ey71EOptxRimPPToA1plemAgR6pxHF8y6-yqyVnmcw6Fy' +
  '1dqd-jfxSYoMxhAJpLjA';

/** RFC 9449 Figure 6's access token, and Figure 9's thumbprint. */
const RFC_ACCESS_TOKEN = 'Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU';
const RFC_JKT = '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I';

const TOKEN_URL = 'https://records.example.org/token';
const NOW = new Date('2026-08-13T08:00:00Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const ACCESS_TOKEN = 'c2VjcmV0LXRva2Vu.chain-1';

interface KeyPair {
  privateJwk: JsonWebKey;
  jwk: JsonWebKey;
}

function newKeyPair(): KeyPair {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const privateJwk = privateKey.export({ format: 'jwk' }) as JsonWebKey;
  const { kty, crv, x, y } = privateJwk;

  return { privateJwk, jwk: { kty, crv, x, y } };
}

const KEY = newKeyPair();

interface ProofOptions {
  key?: KeyPair;
  header?: Record<string, unknown>;
  payload?: Record<string, unknown>;
}

/** A good token request proof, unless the options spoil it. */
async function proof(options: ProofOptions = {}): Promise<string> {
  const key = options.key ?? KEY;
  const header = {
    typ: 'dpop+jwt',
    alg: 'ES256',
    jwk: key.jwk,
    ...options.header,
  };
  const payload = {
    jti: 'Hk3bVj1-yQp2',
    htm: 'POST',
    htu: TOKEN_URL,
    iat: NOW_SECONDS,
    ...options.payload,
  };
  const signingKey = await importJWK(
    key.privateJwk as Parameters<typeof importJWK>[0],
    'ES256',
  );

  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader(header as { alg: string })
    .sign(signingKey);
}

function base64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

const expectations: DpopExpectations = {
  method: 'POST',
  url: TOKEN_URL,
  now: NOW,
};

async function refusal(
  jwt: string | undefined,
  expect = expectations,
): Promise<DpopError> {
  try {
    await verifyDpopProof(jwt, expect);
  } catch (error) {
    if (error instanceof DpopError) return error;
    throw error;
  }
  throw new Error('The proof was accepted.');
}

describe('verifyDpopProof', () => {
  it('accepts a fresh proof and returns its key, jkt and jti', async () => {
    const verified = await verifyDpopProof(await proof(), expectations);

    expect(verified).toEqual({
      jkt: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      jwk: KEY.jwk,
      jti: 'Hk3bVj1-yQp2',
      iat: NOW_SECONDS,
    });
  });

  it("accepts RFC 9449's token request example and its jkt", async () => {
    const verified = await verifyDpopProof(RFC_TOKEN_PROOF, {
      method: 'POST',
      url: 'https://server.example.com/token',
      now: new Date(1562262616 * 1000),
    });

    expect(verified.jkt).toBe(RFC_JKT);
    expect(verified.jti).toBe('-BwC3ESc6acc2lTc');
  });

  it("accepts RFC 9449's resource request example with its token", async () => {
    const verified = await verifyDpopProof(RFC_RESOURCE_PROOF, {
      method: 'GET',
      url: 'https://resource.example.org/protectedresource',
      now: new Date(1562262618 * 1000),
      accessToken: RFC_ACCESS_TOKEN,
    });

    expect(verified.jkt).toBe(RFC_JKT);
  });

  it('gives one thumbprint a key and another for another key', async () => {
    const other = newKeyPair();

    const first = await verifyDpopProof(await proof(), expectations);
    const again = await verifyDpopProof(
      await proof({ payload: { jti: 'another' } }),
      expectations,
    );
    const third = await verifyDpopProof(
      await proof({ key: other }),
      expectations,
    );

    expect(again.jkt).toBe(first.jkt);
    expect(third.jkt).not.toBe(first.jkt);
  });

  it('ignores query, fragment and the case of scheme and host', async () => {
    const jwt = await proof({
      payload: { htu: 'HTTPS://Records.Example.ORG:443/token?x=1#top' },
    });

    await expect(verifyDpopProof(jwt, expectations)).resolves.toMatchObject({
      jti: 'Hk3bVj1-yQp2',
    });
  });

  it('accepts an older proof when the window is widened', async () => {
    const jwt = await proof({ payload: { iat: NOW_SECONDS - 200 } });

    await expect(
      verifyDpopProof(jwt, { ...expectations, maxAgeSeconds: 300 }),
    ).resolves.toMatchObject({ iat: NOW_SECONDS - 200 });
  });

  it('accepts a proof carrying the nonce it was given', async () => {
    const jwt = await proof({ payload: { nonce: 'n-1' } });

    await expect(
      verifyDpopProof(jwt, { ...expectations, nonce: 'n-1' }),
    ).resolves.toMatchObject({ jti: 'Hk3bVj1-yQp2' });
  });

  it.each([
    ['for another URL', { htu: 'https://records.example.org/credential' }],
    ['for another host', { htu: 'https://evil.example.org/token' }],
    ['for plain http', { htu: 'http://records.example.org/token' }],
    ['for the URL with a trailing slash', { htu: `${TOKEN_URL}/` }],
    ['with an htu that is no URL', { htu: 'token' }],
    ['with no htu', { htu: undefined }],
    ['for another method', { htm: 'GET' }],
    ['for the method in lower case', { htm: 'post' }],
    ['made more than 60 s ago', { iat: NOW_SECONDS - 61 }],
    ['dated more than 60 s ahead', { iat: NOW_SECONDS + 61 }],
    ['with no iat', { iat: undefined }],
    ['with an iat that is a string', { iat: String(NOW_SECONDS) }],
    ['with no jti', { jti: undefined }],
    ['with an empty jti', { jti: '' }],
  ])('refuses a proof %s', async (_, payload) => {
    const error = await refusal(await proof({ payload }));

    expect(error.code).toBe('invalid_dpop_proof');
  });

  it.each([
    ['typed JWT', { typ: 'JWT' }],
    ['with no typ', { typ: undefined }],
    ['whose jwk has its private part', { jwk: KEY.privateJwk }],
    ['with no jwk', { jwk: undefined }],
    ['with a kid instead of a jwk', { jwk: undefined, kid: 'k-1' }],
    ['whose jwk is another curve', { jwk: { ...KEY.jwk, crv: 'P-384' } }],
    ['whose jwk is not its signer', { jwk: newKeyPair().jwk }],
  ])('refuses a proof %s', async (_, header) => {
    const error = await refusal(await proof({ header }));

    expect(error.code).toBe('invalid_dpop_proof');
  });

  it('refuses a proof with alg none', async () => {
    const header = { typ: 'dpop+jwt', alg: 'none', jwk: KEY.jwk };
    const payload = { jti: 'j', htm: 'POST', htu: TOKEN_URL, iat: 1 };
    const jwt = `${base64urlJson(header)}.${base64urlJson(payload)}.`;

    const error = await refusal(jwt);

    expect(error.code).toBe('invalid_dpop_proof');
    expect(error.message).toMatch(/alg must be one of ES256/);
  });

  it('refuses a proof MACed with HS256', async () => {
    const jwt = await new CompactSign(
      new TextEncoder().encode(
        JSON.stringify({ jti: 'j', htm: 'POST', htu: TOKEN_URL, iat: 1 }),
      ),
    )
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'HS256', jwk: KEY.jwk })
      .sign(new TextEncoder().encode('a shared secret of 32 bytes long'));

    const error = await refusal(jwt);

    expect(error.message).toMatch(/alg must be one of ES256/);
  });

  it.each([
    ['is no JSON', 'not json'],
    ['is a JSON array', '[1]'],
  ])('refuses a signed proof whose payload %s', async (_, payload) => {
    const key = await importJWK(
      KEY.privateJwk as Parameters<typeof importJWK>[0],
      'ES256',
    );
    const jwt = await new CompactSign(new TextEncoder().encode(payload))
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: KEY.jwk })
      .sign(key);

    const error = await refusal(jwt);

    expect(error.message).toMatch(/payload is not/);
  });

  it('refuses a proof whose signature was altered', async () => {
    const [header, payload] = (await proof()).split('.');
    const [, , otherSignature] = (await proof({ payload: { jti: 'x' } })).split(
      '.',
    );
    const forged = `${header}.${payload}.${otherSignature}`;

    const error = await refusal(forged);

    expect(error.message).toMatch(/signature does not verify/);
  });

  it.each([
    ['no proof at all', undefined],
    ['an empty header', ''],
    ['a string that is no JWT', 'not-a-jwt'],
    ['a JWT with a header that is no JSON', 'bm9wZQ.e30.c2ln'],
  ])('refuses %s', async (_, value) => {
    const error = await refusal(value);

    expect(error.code).toBe('invalid_dpop_proof');
  });

  it('refuses two DPoP headers joined into one', async () => {
    const error = await refusal(`${await proof()}, ${await proof()}`);

    expect(error.message).toMatch(/exactly one compact JWT/);
  });

  it('refuses a proof without ath when given an access token', async () => {
    const error = await refusal(await proof(), {
      ...expectations,
      accessToken: ACCESS_TOKEN,
    });

    expect(error.code).toBe('invalid_dpop_proof');
  });

  it('refuses a proof whose ath hashes another access token', async () => {
    const jwt = await proof({
      payload: { ath: accessTokenHash('another-token') },
    });

    const error = await refusal(jwt, {
      ...expectations,
      accessToken: ACCESS_TOKEN,
    });

    expect(error.message).toMatch(/ath is not the hash/);
  });

  it('accepts a proof whose ath hashes the access token', async () => {
    const jwt = await proof({
      payload: { ath: accessTokenHash(ACCESS_TOKEN) },
    });

    await expect(
      verifyDpopProof(jwt, { ...expectations, accessToken: ACCESS_TOKEN }),
    ).resolves.toMatchObject({ jwk: KEY.jwk });
  });

  it.each([
    ['without the nonce', {}],
    ['with an older nonce', { nonce: 'n-0' }],
  ])('asks for the nonce again of a proof %s', async (_, payload) => {
    const error = await refusal(await proof({ payload }), {
      ...expectations,
      nonce: 'n-1',
    });

    expect(error.code).toBe('use_dpop_nonce');
  });

  it('reports a bad proof as bad before asking for a nonce', async () => {
    const jwt = await proof({ payload: { htm: 'GET' } });

    const error = await refusal(jwt, {
      ...expectations,
      nonce: 'n-1',
    });

    expect(error.code).toBe('invalid_dpop_proof');
  });

  it('throws only DpopError, whatever the header holds', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string(), async (value) => {
        const error = await refusal(value);
        expect(error).toBeInstanceOf(DpopError);
      }),
      { numRuns: 200 },
    );
  });
});

describe('accessTokenHash', () => {
  it("gives RFC 9449 Figure 14's ath for Figure 6's token", () => {
    expect(accessTokenHash(RFC_ACCESS_TOKEN)).toBe(
      'fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo',
    );
  });
});

describe('dpopAuthorization', () => {
  it.each([
    ['DPoP abc.def', { scheme: 'DPoP', token: 'abc.def' }],
    ['dpop abc.def', { scheme: 'DPoP', token: 'abc.def' }],
    ['DPOP  abc.def', { scheme: 'DPoP', token: 'abc.def' }],
    ['Bearer abc', { scheme: 'Bearer', token: 'abc' }],
    ['bearer abc', { scheme: 'Bearer', token: 'abc' }],
    [`DPoP ${RFC_ACCESS_TOKEN}`, { scheme: 'DPoP', token: RFC_ACCESS_TOKEN }],
    ['DPoP YWJj+/==', { scheme: 'DPoP', token: 'YWJj+/==' }],
  ])('reads %j', (header, expected) => {
    expect(dpopAuthorization(header)).toEqual(expected);
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['another scheme', 'Basic YWxhZGRpbjpvcGVuc2VzYW1l'],
    ['a scheme with no token', 'DPoP'],
    ['a token with a space in it', 'DPoP abc def'],
    ['a token with a comma in it', 'DPoP abc,def'],
    ['a scheme run into its token', 'DPoPabc'],
  ])('reads nothing from %s', (_, header) => {
    expect(dpopAuthorization(header)).toBeUndefined();
  });

  it('never throws, whatever the header holds', () => {
    fc.assert(
      fc.property(fc.string(), (header) => {
        const read = dpopAuthorization(header);
        expect(read === undefined || read.token.length > 0).toBe(true);
      }),
    );
  });
});
