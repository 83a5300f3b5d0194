import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createOffer } from '../../../functions/domain/offers.js';
import type { Vouch } from '../../../functions/domain/types.js';
import type { Caller } from '../../../functions/lib/auth.js';
import {
  createApiHandler,
  ok,
  type RouteImpl,
} from '../../../functions/lib/http.js';
import { keys } from '../../../functions/lib/keys.js';
import { routeKey, routes } from '../../../functions/routes.js';
import {
  aCentre,
  anOffer,
  aStaff,
  aStudent,
  testDeps,
} from '../../support/builders.js';
import {
  answerTo,
  cancelled,
  documentClient,
  rejectionOf,
  stepFunctionsClient,
  stepFunctionsThrottled,
  stepFunctionsUnavailable,
} from './faults.js';

const db = documentClient();
const sfn = stepFunctionsClient();
const ddb = mockClient(db);
const stepFunctions = mockClient(sfn);
const deps = testDeps({ db, sfn });
const TableName = deps.config.TABLE_NAME;

afterEach(() => {
  ddb.reset();
  stepFunctions.reset();
});

const caller: Caller = { sub: 'staff-ann', username: 'ann', groups: [] };
const urn = '141234';

const aVouch = (overrides: Partial<Vouch> = {}): Vouch => ({
  urn,
  vouchId: 'vouch-1',
  studentId: 'student-kwame',
  staffId: 'staff-ann',
  method: 'in-person',
  createdAt: '2026-03-10T08:59:00.000Z',
  expiresAt: '2026-03-10T09:04:00.000Z',
  ...overrides,
});

const previousOffer = anOffer({
  offerId: 'offer-earlier',
  createdAt: '2026-03-10T08:55:00.000Z',
  expiresAt: '2026-03-10T09:05:00.000Z',
});

/** The table as createOffer reads it: a usable vouch, a live earlier code. */
function tableHoldsAUsableVouch() {
  ddb.on(BatchGetCommand).resolves({
    Responses: {
      [TableName]: [
        { ...keys.centre(urn), type: 'centre', ...aCentre() },
        { ...keys.staff(urn, 'staff-ann'), type: 'staff', ...aStaff() },
        { ...keys.vouch(urn, 'vouch-1'), type: 'vouch', ...aVouch() },
      ],
    },
  });
  ddb.on(GetCommand, { Key: keys.student(urn, 'student-kwame') }).resolves({
    Item: {
      ...keys.student(urn, 'student-kwame'),
      type: 'student',
      ...aStudent({ latestOfferId: previousOffer.offerId }),
    },
  });
  ddb.on(GetCommand, { Key: keys.offer(previousOffer.offerId) }).resolves({
    Item: {
      ...keys.offer(previousOffer.offerId),
      type: 'offer',
      ...previousOffer,
    },
  });
}

const makeOffer = () => createOffer(deps, caller, urn, 'vouch-1');

/** The offer ids the expiry executions were started for. */
const executionOfferIds = () =>
  stepFunctions
    .commandCalls(StartExecutionCommand)
    .map((c) => JSON.parse(c.args[0].input.input ?? '{}').offerId as string);

/** The offer ids each attempted transaction would have written. */
const transactedOfferIds = () =>
  ddb
    .commandCalls(TransactWriteCommand)
    .flatMap((c) => c.args[0].input.TransactItems ?? [])
    .flatMap((item) => (item.Put?.Item?.type === 'offer' ? [item.Put] : []))
    .map((put) => String(put.Item?.offerId));

