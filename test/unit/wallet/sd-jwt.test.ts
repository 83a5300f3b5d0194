import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { digest, ES256 } from '@sd-jwt/crypto-nodejs';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CredentialIssueError,
  EDUCATION_RECORD_VCT,
  type EducationRecord,
  type IssueEducationRecordInput,
  issueEducationRecord,
  type Qualification,
} from '../../../functions/wallet/sd-jwt.js';
import {
  createLocalSigner,
  type Signer,
} from '../../../functions/wallet/signer.js';

const ISSUER = 'https://records.london.education-record.example.org';

function aQualification(overrides: Partial<Qualification> = {}): Qualification {
  return {
    title: 'GCSE Mathematics',
    qan: '601/4554/4',
    awardingBody: 'Pearson Edexcel',
    subject: 'Mathematics',
    level: '2',
    grade: '7',
    awardDate: '2025-08-21',
    ...overrides,
  };
}

function aRecord(overrides: Partial<EducationRecord> = {}): EducationRecord {
  return {
    givenName: 'Amara',
    familyName: 'Okafor',
    birthdate: '2009-03-14',
    uln: '1234567890',
    centre: { urn: '100001', name: 'Riverside Academy' },
    qualifications: [
      aQualification(),
      aQualification({
        title: 'GCSE English Language',
        qan: '601/4292/0',
        awardingBody: 'AQA',
        subject: 'English Language',
        grade: '6',
      }),
      aQualification({
        title: 'GCSE Biology',
        qan: '601/8410/7',
        subject: 'Biology',
        grade: '8',
      }),
    ],
    ...overrides,
  };
}

function newP256() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
  });

  return {
    privateJwk: privateKey.export({ format: 'jwk' }) as JsonWebKey,
    publicJwk: publicKey.export({ format: 'jwk' }) as JsonWebKey,
  };
}

let signer: Signer;
let holderJwk: JsonWebKey;
let verifier: SDJwtVcInstance;

beforeAll(async () => {
  signer = createLocalSigner(newP256().privateJwk);
  holderJwk = newP256().publicJwk;
  verifier = new SDJwtVcInstance({
    hasher: digest,
    verifier: await ES256.getVerifier(await signer.publicJwk()),
  });
});

function issue(overrides: Partial<IssueEducationRecordInput> = {}) {
  return issueEducationRecord({
    signer,
    issuer: ISSUER,
    holderJwk,
    record: aRecord(),
    issuedAt: new Date('2026-01-15T10:00:00Z'),
    ...overrides,
  });
}

/** The disclosures of a compact SD-JWT, decoded. */
function disclosuresOf(compact: string): unknown[][] {
  return compact
    .split('~')
    .slice(1, -1)
    .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
}

