/**
 * The import command's command line: what to import, where to, and as
 * whom. Everything is checked here, before a file is read or a request
 * made, and a wrong command line is a UsageError.
 */
import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';
import type { ImportKind } from './import-reports.js';

export const usage = `Usage:
  npm run import -- --centre URN [--full-roll] FILE   a roster (MIS export)
  npm run import -- --centre URN --staff FILE         a staff list
  npm run import -- --centre URN --groups FILE        group lists
  npm run import -- --results FILE                    results (operator)

Where, and as whom:
  --api URL          the API; by default apiUrl from the stack file
  --stack FILE       the local stack's description (.local/stack.json)
  --token TOKEN      a Cognito access token (or RECORDS_TOKEN)
  --username NAME    sign in to the local stack's Cognito with these
  --password PASS    (or RECORDS_USERNAME and RECORDS_PASSWORD)
                     With none of them, --results signs in as the local
                     stack's operator.

Options:
  --full-roll        the roster is the whole roll: students not in it leave
  --series ID        for --results, the series the file belongs to: its
                     rows stay hidden until the series' release time
  --chunk-bytes N    for --results, the largest request in bytes
                     (default 4194304, at most 5242880)
  --help             show this text

The report is printed to stdout as JSON; progress and a summary go to
stderr. Exit status: 0 imported (rows may still be rejected), 1 the import
failed, 2 the command line is wrong.`;

/**
 * The results route refuses a body over 5 MiB (functions/handlers/
 * results.ts). Chunks stay well under it because API Gateway hands a
 * text/csv body to Lambda base64-encoded, a third bigger, and a Lambda
 * request may be at most 6 MB (https://docs.aws.amazon.com/lambda/latest/
 * dg/gettingstarted-limits.html).
 */
export const maxChunkBytes = 5 * 1024 * 1024;
export const defaultChunkBytes = 4 * 1024 * 1024;

export type Auth =
  | { kind: 'token'; token: string }
  | { kind: 'password'; username: string; password: string }
  /** The operator the local stack made, from its stack file. */
  | { kind: 'operator' };

export interface ImportCommand {
  kind: ImportKind;
  file: string;
  /** The centre's URN; absent for results, which are regional. */
  centre?: string;
  fullRoll: boolean;
  /** For results: the series the file belongs to (its embargo). */
  series?: string;
  chunkBytes: number;
  /** Overrides the stack file's apiUrl. */
  api?: string;
  /** The stack file; absent means `.local/stack.json`. */
  stackFile?: string;
  auth: Auth;
}

export type ParsedCommandLine =
  | { help: true }
  | { help: false; command: ImportCommand };

/** The environment variables the command reads. */
export interface ImportEnv {
  RECORDS_TOKEN?: string;
  RECORDS_USERNAME?: string;
  RECORDS_PASSWORD?: string;
}

