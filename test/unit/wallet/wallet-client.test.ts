/**
 * The wallet client against a small issuer on 127.0.0.1 made of this
 * project's own wallet modules: metadata, proof checking and SD-JWT VC
 * issuance. It shows the modules and @openid4vc/openid4vci agree; the real
 * server is for the same client to drive, over the local stack.
 */
import { generateKeyPairSync, type JsonWebKey, randomBytes } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { deflateSync } from 'node:zlib';
import { CompactSign, importJWK } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
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
  redeemOffer,
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
const ACCESS_TOKEN = 'czZCaGRSa3F0MzpnWDFmQmF0M2JW';

function newSigner(): Signer {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

  return createLocalSigner(privateKey.export({ format: 'jwk' }) as JsonWebKey);
}

/** What the fake issuer saw and what it is set to answer. */
interface FakeIssuer {
  issuer: string;
  signer: Signer;
  /** Signs credentials; the published key stays `signer`'s. */
  credentialSigner: Signer;
  /** The `iss` put in credentials; the issuer identifier unless set. */
  credentialIss?: string;
  status?: { idx: number; uri: string };
  /** Status list bytes, one bit a credential, index 0 the lowest bit. */
  statusBits: number;
  nonce: string;
  requests: { method: string; path: string; body: string }[];
}

let server: Server;
let fake: FakeIssuer;

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);

  return Buffer.concat(chunks).toString();
}

function send(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
  });
  response.end(JSON.stringify(body));
}

async function statusListJwt(): Promise<string> {
  const jwk = await fake.signer.publicJwk();
  const payload = {
    sub: fake.status?.uri,
    iat: Math.floor(Date.now() / 1000),
    status_list: {
      bits: 1,
      lst: deflateSync(Buffer.from([fake.statusBits])).toString('base64url'),
    },
  };
  const signingInput = [
    { typ: 'statuslist+jwt', alg: 'ES256', kid: jwk.kid },
    payload,
  ]
    .map((part) => Buffer.from(JSON.stringify(part)).toString('base64url'))
    .join('.');
  const signature = await fake.signer.sign(
    new TextEncoder().encode(signingInput),
  );

  return `${signingInput}.${Buffer.from(signature).toString('base64url')}`;
}

async function handle(request: IncomingMessage, response: ServerResponse) {
  const { issuer } = fake;
  const path = new URL(request.url ?? '/', issuer).pathname;
  const body = await readBody(request);
  fake.requests.push({ method: request.method ?? '', path, body });
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
    return send(response, 200, authorizationServerMetadata(issuer));
  }
  if (route === 'GET /.well-known/jwt-vc-issuer') {
    const keys = [await fake.signer.publicJwk()];
    return send(response, 200, jwtVcIssuerMetadata(issuer, keys));
  }
  if (route === 'GET /status-lists/1') {
    response.writeHead(200, { 'content-type': 'application/statuslist+jwt' });
    return response.end(await statusListJwt());
  }
  if (route === 'POST /token') {
    const form = new URLSearchParams(body);
    if (
      form.get('grant_type') !== PRE_AUTHORIZED_CODE_GRANT ||
      form.get('pre-authorized_code') !== PRE_AUTHORIZED_CODE ||
      form.get('tx_code') !== TX_CODE
    ) {
      return send(response, 400, { error: 'invalid_grant' });
    }
    return send(response, 200, {
      access_token: ACCESS_TOKEN,
      token_type: 'Bearer',
      expires_in: 300,
    });
  }
  if (route === 'POST /nonce') {
    return send(response, 200, { c_nonce: fake.nonce });
  }
  if (route === 'POST /credential') {
    if (request.headers.authorization !== `Bearer ${ACCESS_TOKEN}`) {
      return send(response, 401, { error: 'invalid_token' });
    }
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
        audience: issuer,
        nonce: fake.nonce,
        now: new Date(),
      });
      const credential = await issueEducationRecord({
        signer: fake.credentialSigner,
        issuer: fake.credentialIss ?? issuer,
        holderJwk,
        record: RECORD,
        issuedAt: new Date(),
        status: fake.status,
      });
      return send(response, 200, { credentials: [{ credential }] });
    } catch (error) {
      if (error instanceof ProofError) {
        return send(response, 400, { error: error.code });
      }
      throw error;
    }
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
    statusBits: 0,
    nonce: randomBytes(16).toString('base64url'),
    requests: [],
  };
});

