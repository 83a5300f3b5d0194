/**
 * A stand-in for the region's API Gateway REST API: it matches a request
 * against the route table, builds the Lambda proxy event API Gateway would
 * build, runs the route group's handler in this process and writes its
 * answer back. Handler modules load on first use, so the server starts
 * while some of them are still being written.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import {
  createServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import type {
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  Context,
} from 'aws-lambda';
import {
  assetFiles,
  contentTypeOf,
  readAsset,
} from '../../functions/console/assets.js';
import { securityHeaders } from '../../functions/console/security.js';
import { type Route, type RouteGroup, routes } from '../../functions/routes.js';

export type Handler = (
  event: APIGatewayProxyEvent,
  context: Context,
) => Promise<APIGatewayProxyResult>;

export interface HandlerModule {
  handler: Handler;
}

/** Finds the module of a route group; tests pass their own. */
export type HandlerLoader = (group: RouteGroup) => Promise<HandlerModule>;

export interface ApiServerOptions {
  /** 0 takes any free port. */
  port: number;
  host?: string;
  routes?: readonly Route[];
  loadHandler?: HandlerLoader;
  /** JSON lines, one a request; none writes no file. */
  logFile?: string;
  /** No line a request on stdout. */
  quiet?: boolean;
  timeoutMs?: number;
}

export interface ApiServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * API Gateway's payload limit for REST APIs, 10 MB
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html).
 */
export const maxPayloadBytes = 10 * 1024 * 1024;

/** API Gateway's longest integration timeout for REST APIs by default. */
export const integrationTimeoutMs = 29_000;

/** The API's `binaryMediaTypes`: these bodies reach Lambda as base64. */
export const binaryMediaTypes = ['text/csv'] as const;

/** Loads `functions/handlers/<group>.ts` the way the bundle would. */
export const loadHandlerModule: HandlerLoader = async (group) => {
  const url = new URL(`../../functions/handlers/${group}.js`, import.meta.url);
  const module = (await import(url.href)) as Partial<HandlerModule>;
  if (typeof module.handler !== 'function') {
    throw new Error(`functions/handlers/${group} exports no handler`);
  }

  return module as HandlerModule;
};

export async function startApiServer(
  options: ApiServerOptions,
): Promise<ApiServer> {
  const host = options.host ?? '127.0.0.1';
  const table = resourceTable(options.routes ?? routes);
  const handlers = lazyHandlers(options.loadHandler ?? loadHandlerModule);
  const log = requestLog(options.logFile, options.quiet ?? false);
  const timeoutMs = options.timeoutMs ?? integrationTimeoutMs;

  const server = createServer((req, res) => {
    serve(req, res, { table, handlers, log, timeoutMs }).catch((error) => {
      log.error('local API failed', { error: describeError(error) });
      if (!res.headersSent) send(res, 500, internalError);
      else res.destroy();
    });
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port, host, () => done());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

interface Resource {
  path: string;
  segments: string[];
  methods: Map<string, Route>;
}

function resourceTable(all: readonly Route[]): Resource[] {
  const byPath = new Map<string, Resource>();
  for (const route of all) {
    const resource = byPath.get(route.path) ?? {
      path: route.path,
      segments: route.path.split('/'),
      methods: new Map<string, Route>(),
    };
    resource.methods.set(route.method, route);
    byPath.set(route.path, resource);
  }

  return [...byPath.values()];
}

const isParameter = (segment: string) => /^\{[^}]+\}$/.test(segment);
/** API Gateway's greedy parameter, `{proxy+}`: one or more segments. */
const isGreedy = (segment: string) => /^\{[^}]+\+\}$/.test(segment);

/** Whether a resource's segments address a path's. */
function fits(resource: Resource, segments: string[]): boolean {
  const last = resource.segments.at(-1) ?? '';
  if (isGreedy(last)) {
    const fixed = resource.segments.length - 1;
    return (
      segments.length > fixed &&
      segments.slice(fixed).join('/') !== '' &&
      resource.segments
        .slice(0, fixed)
        .every((segment, i) => isParameter(segment) || segment === segments[i])
    );
  }

  return (
    resource.segments.length === segments.length &&
    resource.segments.every(
      (segment, i) => isParameter(segment) || segment === segments[i],
    )
  );
}

interface Match {
  resource: Resource;
  pathParameters: Record<string, string> | null;
}

/**
 * The resource a path addresses. As in API Gateway, a literal segment
 * beats a parameter at the same place, so `/staff/import` is never read as
 * a `{staffId}`. Throws a URIError on a malformed percent-encoding.
 */
