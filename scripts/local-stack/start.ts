/**
 * `npm start`: the whole region on this machine, with its data kept under
 * `.local/` between runs. Ctrl-C or SIGTERM stops every part.
 *
 * Options (the test set-up uses them):
 * - `--ephemeral`: the table in memory, any free ports, no request lines.
 * - `--data-dir DIR`: somewhere other than `.local/` (with `--ephemeral` a
 *   temporary folder is used and removed unless this is given).
 * - `--describe FILE`: once up, write the stack's description there.
 *
 * Ports: API_PORT, DYNAMODB_PORT, COGNITO_PORT and SFN_PORT change the
 * defaults; LIFETIME_DIVISOR shortens offer lifetimes for a demo.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PrerequisiteError } from './dynamodb.js';
import {
  defaultPorts,
  type LocalStack,
  PortInUseError,
  type Service,
  services,
  startLocalStack,
} from './stack.js';

const repoRoot = resolve(import.meta.dirname, '../..');

class SettingError extends Error {
  override readonly name = 'SettingError';
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      ephemeral: { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
      describe: { type: 'string' },
    },
  });
  const ephemeral = values.ephemeral;
  const givenDir = values['data-dir'];
  const dataDir = givenDir
    ? resolve(givenDir)
    : ephemeral
      ? mkdtempSync(join(tmpdir(), 'education-records-'))
      : join(repoRoot, '.local');
  const removeDataDir = ephemeral && !givenDir;

  // Until the stack is up there is nothing to stop cleanly: leaving runs
  // the exit hooks that kill whichever children have started.
  let shutdown = async (): Promise<void> => {
    process.exit(1);
  };
  const onSignal = () => void shutdown();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  if (ephemeral && !process.stdin.isTTY) {
    // Started by a test run: go when that run goes, even if it is killed.
    process.stdin.on('close', onSignal);
    process.stdin.resume();
  }

  const stack = await startLocalStack({
    dataDir,
    persist: !ephemeral,
    ports: ephemeral ? {} : portsFromEnv(),
    lifetimeDivisor: lifetimeDivisorFromEnv(),
    quiet: ephemeral,
  });

  let stopping = false;
  shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await stack.stop();
    if (removeDataDir) rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  };

  writePrivateJson(join(dataDir, 'stack.json'), {
    apiUrl: stack.apiUrl,
    consoleUrl: stack.consoleUrl,
    cognitoEndpoint: stack.cognitoEndpoint,
    userPoolId: stack.userPoolId,
    clientId: stack.clientId,
    operator: stack.operator,
    outboxFile: stack.outboxFile,
  });
  if (values.describe) {
    const { stop: _stop, ...description } = stack;
    // Written whole and then renamed, so a reader never sees half of it.
    const partial = `${values.describe}.partial`;
    writePrivateJson(partial, description);
    renameSync(partial, values.describe);
  }

  if (!ephemeral) printSummary(stack, dataDir);
}

const portVariables: Record<Service, string> = {
  api: 'API_PORT',
  dynamodb: 'DYNAMODB_PORT',
  cognito: 'COGNITO_PORT',
  sfn: 'SFN_PORT',
};

function portsFromEnv(): Record<Service, number> {
  const ports = { ...defaultPorts };
  for (const service of services) {
    const name = portVariables[service];
    const value = process.env[name];
    if (value === undefined || value === '') continue;
    const port = Number(value);
    if (!Number.isInteger(port) || port < 1 || port > 65_535) {
      throw new SettingError(`${name} must be a port number, not "${value}".`);
    }
    ports[service] = port;
  }

  return ports;
}

function lifetimeDivisorFromEnv(): number {
  const value = process.env.LIFETIME_DIVISOR;
  if (value === undefined || value === '') return 1;
  const divisor = Number(value);
  if (!Number.isInteger(divisor) || divisor < 1 || divisor > 600) {
    throw new SettingError(
      `LIFETIME_DIVISOR must be a whole number from 1 to 600, not "${value}".`,
    );
  }

  return divisor;
}

function writePrivateJson(file: string, value: unknown): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
}

function printSummary(stack: LocalStack, dataDir: string): void {
  const shown = (file: string) => relative(process.cwd(), file) || file;
  const rows = [
    ['Staff console', stack.consoleUrl],
    ['API', stack.apiUrl],
    ['Cognito endpoint', stack.cognitoEndpoint],
    ['User pool', stack.userPoolId],
    ['App client', stack.clientId],
    ['Operator', stack.operator.username],
    ['Password', stack.operator.password],
    ['Request log', shown(stack.logFile)],
    ['E-mail outbox', shown(stack.outboxFile)],
    ['All of this', shown(join(dataDir, 'stack.json'))],
  ];
  const width = Math.max(...rows.map(([label]) => label?.length ?? 0));

  console.log('\nThe local region is up.\n');
  for (const [label, value] of rows) {
    console.log(`  ${label?.padEnd(width)}  ${value}`);
  }
  console.log('\nPress Ctrl-C to stop it.\n');
}

main().catch((error: unknown) => {
  if (error instanceof PortInUseError) {
    console.error(
      `Port ${error.port} for ${error.service} is taken: stop what uses ` +
        `it (another npm start?) or set ${portVariables[error.service]}.`,
    );
    process.exit(1);
  }
  const known =
    error instanceof PrerequisiteError || error instanceof SettingError;
  // A missing prerequisite is the reader's to fix: the message says how,
  // and a stack trace would only bury it.
  console.error(known ? error.message : error);
  process.exit(1);
});
