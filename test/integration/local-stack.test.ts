import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiServer,
  type HandlerLoader,
  startApiServer,
} from '../../scripts/local-stack/api-server.js';
import {
  javaHint,
  localDynamoDbClient,
  startDynamoDb,
} from '../../scripts/local-stack/dynamodb.js';
import { startLocalStack } from '../../scripts/local-stack/stack.js';
import { useLocalStack } from '../support/local-stack.js';
import { createStaffSignIn, signIn } from '../support/staff-auth.js';
import type { Echo } from '../support/stub-handler.js';
import * as stub from '../support/stub-handler.js';

const stubLoader: HandlerLoader = async () => stub;

function decodeJwt(token: string) {
  const [header, payload] = token
    .split('.')
    .slice(0, 2)
    .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));

  return { header, payload };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'local-stack-test-'));
}

describe('startApiServer', () => {
  let server: ApiServer;
  let dir: string;
  let logFile: string;
  const loads: string[] = [];

  beforeAll(async () => {
    dir = tempDir();
    logFile = join(dir, 'api.log');
    server = await startApiServer({
      port: 0,
      logFile,
      quiet: true,
      timeoutMs: 300,
      loadHandler: async (group) => {
        loads.push(group);
        return stub;
      },
    });
  });

  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = (path: string, init?: RequestInit) =>
    fetch(`${server.url}${path}`, init);

  const echo = async (path: string, init?: RequestInit): Promise<Echo> => {
    const response = await call(path, init);
    expect(response.status).toBe(200);

    return (await response.json()) as Echo;
  };

  it('passes the route template and decoded path parameters', async () => {
    const { event } = await echo('/centres/100%20001/offers/off%2F1');

    expect(event.resource).toBe('/centres/{urn}/offers/{offerId}');
    expect(event.requestContext.resourcePath).toBe(event.resource);
    expect(event.path).toBe('/centres/100%20001/offers/off%2F1');
    expect(event.httpMethod).toBe('GET');
    expect(event.pathParameters).toEqual({ urn: '100 001', offerId: 'off/1' });
  });

  it('gives null query and path parameters when there are none', async () => {
    const { event } = await echo('/jwks.json');

    expect(event.pathParameters).toBeNull();
    expect(event.queryStringParameters).toBeNull();
    expect(event.multiValueQueryStringParameters).toBeNull();
    expect(event.body).toBeNull();
    expect(event.isBase64Encoded).toBe(false);
  });

  it('passes every value of a repeated query parameter', async () => {
    const { event } = await echo('/centres?tag=a&tag=b%20c&limit=5');

    expect(event.queryStringParameters).toEqual({ tag: 'b c', limit: '5' });
    expect(event.multiValueQueryStringParameters).toEqual({
      tag: ['a', 'b c'],
      limit: ['5'],
    });
  });

  it('passes parameters and headers named like an object property as any other', async () => {
    const body = await rawRequest(
      server.url,
      '/centres?constructor=1&__proto__=x&toString=2',
      [['constructor', 'c']],
    );
    const { event } = JSON.parse(body) as Echo;

    expect(event.queryStringParameters).toEqual({
      constructor: '1',
      ['__proto__']: 'x',
      toString: '2',
    });
    expect(event.multiValueHeaders.constructor).toEqual(['c']);
  });

  it('keeps the spelling of header names the client sent', async () => {
    const body = await rawRequest(server.url, '/jwks.json', [
      ['X-Custom-Thing', 'one'],
      ['X-Custom-Thing', 'two'],
      ['authorization', 'Bearer t'],
    ]);
    const { event } = JSON.parse(body) as Echo;

    expect(event.headers['X-Custom-Thing']).toBe('two');
    expect(event.multiValueHeaders['X-Custom-Thing']).toEqual(['one', 'two']);
    expect(event.headers.authorization).toBe('Bearer t');
    expect(event.headers.Authorization).toBeUndefined();
  });

  it('hands a text/csv body over as its exact bytes in base64', async () => {
    // A BOM, a pound sign in Latin-1 and a CRLF: nothing may be re-encoded.
    const bytes = Buffer.from([0xef, 0xbb, 0xbf, 0x61, 0xa3, 0x0d, 0x0a]);
    const { event } = await echo('/results/import', {
      method: 'POST',
      headers: { 'Content-Type': 'text/csv; charset=utf-8' },
      body: bytes,
    });

    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body ?? '', 'base64').equals(bytes)).toBe(true);
  });

  it('hands a JSON body over as UTF-8 text', async () => {
    const { event } = await echo('/centres', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'Ysgol Gymraeg £' }),
    });

    expect(event.isBase64Encoded).toBe(false);
    expect(JSON.parse(event.body ?? '')).toEqual({ name: 'Ysgol Gymraeg £' });
  });

  it('fills in the request context as API Gateway does', async () => {
    const before = Date.now();
    const { event, context } = await echo('/centres/1/staff');
    const { requestContext } = event;

    expect(requestContext.stage).toBe('local');
    expect(requestContext.httpMethod).toBe('GET');
    expect(requestContext.path).toBe('/centres/1/staff');
    expect(requestContext.identity.sourceIp).toBe('127.0.0.1');
    expect(requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestContext.requestTimeEpoch).toBeGreaterThanOrEqual(before);
    expect(context.awsRequestId).toBe(requestContext.requestId);
    expect(context.functionName).toBe('staff');
    expect(context.remainingMs).toBeGreaterThan(0);
    expect(context.remainingMs).toBeLessThanOrEqual(300);
  });

  it('answers an unknown path with 404 NOT_FOUND', async () => {
    const response = await call('/no/such/place');

    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({
      error: { code: 'NOT_FOUND' },
    });
  });

  it('answers a method the path lacks with 405 and Allow', async () => {
    const response = await call('/centres', { method: 'DELETE' });

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST, GET');
    expect(await response.json()).toMatchObject({
      error: { code: 'METHOD_NOT_ALLOWED' },
    });
  });

  it('prefers a literal segment to a parameter', async () => {
    const imported = await echo('/centres/1/staff/import', {
      method: 'POST',
      headers: { 'Content-Type': 'text/csv' },
      body: 'email\n',
    });
    const patched = await call('/centres/1/staff/import', { method: 'PATCH' });

    expect(imported.event.resource).toBe('/centres/{urn}/staff/import');
    expect(patched.status).toBe(405);
    expect(patched.headers.get('allow')).toBe('POST');
  });

  it('refuses a body over 10 MB with 413', async () => {
    const response = await call('/results/import', {
      method: 'POST',
      headers: { 'Content-Type': 'text/csv' },
      body: Buffer.alloc(10 * 1024 * 1024 + 1, 0x61),
    });

    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({
      error: { code: 'PAYLOAD_TOO_LARGE' },
    });
  });

  it('refuses a streamed body once it passes 10 MB', async () => {
    const megabyte = new Uint8Array(1024 * 1024).fill(0x61);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 11) controller.enqueue(megabyte);
        else controller.close();
      },
    });
    const response = await call('/results/import', {
      method: 'POST',
      headers: { 'Content-Type': 'text/csv' },
      body,
      duplex: 'half',
    } as RequestInit);

    expect(response.status).toBe(413);
  });

  it('accepts a body of exactly 10 MB', async () => {
    const response = await call('/results/import', {
      method: 'POST',
      headers: { 'Content-Type': 'text/csv' },
      body: Buffer.alloc(10 * 1024 * 1024, 0x61),
    });

    expect(response.status).toBe(200);
  });

  it('answers 502 when the handler throws, and logs why', async () => {
    const response = await call('/centres', { headers: { 'x-stub': 'throw' } });

    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({
      message: 'Internal server error',
    });
    const failures = logLines(logFile).filter(
      (line) => line.message === 'handler failed',
    );
    expect(failures.at(-1)).toMatchObject({
      level: 'error',
      group: 'centres',
      error: { message: 'The stub was asked to fail' },
    });
  });

  it('answers 502 when the handler returns no status code', async () => {
    const response = await call('/centres', {
      headers: { 'x-stub': 'malformed' },
    });

    expect(response.status).toBe(502);
  });

  it('answers 504 when the handler outlasts the timeout', async () => {
    const response = await call('/centres', { headers: { 'x-stub': 'slow' } });

    expect(response.status).toBe(504);
  });

  it('decodes a base64 response body to its bytes', async () => {
    const response = await call('/jwks.json', {
      headers: { 'x-stub': 'binary' },
    });
    const bytes = Buffer.from(await response.arrayBuffer());

    expect(bytes.equals(Buffer.from([0, 1, 2, 254, 255]))).toBe(true);
    expect(response.headers.get('content-type')).toBe(
      'application/octet-stream',
    );
  });

  it('writes both header maps, multi-value first', async () => {
    const response = await call('/jwks.json', {
      headers: { 'x-stub': 'headers' },
    });

    expect(response.status).toBe(201);
    expect(response.headers.get('x-single')).toBe('one');
    expect(response.headers.get('x-many')).toBe('first, second');
    expect(response.headers.get('x-both')).toBe('from-multi');
    expect(response.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs the route template, never the raw path', async () => {
    await echo('/centres/secret-urn-4242/students?cursor=private-cursor');

    const log = readFileSync(logFile, 'utf8');
    expect(log).not.toContain('secret-urn-4242');
    expect(log).not.toContain('private-cursor');
    expect(logLines(logFile).at(-1)).toMatchObject({
      message: 'request',
      method: 'GET',
      resource: '/centres/{urn}/students',
      group: 'students',
      status: 200,
    });
  });

  it('loads each route group module once', async () => {
    await echo('/centres/1/groups');
    await echo('/centres/1/groups');

    expect(loads.filter((group) => group === 'groups')).toHaveLength(1);
  });
});