export function matchResource(
  resources: readonly Resource[],
  path: string,
): Match | undefined {
  const segments = path.split('/');
  const candidates = resources.filter((resource) => fits(resource, segments));
  const best = candidates.sort(bySpecificity)[0];
  if (!best) return undefined;

  const parameters: Record<string, string> = {};
  best.segments.forEach((segment, i) => {
    if (isGreedy(segment)) {
      // As API Gateway passes it: the rest of the path, slashes kept.
      parameters[segment.slice(1, -2)] = decodeURIComponent(
        segments.slice(i).join('/'),
      );
    } else if (isParameter(segment)) {
      parameters[segment.slice(1, -1)] = decodeURIComponent(segments[i] ?? '');
    }
  });

  return {
    resource: best,
    pathParameters: Object.keys(parameters).length ? parameters : null,
  };
}

function bySpecificity(a: Resource, b: Resource): number {
  // A greedy resource is the last resort, as in API Gateway.
  const aGreedy = isGreedy(a.segments.at(-1) ?? '');
  const bGreedy = isGreedy(b.segments.at(-1) ?? '');
  if (aGreedy !== bGreedy) return aGreedy ? 1 : -1;
  for (let i = 0; i < a.segments.length; i++) {
    const aParam = isParameter(a.segments[i] ?? '');
    const bParam = isParameter(b.segments[i] ?? '');
    if (aParam !== bParam) return aParam ? 1 : -1;
  }

  return 0;
}

/** Where the console's static files are served, as CloudFront does. */
export const consoleAssetsPath = '/console/assets/';

interface ServeContext {
  table: Resource[];
  handlers: (group: RouteGroup) => Promise<HandlerModule>;
  log: RequestLog;
  timeoutMs: number;
}

const internalError = { message: 'Internal server error' };

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  { table, handlers, log, timeoutMs }: ServeContext,
): Promise<void> {
  const started = Date.now();
  const requestId = randomUUID();
  const method = req.method ?? 'GET';
  const { path, query } = splitTarget(req.url ?? '/');
  res.setHeader('x-amzn-RequestId', requestId);
  const finish = (status: number, resource: string | null, group?: string) =>
    log.request({
      requestId,
      method,
      resource,
      group,
      status,
      ms: Date.now() - started,
    });

  if (path.startsWith(consoleAssetsPath) && method === 'GET') {
    const status = serveAsset(res, path.slice(consoleAssetsPath.length));
    return finish(status, `${consoleAssetsPath}*`);
  }

  let match: Match | undefined;
  try {
    match = matchResource(table, path);
  } catch {
    send(res, 400, apiError('BAD_REQUEST', 'The address is not well formed.'));
    return finish(400, null);
  }
  if (!match) {
    send(res, 404, apiError('NOT_FOUND', 'Nothing was found at this address.'));
    return finish(404, null);
  }

  const { resource } = match;
  const route = resource.methods.get(method);
  if (!route) {
    res.setHeader('Allow', [...resource.methods.keys()].join(', '));
    send(
      res,
      405,
      apiError('METHOD_NOT_ALLOWED', `${method} is not allowed here.`),
    );
    return finish(405, resource.path);
  }

  const body = await readBody(req);
  if (body === tooLarge) {
    send(
      res,
      413,
      apiError('PAYLOAD_TOO_LARGE', 'The request body is over 10 MB.'),
    );
    return finish(413, resource.path, route.group);
  }

  const event = buildEvent({
    req,
    route,
    path,
    query,
    pathParameters: match.pathParameters,
    body,
    requestId,
    started,
  });
  const context = lambdaContext(route.group, requestId, started, timeoutMs);

  let result: APIGatewayProxyResult | typeof timedOut;
  try {
    const { handler } = await handlers(route.group);
    result = await withTimeout(handler(event, context), timeoutMs);
  } catch (error) {
    log.error('handler failed', {
      requestId,
      resource: resource.path,
      group: route.group,
      error: describeError(error),
    });
    send(res, 502, internalError);
    return finish(502, resource.path, route.group);
  }

  if (result === timedOut) {
    send(res, 504, { message: 'Endpoint request timed out' });
    return finish(504, resource.path, route.group);
  }
  if (!isProxyResult(result)) {
    log.error('malformed Lambda proxy response', {
      requestId,
      resource: resource.path,
      group: route.group,
    });
    send(res, 502, internalError);
    return finish(502, resource.path, route.group);
  }

  writeResult(res, result);
  finish(result.statusCode, resource.path, route.group);
}

let assets: Map<string, string> | undefined;

/**
 * A console asset with the console's CSP, as the assets' CloudFront
 * distribution sends it with its response headers policy.
 */
