import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { bearerToken } from '../../../functions/lib/auth.js';
import { ApiError, OAuthError } from '../../../functions/lib/errors.js';
import {
  createApiHandler,
  ok,
  type RouteImpl,
} from '../../../functions/lib/http.js';
import { routeKey, routes } from '../../../functions/routes.js';
import { testDeps } from '../../support/builders.js';

const context = {
  awsRequestId: 'req-1',
  functionName: 'test',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

function event(overrides: Partial<APIGatewayProxyEvent>): APIGatewayProxyEvent {
  return {
    resource: '/centres',
    path: '/centres',
    httpMethod: 'POST',
    headers: { 'Content-Type': 'application/json' },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: '{}',
    isBase64Encoded: false,
    requestContext: {
      requestId: 'req-1',
      identity: { sourceIp: '127.0.0.1' },
    } as APIGatewayProxyEvent['requestContext'],
    ...overrides,
  };
}

/** A handler for the `centres` group whose every route runs `impl`. */
function centresHandler(impl: RouteImpl, verified = true) {
  const impls: Record<string, RouteImpl> = {};
  for (const r of routes.filter((r) => r.group === 'centres')) {
    impls[routeKey(r)] = impl;
  }
  const deps = testDeps({
    verifier: {
      verify: async (token) => {
        if (!verified || token !== 'good') throw new Error('bad token');
        return { sub: 'op', username: 'op', groups: ['operator'] };
      },
    },
  });
  return createApiHandler('centres', impls, () => deps);
}

const withToken = {
  Authorization: 'Bearer good',
  'Content-Type': 'application/json',
};

describe('createApiHandler', () => {
  it('answers a route with what its implementation returns', async () => {
    const handler = centresHandler(async () => ok({ done: true }, 201));

    const out = await handler(event({ headers: withToken }), context);

    expect(out.statusCode).toBe(201);
    expect(JSON.parse(out.body)).toEqual({ done: true });
    expect(out.headers?.['Cache-Control']).toBe('no-store');
  });

  it('accepts the bearer scheme in any letter case', async () => {
    const handler = centresHandler(async () => ok({}));
    const headers = {
      authorization: 'bEaReR good',
      'content-type': 'application/json',
    };

    const out = await handler(event({ headers }), context);

    expect(out.statusCode).toBe(200);
  });

  it('answers 401 without detail when the token is missing or bad', async () => {
    const handler = centresHandler(async () => ok({}));

    const none = await handler(event({}), context);
    const bad = await handler(
      event({ headers: { ...withToken, Authorization: 'Bearer nope' } }),
      context,
    );

    for (const out of [none, bad]) {
      expect(out.statusCode).toBe(401);
      expect(JSON.parse(out.body)).toEqual({
        error: { code: 'UNAUTHORIZED', message: 'Sign in again to continue.' },
      });
    }
  });

  it('refuses a query parameter given twice rather than answer about one', async () => {
    const handler = centresHandler(async () => ok({ done: true }));

    const out = await handler(
      event({
        httpMethod: 'GET',
        headers: withToken,
        body: null,
        queryStringParameters: { limit: '5' },
        multiValueQueryStringParameters: { limit: ['1', '5'] },
      }),
      context,
    );

    expect(out.statusCode).toBe(400);
    expect(JSON.parse(out.body).error.code).toBe('REPEATED_PARAMETER');
  });

  it('refuses a JSON route sent another content type with 415', async () => {
    const handler = centresHandler(async () => ok({}));

    const out = await handler(
      event({ headers: { ...withToken, 'Content-Type': 'text/plain' } }),
      context,
    );

    expect(out.statusCode).toBe(415);
    expect(JSON.parse(out.body).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('refuses a body that is not JSON with 400', async () => {
    const handler = centresHandler(async () => ok({}));

    const out = await handler(
      event({ headers: withToken, body: '{"urn":' }),
      context,
    );

    expect(out.statusCode).toBe(400);
    expect(JSON.parse(out.body).error.code).toBe('INVALID_JSON');
  });

  it('maps a domain error to its status, code, message and field', async () => {
    const handler = centresHandler(async () => {
      throw new ApiError(409, 'CENTRE_EXISTS', 'Already here.', {
        field: 'urn',
      });
    });

    const out = await handler(event({ headers: withToken }), context);

    expect(out.statusCode).toBe(409);
    expect(JSON.parse(out.body)).toEqual({
      error: { code: 'CENTRE_EXISTS', message: 'Already here.', field: 'urn' },
    });
  });

  it('turns throttling of a dependency into a 503 with Retry-After', async () => {
    const handler = centresHandler(async () => {
      const error = new Error('Rate exceeded');
      error.name = 'ProvisionedThroughputExceededException';
      throw error;
    });

    const out = await handler(event({ headers: withToken }), context);

    expect(out.statusCode).toBe(503);
    expect(out.headers?.['Retry-After']).toBe('1');
    expect(JSON.parse(out.body).error.code).toBe('SERVICE_UNAVAILABLE');
  });

  it('hides an unexpected error behind a plain 500 without a stack', async () => {
    const handler = centresHandler(async () => {
      throw new TypeError('secret detail at line 12');
    });

    const out = await handler(event({ headers: withToken }), context);

    expect(out.statusCode).toBe(500);
    expect(out.body).not.toContain('secret detail');
    expect(out.body).not.toContain('at ');
  });

  it('answers 404 for a resource the group does not serve', async () => {
    const handler = centresHandler(async () => ok({}));

    const out = await handler(
      event({ resource: '/nowhere', path: '/nowhere', headers: withToken }),
      context,
    );

    expect(out.statusCode).toBe(404);
  });

  it('refuses to build without an implementation for each route', () => {
    expect(() => createApiHandler('centres', {})).toThrow(/No implementation/);
  });
});

describe('errors in the OAuth shape', () => {
  it('answer wallet routes as error and error_description', async () => {
    const impls: Record<string, RouteImpl> = {};
    for (const r of routes.filter((r) => r.group === 'wallet')) {
      impls[routeKey(r)] = async () => {
        throw new OAuthError(400, 'invalid_grant', 'The code is not valid.');
      };
    }
    const handler = createApiHandler('wallet', impls, () => testDeps());

    const out = await handler(
      event({
        resource: '/token',
        path: '/token',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=x',
      }),
      context,
    );

    expect(out.statusCode).toBe(400);
    expect(JSON.parse(out.body)).toEqual({
      error: 'invalid_grant',
      error_description: 'The code is not valid.',
    });
  });
});

/** A handler for the `wallet` group whose every route answers its body. */
function walletHandler() {
  const impls: Record<string, RouteImpl> = {};
  for (const r of routes.filter((r) => r.group === 'wallet')) {
    impls[routeKey(r)] = async ({ body }) => ok({ body });
  }
  return createApiHandler('wallet', impls, () => testDeps());
}

const credentialRequest = (overrides: Partial<APIGatewayProxyEvent>) =>
  event({
    resource: '/credential',
    path: '/credential',
    headers: { 'Content-Type': 'application/json' },
    ...overrides,
  });

/** `{"name":"<bytes>"}` in base64, as API Gateway passes a binary body. */
const jsonBytes = (...name: number[]) =>
  Buffer.concat([
    Buffer.from('{"name":"'),
    Buffer.from(name),
    Buffer.from('"}'),
  ]).toString('base64');

describe('reading a JSON body', () => {
  it('answers a wallet route sent broken JSON in the OAuth shape', async () => {
    const handler = walletHandler();

    for (const body of ['{"proof":', '', 'null,']) {
      const out = await handler(credentialRequest({ body }), context);

      expect(out.statusCode).toBe(400);
      expect(JSON.parse(out.body)).toEqual({
        error: 'invalid_request',
        error_description: expect.any(String),
      });
    }
  });

  it('refuses bytes that are not UTF-8 rather than guess at them', async () => {
    const staff = centresHandler(async () => ok({}));
    const wallet = walletHandler();
    const bad = { body: jsonBytes(0x4d, 0xfc, 0x6c), isBase64Encoded: true };

    const staffOut = await staff(
      event({ headers: withToken, ...bad }),
      context,
    );
    const walletOut = await wallet(credentialRequest(bad), context);

    expect(staffOut.statusCode).toBe(400);
    expect(JSON.parse(staffOut.body).error.code).toBe('INVALID_JSON');
    expect(walletOut.statusCode).toBe(400);
    expect(JSON.parse(walletOut.body).error).toBe('invalid_request');
  });

  it('refuses text whose bad bytes were replaced by U+FFFD', async () => {
    const handler = centresHandler(async () => ok({}));

    for (const body of ['{"name":"M\ufffdller"}', '{"name":"M\ud800"}']) {
      const out = await handler(event({ headers: withToken, body }), context);

      expect(out.statusCode).toBe(400);
      expect(JSON.parse(out.body).error.code).toBe('INVALID_JSON');
    }
  });

  it('reads UTF-8 names intact, as text or as base64', async () => {
    const handler = walletHandler();
    const mueller = jsonBytes(0x4d, 0xc3, 0xbc, 0x6c, 0x6c, 0x65, 0x72);

    const asText = await handler(
      credentialRequest({ body: '{"name":"Müller"}' }),
      context,
    );
    const asBase64 = await handler(
      credentialRequest({ body: mueller, isBase64Encoded: true }),
      context,
    );

    for (const out of [asText, asBase64]) {
      expect(out.statusCode).toBe(200);
      expect(JSON.parse(out.body)).toEqual({ body: { name: 'Müller' } });
    }
  });
});

describe('bearerToken', () => {
  it('reads the token whatever the scheme name case', () => {
    expect(bearerToken('Bearer abc.def')).toBe('abc.def');
    expect(bearerToken('bearer abc.def')).toBe('abc.def');
    expect(bearerToken('BEARER abc.def')).toBe('abc.def');
  });

  it('finds no token without the scheme or with another one', () => {
    expect(bearerToken('abc.def')).toBeUndefined();
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
