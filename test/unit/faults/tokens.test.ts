import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { preAuthorizedCode } from '../../../functions/domain/offer-secrets.js';
import { exchangeCode } from '../../../functions/domain/tokens.js';
import { newId, newSecret } from '../../../functions/lib/ids.js';
import { keys } from '../../../functions/lib/keys.js';
import { testDeps } from '../../support/builders.js';
import {
  answerTo,
  cancelled,
  documentClient,
  rejectionOf,
  throughputExceeded,
  timedOut,
} from './faults.js';

const db = documentClient();
const ddb = mockClient(db);
const deps = testDeps({ db });

afterEach(() => {
  ddb.reset();
});

const offerId = newId();
const code = preAuthorizedCode(offerId, newSecret(16), {
  urn: '141234',
  studentId: newId(),
});

const exchange = () =>
  exchangeCode(
    deps,
    new URLSearchParams({ 'pre-authorized_code': code, tx_code: '123456' }),
    'wallet-key-thumbprint',
  );

describe('exchangeCode when DynamoDB throttles', () => {
  it('answers 503 with Retry-After when counting the attempt is throttled', async () => {
    ddb.on(UpdateCommand).rejects(throughputExceeded());

    const error = await rejectionOf(exchange());

    expect(answerTo(error, 'wallet')).toEqual({
      status: 503,
      retryAfter: '1',
      body: {
        error: 'temporarily_unavailable',
        error_description: 'The service is busy. Try again in a moment.',
      },
    });
  });

  it('writes no chain when counting the attempt is throttled', async () => {
    ddb.on(UpdateCommand).rejects(throughputExceeded());

    await rejectionOf(exchange());

    const counted = ddb.commandCalls(UpdateCommand);
    expect(counted).toHaveLength(1);
    expect(counted[0]?.args[0].input.Key).toEqual(keys.offer(offerId));
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('answers 503 when the redeeming transaction is cancelled by throttling', async () => {
    ddb.on(UpdateCommand).resolves({});
    ddb.on(TransactWriteCommand).rejects(cancelled('ThrottlingError', 'None'));

    const error = await rejectionOf(exchange());

    // Not a wrong tx_code: no failed code is counted against the offer.
    expect(answerTo(error, 'wallet')).toMatchObject({
      status: 503,
      retryAfter: '1',
      body: { error: 'temporarily_unavailable' },
    });
    const updates = ddb.commandCalls(UpdateCommand);
    expect(updates.map((c) => c.args[0].input.UpdateExpression)).toEqual([
      'ADD txAttempts :one',
    ]);
  });
});

describe('exchangeCode when DynamoDB times out', () => {
  it('answers 503 with Retry-After and writes no chain when the redeeming transaction times out', async () => {
    ddb.on(UpdateCommand).resolves({});
    ddb.on(TransactWriteCommand).rejects(timedOut());

    const error = await rejectionOf(exchange());

    expect(answerTo(error, 'wallet')).toEqual({
      status: 503,
      retryAfter: '1',
      body: {
        error: 'temporarily_unavailable',
        error_description: 'The service is busy. Try again in a moment.',
      },
    });
    // A timeout is not a wrong tx_code: nothing is counted against it.
    const updates = ddb.commandCalls(UpdateCommand);
    expect(updates.map((c) => c.args[0].input.UpdateExpression)).toEqual([
      'ADD txAttempts :one',
    ]);
  });
});
