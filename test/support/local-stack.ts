/**
 * The integration tier's one local stack. As a vitest globalSetup it starts
 * `scripts/local-stack/start.ts --ephemeral` in a child process and
 * provides its description; tests call `useLocalStack()` and talk to it
 * over HTTP and the AWS APIs, as a client of the region would.
 *
 * The stack runs in its own process because handlers read their settings
 * from `process.env`: started here, those settings would leak into every
 * test worker forked afterwards, unit tiers included.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { inject } from 'vitest';
import type { TestProject } from 'vitest/node';
import type { LocalStack } from '../../scripts/local-stack/stack.js';

/** Everything a test may know about the stack: all of it is loopback. */
export type LocalStackDescription = Omit<LocalStack, 'stop'>;

declare module 'vitest' {
  export interface ProvidedContext {
    localStack: LocalStackDescription;
  }
}

const repoRoot = resolve(import.meta.dirname, '../..');
/**
 * One folder a run, kept afterwards (git-ignored) so that its logs can be
 * read; runs side by side in one checkout do not share one.
 */
const runsDir = join(repoRoot, '.local', 'test-stack');
const runsKept = 5;
const startTimeoutMs = 120_000;

let child: ChildProcess | undefined;
let stackDir = '';

export async function setup(project: TestProject): Promise<void> {
  mkdirSync(runsDir, { recursive: true });
  pruneOldRuns();
  stackDir = mkdtempSync(join(runsDir, 'run-'));
  mkdirSync(join(stackDir, 'logs'));
  const describeFile = join(stackDir, 'description.json');

  child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(repoRoot, 'scripts/local-stack/start.ts'),
      '--ephemeral',
      '--data-dir',
      stackDir,
      '--describe',
      describeFile,
    ],
    {
      cwd: repoRoot,
      stdio: ['pipe', 'pipe', 'pipe'],
      // Offers live a twelfth of their policy lifetime here, so that the
      // expiry tests watch a two-minute offer expire in ten seconds.
      // The application's rate limits are raised: the burst and race
      // tests send thousands of requests from one loopback address, and
      // limits.test.ts proves the defaults on their own.
      env: {
        ...process.env,
        LIFETIME_DIVISOR: '12',
        FAILED_EXCHANGE_LIMIT: '100000',
        REFRESH_LIMIT: '1000',
        REPORT_LIMIT: '1000',
        DOB_MISMATCH_LIMIT: '1000',
      },
    },
  );
  const output = createWriteStream(join(stackDir, 'logs', 'stack.log'));
  child.stdout?.pipe(output);
  const errors: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    errors.push(chunk.toString());
    output.write(chunk);
  });

  const description = await waitForDescription(child, describeFile, errors);
  project.provide('localStack', description);
}

export async function teardown(): Promise<void> {
  const running = child;
  child = undefined;
  if (!running || running.exitCode !== null) return;

  const exited = new Promise((done) => running.once('exit', done));
  running.kill('SIGTERM');
  const timer = setTimeout(() => running.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

async function waitForDescription(
  running: ChildProcess,
  file: string,
  errors: string[],
): Promise<LocalStackDescription> {
  const deadline = Date.now() + startTimeoutMs;
  while (!existsSync(file)) {
    if (running.exitCode !== null) {
      throw plainError(
        `The local stack did not start:\n${errors.join('').trim()}`,
      );
    }
    if (Date.now() > deadline) {
      await teardown();
      throw plainError(
        `The local stack did not start within ${startTimeoutMs / 1000} s; ` +
          `see ${join(stackDir, 'logs')}.`,
      );
    }
    await new Promise((done) => setTimeout(done, 200));
  }

  return JSON.parse(readFileSync(file, 'utf8')) as LocalStackDescription;
}

function pruneOldRuns(): void {
  const runs = readdirSync(runsDir)
    .map((name) => join(runsDir, name))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  for (const old of runs.slice(runsKept - 1)) {
    rmSync(old, { recursive: true, force: true });
  }
}

/** An error whose report is its message: the stack trace would be ours. */
function plainError(message: string): Error {
  const error = new Error(message);
  error.stack = message;

  return error;
}

/** The stack the integration tier's globalSetup started. */
export function useLocalStack(): LocalStackDescription {
  return inject('localStack');
}
