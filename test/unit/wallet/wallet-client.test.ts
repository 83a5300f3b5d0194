/**
 * The wallet client against a small issuer on 127.0.0.1 made of this
 * project's own wallet modules: metadata, DPoP and proof checking, status
 * lists and SD-JWT VC issuance. It shows the modules and
 * @openid4vc/openid4vci agree; the real server is for the same client to
 * drive, over the local stack.
 */
import { generateKeyPairSync, type JsonWebKey, randomBytes } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CompactSign,
  calculateJwkThumbprint,
  decodeJwt,
  importJWK,
} from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DpopError,
  dpopAuthorization,
  verifyDpopProof,
} from '../../../functions/wallet/dpop.js';
import {
  authorizationServerMetadata,
  credentialIssuerMetadata,
  credentialOffer,
  credentialOfferUri,
  jwtVcIssuerMetadata,
  PRE_AUTHORIZED_CODE_GRANT,
} from '../../../functions/wallet/metadata.js';
import { ProofError, verifyProofJwt } from '../../../functions/wallet/proof.js';
import {
  type EducationRecord,
  issueEducationRecord,
} from '../../../functions/wallet/sd-jwt.js';
import {
  createLocalSigner,
  type Signer,
} from '../../../functions/wallet/signer.js';
import {
  encodeStatusList,
  signStatusListToken,
  statusValues,
} from '../../../functions/wallet/status-list.js';
import {
  dpopProof,
  RecordStatusError,
  type RedeemedOffer,
  redeemOffer,
  refreshRecord,
  verifyEducationRecord,
  WalletError,
} from '../../support/wallet-client.js';

const RECORD: EducationRecord = {
  givenName: 'Tomasz',
  familyName: 'Nowak',
  birthdate: '2008-11-02',
  centre: { urn: '100002', name: 'Hillside School' },
  qualifications: [
    {
      title: 'A level Chemistry',
      qan: '601/8747/9',
      awardingBody: 'OCR',
      subject: 'Chemistry',
      level: '3',
      grade: 'A',
      awardDate: '2025-08-14',
    },
  ],
};

const OFFER_REF = 'GkurKxf5T0Y-mnPFCHqWOMiZi4VS138cQO_V7PZHAdM';
const PRE_AUTHORIZED_CODE = 'SplxlOBeZQQYbYS6WxSbIA';
const TX_CODE = '493536';
const STATUS_LIST_PATH = '/status-lists/1';

function newSigner(): Signer {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

  return createLocalSigner(privateKey.export({ format: 'jwk' }) as JsonWebKey);
}

function newKeyPair(): { privateJwk: JsonWebKey; jwk: JsonWebKey } {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const privateJwk = privateKey.export({ format: 'jwk' }) as JsonWebKey;
  const { kty, crv, x, y } = privateJwk;

  return { privateJwk, jwk: { kty, crv, x, y } };
}

/** One run of tokens from one redemption: what the issuer keeps of it. */
interface Grant {
  jkt: string;
  /** The status list index of the chain's latest credential. */
  lastIndex?: number;
}

/** What the fake issuer saw and what it is set to answer. */
interface FakeIssuer {
  issuer: string;
  signer: Signer;
  /** Signs credentials; the published key stays `signer`'s. */
  credentialSigner: Signer;
  /** The `iss` put in credentials; the issuer identifier unless set. */
  credentialIss?: string;
  /** Whether credentials get a status list entry. */
  withStatus: boolean;
  nextIndex: number;
  /** Status list entries that are not valid. */
  statuses: Map<number, number>;
  /** Served instead of the signed list, when set. */
  statusListJwt?: string;
  nonce: string;
  /** When set, the token endpoint asks for this DPoP nonce. */
  tokenDpopNonce?: string;
  /** When set, the credential endpoint asks for this DPoP nonce. */
  credentialDpopNonce?: string;
  dpopAlgs: string[];
  tokenType: string;
  sendsRefreshToken: boolean;
  rotatesRefreshTokens: boolean;
  accessTokens: Map<string, Grant>;
  refreshTokens: Map<string, Grant>;
  requests: {
    method: string;
    path: string;
    body: string;
    headers: IncomingMessage['headers'];
  }[];
}

