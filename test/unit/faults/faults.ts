/**
 * Shared by the fault-injection tests: SDK clients that are real instances
 * (so the code under test builds real commands) but whose `send` is
 * mocked, the errors AWS answers with when luck is bad, and what a caller
 * would see of an error.
 */
import {
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { SFNClient, SFNServiceException } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { errorResponse } from '../../../functions/lib/http.js';
import type { RouteGroup } from '../../../functions/routes.js';

// Nothing here may reach AWS: every client has a loopback endpoint and
// dummy credentials, and the metadata service is never asked.
process.env.AWS_EC2_METADATA_DISABLED = 'true';

const clientOptions = {
  region: 'eu-west-2',
  endpoint: 'http://127.0.0.1:9',
  credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
};

/** A document client with the marshalling options the handlers use. */
export const documentClient = () =>
  DynamoDBDocumentClient.from(new DynamoDBClient(clientOptions), {
    marshallOptions: {
      removeUndefinedValues: true,
      convertClassInstanceToMap: true,
    },
  });

export const stepFunctionsClient = () => new SFNClient(clientOptions);

export const throughputExceeded = () =>
  new ProvisionedThroughputExceededException({
    message: 'The level of configured provisioned throughput was exceeded.',
    $metadata: { httpStatusCode: 400 },
  });

/** DynamoDB's 500: the request may or may not have been applied. */
export const internalServerError = () =>
  Object.assign(new Error('Internal server error'), {
    name: 'InternalServerError',
    $fault: 'server',
    $metadata: { httpStatusCode: 500 },
  });

/** What the SDK's HTTP handler throws when a request takes too long. */
export const timedOut = () =>
  Object.assign(new Error('Connection timed out after 1000 ms'), {
    name: 'TimeoutError',
  });

export type CancellationCode =
  | 'None'
  | 'ConditionalCheckFailed'
  | 'TransactionConflict'
  | 'ThrottlingError';

/** A cancelled transaction, with one reason for each of its items. */
export const cancelled = (...codes: CancellationCode[]) =>
  new TransactionCanceledException({
    message: `Transaction cancelled, reasons [${codes.join(', ')}]`,
    $metadata: { httpStatusCode: 400 },
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

export const stepFunctionsThrottled = () =>
  new SFNServiceException({
    name: 'ThrottlingException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: 'Rate exceeded',
  });

export const stepFunctionsUnavailable = () =>
  new SFNServiceException({
    name: 'ServiceUnavailable',
    $fault: 'server',
    $metadata: { httpStatusCode: 503 },
    message: 'Service unavailable',
  });

/** What a caller of `group` would see of `error`. */
export function answerTo(error: unknown, group: RouteGroup) {
  const out = errorResponse(error, group);

  return {
    status: out.statusCode,
    retryAfter: out.headers?.['Retry-After'],
    body: JSON.parse(out.body) as Record<string, unknown>,
  };
}

/** The error a promise rejects with; fails the test when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}
