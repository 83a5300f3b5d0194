/**
 * The import command against small HTTP servers on 127.0.0.1 that stand
 * in for the API and for Cognito and record what they are sent.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import {
  createServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeCsvBytes, parseCsv } from '../../../functions/imports/csv.js';
import { runImport } from '../../../scripts/lib/import-command.js';

process.env.AWS_EC2_METADATA_DISABLED = 'true';

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface FakeServer {
  url: string;
  received: Received[];
  answer: (request: Received, index: number) => Answer;
  close(): Promise<void>;
}

/** A server on a free loopback port that answers with `answer`. */
async function fakeServer(
  contentType = 'application/json',
): Promise<FakeServer> {
  const fake = {
    received: [] as Received[],
    answer: (): Answer => ({ status: 500 }),
  } as unknown as FakeServer;
  const server = createServer(
    async (req: IncomingMessage, res: ServerResponse) => {
      const parts: Buffer[] = [];
      for await (const part of req) parts.push(part as Buffer);
      const request = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(parts),
      };
      fake.received.push(request);
      const answer = fake.answer(request, fake.received.length - 1);
      res.writeHead(answer.status, {
        'Content-Type': contentType,
        ...answer.headers,
      });
      res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    },
  );
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  fake.url = `http://127.0.0.1:${port}`;
  fake.close = () =>
    new Promise<void>((done) => {
      server.close(() => done());
      server.closeAllConnections();
    });

  return fake;
}

/** Writes to a string, as stdout or stderr would to a pipe or a TTY. */
function output(isTTY = false) {
  const stream = {
    isTTY,
    text: '',
    write(text: string) {
      stream.text += text;
      return true;
    },
  };

  return stream;
}

const samplePath = (path: string) =>
  new URL(`../../../samples/${path}`, import.meta.url).pathname;

const rosterReport = {
  created: 220,
  updated: 0,
  unchanged: 0,
  duplicates: [{ line: 31, sameAs: 6 }],
  absent: [],
  left: [],
  rejected: [],
};

/**
 * Answers a results chunk as the API would in shape: every row matched,
 * except rows whose grade is U, which are rejected by their chunk line.
 */
function resultsAnswer(request: Received): Answer {
  const { header, rows } = parseCsv(decodeCsvBytes(request.body));
  const grade = header.indexOf('Grade');
  const failed = rows.filter((row) => row.cells[grade] === 'U');

  return {
    status: 200,
    body: {
      matched: rows.length - failed.length,
      stored: rows.length - failed.length,
      unmatched: [],
      conflicts: [],
      rejected: failed.map((row) => ({
        line: row.line,
        field: 'grade',
        code: 'REQUIRED',
        message: 'The grade is missing.',
      })),
    },
  };
}

let api: FakeServer;
let cognito: FakeServer;
let dir: string;
let stackFile: string;
const operator = { username: 'operator@region.local', password: randomUUID() };
const clientId = 'local-client';

beforeAll(async () => {
  api = await fakeServer();
  cognito = await fakeServer('application/x-amz-json-1.1');
  dir = mkdtempSync(join(tmpdir(), 'import-command-'));
  stackFile = join(dir, 'stack.json');
  writeFileSync(
    stackFile,
    JSON.stringify({
      apiUrl: api.url,
      cognitoEndpoint: cognito.url,
      userPoolId: 'local_pool',
      clientId,
      operator,
    }),
  );
});

afterEach(() => {
  api.received.length = 0;
  cognito.received.length = 0;
});