let server: Server;
let fake: FakeIssuer;

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);

  return Buffer.concat(chunks).toString();
}

function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  response.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    ...headers,
  });
  response.end(JSON.stringify(body));
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];

  return Array.isArray(value) ? value.join(', ') : value;
}

function newToken(): string {
  return randomBytes(24).toString('base64url');
}

async function statusListJwt(): Promise<string> {
  if (fake.statusListJwt) return fake.statusListJwt;

  return signStatusListToken({
    signer: fake.signer,
    issuer: fake.issuer,
    uri: `${fake.issuer}${STATUS_LIST_PATH}`,
    lst: encodeStatusList(fake.statuses),
    issuedAt: new Date(),
    ttlSeconds: 300,
  });
}

/** RFC 9449: DPoP checked first, so a nonce retry costs no code or nonce. */
async function token(
  request: IncomingMessage,
  response: ServerResponse,
  body: string,
) {
  let jkt: string;
  try {
    ({ jkt } = await verifyDpopProof(header(request, 'dpop'), {
      method: 'POST',
      url: `${fake.issuer}/token`,
      now: new Date(),
      nonce: fake.tokenDpopNonce,
    }));
  } catch (error) {
    if (!(error instanceof DpopError)) throw error;
    const nonce =
      error.code === 'use_dpop_nonce' && fake.tokenDpopNonce
        ? { 'DPoP-Nonce': fake.tokenDpopNonce }
        : undefined;
    return send(response, 400, { error: error.code }, nonce);
  }

  const form = new URLSearchParams(body);
  let grant: Grant;
  if (form.get('grant_type') === PRE_AUTHORIZED_CODE_GRANT) {
    if (
      form.get('pre-authorized_code') !== PRE_AUTHORIZED_CODE ||
      form.get('tx_code') !== TX_CODE
    ) {
      return send(response, 400, { error: 'invalid_grant' });
    }
    grant = { jkt };
  } else if (form.get('grant_type') === 'refresh_token') {
    const old = form.get('refresh_token') ?? '';
    const found = fake.refreshTokens.get(old);
    // RFC 9449 section 5: a public client's refresh token is bound to the
    // key it was issued to.
    if (!found || found.jkt !== jkt) {
      return send(response, 400, { error: 'invalid_grant' });
    }
    grant = found;
    if (fake.rotatesRefreshTokens) fake.refreshTokens.delete(old);
  } else {
    return send(response, 400, { error: 'unsupported_grant_type' });
  }

  const accessToken = newToken();
  const refreshToken = fake.rotatesRefreshTokens
    ? newToken()
    : (form.get('refresh_token') ?? newToken());
  fake.accessTokens.set(accessToken, grant);
  fake.refreshTokens.set(refreshToken, grant);

  return send(response, 200, {
    access_token: accessToken,
    token_type: fake.tokenType,
    expires_in: 300,
    ...(fake.sendsRefreshToken && { refresh_token: refreshToken }),
  });
}

function challenge(
  response: ServerResponse,
  error: string,
  headers: Record<string, string> = {},
) {
  return send(
    response,
    401,
    { error },
    {
      'WWW-Authenticate': `DPoP error="${error}", algs="ES256"`,
      ...headers,
    },
  );
}

