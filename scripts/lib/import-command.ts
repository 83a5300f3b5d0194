/**
 * `npm run import`: sends a centre's roster, staff list or group lists,
 * or a region's results file, to the API's import routes and prints the
 * report. Results files are sent in chunks that fit a request; their
 * reports are merged into one in the file's own line numbers.
 */
import { isUtf8 } from 'node:buffer';
import { readFile } from 'node:fs/promises';
import { decodeCsvBytes, FileError } from '../../functions/imports/csv.js';
import { postCsv } from './api-client.js';
import { type CsvChunk, chunkBody, splitCsv } from './csv-chunks.js';
import {
  ApiRequestError,
  ImportCliError,
  InputFileError,
  PartialImportError,
  UsageError,
} from './errors.js';
import {
  type ImportCommand,
  type ImportEnv,
  parseImportArgs,
  usage,
} from './import-args.js';
import {
  mergeResultsReports,
  type ResultsReport,
  summarise,
} from './import-reports.js';
import { createProgress, type OutputStream } from './progress.js';
import { signIn } from './sign-in.js';
import { readStackFile, type StackFile } from './stack-file.js';

export interface ImportIo {
  stdout: OutputStream;
  stderr: OutputStream;
  env: ImportEnv;
  /** For tests; the global fetch otherwise. */
  fetch?: typeof fetch;
}

/** Exit statuses, as the usage text promises them. */
export const exitCodes = { ok: 0, failed: 1, usage: 2 } as const;

type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];

/** Runs the command and says how it ended; never throws. */
export async function runImport(
  argv: readonly string[],
  io: ImportIo,
): Promise<ExitCode> {
  let command: ImportCommand;
  try {
    const parsed = parseImportArgs(argv, io.env);
    if (parsed.help) {
      io.stdout.write(`${usage}\n`);
      return exitCodes.ok;
    }
    command = parsed.command;
  } catch (error) {
    if (!(error instanceof UsageError)) {
      io.stderr.write(`${failureText(error)}\n`);
      return exitCodes.failed;
    }
    io.stderr.write(`${error.message}\n\n${usage}\n`);
    return exitCodes.usage;
  }

  try {
    const report = await importFile(command, io);
    io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    io.stderr.write(`${summarise(command.kind, report)}\n`);
    return exitCodes.ok;
  } catch (error) {
    io.stderr.write(`${failureText(error)}\n`);
    return exitCodes.failed;
  }
}

/** What went wrong, for a person: the API's own code and message. */
function failureText(error: unknown): string {
  if (error instanceof PartialImportError) {
    return `${failureText(error.cause)}\n${error.message}`;
  }
  if (error instanceof ApiRequestError) {
    const { status, code, message } = error;
    return `The import failed: HTTP ${status} ${code}: ${message}`;
  }
  if (error instanceof FileError) {
    return `The file was not sent: ${error.code}: ${error.message}`;
  }
  if (error instanceof ImportCliError) return error.message;

  return `The import failed unexpectedly: ${(error as Error)?.stack ?? error}`;
}

function routeOf(command: ImportCommand): {
  path: string;
  query: Record<string, string>;
} {
  const centre = `/centres/${command.centre}`;
  switch (command.kind) {
    case 'roster':
      return {
        path: `${centre}/students/import`,
        query: command.fullRoll ? { roll: 'full' } : {},
      };
    case 'staff':
      return { path: `${centre}/staff/import`, query: {} };
    case 'groups':
      return { path: `${centre}/groups/import`, query: {} };
    case 'results':
      return {
        path: '/results/import',
        query: command.series ? { series: command.series } : {},
      };
  }
}

async function readInput(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (cause) {
    const code = (cause as { code?: string }).code ?? 'an error';
    throw new InputFileError(`${file} cannot be read (${code}).`, { cause });
  }
}

/**
 * A results file is checked whole before any of it is sent: the API
 * refuses a file that is not UTF-8 or has an unclosed quote, and sending
 * the good chunks of such a file would import part of it.
 */
function resultsChunks(bytes: Uint8Array, chunkBytes: number): CsvChunk[] {
  if (!isUtf8(bytes)) decodeCsvBytes(bytes);

  return splitCsv(bytes, chunkBytes);
}

/** The whole file, exactly as it is, in one request. */
const wholeFile = (bytes: Uint8Array): CsvChunk[] => [
  {
    header: bytes,
    records: bytes.subarray(0, 0),
    lineOffset: 0,
    firstLine: 1,
  },
];

async function importFile(
  command: ImportCommand,
  io: ImportIo,
): Promise<unknown> {
  const bytes = await readInput(command.file);
  const chunks =
    command.kind === 'results'
      ? resultsChunks(bytes, command.chunkBytes)
      : wholeFile(bytes);
  const { apiUrl, token } = await connection(command);
  const { path, query } = routeOf(command);

  const size = (c: CsvChunk) => c.header.length + c.records.length;
  const total = chunks.reduce((n, chunk) => n + size(chunk), 0);
  const progress = createProgress(io.stderr, command.kind);
  const reports: unknown[] = [];
  progress.start(total, chunks.length);
  try {
    let sent = 0;
    for (const [index, chunk] of chunks.entries()) {
      try {
        reports.push(
          await postCsv({
            apiUrl,
            path,
            query,
            token,
            // Made one at a time: a region's file may be hundreds of MB.
            body: chunkBody(chunk),
            ...(io.fetch ? { fetch: io.fetch } : {}),
          }),
        );
      } catch (error) {
        throw partialFailure(error, chunks, index);
      }
      sent += size(chunk);
      progress.answered(index + 1, sent);
    }
  } finally {
    progress.stop();
  }

  if (command.kind !== 'results') return reports[0];

  return mergeResultsReports(
    reports.map((report, index) => ({
      report: report as ResultsReport,
      lineOffset: (chunks[index] as CsvChunk).lineOffset,
    })),
  );
}

function partialFailure(
  error: unknown,
  chunks: CsvChunk[],
  index: number,
): unknown {
  if (index === 0) return error;
  const line = (chunks[index] as CsvChunk).firstLine;

  return new PartialImportError(
    `Request ${index + 1} of ${chunks.length} failed; the rows before ` +
      `line ${line} had been imported. Importing the file again is safe: ` +
      'results already held are not stored twice.',
    { cause: error },
  );
}

/** Where to send, and the token to send with it. */
async function connection(
  command: ImportCommand,
): Promise<{ apiUrl: string; token: string }> {
  const { auth } = command;
  let stack: StackFile | undefined;
  const stackFile = async () => {
    stack ??= await readStackFile(command.stackFile);
    return stack;
  };

  const apiUrl = command.api ?? (await stackFile()).apiUrl;
  let token: string;
  if (auth.kind === 'token') token = auth.token;
  else if (auth.kind === 'password') {
    token = await signIn(await stackFile(), auth.username, auth.password);
  } else {
    const local = await stackFile();
    token = await signIn(
      local,
      local.operator.username,
      local.operator.password,
    );
  }

  return { apiUrl, token };
}