const options = {
  centre: { type: 'string' },
  staff: { type: 'string' },
  groups: { type: 'string' },
  results: { type: 'string' },
  'full-roll': { type: 'boolean' },
  series: { type: 'string' },
  'chunk-bytes': { type: 'string' },
  api: { type: 'string' },
  stack: { type: 'string' },
  token: { type: 'string' },
  username: { type: 'string' },
  password: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const config = { options, allowPositionals: true, strict: true } as const;

type Values = ReturnType<typeof parseArgs<typeof config>>;

function read(argv: readonly string[]): Values {
  try {
    return parseArgs({ ...config, args: [...argv] });
  } catch (error) {
    // parseArgs says what is wrong in its message; that is all there is.
    throw new UsageError((error as Error).message, { cause: error });
  }
}

const URN = /^\d{6}$/;
const WHOLE_NUMBER = /^\d+$/;

/** Reads the command line; the environment supplies missing sign-ins. */
export function parseImportArgs(
  argv: readonly string[],
  env: ImportEnv = {},
): ParsedCommandLine {
  const { values, positionals } = read(argv);
  if (values.help) return { help: true };

  const { kind, file } = whatToImport(values, positionals);
  const centre = values.centre;
  if (kind === 'results') {
    if (centre !== undefined) {
      throw new UsageError(
        'Results are imported for the whole region: leave out --centre.',
      );
    }
  } else if (centre === undefined) {
    throw new UsageError(`Say which centre: --centre URN before the file.`);
  } else if (!URN.test(centre)) {
    throw new UsageError(`A URN is six digits; "${centre}" is not one.`);
  }
  if (values['full-roll'] && kind !== 'roster') {
    throw new UsageError('--full-roll is for a roster only.');
  }
  if (values.series !== undefined && kind !== 'results') {
    throw new UsageError('--series is for --results only.');
  }
  if (values.series !== undefined && !/^[a-z0-9-]{3,40}$/.test(values.series)) {
    throw new UsageError(
      'A series id is 3 to 40 lower-case letters, digits and hyphens.',
    );
  }

  const command: ImportCommand = {
    kind,
    file,
    fullRoll: values['full-roll'] ?? false,
    chunkBytes: chunkBytes(values['chunk-bytes'], kind),
    auth: auth(values, env, kind),
  };
  if (centre !== undefined) command.centre = centre;
  if (values.series !== undefined) command.series = values.series;
  if (values.api !== undefined) command.api = apiUrl(values.api);
  if (values.stack !== undefined) command.stackFile = values.stack;

  return { help: false, command };
}

function whatToImport(
  values: Values['values'],
  positionals: string[],
): { kind: ImportKind; file: string } {
  const given: { kind: ImportKind; file: string }[] = [];
  for (const file of positionals) given.push({ kind: 'roster', file });
  for (const kind of ['staff', 'groups', 'results'] as const) {
    const file = values[kind];
    if (file !== undefined) given.push({ kind, file });
  }
  const [only, ...others] = given;
  if (!only) throw new UsageError('Say which file to import.');
  if (others.length > 0) {
    throw new UsageError('Import one file at a time.');
  }
  if (only.file === '') throw new UsageError('The file name is empty.');

  return only;
}

function chunkBytes(value: string | undefined, kind: ImportKind): number {
  if (value === undefined) return defaultChunkBytes;
  if (kind !== 'results') {
    throw new UsageError(
      '--chunk-bytes is for --results only: other files go in one request.',
    );
  }
  const bytes = Number(value);
  if (!WHOLE_NUMBER.test(value) || bytes < 1 || bytes > maxChunkBytes) {
    throw new UsageError(
      `--chunk-bytes must be a whole number from 1 to ${maxChunkBytes}.`,
    );
  }

  return bytes;
}

function apiUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch (cause) {
    throw new UsageError(`--api must be a URL, such as http://127.0.0.1:3000`, {
      cause,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError('--api must be an http or https URL.');
  }

  return value;
}

const present = (s: string | undefined): s is string =>
  s !== undefined && s !== '';

/**
 * Flags win over the environment, and a token over a password. Mixing a
 * token and a password on the command line is refused rather than one
 * silently ignored.
 */
function auth(
  values: Values['values'],
  env: ImportEnv,
  kind: ImportKind,
): Auth {
  const { token, username, password } = values;
  if (token !== undefined) {
    if (username !== undefined || password !== undefined) {
      throw new UsageError(
        'Give either --token or --username and --password, not both.',
      );
    }
    if (!present(token)) throw new UsageError('--token is empty.');
    return { kind: 'token', token };
  }
  if (username !== undefined || password !== undefined) {
    return passwordAuth(
      username ?? env.RECORDS_USERNAME,
      password ?? env.RECORDS_PASSWORD,
    );
  }
  if (present(env.RECORDS_TOKEN)) {
    return { kind: 'token', token: env.RECORDS_TOKEN };
  }
  if (present(env.RECORDS_USERNAME) || present(env.RECORDS_PASSWORD)) {
    return passwordAuth(env.RECORDS_USERNAME, env.RECORDS_PASSWORD);
  }
  if (kind === 'results') return { kind: 'operator' };

  throw new UsageError(
    'Say who is importing: --token, or --username and --password.',
  );
}

function passwordAuth(
  username: string | undefined,
  password: string | undefined,
): Auth {
  if (!present(username)) {
    throw new UsageError(
      'A password needs a --username (or RECORDS_USERNAME).',
    );
  }
  if (!present(password)) {
    throw new UsageError(
      'A username needs a --password (or RECORDS_PASSWORD).',
    );
  }

  return { kind: 'password', username, password };
}