async function credential(
  request: IncomingMessage,
  response: ServerResponse,
  body: string,
) {
  const auth = dpopAuthorization(header(request, 'authorization'));
  if (auth?.scheme !== 'DPoP') return challenge(response, 'invalid_token');
  let jkt: string;
  try {
    ({ jkt } = await verifyDpopProof(header(request, 'dpop'), {
      method: 'POST',
      url: `${fake.issuer}/credential`,
      now: new Date(),
      accessToken: auth.token,
      nonce: fake.credentialDpopNonce,
    }));
  } catch (error) {
    if (!(error instanceof DpopError)) throw error;
    return challenge(
      response,
      error.code,
      error.code === 'use_dpop_nonce' && fake.credentialDpopNonce
        ? { 'DPoP-Nonce': fake.credentialDpopNonce }
        : {},
    );
  }
  const grant = fake.accessTokens.get(auth.token);
  if (!grant || grant.jkt !== jkt) return challenge(response, 'invalid_token');

  const credentialRequest = JSON.parse(body) as {
    credential_configuration_id?: string;
    proofs?: { jwt?: string[] };
  };
  const [proof] = credentialRequest.proofs?.jwt ?? [];
  if (
    credentialRequest.credential_configuration_id !== 'EducationRecord' ||
    !proof
  ) {
    return send(response, 400, { error: 'invalid_credential_request' });
  }
  try {
    const { holderJwk } = await verifyProofJwt(proof, {
      audience: fake.issuer,
      nonce: fake.nonce,
      now: new Date(),
    });
    const index = fake.withStatus ? fake.nextIndex++ : undefined;
    const issued = await issueEducationRecord({
      signer: fake.credentialSigner,
      issuer: fake.credentialIss ?? fake.issuer,
      holderJwk,
      record: RECORD,
      issuedAt: new Date(),
      ...(index !== undefined && {
        status: { idx: index, uri: `${fake.issuer}${STATUS_LIST_PATH}` },
      }),
    });
    if (grant.lastIndex !== undefined) {
      fake.statuses.set(grant.lastIndex, statusValues.superseded);
    }
    grant.lastIndex = index;
    return send(response, 200, { credentials: [{ credential: issued }] });
  } catch (error) {
    if (error instanceof ProofError) {
      return send(response, 400, { error: error.code });
    }
    throw error;
  }
}

async function handle(request: IncomingMessage, response: ServerResponse) {
  const { issuer } = fake;
  const path = new URL(request.url ?? '/', issuer).pathname;
  const body = await readBody(request);
  fake.requests.push({
    method: request.method ?? '',
    path,
    body,
    headers: request.headers,
  });
  const route = `${request.method} ${path}`;

  if (route === `GET /credential-offers/${OFFER_REF}`) {
    return send(
      response,
      200,
      credentialOffer({
        issuer,
        preAuthorizedCode: PRE_AUTHORIZED_CODE,
        txCodeLength: 6,
      }),
    );
  }
  if (route === 'GET /.well-known/openid-credential-issuer') {
    return send(response, 200, credentialIssuerMetadata(issuer));
  }
  if (route === 'GET /.well-known/oauth-authorization-server') {
    return send(response, 200, {
      ...authorizationServerMetadata(issuer),
      dpop_signing_alg_values_supported: fake.dpopAlgs,
    });
  }
  if (route === 'GET /.well-known/jwt-vc-issuer') {
    const keys = [await fake.signer.publicJwk()];
    return send(response, 200, jwtVcIssuerMetadata(issuer, keys));
  }
  if (route === `GET ${STATUS_LIST_PATH}`) {
    response.writeHead(200, { 'content-type': 'application/statuslist+jwt' });
    return response.end(await statusListJwt());
  }
  if (route === 'POST /token') return token(request, response, body);
  if (route === 'POST /nonce') {
    return send(response, 200, { c_nonce: fake.nonce });
  }
  if (route === 'POST /credential') {
    return credential(request, response, body);
  }

  return send(response, 404, { error: 'not_found' });
}