function offer(): string {
  return credentialOfferUri(`${fake.issuer}/credential-offers/${OFFER_REF}`);
}

describe('redeemOffer', () => {
  it('redeems an offer for an SD-JWT VC bound to a new key', async () => {
    const redeemed = await redeemOffer({
      credentialOfferUri: offer(),
      txCode: TX_CODE,
    });

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
      access_token: ACCESS_TOKEN,
    });
  });

  it('walks the pre-authorized code flow in the order 1.0 gives', async () => {
    await redeemOffer({ credentialOfferUri: offer(), txCode: TX_CODE });

    expect(
      fake.requests.map(({ method, path }) => `${method} ${path}`),
    ).toEqual([
      `GET /credential-offers/${OFFER_REF}`,
      'GET /.well-known/openid-credential-issuer',
      'GET /.well-known/oauth-authorization-server',
      'POST /token',
      'POST /nonce',
      'POST /credential',
    ]);
  });

  it('sends the code and transaction code in the token form', async () => {
    await redeemOffer({ credentialOfferUri: offer(), txCode: TX_CODE });

    const token = fake.requests.find(({ path }) => path === '/token');
    const form = Object.fromEntries(new URLSearchParams(token?.body));
    expect(form).toMatchObject({
      grant_type: PRE_AUTHORIZED_CODE_GRANT,
      'pre-authorized_code': PRE_AUTHORIZED_CODE,
      tx_code: TX_CODE,
    });
    expect(form).not.toHaveProperty('client_id');
  });

  it('asks by configuration id with one jwt proof', async () => {
    await redeemOffer({ credentialOfferUri: offer(), txCode: TX_CODE });

    const credential = fake.requests.find(({ path }) => path === '/credential');
    const body = JSON.parse(credential?.body ?? '{}');
    expect(Object.keys(body).sort()).toEqual([
      'credential_configuration_id',
      'proofs',
    ]);
    expect(body.proofs.jwt).toHaveLength(1);
  });

  it('fails when the transaction code is wrong', async () => {
    await expect(
      redeemOffer({ credentialOfferUri: offer(), txCode: '000000' }),
    ).rejects.toThrow(/access token/);
    expect(fake.requests.map(({ path }) => path)).not.toContain('/credential');
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

describe('verifyEducationRecord', () => {
  it('refuses a credential signed by an unpublished key', async () => {
    fake.credentialSigner = newSigner();
    const { credential } = await redeemOffer({
      credentialOfferUri: offer(),
      txCode: TX_CODE,
    });

    await expect(
      verifyEducationRecord(credential, { issuer: fake.issuer }),
    ).rejects.toThrow(/no key with kid/);
  });

  it('refuses a credential naming another issuer', async () => {
    fake.credentialIss = 'https://records.example.org';
    const { credential } = await redeemOffer({
      credentialOfferUri: offer(),
      txCode: TX_CODE,
    });

    await expect(
      verifyEducationRecord(credential, { issuer: fake.issuer }),
    ).rejects.toThrow(/iss is https:\/\/records.example.org/);
  });

  it('accepts a credential whose status list entry is valid', async () => {
    fake.status = { idx: 0, uri: `${fake.issuer}/status-lists/1` };
    fake.statusBits = 0b10;
    const { credential } = await redeemOffer({
      credentialOfferUri: offer(),
      txCode: TX_CODE,
    });

    const { claims } = await verifyEducationRecord(credential, {
      issuer: fake.issuer,
    });

    expect(claims.status).toEqual({ status_list: fake.status });
  });

  it('refuses a credential whose status list entry is revoked', async () => {
    fake.status = { idx: 1, uri: `${fake.issuer}/status-lists/1` };
    fake.statusBits = 0b10;
    const { credential } = await redeemOffer({
      credentialOfferUri: offer(),
      txCode: TX_CODE,
    });

    await expect(
      verifyEducationRecord(credential, { issuer: fake.issuer }),
    ).rejects.toThrow(/Status is not valid/);
  });

  it('refuses a credential carrying a disclosure no digest names', async () => {
    const { credential } = await redeemOffer({
      credentialOfferUri: offer(),
      txCode: TX_CODE,
    });
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
