import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type {
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  Context,
} from 'aws-lambda';
import { type Route, type RouteGroup, routeKey, routes } from '../routes.js';
import { type AuditSubject, recordAudit } from './audit.js';
import { authenticate, type Caller, inGroup } from './auth.js';
import { type Deps, deps as processDeps } from './deps.js';
import {
  ApiError,
  badRequest,
  forbidden,
  notFound,
  OAuthError,
  unavailable,
  unsupportedMediaType,
} from './errors.js';
import { keys } from './keys.js';
import { logger } from './logger.js';
import { publishCounts } from './metrics.js';
import { cancellationCodes, getEntity } from './table.js';

/** A request as a route implementation sees it. */
export interface Request {
  route: Route;
  /** Path parameters, URL-decoded. */
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  /** JSON value, CSV bytes or form fields, by the route's content type. */
  body: unknown;
  /** Set on every route whose access is not `public`. */
  caller?: Caller;
  sourceIp: string;
  requestId: string;
  deps: Deps;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type RouteImpl = (request: Request) => Promise<Reply>;

export const ok = (body: unknown, status = 200): Reply => ({ status, body });

/** Headers sent with every answer: nothing here may be cached. */
const baseHeaders = {
  'Content-Type': 'application/json',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Strict-Transport-Security': 'max-age=63072000; includeSubDomains',
};

function lowerCaseHeaders(
  headers: APIGatewayProxyEvent['headers'] | null,
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    out[name.toLowerCase()] = value;
  }
  return out;
}

function decodeParams(
  params: APIGatewayProxyEvent['pathParameters'],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(params ?? {})) {
    if (value === undefined) continue;
    try {
      out[name] = decodeURIComponent(value);
    } catch {
      throw badRequest('INVALID_PATH', 'The address is not well formed.');
    }
  }
  return out;
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function rawBody(event: APIGatewayProxyEvent): Buffer {
  if (event.body === null || event.body === undefined) return Buffer.alloc(0);
  return event.isBase64Encoded
    ? Buffer.from(event.body, 'base64')
    : Buffer.from(event.body, 'utf8');
}

// Fatal, so that bytes that are not UTF-8 are refused rather than turned
// into U+FFFD and stored as part of a name.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The body as text. A body API Gateway passed as text was decoded before
 * it reached us, so a U+FFFD or a lone surrogate in it marks bytes that
 * were not UTF-8; no name or answer we take holds either on purpose.
 */
function bodyText(event: APIGatewayProxyEvent, bytes: Buffer) {
  if (event.isBase64Encoded) {
    try {
      return strictUtf8.decode(bytes);
    } catch {
      return undefined;
    }
  }
  const text = event.body ?? '';

  return text.isWellFormed() && !text.includes('\uFFFD') ? text : undefined;
}

function parseBody(
  route: Route,
  event: APIGatewayProxyEvent,
  headers: Record<string, string | undefined>,
): unknown {
  const accepts = route.accepts;
  const bytes = rawBody(event);
  if (!accepts) return undefined;

  // Wallets read OAuth's error shape (RFC 6749 section 5.2), staff tools ours.
  const refuse = (code: string, message: string) =>
    route.group === 'wallet'
      ? new OAuthError(400, 'invalid_request', message)
      : badRequest(code, message);

  const type = mediaType(headers['content-type']);
  if (accepts.includes('application/json') && type === 'application/json') {
    if (bytes.length === 0) {
      throw refuse('INVALID_JSON', 'Send a JSON object as the body.');
    }
    const text = bodyText(event, bytes);
    if (text === undefined) {
      throw refuse('INVALID_JSON', 'The body is not valid UTF-8.');
    }
    try {
      return JSON.parse(text);
    } catch {
      throw refuse('INVALID_JSON', 'The body is not valid JSON.');
    }
  }
  if (accepts.includes('text/csv') && type === 'text/csv') {
    return new Uint8Array(bytes);
  }
  if (
    accepts.includes('form') &&
    type === 'application/x-www-form-urlencoded'
  ) {
    const text = bodyText(event, bytes);
    if (text === undefined) {
      throw refuse('INVALID_FORM', 'The body is not valid UTF-8.');
    }
    return new URLSearchParams(text);
  }
  if (route.group === 'wallet') {
    throw new OAuthError(
      400,
      'invalid_request',
      'The request body has the wrong content type.',
    );
  }
  throw unsupportedMediaType(
    accepts.map((a) =>
      a === 'form' ? 'application/x-www-form-urlencoded' : a,
    ),
  );
}

/** Throttling and outages of a dependency: the caller should retry. */
const retryableNames = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TooManyRequestsException',
  'TimeoutError',
  'TransactionConflictException',
  'LimitExceededException',
  'KMSInternalException',
  'DependencyTimeoutException',
  'BatchIncompleteError',
  'ExecutionLimitExceeded',
]);

