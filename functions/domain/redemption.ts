import {
  DeleteCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { calculateJwkThumbprint, decodeJwt } from 'jose';
import { addSeconds, epochSeconds } from '../lib/clock.js';
import type { Deps } from '../lib/deps.js';
import { OAuthError } from '../lib/errors.js';
import { newSecret, sha256 } from '../lib/ids.js';
import { keys } from '../lib/keys.js';
import {
  batchGet,
  entity,
  getEntity,
  itemOfFailedCondition,
} from '../lib/table.js';
import { credentialOffer } from '../wallet/metadata.js';
import { ProofError, verifyProofJwt } from '../wallet/proof.js';
import {
  type EducationRecord,
  issueEducationRecord,
} from '../wallet/sd-jwt.js';
import type { Signer } from '../wallet/signer.js';
import {
  preAuthorizedCode,
  sameHash,
  splitSecretPair,
  txCodeHash,
} from './offer-secrets.js';
import { isLive } from './offers.js';
import type { Centre, Offer, Result, Student } from './types.js';

/** OID4VCI pre-authorized code grant type. */
export const preAuthorizedGrant =
  'urn:ietf:params:oauth:grant-type:pre-authorized_code';

/** Wrong tx_codes an offer survives; the next one revokes it. */
export const maxWrongTxCodes = 5;
export const accessTokenSeconds = 300;
export const nonceSeconds = 300;

const noSuchOffer = () =>
  new OAuthError(404, 'invalid_request', 'This offer is not available.');

const badGrant = (description: string) =>
  new OAuthError(400, 'invalid_grant', description);

/**
 * The credential offer behind a QR code. Fetching it marks the offer as
 * scanned, which the staff member's screen shows. A reference that is
 * wrong, expired, used or revoked is simply not available.
 */
export async function resolveOffer(deps: Deps, ref: string) {
  const pair = splitSecretPair(ref);
  if (!pair) throw noSuchOffer();
  const offer = await getEntity<Offer>(
    deps.db,
    deps.config.TABLE_NAME,
    keys.offer(pair.offerId),
  );
  const now = deps.clock.now();
  if (!offer || !sameHash(offer.refHash, sha256(pair.secret))) {
    throw noSuchOffer();
  }
  if (!isLive(offer, now)) throw noSuchOffer();

  if (offer.status === 'issued') {
    await deps.db
      .send(
        new UpdateCommand({
          TableName: deps.config.TABLE_NAME,
          Key: keys.offer(offer.offerId),
          UpdateExpression: 'SET #status = :scanned, scannedAt = :now',
          ConditionExpression: '#status = :issued',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':scanned': 'scanned',
            ':issued': 'issued',
            ':now': now.toISOString(),
          },
        }),
      )
      .catch((error: Error) => {
        // Scanned twice at once, or redeemed meanwhile: nothing to mark.
        if (error.name !== 'ConditionalCheckFailedException') throw error;
      });
  }

  return credentialOffer({
    issuer: deps.config.ISSUER_URL,
    preAuthorizedCode: preAuthorizedCode(pair.offerId, pair.secret),
    txCodeLength: 6,
  });
}

export interface TokenGrant {
  accessToken: string;
  expiresIn: number;
}

/**
 * Exchanges a pre-authorized code and its tx_code for an access token in
 * one conditional write, so exactly one exchange of an offer ever
 * succeeds. A wrong tx_code does not use the offer up; the fifth revokes it.
 */
export async function exchangeCode(
  deps: Deps,
  form: URLSearchParams,
): Promise<TokenGrant> {
  const grantType = form.get('grant_type');
  if (grantType !== preAuthorizedGrant) {
    throw new OAuthError(
      400,
      'unsupported_grant_type',
      'Only the pre-authorized code grant is supported.',
    );
  }
  const code = form.get('pre-authorized_code') ?? '';
  const txCode = form.get('tx_code') ?? '';
  if (!code) {
    throw new OAuthError(
      400,
      'invalid_request',
      'pre-authorized_code is missing.',
    );
  }
  if (!/^\d{6}$/.test(txCode)) {
    throw new OAuthError(
      400,
      'invalid_request',
      'tx_code must be the six digits the member of staff read out.',
    );
  }
  const pair = splitSecretPair(code);
  if (!pair) throw badGrant('The code is not valid.');

  const now = deps.clock.now();
  const token = `${pair.offerId}.${newSecret(32)}`;
  const codeHash = sha256(code);
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.config.TABLE_NAME,
        Key: keys.offer(pair.offerId),
        UpdateExpression:
          'SET #status = :redeemed, redeemedAt = :now, ' +
          'accessTokenHash = :token, accessTokenExpiresAt = :tokenExpiry',
        ConditionExpression:
          'codeHash = :code AND txCodeHash = :tx AND ' +
          '#status IN (:issued, :scanned) AND expiresAt > :now',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':redeemed': 'redeemed',
          ':now': now.toISOString(),
          ':token': sha256(token),
          ':tokenExpiry': addSeconds(now, accessTokenSeconds).toISOString(),
          ':code': codeHash,
          ':tx': txCodeHash(code, txCode),
          ':issued': 'issued',
          ':scanned': 'scanned',
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { accessToken: token, expiresIn: accessTokenSeconds };
  } catch (error) {
    if ((error as Error).name !== 'ConditionalCheckFailedException') {
      throw error;
    }
    const old = itemOfFailedCondition(error);
    const offer = old ? entity<Offer>(old) : undefined;
    if (!offer || !sameHash(offer.codeHash, codeHash) || !isLive(offer, now)) {
      throw badGrant('The code is not valid, or has been used or expired.');
    }
    await countWrongTxCode(deps, offer, codeHash);
    throw badGrant('The tx_code is wrong. Check the digits and try again.');
  }
}

