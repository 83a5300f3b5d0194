/**
 * The local stand-in for Step Functions: an HTTP server on loopback that
 * speaks the AWS JSON 1.0 protocol the SDK's SFNClient sends, running the
 * definitions `cdk synth` produces with aws-local-stepfunctions. It keeps
 * what that library does not: execution names, and live executions in
 * the local table, so a restart resumes every pending expiry.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import {
  createServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  DynamoDBServiceException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import {
  type RunOptions,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import { keys } from '../../functions/lib/keys.js';
import type { LocalDefinitions } from './synth-definitions.js';

export {
  type LocalDefinition,
  type LocalDefinitions,
  localAccount,
  localFunctionArn,
  localFunctions,
  synthesizeLocalDefinitions,
} from './synth-definitions.js';

export interface LocalStepFunctionsOptions {
  host: '127.0.0.1';
  /** 0 picks any free port. */
  port: number;
  /** Low-level client with the local DynamoDB endpoint. */
  dynamodb: DynamoDBClient;
  tableName: string;
  definitions: LocalDefinitions;
  /**
   * Execution events as JSON lines, shaped as a state machine's log group
   * holds them at level ALL without execution data; none writes no file.
   */
  logFile?: string;
  /**
   * Lambda functions the definitions invoke, by the ARN in their Task
   * states; each takes the task's input and answers its output.
   */
  functions?: LocalFunctions;
}

/** Writes one execution event; the local metrics view reads them. */
export type EventLog = (
  executionArn: string,
  type: string,
  details?: Record<string, string>,
) => void;

function eventLog(file: string | undefined): EventLog {
  if (file) mkdirSync(dirname(file), { recursive: true });
  return (executionArn, type, details) => {
    if (!file) return;
    const event = {
      type,
      ...(details ? { details } : {}),
      event_timestamp: String(Date.now()),
      execution_arn: executionArn,
    };
    appendFileSync(file, `${JSON.stringify(event)}\n`);
  };
}

/** A Lambda function run in this process, as a Task state calls it. */
export type LocalFunction = (input: unknown) => Promise<unknown>;
export type LocalFunctions = Record<string, LocalFunction>;

export interface LocalStepFunctions {
  endpoint: string;
  /** Stops the server and aborts executions, which resume on next start. */
  stop(): Promise<void>;
}

export const executionStatuses = ['RUNNING', 'SUCCEEDED', 'FAILED'] as const;
export type ExecutionStatus = (typeof executionStatuses)[number];

/** What the table keeps of an execution. */
export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  input: string;
  startDate: string;
  stopDate?: string;
  output?: string;
  error?: string;
  cause?: string;
}

/** An error as the service answers it: `__type` names it, status 400. */
export class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = type;
  }
}

/**
 * Execution names: 1 to 80 characters, none of them whitespace, brackets,
 * wildcards, the listed specials or control characters:
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html
 */
const validName =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: AWS forbids them
  /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/;