afterAll(async () => {
  await api.close();
  await cognito.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Cognito's InitiateAuth: a token for a known password, else a refusal. */
function signInAnswer(
  passwords: Record<string, string>,
  refusal = 'NotAuthorizedException',
) {
  return (request: Received): Answer => {
    const { AuthParameters } = JSON.parse(request.body.toString()) as {
      AuthParameters: { USERNAME: string; PASSWORD: string };
    };
    if (passwords[AuthParameters.USERNAME] !== AuthParameters.PASSWORD) {
      return {
        status: 400,
        body: { __type: refusal, message: 'Incorrect username or password.' },
      };
    }
    return {
      status: 200,
      body: {
        AuthenticationResult: {
          AccessToken: `access-for-${AuthParameters.USERNAME}`,
          IdToken: 'id-token',
          TokenType: 'Bearer',
        },
      },
    };
  };
}

async function run(argv: string[], env: Record<string, string> = {}) {
  const stdout = output();
  const stderr = output();
  const code = await runImport([...argv, '--stack', stackFile], {
    stdout,
    stderr,
    env,
  });

  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('runImport', () => {
  it('sends a roster as saved, as text/csv, with the token', async () => {
    api.answer = () => ({ status: 200, body: rosterReport });
    const file = samplePath('oakfield/roster.csv');

    const { code, stdout, stderr } = await run([
      '--centre',
      '141234',
      file,
      '--token',
      'staff-token',
    ]);

    expect(code).toBe(0);
    expect(api.received).toHaveLength(1);
    const [request] = api.received;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/centres/141234/students/import');
    expect(request?.headers['content-type']).toBe('text/csv');
    expect(request?.headers.authorization).toBe('Bearer staff-token');
    expect(request?.body.equals(readFileSync(file))).toBe(true);
    expect(request?.body.subarray(0, 3)).toEqual(
      Buffer.from([0xef, 0xbb, 0xbf]),
    );
    expect(JSON.parse(stdout)).toEqual(rosterReport);
    expect(stderr.trimEnd().split('\n').at(-1)).toBe(
      '220 created, 0 updated, 0 unchanged, 1 duplicate, 0 rejected',
    );
  });

  it('says the file is the full roll with --full-roll', async () => {
    api.answer = () => ({ status: 200, body: rosterReport });

    await run([
      '--centre',
      '141234',
      '--full-roll',
      samplePath('oakfield/roster-update.csv'),
      '--token',
      't',
    ]);

    expect(api.received[0]?.url).toBe(
      '/centres/141234/students/import?roll=full',
    );
  });

  it.each([
    ['--staff', 'oakfield/staff.csv', '/centres/141234/staff/import'],
    ['--groups', 'oakfield/subject-sets.csv', '/centres/141234/groups/import'],
  ])('sends %s files to their route', async (flag, sample, route) => {
    const report = { created: 1, existing: 0, rows: [], rejected: [] };
    api.answer = () => ({ status: 200, body: report });

    const { code, stdout } = await run([
      '--centre',
      '141234',
      flag,
      samplePath(sample),
      '--token',
      't',
    ]);

    expect(code).toBe(0);
    expect(api.received[0]?.url).toBe(route);
    expect(api.received[0]?.body.equals(readFileSync(samplePath(sample)))).toBe(
      true,
    );
    expect(JSON.parse(stdout)).toEqual(report);
  });

  it('keeps the stage path of an --api address', async () => {
    api.answer = () => ({ status: 200, body: rosterReport });

    await run([
      '--centre',
      '141234',
      samplePath('riverside/roster.csv'),
      '--api',
      `${api.url}/local/`,
      '--token',
      't',
    ]);

    expect(api.received[0]?.url).toBe('/local/centres/141234/students/import');
  });

  describe('a results file', () => {
    const file = samplePath('oakfield/results.csv');
    const bytes = readFileSync(file);
    const whole = parseCsv(decodeCsvBytes(bytes));

    it('goes in chunks under the limit, each with the header', async () => {
      api.answer = resultsAnswer;

      const { code } = await run([
        '--results',
        file,
        '--chunk-bytes',
        '16000',
        '--token',
        'op',
      ]);

      expect(code).toBe(0);
      expect(api.received.length).toBeGreaterThan(bytes.length / 16_000);
      const headerLine = bytes.subarray(0, bytes.indexOf(0x0a) + 1);
      for (const request of api.received) {
        expect(request.url).toBe('/results/import');
        expect(request.headers['content-type']).toBe('text/csv');
        expect(request.body.length).toBeLessThanOrEqual(16_000);
        expect(request.body.subarray(0, headerLine.length)).toEqual(headerLine);
      }
      const rowsSent = api.received.flatMap(
        (r) => parseCsv(decodeCsvBytes(r.body)).rows,
      );
      expect(rowsSent.map((r) => r.cells)).toEqual(
        whole.rows.map((r) => r.cells),
      );
    });

    it("merges the chunks' reports in the file's line numbers", async () => {
      api.answer = resultsAnswer;
      const grade = whole.header.indexOf('Grade');
      const ungraded = whole.rows.filter((r) => r.cells[grade] === 'U');

      const { code, stdout, stderr } = await run([
        '--results',
        file,
        '--chunk-bytes',
        '16000',
        '--token',
        'op',
      ]);

      expect(code).toBe(0);
      expect(ungraded.length).toBeGreaterThan(1);
      const report = JSON.parse(stdout);
      expect(report.rejected.map((r: { line: number }) => r.line)).toEqual(
        ungraded.map((r) => r.line),
      );
      expect(report.matched).toBe(whole.rows.length - ungraded.length);
      expect(stderr.trimEnd().split('\n').at(-1)).toBe(
        `${report.matched} matched, ${report.stored} stored, 0 unmatched, ` +
          `0 conflicts, ${ungraded.length} rejected`,
      );
    });

    it('signs in as the stack operator when no one is named', async () => {
      cognito.answer = signInAnswer({ [operator.username]: operator.password });
      api.answer = resultsAnswer;

      const { code } = await run(['--results', file]);

      expect(code).toBe(0);
      expect(cognito.received).toHaveLength(1);
      const [signIn] = cognito.received;
      expect(signIn?.headers['x-amz-target']).toBe(
        'AWSCognitoIdentityProviderService.InitiateAuth',
      );
      expect(JSON.parse(signIn?.body.toString() ?? '')).toEqual({
        AuthFlow: 'USER_PASSWORD_AUTH',
        ClientId: clientId,
        AuthParameters: {
          USERNAME: operator.username,
          PASSWORD: operator.password,
        },
      });
      expect(api.received[0]?.headers.authorization).toBe(
        `Bearer access-for-${operator.username}`,
      );
    });

    it('says how far it got when a later chunk fails', async () => {
      api.answer = (request, index) =>
        index === 2
          ? {
              status: 500,
              body: {
                error: { code: 'INTERNAL_ERROR', message: 'Try again later.' },
              },
            }
          : resultsAnswer(request);

      const { code, stdout, stderr } = await run([
        '--results',
        file,
        '--chunk-bytes',
        '16000',
        '--token',
        'op',
      ]);

      expect(code).toBe(1);
      expect(stdout).toBe('');
      const imported = api.received
        .slice(0, 2)
        .flatMap((r) => parseCsv(decodeCsvBytes(r.body)).rows).length;
      const nextLine = whole.rows[imported]?.line;
      expect(stderr).toContain('HTTP 500 INTERNAL_ERROR: Try again later.');
      expect(stderr).toMatch(/Request 3 of \d+ failed/);
      expect(stderr).toContain(`the rows before line ${nextLine} had been`);
      expect(api.received).toHaveLength(3);
    });

    it('refuses a file that is not UTF-8, sending none of it', async () => {
      const latin1 = join(dir, 'latin1.csv');
      writeFileSync(
        latin1,
        Buffer.concat([
          bytes.subarray(0, 2000),
          Buffer.from([0x4d, 0xfc, 0x6c, 0x6c, 0x65, 0x72, 0x0d, 0x0a]),
        ]),
      );

      const { code, stderr } = await run(['--results', latin1, '--token', 't']);

      expect(code).toBe(1);
      expect(stderr).toContain('FILE_NOT_UTF8');
      expect(api.received).toHaveLength(0);
    });

    it('refuses a file with an unclosed quote without sending it', async () => {
      const broken = join(dir, 'unclosed.csv');
      writeFileSync(broken, `${whole.header.join(',')}\n"6013519241,x\n`);

      const { code, stderr } = await run(['--results', broken, '--token', 't']);

      expect(code).toBe(1);
      expect(stderr).toContain('UNCLOSED_QUOTE');
      expect(stderr).toContain('line 2');
      expect(api.received).toHaveLength(0);
    });
  });

  it('signs in with --username and --password', async () => {
    const password = randomUUID();
    cognito.answer = signInAnswer({ 'head@oakfield.example.org': password });
    api.answer = () => ({ status: 200, body: rosterReport });

    const { code } = await run([
      '--centre',
      '141234',
      samplePath('oakfield/roster.csv'),
      '--username',
      'head@oakfield.example.org',
      '--password',
      password,
    ]);

    expect(code).toBe(0);
    expect(api.received[0]?.headers.authorization).toBe(
      'Bearer access-for-head@oakfield.example.org',
    );
  });

  it('uses RECORDS_TOKEN from the environment', async () => {
    api.answer = () => ({ status: 200, body: rosterReport });

    const { code } = await run(
      ['--centre', '141234', samplePath('riverside/roster.csv')],
      { RECORDS_TOKEN: 'env-token' },
    );

    expect(code).toBe(0);
    expect(api.received[0]?.headers.authorization).toBe('Bearer env-token');
    expect(cognito.received).toHaveLength(0);
  });

  describe('a sign-in Cognito refuses', () => {
    const roster = [
      '--centre',
      '141234',
      samplePath('riverside/roster.csv'),
      '--username',
      'u@example.org',
      '--password',
      'wrong',
    ];

    // cognito-local says InvalidPasswordException where Cognito says
    // NotAuthorizedException.
    it.each([
      'NotAuthorizedException',
      'UserNotFoundException',
      'InvalidPasswordException',
    ])('exits 1 on %s, saying the password is wrong', async (refusal) => {
      cognito.answer = signInAnswer({}, refusal);

      const { code, stderr } = await run(roster);

      expect(code).toBe(1);
      expect(stderr).toContain('the username or password is wrong');
      expect(api.received).toHaveLength(0);
    });

    it('names any other refusal', async () => {
      cognito.answer = signInAnswer({}, 'UserNotConfirmedException');

      const { code, stderr } = await run(roster);

      expect(code).toBe(1);
      expect(stderr).toContain('(UserNotConfirmedException: Incorrect');
    });

    it('says what Cognito wants when it answers with a challenge', async () => {
      cognito.answer = () => ({
        status: 200,
        body: { ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: 's' },
      });

      const { code, stderr } = await run(roster);

      expect(code).toBe(1);
      expect(stderr).toContain('Cognito wants NEW_PASSWORD_REQUIRED');
      expect(api.received).toHaveLength(0);
    });
  });

  it("exits 1 with the API's error code and message", async () => {
    api.answer = () => ({
      status: 403,
      body: {
        error: {
          code: 'ROLE_REQUIRED',
          message: 'Only a centre admin or a head of year can do this.',
        },
      },
    });

    const { code, stdout, stderr } = await run([
      '--centre',
      '141234',
      samplePath('riverside/roster.csv'),
      '--token',
      't',
    ]);

    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(
      'HTTP 403 ROLE_REQUIRED: Only a centre admin or a head of year can ' +
        'do this.',
    );
  });

  it('tries again when the API says it is busy', async () => {
    api.answer = (_request, index) =>
      index === 0
        ? {
            status: 503,
            headers: { 'Retry-After': '0' },
            body: { error: { code: 'SERVICE_UNAVAILABLE', message: 'Busy.' } },
          }
        : { status: 200, body: rosterReport };

    const { code } = await run([
      '--centre',
      '141234',
      samplePath('riverside/roster.csv'),
      '--token',
      't',
    ]);

    expect(code).toBe(0);
    expect(api.received).toHaveLength(2);
    expect(api.received[1]?.body).toEqual(api.received[0]?.body);
  });

  it('exits 1 and says so when the API does not answer', async () => {
    const gone = await fakeServer();
    await gone.close();

    const { code, stderr } = await run([
      '--results',
      samplePath('riverside/results.csv'),
      '--api',
      gone.url,
      '--token',
      't',
    ]);

    expect(code).toBe(1);
    expect(stderr).toContain(`No answer from the API at ${gone.url}`);
  });

  it('explains a missing stack file', async () => {
    const stdout = output();
    const stderr = output();

    const code = await runImport(
      [
        '--results',
        samplePath('riverside/results.csv'),
        '--stack',
        join(dir, 'absent.json'),
      ],
      { stdout, stderr, env: {} },
    );

    expect(code).toBe(1);
    expect(stderr.text).toContain('npm start');
    expect(cognito.received).toHaveLength(0);
  });

  it('exits 1 when the file cannot be read', async () => {
    const { code, stderr } = await run([
      '--results',
      join(dir, 'no-such.csv'),
      '--token',
      't',
    ]);

    expect(code).toBe(1);
    expect(stderr).toContain('cannot be read (ENOENT)');
  });

  it('exits 2 with the usage for a wrong command line', async () => {
    const { code, stdout, stderr } = await run(['--centre', '141234']);

    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('Say which file to import.');
    expect(stderr).toContain('Usage:');
    expect(api.received).toHaveLength(0);
  });

  it('prints the usage on stdout for --help and exits 0', async () => {
    const { code, stdout } = await run(['--help']);

    expect(code).toBe(0);
    expect(stdout).toContain('Usage:');
  });

  describe('progress', () => {
    it('prints plain lines when stderr is not a terminal', async () => {
      api.answer = resultsAnswer;
      const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;

      const { stderr } = await run([
        '--results',
        samplePath('riverside/results.csv'),
        '--chunk-bytes',
        '8000',
        '--token',
        't',
      ]);

      const sizes = api.received.map((r) => r.body.length);
      const sent = (n: number) => sizes.slice(0, n).reduce((a, b) => a + b);
      const total = kB(sent(3));
      expect(sizes).toHaveLength(3);
      expect(stderr.trimEnd().split('\n')).toEqual([
        `results: sending ${total} in 3 requests`,
        `results: 1 of 3 requests answered (${kB(sent(1))} of ${total})`,
        `results: 2 of 3 requests answered (${kB(sent(2))} of ${total})`,
        `results: 3 of 3 requests answered (${total} of ${total})`,
        expect.stringMatching(/^\d+ matched, /),
      ]);
    });

    it('draws a bar when stderr is a terminal', async () => {
      api.answer = () => ({ status: 200, body: rosterReport });
      const stdout = output();
      const stderr = output(true);

      const code = await runImport(
        [
          '--centre',
          '141234',
          samplePath('riverside/roster.csv'),
          '--api',
          api.url,
          '--token',
          't',
        ],
        { stdout, stderr, env: {} },
      );

      expect(code).toBe(0);
      expect(stderr.text).toContain('roster [');
      expect(stderr.text).toContain('100% | 1.5 kB of 1.5 kB');
      expect(stderr.text).toContain('1 of 1 request answered');
      expect(stderr.text).not.toContain('roster: sending');
    });
  });
});
