/**
 * A handler for the local API server's own tests: it answers with the
 * event and context it was given, or misbehaves as the `x-stub` header
 * asks, so the server's side of the Lambda proxy contract can be seen.
 */
import type {
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  Context,
} from 'aws-lambda';

export interface Echo {
  event: APIGatewayProxyEvent;
  context: {
    functionName: string;
    awsRequestId: string;
    remainingMs: number;
  };
}

export async function handler(
  event: APIGatewayProxyEvent,
  context: Context,
): Promise<APIGatewayProxyResult> {
  const behaviour = Object.entries(event.headers).find(
    ([name]) => name.toLowerCase() === 'x-stub',
  )?.[1];

  switch (behaviour) {
    case 'throw':
      throw new Error('The stub was asked to fail');
    case 'binary':
      return {
        statusCode: 200,
        headers: { 'Content-Type': 'application/octet-stream' },
        body: Buffer.from([0, 1, 2, 254, 255]).toString('base64'),
        isBase64Encoded: true,
      };
    case 'headers':
      return {
        statusCode: 201,
        headers: { 'X-Single': 'one', 'X-Both': 'from-headers' },
        multiValueHeaders: {
          'X-Many': ['first', 'second'],
          'X-Both': ['from-multi'],
        },
        body: '',
      };
    case 'malformed':
      return { body: 'no status' } as unknown as APIGatewayProxyResult;
    case 'slow':
      await new Promise((done) => setTimeout(done, 1_000));
      break;
  }

  const echo: Echo = {
    event,
    context: {
      functionName: context.functionName,
      awsRequestId: context.awsRequestId,
      remainingMs: context.getRemainingTimeInMillis(),
    },
  };

  return { statusCode: 200, body: JSON.stringify(echo) };
}