beforeAll(async () => {
  server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      send(response, 500, { error: String(error) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  const { port } = server.address() as AddressInfo;
  const signer = newSigner();
  fake = {
    issuer: `http://127.0.0.1:${port}`,
    signer,
    credentialSigner: signer,
    withStatus: true,
    nextIndex: 0,
    statuses: new Map(),
    nonce: randomBytes(16).toString('base64url'),
    dpopAlgs: ['ES256'],
    tokenType: 'DPoP',
    sendsRefreshToken: true,
    rotatesRefreshTokens: true,
    accessTokens: new Map(),
    refreshTokens: new Map(),
    requests: [],
  };
});

function offer(): string {
  return credentialOfferUri(`${fake.issuer}/credential-offers/${OFFER_REF}`);
}

function redeem(): Promise<RedeemedOffer> {
  return redeemOffer({ credentialOfferUri: offer(), txCode: TX_CODE });
}

function routes(): string[] {
  return fake.requests.map(({ method, path }) => `${method} ${path}`);
}

function requestsTo(path: string) {
  return fake.requests.filter((request) => request.path === path);
}

function proofOf(request: { headers: IncomingMessage['headers'] }) {
  return decodeJwt(String(request.headers.dpop));
}

describe('redeemOffer', () => {
  it('redeems an offer for an SD-JWT VC bound to a new key', async () => {
    const redeemed = await redeem();

    const { claims } = await verifyEducationRecord(redeemed.credential, {
      issuer: fake.issuer,
    });
    expect(claims).toMatchObject({
      iss: fake.issuer,
      given_name: 'Tomasz',
      family_name: 'Nowak',
      qualifications: RECORD.qualifications,
    });
    expect(claims.cnf).toEqual({ jwk: redeemed.holderJwk });
    expect(typeof redeemed.holderPrivateJwk.d).toBe('string');
    expect(redeemed.tokenResponse).toMatchObject({
      access_token: redeemed.accessToken,
      refresh_token: redeemed.refreshToken,
      token_type: 'DPoP',
    });
  });

  it('walks the pre-authorized code flow in the order 1.0 gives', async () => {
    await redeem();

    expect(routes()).toEqual([
      `GET /credential-offers/${OFFER_REF}`,
      'GET /.well-known/openid-credential-issuer',
      'GET /.well-known/oauth-authorization-server',
      'POST /token',
      'POST /nonce',
      'POST /credential',
    ]);
  });

  it('sends the code and transaction code in the token form', async () => {
    await redeem();

    const [tokenRequest] = requestsTo('/token');
    const form = Object.fromEntries(new URLSearchParams(tokenRequest?.body));
    expect(form).toMatchObject({
      grant_type: PRE_AUTHORIZED_CODE_GRANT,
      'pre-authorized_code': PRE_AUTHORIZED_CODE,
      tx_code: TX_CODE,
    });
    expect(form).not.toHaveProperty('client_id');
  });

  it('binds its tokens to a DPoP key other than the holder key', async () => {
    const redeemed = await redeem();

    const grant = fake.accessTokens.get(redeemed.accessToken);
    expect(grant?.jkt).toBe(await calculateJwkThumbprint(redeemed.dpopJwk));
    expect(redeemed.dpopJwk.x).not.toBe(redeemed.holderJwk.x);
    expect(typeof redeemed.dpopPrivateJwk.d).toBe('string');
  });

  it('proves the DPoP key for the token URL, without an ath', async () => {
    await redeem();

    const [tokenRequest] = requestsTo('/token');
    expect(tokenRequest && proofOf(tokenRequest)).toMatchObject({
      htm: 'POST',
      htu: `${fake.issuer}/token`,
    });
    expect(tokenRequest && proofOf(tokenRequest)).not.toHaveProperty('ath');
  });

  it('presents the access token as DPoP with a proof of its hash', async () => {
    const redeemed = await redeem();

    const [credentialRequest] = requestsTo('/credential');
    expect(credentialRequest?.headers.authorization).toBe(
      `DPoP ${redeemed.accessToken}`,
    );
    await expect(
      verifyDpopProof(String(credentialRequest?.headers.dpop), {
        method: 'POST',
        url: `${fake.issuer}/credential`,
        now: new Date(),
        accessToken: redeemed.accessToken,
      }),
    ).resolves.toMatchObject({
      jkt: await calculateJwkThumbprint(redeemed.dpopJwk),
    });
  });

  it('asks by configuration id with one jwt proof', async () => {
    await redeem();

    const [credentialRequest] = requestsTo('/credential');
    const body = JSON.parse(credentialRequest?.body ?? '{}');
    expect(Object.keys(body).sort()).toEqual([
      'credential_configuration_id',
      'proofs',
    ]);
    expect(body.proofs.jwt).toHaveLength(1);
  });

  it('tries the token request again with the nonce asked for', async () => {
    fake.tokenDpopNonce = 'as-nonce-1';

    await redeem();

    const [first, second] = requestsTo('/token');
    expect(first && proofOf(first)).not.toHaveProperty('nonce');
    expect(second && proofOf(second)).toMatchObject({ nonce: 'as-nonce-1' });
    expect(routes()).toContain('POST /credential');
  });

  it('tries the credential request again with its nonce', async () => {
    fake.credentialDpopNonce = 'rs-nonce-1';

    const redeemed = await redeem();

    const [first, second] = requestsTo('/credential');
    expect(first && proofOf(first)).not.toHaveProperty('nonce');
    expect(second && proofOf(second)).toMatchObject({ nonce: 'rs-nonce-1' });
    expect(redeemed.credential).toContain('~');
  });

  it('refuses tokens that come back as Bearer', async () => {
    fake.tokenType = 'Bearer';

    await expect(redeem()).rejects.toThrow(/token_type is Bearer, not DPoP/);
    expect(routes()).not.toContain('POST /credential');
  });

  it('refuses a token response with no refresh token', async () => {
    fake.sendsRefreshToken = false;

    await expect(redeem()).rejects.toThrow(/no refresh_token/);
  });

  it('refuses an authorization server that takes no ES256 DPoP', async () => {
    fake.dpopAlgs = [];

    await expect(redeem()).rejects.toThrow(/does not take ES256 DPoP/);
    expect(routes()).not.toContain('POST /token');
  });

  it('fails when the transaction code is wrong', async () => {
    await expect(
      redeemOffer({ credentialOfferUri: offer(), txCode: '000000' }),
    ).rejects.toThrow(/access token/);
    expect(routes()).not.toContain('POST /credential');
  });

  it('refuses plain http off loopback, fetching nothing', async () => {
    const fetchSpy: typeof fetch = () => {
      throw new Error('fetch must not be called');
    };

    await expect(
      redeemOffer({
        credentialOfferUri: credentialOfferUri(
          'http://records.example.org/credential-offers/abc',
        ),
        txCode: TX_CODE,
        fetch: fetchSpy,
      }),
    ).rejects.toThrow(WalletError);
  });
});

describe('refreshRecord', () => {
  function refresh(redeemed: RedeemedOffer, refreshToken?: string) {
    return refreshRecord({
      issuer: fake.issuer,
      refreshToken: refreshToken ?? redeemed.refreshToken,
      dpopPrivateJwk: redeemed.dpopPrivateJwk,
      dpopJwk: redeemed.dpopJwk,
      holderPrivateJwk: redeemed.holderPrivateJwk,
      holderJwk: redeemed.holderJwk,
    });
  }

  it('gets a new record bound to the same holder key', async () => {
    const redeemed = await redeem();

    const refreshed = await refresh(redeemed);

    const { claims } = await verifyEducationRecord(refreshed.credential, {
      issuer: fake.issuer,
    });
    expect(claims.cnf).toEqual({ jwk: redeemed.holderJwk });
    expect(refreshed.credential).not.toBe(redeemed.credential);
    expect(refreshed.tokenResponse).toMatchObject({ token_type: 'DPoP' });
  });

  it('walks token, nonce and credential with one DPoP key', async () => {
    const redeemed = await redeem();
    fake.requests = [];

    await refresh(redeemed);

    expect(routes()).toEqual([
      'GET /.well-known/openid-credential-issuer',
      'GET /.well-known/oauth-authorization-server',
      'POST /token',
      'POST /nonce',
      'POST /credential',
    ]);
    const [tokenRequest] = requestsTo('/token');
    expect(
      Object.fromEntries(new URLSearchParams(tokenRequest?.body)),
    ).toMatchObject({
      grant_type: 'refresh_token',
      refresh_token: redeemed.refreshToken,
    });
    const jkt = await calculateJwkThumbprint(redeemed.dpopJwk);
    for (const request of fake.requests.filter((r) => r.method === 'POST')) {
      if (request.path === '/nonce') continue;
      const { jwk } = JSON.parse(
        Buffer.from(
          String(request.headers.dpop).split('.')[0] ?? '',
          'base64url',
        ).toString(),
      );
      expect(await calculateJwkThumbprint(jwk)).toBe(jkt);
    }
  });

  it('hands on the rotated refresh token; the old one is spent', async () => {
    const redeemed = await redeem();

    const first = await refresh(redeemed);
    const second = await refresh(redeemed, first.refreshToken);

    expect(first.refreshToken).not.toBe(redeemed.refreshToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    await expect(refresh(redeemed)).rejects.toThrow(/access token/);
  });

  it('fails with a refresh token bound to another DPoP key', async () => {
    const redeemed = await redeem();
    const other = newKeyPair();

    await expect(
      refreshRecord({
        issuer: fake.issuer,
        refreshToken: redeemed.refreshToken,
        dpopPrivateJwk: other.privateJwk,
        dpopJwk: other.jwk,
        holderPrivateJwk: redeemed.holderPrivateJwk,
        holderJwk: redeemed.holderJwk,
      }),
    ).rejects.toThrow(/access token/);
    expect(routes().filter((route) => route === 'POST /credential')).toEqual([
      'POST /credential',
    ]);
  });

  it('refuses a refresh that gives the same refresh token back', async () => {
    const redeemed = await redeem();
    fake.rotatesRefreshTokens = false;

    await expect(refresh(redeemed)).rejects.toThrow(/should rotate it/);
  });

  it('leaves the replaced record superseded, the new one valid', async () => {
    const redeemed = await redeem();
    const refreshed = await refresh(redeemed);

    const replaced = verifyEducationRecord(redeemed.credential, {
      issuer: fake.issuer,
    });
    await expect(replaced).rejects.toBeInstanceOf(RecordStatusError);
    await expect(replaced).rejects.toMatchObject({
      status: statusValues.superseded,
      message: /superseded \(3\)/,
    });
    await expect(
      verifyEducationRecord(refreshed.credential, { issuer: fake.issuer }),
    ).resolves.toMatchObject({ status: statusValues.valid });
  });

  it('reports a superseded record when the caller accepts one', async () => {
    const redeemed = await redeem();
    await refresh(redeemed);

    const { status, claims } = await verifyEducationRecord(
      redeemed.credential,
      {
        issuer: fake.issuer,
        acceptStatuses: [statusValues.valid, statusValues.superseded],
      },
    );

    expect(status).toBe(statusValues.superseded);
    expect(claims.given_name).toBe('Tomasz');
  });
});

describe('dpopProof', () => {
  const URL_ = 'https://records.example.org/credential';

  it('builds a proof the verifier takes, with the token hash', async () => {
    const key = newKeyPair();

    const jwt = await dpopProof({
      privateJwk: key.privateJwk,
      jwk: key.jwk,
      method: 'POST',
      url: URL_,
      accessToken: 'at-1',
      nonce: 'n-1',
    });

    await expect(
      verifyDpopProof(jwt, {
        method: 'POST',
        url: URL_,
        now: new Date(),
        accessToken: 'at-1',
        nonce: 'n-1',
      }),
    ).resolves.toMatchObject({ jkt: await calculateJwkThumbprint(key.jwk) });
  });

  it('builds the bad proofs a test asks for', async () => {
    const key = newKeyPair();
    const base = {
      privateJwk: key.privateJwk,
      jwk: key.jwk,
      method: 'POST',
      url: URL_,
    };
    const expect_ = { method: 'POST', url: URL_, now: new Date() };

    const stale = await dpopProof({ ...base, iat: 1_000_000_000 });
    const forged = await dpopProof({ ...base, jwk: newKeyPair().jwk });

    await expect(verifyDpopProof(stale, expect_)).rejects.toThrow(/iat/);
    await expect(verifyDpopProof(forged, expect_)).rejects.toThrow(/signature/);
  });
});

describe('verifyEducationRecord', () => {
  it('refuses a credential signed by an unpublished key', async () => {
    fake.credentialSigner = newSigner();
    const { credential } = await redeem();

    await expect(
      verifyEducationRecord(credential, { issuer: fake.issuer }),
    ).rejects.toThrow(/no key with kid/);
  });

  it('refuses a credential naming another issuer', async () => {
    fake.credentialIss = 'https://records.example.org';
    const { credential } = await redeem();

    await expect(
      verifyEducationRecord(credential, { issuer: fake.issuer }),
    ).rejects.toThrow(/iss is https:\/\/records.example.org/);
  });

  it('accepts a credential whose status list entry is valid', async () => {
    fake.statuses.set(1, statusValues.invalid);
    const { credential } = await redeem();

    const { claims, status } = await verifyEducationRecord(credential, {
      issuer: fake.issuer,
    });

    expect(claims.status).toEqual({
      status_list: { idx: 0, uri: `${fake.issuer}${STATUS_LIST_PATH}` },
    });
    expect(status).toBe(statusValues.valid);
  });

  it('reports no status for a credential without a status entry', async () => {
    fake.withStatus = false;
    const { credential } = await redeem();

    const verified = await verifyEducationRecord(credential, {
      issuer: fake.issuer,
    });

    expect(verified).not.toHaveProperty('status');
    expect(routes()).not.toContain(`GET ${STATUS_LIST_PATH}`);
  });

  it('refuses a credential whose status list entry is revoked', async () => {
    const { credential } = await redeem();
    fake.statuses.set(0, statusValues.invalid);

    await expect(
      verifyEducationRecord(credential, { issuer: fake.issuer }),
    ).rejects.toMatchObject({
      name: 'RecordStatusError',
      status: statusValues.invalid,
    });
  });

  it('refuses a status list that names another URL as its own', async () => {
    const { credential } = await redeem();
    fake.statusListJwt = await signStatusListToken({
      signer: fake.signer,
      issuer: fake.issuer,
      uri: `${fake.issuer}/status-lists/2`,
      lst: encodeStatusList([]),
      issuedAt: new Date(),
      ttlSeconds: 300,
    });

    await expect(
      verifyEducationRecord(credential, { issuer: fake.issuer }),
    ).rejects.toThrow(/names itself .*status-lists\/2/);
  });

  it('refuses a status list that is not typed statuslist+jwt', async () => {
    const { credential } = await redeem();
    const key = await importJWK(
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
        format: 'jwk',
      }) as Parameters<typeof importJWK>[0],
      'ES256',
    );
    fake.statusListJwt = await new CompactSign(
      new TextEncoder().encode(
        JSON.stringify({ sub: `${fake.issuer}${STATUS_LIST_PATH}` }),
      ),
    )
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
      .sign(key);

    await expect(
      verifyEducationRecord(credential, { issuer: fake.issuer }),
    ).rejects.toThrow(/is typed JWT/);
  });

  it('refuses a credential carrying a disclosure no digest names', async () => {
    const { credential } = await redeem();
    const stray = Buffer.from(
      JSON.stringify(['c2FsdA', 'grade', 'A*']),
    ).toString('base64url');

    await expect(
      verifyEducationRecord(`${credential}${stray}~`, { issuer: fake.issuer }),
    ).rejects.toThrow(/disclosure no digest names/);
  });

  it('refuses a JWT that is not typed dc+sd-jwt', async () => {
    const key = await importJWK(
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
        format: 'jwk',
      }) as Parameters<typeof importJWK>[0],
      'ES256',
    );
    const jwt = await new CompactSign(new TextEncoder().encode('{}'))
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: 'k' })
      .sign(key);

    await expect(
      verifyEducationRecord(`${jwt}~`, { issuer: fake.issuer }),
    ).rejects.toThrow(/typ is JWT/);
  });
});
