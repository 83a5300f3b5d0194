/**
 * The education record as an SD-JWT VC (`dc+sd-jwt`). Every claim about the
 * student is selectively disclosable, and so is each qualification on its
 * own, so a student can show one grade without the rest of the record.
 */
import { createHash, type JsonWebKey, randomBytes } from 'node:crypto';
import { SDJwtInstance } from '@sd-jwt/core';
import { EDUCATION_RECORD_VCT, PRIVATE_JWK_MEMBERS } from './constants.js';
import type { Signer } from './signer.js';

export { EDUCATION_RECORD_VCT };

export interface Qualification {
  title: string;
  /** Qualification Accreditation Number, e.g. `601/8411/9`. */
  qan: string;
  awardingBody: string;
  subject: string;
  level: string;
  grade: string;
  /** ISO 8601 date, `YYYY-MM-DD`. */
  awardDate: string;
  /** Set while a report of an error in it is unresolved. */
  underDataChallenge?: true;
}

export interface EducationRecord {
  givenName: string;
  familyName: string;
  /** ISO 8601 date, `YYYY-MM-DD`. */
  birthdate: string;
  /** Unique Learner Number, when the student has one. */
  uln?: string;
  centre: { urn: string; name: string };
  qualifications: Qualification[];
  /**
   * Series whose results are held back until their release time, so the
   * app can say when to look again. Not personal: always disclosed.
   */
  pendingSeries?: { seriesId: string; name: string; releaseAt: string }[];
}

export interface IssueEducationRecordInput {
  signer: Signer;
  /** The credential issuer identifier; becomes `iss`. */
  issuer: string;
  /** The wallet's public key from its proof; becomes `cnf.jwk`. */
  holderJwk: JsonWebKey;
  record: EducationRecord;
  issuedAt: Date;
  expiresAt?: Date;
  /** Where the credential's entry in a token status list lives. */
  status?: { idx: number; uri: string };
}

export class CredentialIssueError extends Error {
  override readonly name = 'CredentialIssueError';
}

const HASH_ALG = 'sha-256';

/**
 * Returns the compact SD-JWT, `<jwt>~<disclosure>~...~`, signed by `signer`
 * and bound to `holderJwk`.
 */
export async function issueEducationRecord(
  input: IssueEducationRecordInput,
): Promise<string> {
  const { signer, record } = input;
  const holderJwk = publicOnly(input.holderJwk);
  const { kid } = await signer.publicJwk();

  const payload = {
    iss: input.issuer,
    iat: toSeconds(input.issuedAt),
    ...(input.expiresAt && { exp: toSeconds(input.expiresAt) }),
    vct: EDUCATION_RECORD_VCT,
    cnf: { jwk: holderJwk },
    ...(input.status && {
      status: {
        status_list: { idx: input.status.idx, uri: input.status.uri },
      },
    }),
    given_name: record.givenName,
    family_name: record.familyName,
    birthdate: record.birthdate,
    ...(record.uln !== undefined && { uln: record.uln }),
    centre: { urn: record.centre.urn, name: record.centre.name },
    qualifications: record.qualifications.map(qualificationClaim),
    ...(record.pendingSeries && {
      pendingSeries: record.pendingSeries.map((p) => ({
        seriesId: p.seriesId,
        name: p.name,
        releaseAt: p.releaseAt,
      })),
    }),
  };
  const disclosable = [
    'given_name',
    'family_name',
    'birthdate',
    ...(record.uln !== undefined ? ['uln' as const] : []),
    'centre',
    'qualifications',
  ] as const;

  const sdJwt = new SDJwtInstance<typeof payload>({
    hasher: sha256,
    hashAlg: HASH_ALG,
    // @sd-jwt asks for 16 bytes: the 128 bits RFC 9901 recommends.
    saltGenerator: (length) => randomBytes(length).toString('base64url'),
    signAlg: signer.alg,
    signer: async (signingInput) => {
      const data = new TextEncoder().encode(signingInput);

      return Buffer.from(await signer.sign(data)).toString('base64url');
    },
  });

  return sdJwt.issue(
    payload,
    {
      _sd: [...disclosable],
      qualifications: { _sd: record.qualifications.map((_, index) => index) },
    },
    { header: { typ: 'dc+sd-jwt', kid } },
  );
}

/** SHA-256 in the shape @sd-jwt's hasher takes. */
export function sha256(data: string | ArrayBuffer, alg: string): Uint8Array {
  if (alg.toLowerCase() !== HASH_ALG) {
    throw new CredentialIssueError(`Hash algorithm ${alg} is not supported.`);
  }
  const bytes = typeof data === 'string' ? data : new Uint8Array(data);

  return new Uint8Array(createHash('sha256').update(bytes).digest());
}

function qualificationClaim(qualification: Qualification) {
  return {
    title: qualification.title,
    qan: qualification.qan,
    awardingBody: qualification.awardingBody,
    subject: qualification.subject,
    level: qualification.level,
    grade: qualification.grade,
    awardDate: qualification.awardDate,
    ...(qualification.underDataChallenge && { underDataChallenge: true }),
  };
}

function publicOnly(jwk: JsonWebKey): JsonWebKey {
  const record = jwk as Record<string, unknown>;
  if (PRIVATE_JWK_MEMBERS.some((member) => member in record)) {
    throw new CredentialIssueError(
      'The holder key has private members; bind the credential to the ' +
        'public key only.',
    );
  }

  return { ...jwk };
}

function toSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
