import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../scripts/lib/errors.js';
import {
  defaultChunkBytes,
  type ImportCommand,
  type ImportEnv,
  maxChunkBytes,
  parseImportArgs,
  usage,
} from '../../../scripts/lib/import-args.js';

const token = ['--token', 'tok'];

function commandOf(argv: string[], env: ImportEnv = {}): ImportCommand {
  const parsed = parseImportArgs(argv, env);
  if (parsed.help) throw new Error('expected a command, not --help');

  return parsed.command;
}

/** The message of the UsageError the command line gives; fails if none. */
function usageErrorOf(argv: string[], env: ImportEnv = {}): string {
  try {
    parseImportArgs(argv, env);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error('expected a UsageError');
}

describe('parseImportArgs', () => {
  it('reads a roster import: a centre and a file', () => {
    expect(commandOf(['--centre', '141234', 'roster.csv', ...token])).toEqual({
      kind: 'roster',
      file: 'roster.csv',
      centre: '141234',
      fullRoll: false,
      chunkBytes: defaultChunkBytes,
      auth: { kind: 'token', token: 'tok' },
    });
  });

  it('reads --series for a results file', () => {
    const command = commandOf(['--results', 'r.csv', '--series', 'june-2026']);

    expect(command.series).toBe('june-2026');
  });

  it('reads --full-roll for a roster', () => {
    const command = commandOf([
      '--centre',
      '141234',
      '--full-roll',
      'roster.csv',
      ...token,
    ]);

    expect(command.fullRoll).toBe(true);
  });

  it.each([
    ['--staff', 'staff'],
    ['--groups', 'groups'],
  ] as const)('reads %s FILE as a %s import', (flag, kind) => {
    const command = commandOf(['--centre', '141234', flag, 'f.csv', ...token]);

    expect(command).toMatchObject({ kind, file: 'f.csv', centre: '141234' });
  });

  it('reads a results import, with no centre and a chunk size', () => {
    const command = commandOf(['--results', 'r.csv', '--chunk-bytes', '500']);

    expect(command).toMatchObject({
      kind: 'results',
      file: 'r.csv',
      chunkBytes: 500,
    });
    expect(command.centre).toBeUndefined();
  });

  it('signs in as the stack operator for results when no one is named', () => {
    expect(commandOf(['--results', 'r.csv']).auth).toEqual({
      kind: 'operator',
    });
  });

  it('reads where the API and the stack file are', () => {
    const command = commandOf([
      '--results',
      'r.csv',
      '--api',
      'http://127.0.0.1:3000/local',
      '--stack',
      'elsewhere/stack.json',
    ]);

    expect(command.api).toBe('http://127.0.0.1:3000/local');
    expect(command.stackFile).toBe('elsewhere/stack.json');
  });

  it('accepts --name=value as well as --name value', () => {
    const command = commandOf(['--centre=141234', '--staff=s.csv', ...token]);

    expect(command).toMatchObject({ kind: 'staff', centre: '141234' });
  });

  it('returns help for --help, whatever else is given', () => {
    expect(parseImportArgs(['--help'])).toEqual({ help: true });
    expect(parseImportArgs(['-h', '--results', 'r.csv'])).toEqual({
      help: true,
    });
  });

  describe('who signs in', () => {
    const roster = ['--centre', '141234', 'roster.csv'];

    it('takes a username and password from the command line', () => {
      const command = commandOf([
        ...roster,
        '--username',
        'head@oakfield.example.org',
        '--password',
        'pw',
      ]);

      expect(command.auth).toEqual({
        kind: 'password',
        username: 'head@oakfield.example.org',
        password: 'pw',
      });
    });

    it('takes a password from the environment for --username', () => {
      const command = commandOf([...roster, '--username', 'u'], {
        RECORDS_PASSWORD: 'from-env',
      });

      expect(command.auth).toEqual({
        kind: 'password',
        username: 'u',
        password: 'from-env',
      });
    });

    it('takes a token, then a sign-in, from the environment', () => {
      expect(commandOf(roster, { RECORDS_TOKEN: 'env-token' }).auth).toEqual({
        kind: 'token',
        token: 'env-token',
      });
      expect(
        commandOf(roster, { RECORDS_USERNAME: 'u', RECORDS_PASSWORD: 'p' })
          .auth,
      ).toEqual({ kind: 'password', username: 'u', password: 'p' });
    });

    it('prefers the command line to the environment', () => {
      const command = commandOf([...roster, '--token', 'flag-token'], {
        RECORDS_TOKEN: 'env-token',
        RECORDS_USERNAME: 'u',
        RECORDS_PASSWORD: 'p',
      });

      expect(command.auth).toEqual({ kind: 'token', token: 'flag-token' });
    });

    it('uses a named sign-in for results rather than the operator', () => {
      const command = commandOf(['--results', 'r.csv'], {
        RECORDS_TOKEN: 'env-token',
      });

      expect(command.auth).toEqual({ kind: 'token', token: 'env-token' });
    });
  });
});

describe('parseImportArgs usage errors', () => {
  it.each([
    [[...token], 'Say which file'],
    [['--centre', '141234', ...token], 'Say which file'],
    [['--centre', '141234', 'a.csv', 'b.csv', ...token], 'one file at a time'],
    [['--centre', '141234', 'a.csv', '--staff', 's.csv', ...token], 'one file'],
    [['roster.csv', ...token], 'which centre'],
    [['--staff', 's.csv', ...token], 'which centre'],
    [['--centre', '14123', 'roster.csv', ...token], 'six digits'],
    [['--centre', 'oakfield', 'roster.csv', ...token], 'six digits'],
    [['--centre', '141234', '--results', 'r.csv'], 'leave out --centre'],
    [['--centre', '141234', '--full-roll', '--staff', 's.csv'], 'roster only'],
    [['--results', 'r.csv', '--full-roll'], 'roster only'],
    [['--centre', '141234', '--series', 'june-2026', 'a.csv'], 'results only'],
    [['--results', 'r.csv', '--series', 'June 2026'], 'lower-case'],
    [['--results', 'r.csv', '--chunk-bytes', '0'], 'whole number'],
    [['--results', 'r.csv', '--chunk-bytes', '1e6'], 'whole number'],
    [['--results', 'r.csv', '--chunk-bytes', 'lots'], 'whole number'],
    [
      ['--results', 'r.csv', '--chunk-bytes', String(maxChunkBytes + 1)],
      'whole number',
    ],
    [
      ['--centre', '141234', 'r.csv', '--chunk-bytes', '100', ...token],
      'for --results only',
    ],
    [['--results', 'r.csv', '--api', 'localhost:3000'], 'http or https'],
    [['--results', 'r.csv', '--api', 'not a url'], 'must be a URL'],
    [['--results', 'r.csv', '--token', 't', '--username', 'u'], 'not both'],
    [['--results', 'r.csv', '--token', ''], '--token is empty'],
    [['--results', 'r.csv', '--username', 'u'], 'needs a --password'],
    [['--results', 'r.csv', '--password', 'p'], 'needs a --username'],
    [['--results', ''], 'file name is empty'],
    [['--results', 'r.csv', '--colour'], "Unknown option '--colour'"],
    [['--results'], "'--results <value>' argument missing"],
  ])('refuses %j', (argv, message) => {
    expect(usageErrorOf(argv)).toContain(message);
  });

  it('asks who is importing when a centre import names no one', () => {
    expect(usageErrorOf(['--centre', '141234', 'roster.csv'])).toContain(
      'Say who is importing',
    );
  });

  it('refuses half a sign-in from the environment', () => {
    expect(
      usageErrorOf(['--centre', '141234', 'roster.csv'], {
        RECORDS_USERNAME: 'u',
      }),
    ).toContain('needs a --password');
  });
});

describe('usage', () => {
  it('shows every form of the command and every option', () => {
    for (const text of [
      '--centre URN [--full-roll] FILE',
      '--staff FILE',
      '--groups FILE',
      '--results FILE',
      '--chunk-bytes',
      '--api URL',
      '--stack FILE',
      '--token',
      '--username',
      '--password',
      'RECORDS_TOKEN',
      String(defaultChunkBytes),
      String(maxChunkBytes),
    ]) {
      expect(usage).toContain(text);
    }
  });

  it('fits in 80 columns', () => {
    for (const line of usage.split('\n')) {
      expect(line.length).toBeLessThanOrEqual(80);
    }
  });
});