export async function startLocalStepFunctions(
  options: LocalStepFunctionsOptions,
): Promise<LocalStepFunctions> {
  const store = new ExecutionStore(options.dynamodb, options.tableName);
  const machines = new Map<string, LocalMachine>();
  for (const { arn, definition } of Object.values(options.definitions)) {
    machines.set(
      arn,
      localMachine(arn, definition, options.dynamodb, options.functions),
    );
  }
  const runner = new Runner(store, eventLog(options.logFile));
  const api = new StepFunctionsApi(machines, store, runner);

  const server = createServer((request, response) => {
    void serve(api, request, response);
  });
  await new Promise<void>((listening, failed) => {
    server.once('error', failed);
    server.listen(options.port, options.host, () => listening());
  });
  const { port } = server.address() as AddressInfo;
  const stop = async () => {
    const closed = new Promise<void>((done) => server.close(() => done()));
    server.closeAllConnections();
    await runner.abortAll();
    await closed;
  };

  // Every execution the table holds as running starts again from the top:
  // the wait ends at the offer's own expiry time, and the update is
  // conditional, so running it twice changes nothing.
  try {
    for (const machine of machines.values()) {
      for (const record of await store.running(machine.arn)) {
        runner.run(machine, record);
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }

  return { endpoint: `http://${options.host}:${port}`, stop };
}

type TaskHandlers = NonNullable<
  NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']
>;

/** The JSON a task hands back to the execution. */
type TaskOutput = Awaited<ReturnType<TaskHandlers[string]>>;

interface LocalMachine {
  arn: string;
  machine: StateMachine;
  handlers: TaskHandlers;
}

function localMachine(
  arn: string,
  definition: object,
  dynamodb: DynamoDBClient,
  functions: LocalFunctions = {},
): LocalMachine {
  const asl = definition as StateMachineDefinition;

  return {
    arn,
    machine: new StateMachine(asl, { validationOptions: { checkArn: false } }),
    handlers: localTaskHandlers(asl, dynamodb, functions),
  };
}

/**
 * A local handler for every Task state, or the definition is refused:
 * without one, aws-local-stepfunctions would call AWS itself.
 */
export function localTaskHandlers(
  definition: StateMachineDefinition,
  dynamodb: DynamoDBClient,
  functions: LocalFunctions = {},
): TaskHandlers {
  const handlers: TaskHandlers = {};
  for (const [stateName, state] of Object.entries(definition.States)) {
    if (state.Type !== 'Task') continue;
    const fn = functions[state.Resource];
    if (fn) {
      handlers[stateName] = async (input) =>
        JSON.parse(JSON.stringify((await fn(input)) ?? null));
      continue;
    }
    if (!updateItemResource.test(state.Resource)) {
      throw new Error(
        `State "${stateName}" calls ${state.Resource}, which the local ` +
          'stack cannot run; add a local handler for it.',
      );
    }
    handlers[stateName] = (parameters) =>
      updateItem(dynamodb, parameters as unknown as UpdateItemCommandInput);
  }

  return handlers;
}

/** The optimised integration and the SDK integration of UpdateItem. */
const updateItemResource =
  /^arn:aws[a-z-]*:states:::(aws-sdk:)?dynamodb:updateItem$/;

/**
 * Applies a task's evaluated parameters to the local table. Errors are
 * renamed as the integration names them (`DynamoDB.<exception>`), so the
 * definition's Retry and Catch see what they would see in AWS.
 */
async function updateItem(
  dynamodb: DynamoDBClient,
  parameters: UpdateItemCommandInput,
): Promise<TaskOutput> {
  try {
    const { $metadata: _, ...output } = await dynamodb.send(
      new UpdateItemCommand(parameters),
    );
    return JSON.parse(JSON.stringify(output));
  } catch (error) {
    if (error instanceof DynamoDBServiceException) {
      const renamed = new Error(error.message, { cause: error });
      renamed.name = `DynamoDB.${error.name}`;
      throw renamed;
    }
    throw error;
  }
}

/** Runs executions and settles their records; `abortAll` leaves them. */
class Runner {
  private readonly live = new Map<
    string,
    { abort(): void; settled: Promise<void> }
  >();

  constructor(
    private readonly store: ExecutionStore,
    private readonly log: EventLog,
  ) {}

  /** The machine's task handlers, each logging how its task ended. */
  private logged(machine: LocalMachine, executionArn: string): TaskHandlers {
    const out: TaskHandlers = {};
    for (const [state, handler] of Object.entries(machine.handlers)) {
      const details = { resourceType: 'dynamodb', resource: 'updateItem' };
      out[state] = async (parameters) => {
        try {
          const result = await handler(parameters);
          this.log(executionArn, 'TaskSucceeded', details);
          return result;
        } catch (error) {
          this.log(executionArn, 'TaskFailed', {
            ...details,
            error: (error as Error).name,
          });
          throw error;
        }
      };
    }
    return out;
  }

  run(machine: LocalMachine, record: ExecutionRecord): void {
    let aborted = false;
    this.log(record.executionArn, 'ExecutionStarted');
    const execution = machine.machine.run(JSON.parse(record.input), {
      overrides: {
        taskResourceLocalHandlers: this.logged(machine, record.executionArn),
      },
      noThrowOnAbort: true,
      context: executionContext(record),
    });
    const settled = execution.result
      .then(
        async (output) => {
          if (aborted) return;
          this.log(record.executionArn, 'ExecutionSucceeded');
          await this.store.finish(record, 'SUCCEEDED', {
            output: JSON.stringify(output),
          });
        },
        async (error: unknown) => {
          if (aborted) return;
          const failure = error instanceof Error ? error.cause : undefined;
          this.log(record.executionArn, 'ExecutionFailed');
          await this.store.finish(record, 'FAILED', {
            error: failure instanceof Error ? failure.name : 'States.Runtime',
            cause: failure instanceof Error ? failure.message : String(error),
          });
        },
      )
      .catch((error: unknown) => {
        // The local table went away mid-run; the record stays RUNNING
        // and the execution runs again on the next start.
        console.error(
          JSON.stringify({
            level: 'ERROR',
            message: 'could not record the end of a local execution',
            executionArn: record.executionArn,
            error: String(error),
          }),
        );
      })
      .finally(() => this.live.delete(record.executionArn));

    this.live.set(record.executionArn, {
      abort() {
        aborted = true;
        execution.abort();
      },
      settled,
    });
  }

  async abortAll(): Promise<void> {
    const running = [...this.live.values()];
    for (const execution of running) execution.abort();
    await Promise.all(running.map((execution) => execution.settled));
  }
}

/**
 * The context object of the execution; the library itself sets only
 * `Execution.Input` and `StartTime`. `$$.State.EnteredTime` is the time
 * a task's parameters are evaluated, just after the state is entered
 * (on a retry, the retry's time rather than the first entry's).
 */
export function executionContext(
  record: Pick<ExecutionRecord, 'executionArn' | 'name' | 'stateMachineArn'>,
) {
  return {
    Execution: { Id: record.executionArn, Name: record.name },
    StateMachine: { Id: record.stateMachineArn },
    State: {
      get EnteredTime() {
        return new Date().toISOString();
      },
    },
  };
}

/** The API operations, as the SDK's SFNClient calls them. */
class StepFunctionsApi {
  constructor(
    private readonly machines: Map<string, LocalMachine>,
    private readonly store: ExecutionStore,
    private readonly runner: Runner,
  ) {}

  async call(operation: string, body: Record<string, unknown>) {
    switch (operation) {
      case 'StartExecution':
        return this.startExecution(body);
      case 'DescribeExecution':
        return this.describeExecution(body);
      case 'ListExecutions':
        return this.listExecutions(body);
      default:
        throw new ServiceError(
          'UnknownOperationException',
          `The local stack does not serve ${operation}.`,
        );
    }
  }

  /**
   * Names are kept: the same name and input while the first execution
   * runs returns that execution; anything else is ExecutionAlreadyExists.
   */
  private async startExecution(body: Record<string, unknown>) {
    const machine = this.machineOf(body.stateMachineArn);
    const name = body.name === undefined ? randomUUID() : body.name;
    if (typeof name !== 'string' || !validName.test(name)) {
      throw new ServiceError('InvalidName', `Invalid Name: '${name}'`);
    }
    const input = body.input === undefined ? '{}' : body.input;
    if (typeof input !== 'string' || !isJson(input)) {
      throw new ServiceError(
        'InvalidExecutionInput',
        'Invalid State Machine Execution Input: the input is not JSON',
      );
    }

    const record: ExecutionRecord = {
      executionArn: executionArnOf(machine.arn, name),
      stateMachineArn: machine.arn,
      name,
      status: 'RUNNING',
      input,
      startDate: new Date().toISOString(),
    };
    if (await this.store.create(record)) {
      this.runner.run(machine, record);
      return started(record);
    }

    const existing = await this.store.get(record.executionArn);
    if (existing?.status === 'RUNNING' && existing.input === input) {
      return started(existing);
    }
    throw new ServiceError(
      'ExecutionAlreadyExists',
      `Execution Already Exists: '${record.executionArn}'`,
    );
  }

  private async describeExecution(body: Record<string, unknown>) {
    const arn = body.executionArn;
    const record = typeof arn === 'string' ? await this.store.get(arn) : null;
    if (!record) {
      throw new ServiceError(
        'ExecutionDoesNotExist',
        `Execution Does Not Exist: '${String(arn)}'`,
      );
    }

    return {
      executionArn: record.executionArn,
      stateMachineArn: record.stateMachineArn,
      name: record.name,
      status: record.status,
      input: record.input,
      startDate: epochSeconds(record.startDate),
      stopDate: record.stopDate ? epochSeconds(record.stopDate) : undefined,
      output: record.output,
      error: record.error,
      cause: record.cause,
    };
  }

  private async listExecutions(body: Record<string, unknown>) {
    const machine = this.machineOf(body.stateMachineArn);
    const filter = body.statusFilter;
    const records = (await this.store.all(machine.arn))
      .filter((record) => filter === undefined || record.status === filter)
      .sort((a, b) => b.startDate.localeCompare(a.startDate));

    return {
      executions: records.map((record) => ({
        executionArn: record.executionArn,
        stateMachineArn: record.stateMachineArn,
        name: record.name,
        status: record.status,
        startDate: epochSeconds(record.startDate),
        stopDate: record.stopDate ? epochSeconds(record.stopDate) : undefined,
      })),
    };
  }

  private machineOf(arn: unknown): LocalMachine {
    const machine = typeof arn === 'string' && this.machines.get(arn);
    if (!machine) {
      throw new ServiceError(
        'StateMachineDoesNotExist',
        `State Machine Does Not Exist: '${String(arn)}'`,
      );
    }
    return machine;
  }
}

function started(record: ExecutionRecord) {
  return {
    executionArn: record.executionArn,
    startDate: epochSeconds(record.startDate),
  };
}

/** `...:stateMachine:<machine>` becomes `...:execution:<machine>:<name>`. */
function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

function stateMachineArnOf(executionArn: string): string {
  return executionArn
    .replace(':execution:', ':stateMachine:')
    .replace(/:[^:]*$/, '');
}

/** The JSON protocols carry timestamps as epoch seconds. */
function epochSeconds(iso: string): number {
  return Date.parse(iso) / 1000;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

async function serve(
  api: StepFunctionsApi,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const reply = (status: number, body: unknown) => {
    response.writeHead(status, {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-requestid': randomUUID(),
    });
    response.end(JSON.stringify(body));
  };

  const target = request.headers['x-amz-target'];
  const operation =
    typeof target === 'string' && target.startsWith('AWSStepFunctions.')
      ? target.slice('AWSStepFunctions.'.length)
      : undefined;
  try {
    if (request.method !== 'POST' || !operation) {
      throw new ServiceError(
        'UnknownOperationException',
        'Send POST / with X-Amz-Target: AWSStepFunctions.<operation>.',
      );
    }
    const text = await readBody(request);
    const body = text ? JSON.parse(text) : {};
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new ServiceError('SerializationException', 'Expected an object');
    }
    reply(200, await api.call(operation, body));
  } catch (error) {
    if (error instanceof ServiceError) {
      reply(400, { __type: error.type, message: error.message });
    } else if (error instanceof SyntaxError) {
      reply(400, { __type: 'SerializationException', message: 'Not JSON' });
    } else {
      console.error(
        JSON.stringify({
          level: 'ERROR',
          message: 'local Step Functions request failed',
          operation,
          error: String(error),
        }),
      );
      reply(500, { __type: 'InternalFailure', message: 'Internal failure' });
    }
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Executions in the local table, under keys.execution from keys.ts. */
class ExecutionStore {
  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  /** Adds the record unless one has its name; false if one had. */
  async create(record: ExecutionRecord): Promise<boolean> {
    try {
      await this.dynamodb.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toItem(record),
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async get(executionArn: string): Promise<ExecutionRecord | null> {
    const name = executionArn.slice(executionArn.lastIndexOf(':') + 1);
    const { Item } = await this.dynamodb.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: toKey(stateMachineArnOf(executionArn), name),
        ConsistentRead: true,
      }),
    );
    const record = Item ? fromItem(Item) : null;
    return record?.executionArn === executionArn ? record : null;
  }

  async running(stateMachineArn: string): Promise<ExecutionRecord[]> {
    const all = await this.all(stateMachineArn);
    return all.filter((record) => record.status === 'RUNNING');
  }

  async all(stateMachineArn: string): Promise<ExecutionRecord[]> {
    const records: ExecutionRecord[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.dynamodb.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: {
            ':pk': { S: keys.executionPartition(stateMachineArn) },
          },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      records.push(...(page.Items ?? []).map(fromItem));
      startKey = page.LastEvaluatedKey;
    } while (startKey);

    return records;
  }

  /** Records the end of a RUNNING execution, once. */
  async finish(
    record: ExecutionRecord,
    status: Exclude<ExecutionStatus, 'RUNNING'>,
    result: Pick<ExecutionRecord, 'output' | 'error' | 'cause'>,
  ): Promise<void> {
    const fields = Object.entries({
      status,
      stopDate: new Date().toISOString(),
      ...result,
    }).filter((field): field is [string, string] => field[1] !== undefined);
    const sets = fields.map(([name]) => `#${name} = :${name}`);

    await this.dynamodb.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: toKey(record.stateMachineArn, record.name),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: '#status = :running',
        ExpressionAttributeNames: Object.fromEntries(
          fields.map(([name]) => [`#${name}`, name]),
        ),
        ExpressionAttributeValues: {
          ...Object.fromEntries(
            fields.map(([name, value]) => [`:${name}`, { S: value }]),
          ),
          ':running': { S: 'RUNNING' },
        },
      }),
    );
  }
}

function toKey(stateMachineArn: string, name: string) {
  const key = keys.execution(stateMachineArn, name);
  return { PK: { S: key.PK }, SK: { S: key.SK } };
}

function toItem(record: ExecutionRecord): Record<string, AttributeValue> {
  const attributes = Object.entries(record)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => [name, { S: String(value) }]);

  return {
    ...toKey(record.stateMachineArn, record.name),
    ...Object.fromEntries(attributes),
  };
}

function fromItem(item: Record<string, AttributeValue>): ExecutionRecord {
  const text = (name: keyof ExecutionRecord) => item[name]?.S;
  const status = text('status');
  if (!executionStatuses.includes(status as ExecutionStatus)) {
    throw new Error(`An execution in the table has status ${status}.`);
  }

  return {
    executionArn: text('executionArn') ?? '',
    stateMachineArn: text('stateMachineArn') ?? '',
    name: text('name') ?? '',
    status: status as ExecutionStatus,
    input: text('input') ?? '{}',
    startDate: text('startDate') ?? '',
    stopDate: text('stopDate'),
    output: text('output'),
    error: text('error'),
    cause: text('cause'),
  };
}
