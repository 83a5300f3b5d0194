/**
 * The errors a caller may see. Domain code throws these; the HTTP layer maps
 * them to responses. Anything else that escapes becomes a generic 500 whose
 * detail goes only to the log.
 */

export interface ApiErrorOptions {
  field?: string;
  /** Extra members of the error body, e.g. the look-alikes of a vouch. */
  details?: Record<string, unknown>;
  headers?: Record<string, string>;
  cause?: unknown;
}

/** A staff-facing error: `{"error": {"code", "message", "field"?}}`. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly code: string;
  readonly field?: string;
  readonly details?: Record<string, unknown>;
  readonly headers?: Record<string, string>;

  constructor(
    status: number,
    code: string,
    message: string,
    options: ApiErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.status = status;
    this.code = code;
    this.field = options.field;
    this.details = options.details;
    this.headers = options.headers;
  }
}

export const badRequest = (
  code: string,
  message: string,
  options?: ApiErrorOptions,
) => new ApiError(400, code, message, options);

/** 401 carries no detail: the caller learns only that the token is not good. */
export const unauthorized = () =>
  new ApiError(401, 'UNAUTHORIZED', 'Sign in again to continue.');

export const forbidden = (
  code: string,
  message: string,
  options?: ApiErrorOptions,
) => new ApiError(403, code, message, options);

/** The same answer whether the thing is absent or in another centre. */
export const notFound = () =>
  new ApiError(404, 'NOT_FOUND', 'Nothing was found at this address.');

export const conflict = (
  code: string,
  message: string,
  options?: ApiErrorOptions,
) => new ApiError(409, code, message, options);

export const unprocessable = (
  code: string,
  message: string,
  options?: ApiErrorOptions,
) => new ApiError(422, code, message, options);

export const tooLarge = (message: string) =>
  new ApiError(413, 'PAYLOAD_TOO_LARGE', message);

export const unsupportedMediaType = (expected: readonly string[]) =>
  new ApiError(
    415,
    'UNSUPPORTED_MEDIA_TYPE',
    `Send the body as ${expected.join(' or ')}.`,
  );

export const unavailable = (retryAfterSeconds = 1, cause?: unknown) =>
  new ApiError(
    503,
    'SERVICE_UNAVAILABLE',
    'The service is busy. Try again in a moment.',
    { headers: { 'Retry-After': String(retryAfterSeconds) }, cause },
  );

/**
 * An OAuth 2.0 / OID4VCI error: `{error, error_description}`, as RFC 6749
 * section 5.2 and OID4VCI 1.0 section 8.3.1 define them.
 */
export class OAuthError extends Error {
  override readonly name = 'OAuthError';
  readonly status: number;
  readonly error: string;
  readonly headers?: Record<string, string>;

  constructor(
    status: number,
    error: string,
    description: string,
    options: { headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(description, { cause: options.cause });
    this.status = status;
    this.error = error;
    this.headers = options.headers;
  }
}