async function countWrongTxCode(
  deps: Deps,
  offer: Offer,
  codeHash: string,
): Promise<void> {
  const now = deps.clock.now().toISOString();
  const out = await deps.db
    .send(
      new UpdateCommand({
        TableName: deps.config.TABLE_NAME,
        Key: keys.offer(offer.offerId),
        UpdateExpression: 'ADD failedTxCodes :one',
        ConditionExpression:
          'codeHash = :code AND #status IN (:issued, :scanned)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':one': 1,
          ':code': codeHash,
          ':issued': 'issued',
          ':scanned': 'scanned',
        },
        ReturnValues: 'UPDATED_NEW',
      }),
    )
    .catch((error: Error) => {
      if (error.name === 'ConditionalCheckFailedException') return undefined;
      throw error;
    });
  const failed = Number(out?.Attributes?.failedTxCodes ?? 0);
  if (failed < maxWrongTxCodes) return;

  await deps.db
    .send(
      new UpdateCommand({
        TableName: deps.config.TABLE_NAME,
        Key: keys.offer(offer.offerId),
        UpdateExpression:
          'SET #status = :revoked, revokedReason = :reason, revokedAt = :now',
        ConditionExpression: '#status IN (:issued, :scanned)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':revoked': 'revoked',
          ':reason': 'too-many-wrong-codes',
          ':now': now,
          ':issued': 'issued',
          ':scanned': 'scanned',
        },
      }),
    )
    .catch((error: Error) => {
      if (error.name !== 'ConditionalCheckFailedException') throw error;
    });
}

/** A `c_nonce`, good for one proof within a few minutes. */
export async function createNonce(deps: Deps): Promise<string> {
  const nonce = newSecret(24);
  const expires = addSeconds(deps.clock.now(), nonceSeconds);
  await deps.db.send(
    new PutCommand({
      TableName: deps.config.TABLE_NAME,
      Item: {
        ...keys.nonce(nonce),
        type: 'nonce',
        expiresAt: expires.toISOString(),
        ttl: epochSeconds(expires),
      },
    }),
  );
  return nonce;
}

/** Uses a nonce up; false if it was never given, used or is too old. */
async function consumeNonce(deps: Deps, nonce: string): Promise<boolean> {
  try {
    await deps.db.send(
      new DeleteCommand({
        TableName: deps.config.TABLE_NAME,
        Key: keys.nonce(nonce),
        ConditionExpression: 'attribute_exists(PK) AND expiresAt > :now',
        ExpressionAttributeValues: {
          ':now': deps.clock.now().toISOString(),
        },
      }),
    );
    return true;
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') {
      return false;
    }
    throw error;
  }
}

const invalidToken = () =>
  new OAuthError(401, 'invalid_token', 'The access token is not valid.', {
    headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
  });

/** The offer an access token was issued for, if the token is good. */
async function offerForToken(deps: Deps, authorization: string | undefined) {
  const match = /^bearer[ ]+(\S+)$/i.exec(authorization ?? '');
  const pair = match?.[1] ? splitSecretPair(match[1]) : undefined;
  if (!match?.[1] || !pair) throw invalidToken();
  const offer = await getEntity<
    Offer & {
      accessTokenHash?: string;
      accessTokenExpiresAt?: string;
    }
  >(deps.db, deps.config.TABLE_NAME, keys.offer(pair.offerId));
  const now = deps.clock.now();
  if (
    !offer?.accessTokenHash ||
    !sameHash(offer.accessTokenHash, sha256(match[1])) ||
    new Date(offer.accessTokenExpiresAt ?? 0) <= now ||
    offer.status === 'revoked'
  ) {
    throw invalidToken();
  }
  return offer;
}

