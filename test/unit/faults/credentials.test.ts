import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { BatchGetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { calculateJwkThumbprint, importJWK, SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type Chain,
  newChainId,
  tokenFor,
} from '../../../functions/domain/chains.js';
import { issueCredential } from '../../../functions/domain/credentials.js';
import { addSeconds, epochSeconds } from '../../../functions/lib/clock.js';
import { newId, newSecret, sha256 } from '../../../functions/lib/ids.js';
import { keys } from '../../../functions/lib/keys.js';
import { createLocalSigner } from '../../../functions/wallet/signer.js';
import { aCentre, aStudent, testDeps } from '../../support/builders.js';
import { dpopProof } from '../../support/wallet-client.js';
import {
  answerTo,
  cancelled,
  documentClient,
  rejectionOf,
  throughputExceeded,
} from './faults.js';

const db = documentClient();
const ddb = mockClient(db);
const deps = testDeps({ db });
const TableName = deps.config.TABLE_NAME;
const issuer = deps.config.ISSUER_URL;
const now = deps.clock.now();

afterEach(() => {
  ddb.reset();
});

const p256 = () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
  });

  return {
    privateJwk: privateKey.export({ format: 'jwk' }) as JsonWebKey,
    jwk: publicKey.export({ format: 'jwk' }) as JsonWebKey,
  };
};

const signer = createLocalSigner(p256().privateJwk);
const dpopKey = p256();
const holderKey = p256();

const urn = '141234';
const studentId = newId();
const chainId = newChainId(urn, studentId);
const accessSecret = newSecret(32);
const accessToken = tokenFor(chainId, accessSecret);
const nonce = newSecret(24);

/** A chain just redeemed: its first record not issued yet. */
const aChain = async (): Promise<Chain> => ({
  chainId,
  offerId: newId(),
  urn,
  studentId,
  status: 'active',
  dpopJkt: await calculateJwkThumbprint(dpopKey.jwk as never),
  refreshHash: sha256(newSecret(32)),
  refreshExpiresAt: '2027-08-31T23:59:59.000Z',
  accessHash: sha256(accessSecret),
  accessExpiresAt: addSeconds(now, 300).toISOString(),
  nextIndex: 0,
  blockEnd: 64,
  credentials: 0,
  createdAt: now.toISOString(),
  updatedAt: now.toISOString(),
});

/** Chain, nonce, student and centre, as the one BatchGetItem reads them. */
async function tableHoldsARedeemedChain() {
  ddb.on(BatchGetCommand).resolves({
    Responses: {
      [TableName]: [
        { ...keys.chain(chainId), type: 'chain', ...(await aChain()) },
        {
          ...keys.nonce(nonce),
          type: 'nonce',
          expiresAt: addSeconds(now, 300).toISOString(),
        },
        {
          ...keys.student(urn, studentId),
          type: 'student',
          ...aStudent({ studentId }),
        },
        { ...keys.centre(urn), type: 'centre', ...aCentre() },
      ],
    },
  });
}

/** A wallet's credential request, with its DPoP and holder proofs. */
async function credentialRequest() {
  const proof = await new SignJWT({ nonce, aud: issuer })
    .setProtectedHeader({
      alg: 'ES256',
      typ: 'openid4vci-proof+jwt',
      jwk: holderKey.jwk as never,
    })
    .setIssuedAt(epochSeconds(now))
    .sign(await importJWK(holderKey.privateJwk as never, 'ES256'));
  const dpop = await dpopProof({
    ...dpopKey,
    method: 'POST',
    url: `${issuer}/credential`,
    accessToken,
    iat: epochSeconds(now),
  });

  return issueCredential(
    deps,
    signer,
    { authorization: `DPoP ${accessToken}`, dpop },
    {
      credential_configuration_id: 'EducationRecord',
      proofs: { jwt: [proof] },
    },
  );
}

describe('issueCredential when its dependencies fail', () => {
  it('issues the record when nothing fails', async () => {
    await tableHoldsARedeemedChain();
    ddb.on(TransactWriteCommand).resolves({});

    const credential = await credentialRequest();

    expect(credential.split('~').length).toBeGreaterThan(1);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('answers invalid_nonce and no record when the nonce was used meanwhile', async () => {
    await tableHoldsARedeemedChain();
    ddb
      .on(TransactWriteCommand)
      .rejects(cancelled('ConditionalCheckFailed', 'None', 'None'));

    const error = await rejectionOf(credentialRequest());

    const [write] = ddb.commandCalls(TransactWriteCommand);
    expect(write?.args[0].input.TransactItems?.[0]?.Delete?.Key).toEqual(
      keys.nonce(nonce),
    );
    expect(answerTo(error, 'wallet')).toMatchObject({
      status: 400,
      body: { error: 'invalid_nonce' },
    });
  });

  it('answers 503 when the transaction conflicts with another on the chain', async () => {
    await tableHoldsARedeemedChain();
    ddb
      .on(TransactWriteCommand)
      .rejects(cancelled('None', 'TransactionConflict', 'None'));

    const error = await rejectionOf(credentialRequest());

    expect(answerTo(error, 'wallet')).toMatchObject({
      status: 503,
      retryAfter: '1',
      body: { error: 'temporarily_unavailable' },
    });
  });

  it('answers 503 with Retry-After and writes nothing when BatchGetItem is throttled', async () => {
    ddb.on(BatchGetCommand).rejects(throughputExceeded());

    const error = await rejectionOf(credentialRequest());

    expect(answerTo(error, 'wallet')).toEqual({
      status: 503,
      retryAfter: '1',
      body: {
        error: 'temporarily_unavailable',
        error_description: 'The service is busy. Try again in a moment.',
      },
    });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });
});