const lambdaContext = {
  awsRequestId: 'req-1',
  functionName: 'issuance',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

/**
 * The issuance route group as its Lambda composes it, with only the
 * offer route implemented: the answer is what the HTTP layer makes of
 * whatever createOffer throws.
 */
function offerHandler() {
  const offerRoute = 'POST /centres/{urn}/vouches/{vouchId}/offers';
  const impls: Record<string, RouteImpl> = {};
  for (const route of routes.filter((r) => r.group === 'issuance')) {
    impls[routeKey(route)] = async () => {
      throw new Error('not under test');
    };
  }
  impls[offerRoute] = async (request) => {
    const created = await createOffer(
      request.deps,
      request.caller as Caller,
      request.params.urn ?? '',
      request.params.vouchId ?? '',
    );
    return ok({ offerId: created.offer.offerId }, 201);
  };
  const signedIn = testDeps({
    db,
    sfn,
    verifier: { verify: async () => caller },
  });

  return createApiHandler('issuance', impls, () => signedIn);
}

const offerRequest: APIGatewayProxyEvent = {
  resource: '/centres/{urn}/vouches/{vouchId}/offers',
  path: `/centres/${urn}/vouches/vouch-1/offers`,
  httpMethod: 'POST',
  headers: { Authorization: 'Bearer signed-in' },
  multiValueHeaders: {},
  queryStringParameters: null,
  multiValueQueryStringParameters: null,
  pathParameters: { urn, vouchId: 'vouch-1' },
  stageVariables: null,
  body: null,
  isBase64Encoded: false,
  requestContext: {
    requestId: 'req-1',
    identity: { sourceIp: '127.0.0.1' },
  } as APIGatewayProxyEvent['requestContext'],
};

describe('createOffer when Step Functions fails', () => {
  it('answers 503 with Retry-After when StartExecution is throttled', async () => {
    tableHoldsAUsableVouch();
    stepFunctions.on(StartExecutionCommand).rejects(stepFunctionsThrottled());

    const out = await offerHandler()(offerRequest, lambdaContext);

    expect(out.statusCode).toBe(503);
    expect(out.headers?.['Retry-After']).toBe('1');
    expect(JSON.parse(out.body)).toEqual({
      error: {
        code: 'SERVICE_UNAVAILABLE',
        message: 'The service is busy. Try again in a moment.',
      },
    });
  });

  it('writes nothing when Step Functions is unavailable', async () => {
    tableHoldsAUsableVouch();
    stepFunctions.on(StartExecutionCommand).rejects(stepFunctionsUnavailable());

    const error = await rejectionOf(makeOffer());

    expect(answerTo(error, 'issuance')).toMatchObject({
      status: 503,
      retryAfter: '1',
    });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('leaves the vouch usable, so a retry after the outage makes the offer', async () => {
    tableHoldsAUsableVouch();
    stepFunctions
      .on(StartExecutionCommand)
      .rejectsOnce(stepFunctionsThrottled())
      .resolves({ executionArn: 'arn:execution' });
    ddb.on(TransactWriteCommand).resolves({});

    await rejectionOf(makeOffer());
    const created = await makeOffer();

    const writes = ddb.commandCalls(TransactWriteCommand);
    expect(writes).toHaveLength(1);
    const useVouch = writes[0]?.args[0].input.TransactItems?.[0]?.Update;
    expect(useVouch?.Key).toEqual(keys.vouch(urn, 'vouch-1'));
    expect(useVouch?.ExpressionAttributeValues?.[':offer']).toBe(
      created.offer.offerId,
    );
    expect(executionOfferIds().at(-1)).toBe(created.offer.offerId);
  });
});

describe('createOffer when its transaction keeps conflicting', () => {
  const conflictEveryTime = () =>
    ddb
      .on(TransactWriteCommand)
      .rejects(cancelled('None', 'None', 'TransactionConflict', 'None'));

  it('answers 409 OFFER_CONFLICT after three attempts', async () => {
    tableHoldsAUsableVouch();
    stepFunctions
      .on(StartExecutionCommand)
      .resolves({ executionArn: 'arn:execution' });
    conflictEveryTime();

    const error = await rejectionOf(makeOffer());

    expect(answerTo(error, 'issuance')).toMatchObject({
      status: 409,
      body: { error: { code: 'OFFER_CONFLICT' } },
    });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(3);
  });

  it('starts expiries only for offers that were never written', async () => {
    tableHoldsAUsableVouch();
    stepFunctions
      .on(StartExecutionCommand)
      .resolves({ executionArn: 'arn:execution' });
    conflictEveryTime();

    await rejectionOf(makeOffer());

    // Each attempt is a new offer id with its own execution; the workflow
    // tier shows an execution whose offer is absent ends without writing
    // ("leaves the table alone when the offer is gone").
    const started = executionOfferIds();
    expect(started).toHaveLength(3);
    expect(new Set(started).size).toBe(3);
    expect(transactedOfferIds()).toEqual(started);
    expect(started).not.toContain(previousOffer.offerId);
  });

  it('writes every part of an attempt in one transaction, so none survives alone', async () => {
    tableHoldsAUsableVouch();
    stepFunctions
      .on(StartExecutionCommand)
      .resolves({ executionArn: 'arn:execution' });
    conflictEveryTime();

    await rejectionOf(makeOffer());

    // A cancelled transaction writes none of its items: the vouch, the
    // offer, the student's latest offer and the earlier code's revocation
    // were only ever sent together.
    for (const call of ddb.commandCalls(TransactWriteCommand)) {
      const items = (call.args[0].input as TransactWriteCommandInput)
        .TransactItems;
      expect(items?.map((i) => i.Update?.Key ?? i.Put?.Item?.SK)).toEqual([
        keys.vouch(urn, 'vouch-1'),
        'OFFER',
        keys.student(urn, 'student-kwame'),
        keys.offer(previousOffer.offerId),
      ]);
    }
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });
});