/** The record as it stands: the student, their centre and results. */
async function assembleRecord(
  deps: Deps,
  offer: Offer,
): Promise<EducationRecord> {
  const TableName = deps.config.TABLE_NAME;
  const [found, results] = await Promise.all([
    batchGet(deps.db, TableName, [
      keys.student(offer.urn, offer.studentId),
      keys.centre(offer.urn),
    ]),
    deps.db.send(
      new QueryCommand({
        TableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: {
          ':pk': keys.centre(offer.urn).PK,
          ':prefix': keys.resultPrefix(offer.studentId),
        },
      }),
    ),
  ]);
  const studentItem = found.find((i) => i.type === 'student');
  const centreItem = found.find((i) => i.type === 'centre');
  if (!studentItem || !centreItem) {
    throw new OAuthError(
      400,
      'invalid_credential_request',
      'The record for this offer is no longer available.',
    );
  }
  const student = entity<Student>(studentItem);
  const centre = entity<Centre>(centreItem);
  const qualifications = (results.Items ?? [])
    .map((i) => entity<Result>(i))
    .sort(
      (a, b) =>
        a.awardDate.localeCompare(b.awardDate) ||
        a.title.localeCompare(b.title),
    )
    .map((r) => ({
      title: r.title,
      qan: r.qan,
      awardingBody: r.awardingBody,
      subject: r.subject,
      level: r.level,
      grade: r.grade,
      awardDate: r.awardDate,
    }));
  return {
    givenName: student.legalForename,
    familyName: student.legalSurname,
    birthdate: student.dateOfBirth,
    ...(student.uln ? { uln: student.uln } : {}),
    centre: { urn: centre.urn, name: centre.name },
    qualifications,
  };
}

export const credentialConfigurationId = 'EducationRecord';

/**
 * Issues the record for a redeemed offer, bound to the key of the wallet's
 * proof. The proof's nonce is used up first, so a replayed proof fails.
 * A wallet that lost the answer may ask again with the same key.
 */
export async function issueCredential(
  deps: Deps,
  signer: Signer,
  authorization: string | undefined,
  body: unknown,
): Promise<string> {
  const offer = await offerForToken(deps, authorization);
  const request = body as {
    credential_configuration_id?: unknown;
    proofs?: { jwt?: unknown };
  } | null;
  if (!request || typeof request !== 'object') {
    throw new OAuthError(
      400,
      'invalid_credential_request',
      'Send a JSON object.',
    );
  }
  if (request.credential_configuration_id !== credentialConfigurationId) {
    throw new OAuthError(
      400,
      'unknown_credential_configuration',
      `Ask for ${credentialConfigurationId}.`,
    );
  }
  const proofs = request.proofs?.jwt;
  if (
    !Array.isArray(proofs) ||
    proofs.length !== 1 ||
    typeof proofs[0] !== 'string'
  ) {
    throw new OAuthError(
      400,
      'invalid_proof',
      'Send exactly one proof in proofs.jwt.',
    );
  }
  const proof = proofs[0];

  let nonce: unknown;
  try {
    nonce = decodeJwt(proof).nonce;
  } catch {
    throw new OAuthError(400, 'invalid_proof', 'The proof is not a JWT.');
  }
  if (typeof nonce !== 'string' || nonce.length > 200) {
    throw new OAuthError(400, 'invalid_nonce', 'Get a c_nonce from /nonce.');
  }
  const now = deps.clock.now();
  let holderJwk: Awaited<ReturnType<typeof verifyProofJwt>>['holderJwk'];
  try {
    ({ holderJwk } = await verifyProofJwt(proof, {
      audience: deps.config.ISSUER_URL,
      nonce,
      now,
    }));
  } catch (error) {
    if (error instanceof ProofError) {
      throw new OAuthError(400, error.code, error.message);
    }
    throw error;
  }
  if (!(await consumeNonce(deps, nonce))) {
    throw new OAuthError(
      400,
      'invalid_nonce',
      'The c_nonce was used or has expired. Get a new one from /nonce.',
    );
  }

  const thumbprint = await calculateJwkThumbprint(
    holderJwk as Parameters<typeof calculateJwkThumbprint>[0],
  );
  const sameHolder =
    offer.status === 'delivered' && offer.holderKeyThumbprint === thumbprint;
  if (offer.status !== 'redeemed' && !sameHolder) {
    throw new OAuthError(
      400,
      'invalid_credential_request',
      'This offer has already delivered its record to another key.',
    );
  }

  const record = await assembleRecord(deps, offer);
  const credential = await issueEducationRecord({
    signer,
    issuer: deps.config.ISSUER_URL,
    holderJwk,
    record,
    issuedAt: now,
  });

  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.config.TABLE_NAME,
        Key: keys.offer(offer.offerId),
        UpdateExpression:
          'SET #status = :delivered, deliveredAt = if_not_exists(deliveredAt, :now), ' +
          'holderKeyThumbprint = :thumb',
        ConditionExpression:
          '#status = :redeemed OR (#status = :delivered AND holderKeyThumbprint = :thumb)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':delivered': 'delivered',
          ':redeemed': 'redeemed',
          ':now': now.toISOString(),
          ':thumb': thumbprint,
        },
      }),
    );
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') {
      // Revoked, or delivered to another key a moment ago.
      throw new OAuthError(
        400,
        'invalid_credential_request',
        'This offer can no longer deliver a record.',
      );
    }
    throw error;
  }
  return credential;
}