function isRetryable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (retryableNames.has(error.name)) return true;
  const meta = (error as { $metadata?: { httpStatusCode?: number } }).$metadata;
  if ((meta?.httpStatusCode ?? 0) >= 500) return true;
  const code = (error as { code?: string }).code;
  return code === 'ECONNREFUSED' || code === 'ECONNRESET';
}

/** A transaction cancelled only by conflicts is a retry, not a bug. */
function isConflictCancellation(error: unknown): boolean {
  return cancellationCodes(error).some(
    (code) => code === 'TransactionConflict' || code === 'ThrottlingError',
  );
}

function respond(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return {
    statusCode: status,
    headers: { ...baseHeaders, ...headers },
    body: body === undefined ? '' : JSON.stringify(body),
  };
}

/** Maps anything thrown to the answer a caller may see. */
export function errorResponse(
  error: unknown,
  group: RouteGroup | undefined,
): APIGatewayProxyResult {
  const oauthShape = group === 'wallet';
  if (error instanceof OAuthError) {
    logger.info('request refused', { status: error.status, code: error.error });
    return respond(
      error.status,
      { error: error.error, error_description: error.message },
      error.headers,
    );
  }
  if (error instanceof ApiError) {
    const level = error.status >= 500 ? 'warn' : 'info';
    logger[level]('request refused', {
      status: error.status,
      code: error.code,
    });
    if (oauthShape && error.status >= 500) {
      return respond(
        error.status,
        {
          error: 'temporarily_unavailable',
          error_description: error.message,
        },
        error.headers,
      );
    }
    return respond(
      error.status,
      {
        error: {
          code: error.code,
          message: error.message,
          ...(error.field ? { field: error.field } : {}),
          ...(error.details ?? {}),
        },
      },
      error.headers,
    );
  }
  if (isRetryable(error) || isConflictCancellation(error)) {
    logger.warn('dependency unavailable', {
      errorName: (error as Error).name,
    });
    return errorResponse(unavailable(1, error), group);
  }
  logger.error('unexpected error', error as Error);
  if (oauthShape) {
    return respond(500, {
      error: 'server_error',
      error_description: 'Something went wrong on our side.',
    });
  }
  return respond(500, {
    error: {
      code: 'INTERNAL_ERROR',
      message: 'Something went wrong on our side. Try again later.',
    },
  });
}

function replyToResult(reply: Reply): APIGatewayProxyResult {
  const headers = { ...baseHeaders, ...(reply.headers ?? {}) };
  if (typeof reply.body === 'string') {
    return { statusCode: reply.status, headers, body: reply.body };
  }
  return respond(reply.status, reply.body, reply.headers);
}

const routesOf = (group: RouteGroup) =>
  new Map(routes.filter((r) => r.group === group).map((r) => [routeKey(r), r]));

/**
 * The Lambda handler of one route group: finds the route from the event's
 * resource template, reads the body, authenticates, calls the route's
 * implementation and maps errors. Dependencies come from `getDeps` so tests
 * can inject their own.
 */
export function createApiHandler(
  group: RouteGroup,
  impls: Record<string, RouteImpl>,
  getDeps: () => Deps = processDeps,
) {
  const table = routesOf(group);
  for (const key of table.keys()) {
    if (!impls[key]) throw new Error(`No implementation for ${key}`);
  }

  return middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, ApiContext>(
    async (_event: APIGatewayProxyEvent, context: ApiContext) => {
      const request = context.api as Request;
      const impl = impls[routeKey(request.route)] as RouteImpl;
      const reply = await impl(request);
      return replyToResult(reply);
    },
  )
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(countsPublishing())
    .use(requestSummary())
    .use(helpdeskAudit())
    .use(errorMapping(group))
    .use(requestReading(table, getDeps))
    .use(authentication());
}

/** The Lambda context, carrying the request the middlewares read. */
interface ApiContext extends Context {
  api?: Request;
}

type Middleware = middy.MiddlewareObj<
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  Error,
  ApiContext
>;

/** Writes the invocation's metric counts, answered or failed. */
function countsPublishing(): Middleware {
  const publish = async () => publishCounts();
  return { after: publish, onError: publish };
}

/**
 * One line a request, however it ended: the line the helpdesk's activity
 * view reads. Its fields are given with the line itself, not only as the
 * logger's keys, so they are this request's even where one process
 * serves several at once (the local stack). Identifiers only: the route
 * template, never the path.
 */
function requestSummary(): Middleware {
  const summarise: Middleware['after'] = async ({ context, response }) => {
    const request = context.api;
    const centre = request ? centreOf(request.params) : undefined;
    logger.info('request completed', {
      status: response?.statusCode ?? 500,
      route: request?.route.path ?? null,
      method: request?.route.method ?? null,
      requestId: request?.requestId ?? null,
      ...(centre ? { centre } : {}),
      ...(request?.caller ? { caller: request.caller.sub } : {}),
    });
  };
  return { after: summarise, onError: summarise };
}

/** A centre route's URN, when the path holds a well-formed one. */
function centreOf(params: Record<string, string>): string | undefined {
  const urn = params.urn;
  return urn !== undefined && /^\d{6}$/.test(urn) ? urn : undefined;
}