function serveAsset(res: ServerResponse, relative: string): number {
  assets ??= assetFiles();
  let bytes: Buffer | undefined;
  try {
    bytes = readAsset(assets, decodeURIComponent(relative));
  } catch {
    bytes = undefined;
  }
  for (const [name, value] of Object.entries(securityHeaders())) {
    res.setHeader(name, value);
  }
  if (!bytes) {
    send(res, 404, apiError('NOT_FOUND', 'Nothing was found at this address.'));
    return 404;
  }
  res.statusCode = 200;
  res.setHeader('Content-Type', contentTypeOf(relative));
  res.setHeader('Cache-Control', 'public, max-age=300');
  res.end(bytes);

  return 200;
}

function splitTarget(target: string): { path: string; query: string } {
  // An absolute-form target (`GET http://host/path`) still names a path.
  const relative = target.startsWith('/')
    ? target
    : target.replace(/^[a-z]+:\/\/[^/]*/i, '') || '/';
  const mark = relative.indexOf('?');
  if (mark === -1) return { path: relative, query: '' };

  return { path: relative.slice(0, mark), query: relative.slice(mark + 1) };
}

const tooLarge = Symbol('tooLarge');

/**
 * The body, or `tooLarge` as soon as it passes the limit. The rest of an
 * oversized body is read and dropped, so the 413 reaches the client on a
 * connection still in one piece.
 */
function readBody(
  req: IncomingMessage,
): Promise<Buffer | null | typeof tooLarge> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    let size = Number(req.headers['content-length'] ?? 0);
    if (size > maxPayloadBytes) {
      req.resume();
      return done(tooLarge);
    }

    size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxPayloadBytes) {
        chunks.length = 0;
        return done(tooLarge);
      }
      chunks.push(chunk);
    });
    req.on('end', () => done(size ? Buffer.concat(chunks) : null));
    req.on('error', fail);
  });
}

interface EventParts {
  req: IncomingMessage;
  route: Route;
  path: string;
  query: string;
  pathParameters: Record<string, string> | null;
  body: Buffer | null;
  requestId: string;
  started: number;
}

/** The REST API (v1) proxy event, as API Gateway hands it to Lambda. */
export function buildEvent(parts: EventParts): APIGatewayProxyEvent {
  const { req, route, path, body } = parts;
  const sourceIp = (req.socket.remoteAddress ?? '127.0.0.1').replace(
    /^::ffff:/,
    '',
  );
  const { headers, multiValueHeaders } = eventHeaders(req, sourceIp);
  const query = eventQuery(parts.query);
  const binary = body !== null && isBinary(headers);

  return {
    resource: route.path,
    path,
    httpMethod: route.method,
    headers,
    multiValueHeaders,
    queryStringParameters: query.single,
    multiValueQueryStringParameters: query.multi,
    pathParameters: parts.pathParameters,
    stageVariables: null,
    body: body === null ? null : body.toString(binary ? 'base64' : 'utf8'),
    isBase64Encoded: binary,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      authorizer: null,
      domainName: headerValue(headers, 'host'),
      extendedRequestId: parts.requestId,
      protocol: `HTTP/${req.httpVersion}`,
      httpMethod: route.method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp,
        user: null,
        userAgent: headerValue(headers, 'user-agent') ?? null,
        userArn: null,
      },
      path,
      stage: 'local',
      requestId: parts.requestId,
      requestTime: requestTime(parts.started),
      requestTimeEpoch: parts.started,
      resourceId: 'local',
      resourcePath: route.path,
    },
  };
}

/**
 * Header names keep the client's spelling, as API Gateway keeps them; a
 * repeated header's last value goes in `headers`, all in the other map.
 */
function eventHeaders(req: IncomingMessage, sourceIp: string) {
  // No prototype: a header may be named `constructor`.
  const multiValueHeaders: Record<string, string[]> = Object.create(null);
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    multiValueHeaders[name] = [
      ...(multiValueHeaders[name] ?? []),
      raw[i + 1] as string,
    ];
  }

  // API Gateway adds these on its way to the integration.
  const forwarded = headerValue(multiValueHeaders, 'x-forwarded-for');
  setHeader(
    multiValueHeaders,
    'X-Forwarded-For',
    forwarded ? `${forwarded}, ${sourceIp}` : sourceIp,
  );
  setHeader(multiValueHeaders, 'X-Forwarded-Proto', 'http');
  setHeader(
    multiValueHeaders,
    'X-Forwarded-Port',
    String(req.socket.localPort ?? ''),
  );

  const headers: Record<string, string> = {};
  for (const [name, values] of Object.entries(multiValueHeaders)) {
    headers[name] = values.at(-1) ?? '';
  }

  return { headers, multiValueHeaders };
}

function setHeader(
  headers: Record<string, string[]>,
  name: string,
  value: string,
): void {
  for (const existing of Object.keys(headers)) {
    if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
  }
  headers[name] = [value];
}

function headerValue(
  headers: Record<string, string | string[]>,
  name: string,
): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) {
      return Array.isArray(value) ? value.at(-1) : value;
    }
  }

  return undefined;
}