describe('issueEducationRecord', () => {
  it('gives a compact SD-JWT that an SD-JWT VC verifier accepts', async () => {
    const compact = await issue();

    const { payload } = await verifier.verify(compact);

    expect(compact.endsWith('~')).toBe(true);
    expect(payload).toMatchObject({
      iss: ISSUER,
      vct: EDUCATION_RECORD_VCT,
      iat: Date.parse('2026-01-15T10:00:00Z') / 1000,
      given_name: 'Amara',
      family_name: 'Okafor',
      birthdate: '2009-03-14',
      uln: '1234567890',
      centre: { urn: '100001', name: 'Riverside Academy' },
      qualifications: aRecord().qualifications,
    });
  });

  it('types the JWT as dc+sd-jwt and names the signing key', async () => {
    const compact = await issue();

    const header = decodeProtectedHeader(compact.split('~')[0] ?? '');

    expect(header).toEqual({ typ: 'dc+sd-jwt', alg: 'ES256', kid: signer.kid });
  });

  it('binds the credential to the holder key in cnf.jwk', async () => {
    const { payload } = await verifier.verify(await issue());

    expect(payload.cnf).toEqual({ jwk: holderJwk });
  });

  it('keeps the personal claims out of the signed JWT body', async () => {
    const compact = await issue({
      expiresAt: new Date('2027-01-15T10:00:00Z'),
      status: { idx: 42, uri: `${ISSUER}/status-lists/1` },
    });

    const body = decodeJwt(compact.split('~')[0] ?? '');

    expect(Object.keys(body).sort()).toEqual(
      ['_sd', '_sd_alg', 'cnf', 'exp', 'iat', 'iss', 'status', 'vct'].sort(),
    );
    expect(body._sd_alg).toBe('sha-256');
    expect(body.status).toEqual({
      status_list: { idx: 42, uri: `${ISSUER}/status-lists/1` },
    });
    expect(body.exp).toBe(Date.parse('2027-01-15T10:00:00Z') / 1000);
  });

  it('makes each qualification a disclosure of its own', async () => {
    const record = aRecord();

    const disclosures = disclosuresOf(await issue({ record }));

    // An array element's disclosure is [salt, value]; a claim's is
    // [salt, name, value].
    const elements = disclosures.filter((d) => d.length === 2).map((d) => d[1]);
    const names = disclosures.filter((d) => d.length === 3).map((d) => d[1]);
    expect(elements).toEqual(record.qualifications);
    expect(names.sort()).toEqual(
      [
        'birthdate',
        'centre',
        'family_name',
        'given_name',
        'qualifications',
        'uln',
      ].sort(),
    );
  });

  it('lets the holder disclose one qualification alone', async () => {
    const compact = await issue();

    const presented = await verifier.present(compact, {
      qualifications: { 1: true },
    });
    const { payload } = await verifier.verify(presented);

    expect(payload.qualifications).toEqual([aRecord().qualifications[1]]);
    expect(payload).not.toHaveProperty('given_name');
    expect(payload).not.toHaveProperty('uln');
  });

  it('leaves uln out when the student has none', async () => {
    const compact = await issue({ record: aRecord({ uln: undefined }) });

    const { payload } = await verifier.verify(compact);

    expect(payload).not.toHaveProperty('uln');
    expect(disclosuresOf(compact).map((d) => d[1])).not.toContain('uln');
  });

  it('issues a record with no qualifications yet', async () => {
    const compact = await issue({ record: aRecord({ qualifications: [] }) });

    const { payload } = await verifier.verify(compact);

    expect(payload.qualifications).toEqual([]);
  });

  it('takes the kid from publicJwk, for a lazily loaded signer', async () => {
    const lazy: Signer = {
      get kid(): string {
        throw new Error('kid read before the key was loaded');
      },
      alg: 'ES256',
      publicJwk: () => signer.publicJwk(),
      sign: (data) => signer.sign(data),
    };

    const compact = await issue({ signer: lazy });

    expect(decodeProtectedHeader(compact).kid).toBe(signer.kid);
  });

  it('refuses to bind the credential to a private key', async () => {
    await expect(issue({ holderJwk: newP256().privateJwk })).rejects.toThrow(
      CredentialIssueError,
    );
  });

  it('gives a credential that fails once its body is altered', async () => {
    const compact = await issue();
    const [jwt = '', ...rest] = compact.split('~');
    const [header, body, signature] = jwt.split('.');
    const altered = Buffer.from(
      JSON.stringify({ ...decodeJwt(jwt), iss: 'https://attacker.example' }),
    ).toString('base64url');

    const tampered = [`${header}.${altered}.${signature}`, ...rest].join('~');

    expect(body).not.toBe(altered);
    await expect(verifier.verify(tampered)).rejects.toThrow();
  });

  it('drops a rewritten disclosure, which matches no digest', async () => {
    const compact = await issue();
    const parts = compact.split('~');
    const index = disclosuresOf(compact).findIndex(
      (d) => d[1] === 'given_name',
    );
    const [salt] = disclosuresOf(compact)[index] ?? [];
    parts[index + 1] = Buffer.from(
      JSON.stringify([salt, 'given_name', 'Mallory']),
    ).toString('base64url');

    const { payload } = await verifier.verify(parts.join('~'));

    // @sd-jwt 0.19 drops a disclosure no digest refers to rather than
    // refusing the whole SD-JWT; the forged name never reaches the claims.
    expect(payload).not.toHaveProperty('given_name');
    expect(payload.family_name).toBe('Okafor');
  });

  it('gives a credential that another issuer key does not verify', async () => {
    const otherVerifier = new SDJwtVcInstance({
      hasher: digest,
      verifier: await ES256.getVerifier(newP256().publicJwk),
    });

    await expect(otherVerifier.verify(await issue())).rejects.toThrow();
  });
});