describe('startApiServer with a module that fails to load', () => {
  it('answers 502 and loads the module again on the next request', async () => {
    let attempts = 0;
    const server = await startApiServer({
      port: 0,
      quiet: true,
      loadHandler: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('not written yet');
        return stub;
      },
    });
    try {
      const first = await fetch(`${server.url}/jwks.json`);
      const second = await fetch(`${server.url}/jwks.json`);

      expect(first.status).toBe(502);
      expect(second.status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('startDynamoDb', () => {
  it('says plainly that Java 17 is needed when there is no java', async () => {
    const dir = tempDir();
    const path = process.env.PATH;
    process.env.PATH = join(dir, 'empty');
    mkdirSync(process.env.PATH);
    try {
      await expect(
        startDynamoDb({
          port: 1,
          tableName: 'never-made',
          logFile: join(dir, 'dynamodb.log'),
        }),
      ).rejects.toThrow(javaHint);
    } finally {
      process.env.PATH = path;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the local stack', () => {
  const stack = useLocalStack();

  it('hands out loopback addresses only', () => {
    const urls = [
      stack.apiUrl,
      stack.cognitoEndpoint,
      stack.cognitoIssuer,
      stack.dynamodbEndpoint,
      stack.sfnEndpoint,
    ];

    for (const url of urls) {
      expect(['localhost', '127.0.0.1']).toContain(new URL(url).hostname);
    }
    expect(stack.apiUrl).not.toMatch(/\/$/);
  });

  it('serves the credential issuer metadata for its own URL', async () => {
    const response = await fetch(
      `${stack.apiUrl}/.well-known/openid-credential-issuer`,
    );

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      credential_issuer: stack.apiUrl,
    });
  });

  it('answers an unknown path with 404 NOT_FOUND', async () => {
    const response = await fetch(`${stack.apiUrl}/nowhere`);

    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({
      error: { code: 'NOT_FOUND' },
    });
  });

  it('signs the operator in with an RS256 token of its pool', async () => {
    const token = await signIn(
      stack,
      stack.operator.username,
      stack.operator.password,
    );
    const { header, payload } = decodeJwt(token);

    expect(header).toMatchObject({ alg: 'RS256' });
    expect(header.kid).toEqual(expect.any(String));
    expect(payload).toMatchObject({
      iss: stack.cognitoIssuer,
      token_use: 'access',
      client_id: stack.clientId,
      'cognito:groups': ['operator'],
    });
    const { port } = new URL(stack.cognitoEndpoint);
    expect(stack.cognitoIssuer).toBe(
      `http://localhost:${port}/${stack.userPoolId}`,
    );
  });

  it('publishes the key that verifies its access tokens', async () => {
    const response = await fetch(
      `${stack.cognitoEndpoint}/${stack.userPoolId}/.well-known/jwks.json`,
    );
    const token = await signIn(
      stack,
      stack.operator.username,
      stack.operator.password,
    );
    const { keys } = (await response.json()) as { keys: { kid: string }[] };

    expect(keys.map((key) => key.kid)).toContain(decodeJwt(token).header.kid);
  });

  it('signs in a member of staff in the groups asked for', async () => {
    const staff = await createStaffSignIn(stack, {
      email: `Help.Desk+${Date.now()}@Example.org`,
      groups: ['helpdesk'],
    });
    const { payload } = decodeJwt(await staff.accessToken());

    expect(staff.username).toBe(staff.username.toLowerCase());
    expect(payload['cognito:groups']).toEqual(['helpdesk']);
  });

  it('has the table with both indexes and TTL on ttl', async () => {
    const dynamodb = localDynamoDbClient(stack.dynamodbEndpoint);
    try {
      const { Table } = await dynamodb.send(
        new DescribeTableCommand({ TableName: stack.tableName }),
      );
      const ttl = await dynamodb.send(
        new DescribeTimeToLiveCommand({ TableName: stack.tableName }),
      );

      expect(Table?.KeySchema).toEqual([
        { AttributeName: 'PK', KeyType: 'HASH' },
        { AttributeName: 'SK', KeyType: 'RANGE' },
      ]);
      const indexes = (Table?.GlobalSecondaryIndexes ?? [])
        .map((index) => ({
          name: index.IndexName,
          keys: index.KeySchema?.map((key) => key.AttributeName),
          projection: index.Projection?.ProjectionType,
        }))
        .sort((a, b) => String(a.name).localeCompare(String(b.name)));
      expect(indexes).toEqual([
        { name: 'GSI1', keys: ['GSI1PK', 'GSI1SK'], projection: 'ALL' },
        { name: 'GSI2', keys: ['GSI2PK', 'GSI2SK'], projection: 'ALL' },
      ]);
      expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
      expect(ttl.TimeToLiveDescription).toMatchObject({
        AttributeName: 'ttl',
        TimeToLiveStatus: 'ENABLED',
      });
    } finally {
      dynamodb.destroy();
    }
  });
});

describe('startLocalStack with persist', () => {
  it('keeps table, pool, users and keys across a restart', async () => {
    const dataDir = tempDir();
    const options = {
      dataDir,
      persist: true,
      quiet: true,
      loadHandler: stubLoader,
    };
    const item = { PK: { S: 'TEST#persist' }, SK: { S: 'ITEM' } };

    const first = await startLocalStack(options);
    let staffPassword: string;
    try {
      const dynamodb = localDynamoDbClient(first.dynamodbEndpoint);
      await dynamodb.send(
        new PutItemCommand({ TableName: first.tableName, Item: item }),
      );
      dynamodb.destroy();
      staffPassword = (
        await createStaffSignIn(first, { email: 'kept@example.org' })
      ).password;
    } finally {
      await first.stop();
    }
    const keyFile = join(dataDir, 'signing-key.json');
    const key = readFileSync(keyFile, 'utf8');

    const second = await startLocalStack(options);
    try {
      const dynamodb = localDynamoDbClient(second.dynamodbEndpoint);
      const { Item } = await dynamodb.send(
        new GetItemCommand({ TableName: second.tableName, Key: item }),
      );
      dynamodb.destroy();

      expect(Item).toEqual(item);
      expect(second.userPoolId).toBe(first.userPoolId);
      expect(second.clientId).toBe(first.clientId);
      expect(second.operator).toEqual(first.operator);
      await expect(
        signIn(second, 'kept@example.org', staffPassword),
      ).resolves.toEqual(expect.any(String));
      expect(readFileSync(keyFile, 'utf8')).toBe(key);
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    } finally {
      await second.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});

function logLines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A GET with headers exactly as given: fetch would lower-case the names. */
function rawRequest(
  base: string,
  path: string,
  headers: [string, string][],
): Promise<string> {
  return new Promise((done, fail) => {
    // Given as a list, headers go as they are: Host included, which Node
    // adds on its own only to an object.
    const url = new URL(path, base);
    const req = httpRequest(url, {
      headers: [['Host', url.host], ...headers].flat(),
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => done(Buffer.concat(chunks).toString()));
    });
    req.on('error', fail);
    req.end();
  });
}