function eventQuery(query: string) {
  // A Map, not an object: a parameter may be named `constructor` or
  // `__proto__`, which an object literal already answers to.
  const multi = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(query)) {
    multi.set(name, [...(multi.get(name) ?? []), value]);
  }
  if (!multi.size) return { single: null, multi: null };

  return {
    single: Object.fromEntries(
      [...multi].map(([name, values]) => [name, values.at(-1) ?? '']),
    ),
    multi: Object.fromEntries(multi),
  };
}

function isBinary(headers: Record<string, string>): boolean {
  const contentType = headerValue(headers, 'content-type') ?? '';
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? '';

  return (binaryMediaTypes as readonly string[]).includes(mediaType);
}

/** API Gateway's `requestTime`, e.g. `09/Apr/2015:12:34:56 +0000`. */
function requestTime(epochMs: number): string {
  const date = new Date(epochMs);
  const month = date.toLocaleString('en-GB', {
    month: 'short',
    timeZone: 'UTC',
  });
  const pad = (n: number) => String(n).padStart(2, '0');

  return (
    `${pad(date.getUTCDate())}/${month}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:` +
    `${pad(date.getUTCSeconds())} +0000`
  );
}

function lambdaContext(
  group: RouteGroup,
  requestId: string,
  started: number,
  timeoutMs: number,
): Context {
  const deadline = started + timeoutMs;
  const unsupported = () => {
    throw new Error('The local stack supports async handlers only');
  };

  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: group,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${group}`,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${group}`,
    logStreamName: `local/${group}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

/** Loads each group's module once; a failed load is tried again later. */
function lazyHandlers(load: HandlerLoader) {
  const loaded = new Map<RouteGroup, Promise<HandlerModule>>();

  return (group: RouteGroup) => {
    let module = loaded.get(group);
    if (!module) {
      module = load(group);
      loaded.set(group, module);
      module.catch(() => loaded.delete(group));
    }

    return module;
  };
}

const timedOut = Symbol('timedOut');

async function withTimeout<T>(
  work: Promise<T>,
  ms: number,
): Promise<T | typeof timedOut> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof timedOut>((done) => {
    timer = setTimeout(() => done(timedOut), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function isProxyResult(value: unknown): value is APIGatewayProxyResult {
  if (typeof value !== 'object' || value === null) return false;
  const { statusCode, body } = value as Record<string, unknown>;

  return (
    Number.isInteger(statusCode) &&
    (body === undefined || body === null || typeof body === 'string')
  );
}

/**
 * Writes a proxy result. Where a header is in both maps, API Gateway sends
 * the `multiValueHeaders` values only.
 */
function writeResult(res: ServerResponse, result: APIGatewayProxyResult): void {
  const merged = new Map<string, { name: string; values: string[] }>();
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
    merged.set(name.toLowerCase(), { name, values: values.map(String) });
  }
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    if (!merged.has(name.toLowerCase())) {
      merged.set(name.toLowerCase(), { name, values: [String(value)] });
    }
  }
  for (const { name, values } of merged.values()) {
    res.setHeader(name, values.length === 1 ? (values[0] as string) : values);
  }
  if (!res.hasHeader('content-type')) {
    res.setHeader('Content-Type', 'application/json');
  }

  const body = result.body ?? '';
  res.statusCode = result.statusCode;
  res.end(Buffer.from(body, result.isBase64Encoded ? 'base64' : 'utf8'));
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify(body));
}

function apiError(code: string, message: string) {
  return { error: { code, message } };
}

function describeError(error: unknown) {
  if (!(error instanceof Error)) return { message: String(error) };

  return { name: error.name, message: error.message, stack: error.stack };
}

interface RequestLine {
  requestId: string;
  method: string;
  /** The resource template: a raw path can carry secrets. */
  resource: string | null;
  group?: string;
  status: number;
  ms: number;
}

interface RequestLog {
  request(line: RequestLine): void;
  error(message: string, fields: Record<string, unknown>): void;
}

function requestLog(file: string | undefined, quiet: boolean): RequestLog {
  if (file) mkdirSync(dirname(file), { recursive: true });
  const write = (entry: Record<string, unknown>) => {
    if (!file) return;
    const line = { time: new Date().toISOString(), ...entry };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  };

  return {
    request(line) {
      write({ level: 'info', message: 'request', ...line });
      if (!quiet) {
        const where = line.resource ?? '(no route)';
        console.log(`${line.method} ${where} ${line.status} ${line.ms}ms`);
      }
    },
    error(message, fields) {
      write({ level: 'error', message, ...fields });
      if (!quiet) console.error(`${message} (${fields.group ?? 'api'})`);
    },
  };
}