/** Whether calls to a route go in the audit trail. */
export function isAudited(route: Route): boolean {
  return (
    route.access === 'helpdesk' ||
    (route.access === 'operator' && route.path.startsWith('/admin/'))
  );
}

/** Path parameters that name something an audit entry can be about. */
const subjectParams = [
  'urn',
  'studentId',
  'staffId',
  'offerId',
  'reportId',
  'enquiryId',
] as const satisfies readonly (keyof AuditSubject)[];

/** What a call was about, from its path alone: bodies may be personal. */
export function auditSubject(params: Record<string, string>): AuditSubject {
  const subject: AuditSubject = {};
  for (const name of subjectParams) {
    const value = params[name];
    if (value !== undefined && /^[A-Za-z0-9_-]{1,64}$/.test(value)) {
      subject[name] = value;
    }
  }
  return subject;
}

/**
 * Audits every call to a helpdesk route, and the operator's calls to the
 * admin routes, once the caller is known: answered or refused. Only the
 * route, method, status and the path's identifiers are written. An
 * answer is not given without its entry: if the entry cannot be written,
 * the call fails (503 while the table is throttled) instead.
 */
function helpdeskAudit(): Middleware {
  const write = async (request: Request, status: number) => {
    await recordAudit(
      request.deps,
      'helpdesk-call',
      request.caller as Caller,
      auditSubject(request.params),
      { route: request.route.path, method: request.route.method, status },
    );
  };
  const audited = new WeakSet<Request>();
  const due = (request: Request | undefined): request is Request =>
    request?.caller !== undefined &&
    isAudited(request.route) &&
    !audited.has(request);

  return {
    after: async ({ context, response }) => {
      const request = context.api;
      if (!due(request)) return;
      audited.add(request);
      await write(request, response?.statusCode ?? 500);
    },
    onError: async ({ context, response }) => {
      const request = context.api;
      if (!due(request)) return;
      audited.add(request);
      try {
        await write(request, response?.statusCode ?? 500);
      } catch (error) {
        // The caller is refused anyway; the gap is loud in the log.
        logger.error('audit entry not written', {
          errorName: (error as Error).name,
        });
      }
    },
  };
}

/** Maps anything thrown, in any step, to the answer a caller may see. */
function errorMapping(group: RouteGroup): Middleware {
  return {
    onError: async (request) => {
      request.response = errorResponse(request.error, group);
    },
  };
}

/**
 * API Gateway hands a handler the last of a repeated query parameter; an
 * answer about one value while the caller asked about two would mislead.
 */
function refuseRepeatedParameters(event: APIGatewayProxyEvent): void {
  const multi = event.multiValueQueryStringParameters ?? {};
  if (Object.values(multi).some((values) => (values ?? []).length > 1)) {
    throw badRequest(
      'REPEATED_PARAMETER',
      'A query parameter is given more than once: give each one once.',
    );
  }
}

/** Finds the route from the resource template and reads the request. */
function requestReading(
  table: Map<string, Route>,
  getDeps: () => Deps,
): Middleware {
  return {
    before: async ({ event, context }) => {
      const route = table.get(`${event.httpMethod} ${event.resource}`);
      if (!route) throw notFound();
      refuseRepeatedParameters(event);
      const headers = lowerCaseHeaders(event.headers);
      const requestId = event.requestContext?.requestId ?? '';
      logger.setCorrelationId(requestId);
      const params = decodeParams(event.pathParameters);
      const centre = centreOf(params);
      logger.appendKeys({
        route: route.path,
        method: route.method,
        ...(centre ? { centre } : {}),
      });
      context.api = {
        route,
        params,
        query: { ...(event.queryStringParameters ?? {}) },
        headers,
        body: parseBody(route, event, headers),
        sourceIp: event.requestContext?.identity?.sourceIp ?? '',
        requestId,
        deps: getDeps(),
      };
    },
  };
}

/**
 * Verifies the staff access token on every route that is not public, and
 * keeps operator routes to the operator group. Roles at a centre are not
 * in the token: the domain reads them from the table on each request.
 */
function authentication(): Middleware {
  return {
    before: async ({ context }) => {
      const request = context.api as Request;
      if (request.route.access === 'public') return;
      request.caller = await authenticate(
        request.deps.verifier,
        request.headers.authorization,
      );
      if (
        request.route.access === 'operator' &&
        !inGroup(request.caller, 'operator')
      ) {
        throw forbidden(
          'OPERATOR_ONLY',
          'Only the national operator can do this.',
        );
      }
      if (request.route.access === 'helpdesk') {
        const removed =
          inGroup(request.caller, 'helpdesk') &&
          (await getEntity(
            request.deps.db,
            request.deps.config.TABLE_NAME,
            keys.helpdeskRemoval(request.caller.sub),
          ));
        if (!inGroup(request.caller, 'helpdesk') || removed) {
          throw forbidden('HELPDESK_ONLY', 'Only the helpdesk can do this.');
        }
      }
    },
  };
}
