/**
 * What can stop the import command, one class a reason, so that the
 * command decides its exit status and message from the class alone.
 */

/** The base of the family: the import did not happen, or not all of it. */
export class ImportCliError extends Error {
  override readonly name: string = 'ImportCliError';
}

/** The command line cannot be run as given; exit status 2. */
export class UsageError extends ImportCliError {
  override readonly name = 'UsageError';
}

/** The file to import cannot be read. */
export class InputFileError extends ImportCliError {
  override readonly name = 'InputFileError';
}

/** `.local/stack.json` is missing or not what `npm start` writes. */
export class StackFileError extends ImportCliError {
  override readonly name = 'StackFileError';
}

/** Cognito refused the sign-in, or asked for more than a password. */
export class SignInError extends ImportCliError {
  override readonly name = 'SignInError';
}

/** The API answered with an error: its status and `error.code`. */
export class ApiRequestError extends ImportCliError {
  override readonly name = 'ApiRequestError';
  readonly status: number;
  readonly code: string;

  constructor(
    status: number,
    code: string,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.status = status;
    this.code = code;
  }
}

/** No answer at all: the API is not running, or not at that address. */
export class ApiUnreachableError extends ImportCliError {
  override readonly name = 'ApiUnreachableError';
}

/**
 * A request failed after earlier ones of the same file were imported;
 * the message says how far the import got, the cause what went wrong.
 */
export class PartialImportError extends ImportCliError {
  override readonly name = 'PartialImportError';
}
