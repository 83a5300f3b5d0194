import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  type RunOptions,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OfferStatus } from '../../functions/domain/types.js';
import { keys } from '../../functions/lib/keys.js';
import { offerExpiryStates } from '../../lib/offer-expiry.js';
import { localCredentials } from '../../scripts/local-stack/dynamodb.js';
import {
  executionContext,
  type LocalDefinitions,
  type LocalStepFunctions,
  localFunctionArn,
  localFunctions,
  localTaskHandlers,
  startLocalStepFunctions,
} from '../../scripts/local-stack/step-functions.js';
import {
  startWorkflowTable,
  type WorkflowTable,
} from '../support/workflow-table.js';

// Nothing here may reach AWS: every client has a loopback endpoint.
process.env.AWS_EC2_METADATA_DISABLED = 'true';

const tableName = 'records-workflows';
let definitions: LocalDefinitions;
let client: DynamoDBClient;
let documents: DynamoDBDocumentClient;
let workflowTable: WorkflowTable | undefined;

beforeAll(async () => {
  workflowTable = await startWorkflowTable(tableName);
  ({ definitions, client, documents } = workflowTable);
}, 60_000);

afterAll(async () => {
  await workflowTable?.stop();
});

describe('the offer expiry state machine', () => {
  it('is the definition cdk synth produces, with the table resolved', () => {
    const definition = definitions.offerExpiry
      .definition as StateMachineDefinition;
    const expire = definition.States[offerExpiryStates.expire];

    expect(definition.StartAt).toBe(offerExpiryStates.wait);
    expect(Object.keys(definition.States).sort()).toEqual(
      Object.values(offerExpiryStates).sort(),
    );
    expect(expire).toMatchObject({
      Resource: 'arn:aws:states:::dynamodb:updateItem',
      Parameters: { TableName: tableName },
    });
  });

  it('turns an issued offer to expired at its expiry time', async () => {
    const expiresAt = new Date(Date.now() + 1500).toISOString();
    const offer = await putOffer({ status: 'issued', expiresAt });

    const execution = runExpiry(offer, {});
    await sleep(100);
    const beforeExpiry = await getOffer(offer.offerId);
    const readAt = Date.now();
    const { entered } = await execution;
    const afterExpiry = await getOffer(offer.offerId);

    expect(readAt).toBeLessThan(Date.parse(expiresAt));
    expect(beforeExpiry?.status).toBe('issued');
    expect(afterExpiry?.status).toBe('expired');
    expect(afterExpiry?.expiredAt >= expiresAt).toBe(true);
    expect(entered).toEqual([offerExpiryStates.wait, offerExpiryStates.expire]);
  });

  it('expires a scanned offer too', async () => {
    const offer = await putOffer({ status: 'scanned' });

    const { entered } = await runExpiry(offer);

    const stored = await getOffer(offer.offerId);
    expect(stored?.status).toBe('expired');
    expect(Date.parse(stored?.expiredAt)).not.toBeNaN();
    expect(entered.length).toBeLessThanOrEqual(3);
  });

  it.each<OfferStatus>(['redeemed', 'delivered', 'revoked', 'expired'])(
    'leaves a %s offer as it was',
    async (status) => {
      const offer = await putOffer({ status });
      const before = await getOffer(offer.offerId);

      const { entered, output } = await runExpiry(offer);

      expect(await getOffer(offer.offerId)).toEqual(before);
      expect(entered).toEqual([
        offerExpiryStates.wait,
        offerExpiryStates.expire,
        offerExpiryStates.settled,
      ]);
      expect(entered.length).toBeLessThanOrEqual(3);
      expect(output).toEqual(offer);
    },
  );

  it('leaves the table alone when the offer is gone', async () => {
    const offerId = randomUUID();

    const { entered } = await runExpiry({
      offerId,
      expiresAt: new Date().toISOString(),
    });

    expect(await getOffer(offerId)).toBeUndefined();
    expect(entered.at(-1)).toBe(offerExpiryStates.settled);
  });

  it('retries the update when DynamoDB throttles it', async () => {
    const offer = await putOffer({ status: 'issued' });
    const definition = definitions.offerExpiry
      .definition as StateMachineDefinition;
    const update = localTaskHandlers(definition, client)[
      offerExpiryStates.expire
    ];
    let calls = 0;
    const throttledOnce: typeof update = (parameters) => {
      calls += 1;
      if (calls === 1) {
        const error = new Error('Throughput exceeds the table limit');
        error.name = 'DynamoDB.ProvisionedThroughputExceededException';
        throw error;
      }
      return update?.(parameters) ?? null;
    };

    const { events } = await runExpiry(offer, {
      waitTimeOverrides: { [offerExpiryStates.wait]: 0 },
      taskResourceLocalHandlers: { [offerExpiryStates.expire]: throttledOnce },
      retryIntervalOverrides: { [offerExpiryStates.expire]: 0 },
    });

    expect(calls).toBe(2);
    expect(events).toContain('StateRetried');
    expect((await getOffer(offer.offerId))?.status).toBe('expired');
  });
});

describe('startLocalStepFunctions', () => {
  let stepFunctions: LocalStepFunctions;
  let sfn: SFNClient;
  const arn = () => definitions.offerExpiry.arn;

  beforeAll(async () => {
    stepFunctions = await startServer();
    sfn = sfnClient(stepFunctions.endpoint);
  });

  afterAll(async () => {
    sfn?.destroy();
    await stepFunctions?.stop();
  });

  it('expires an issued offer and records the success', async () => {
    const expiresAt = new Date(Date.now() + 300).toISOString();
    const offer = await putOffer({ status: 'issued', expiresAt });

    const started = await sfn.send(startCommand(offer));
    const execution = await settled(sfn, started.executionArn);

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.name).toBe(`offer-${offer.offerId}`);
    expect(execution.stopDate?.getTime()).toBeGreaterThanOrEqual(
      Date.parse(expiresAt),
    );
    expect((await getOffer(offer.offerId))?.status).toBe('expired');
  });

  it('returns the same execution for a repeated start', async () => {
    const offer = await putOffer({ status: 'issued', expiresAt: inAnHour() });

    const first = await sfn.send(startCommand(offer));
    const second = await sfn.send(startCommand(offer));

    expect(second.executionArn).toBe(first.executionArn);
    expect(second.startDate).toEqual(first.startDate);
  });

  it('refuses the same name with another input', async () => {
    const offer = await putOffer({ status: 'issued', expiresAt: inAnHour() });
    await sfn.send(startCommand(offer));

    const retry = sfn.send(
      startCommand({ ...offer, expiresAt: new Date().toISOString() }),
    );

    await expect(retry).rejects.toMatchObject({
      name: 'ExecutionAlreadyExists',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('refuses a name again once its execution has ended', async () => {
    const offer = await putOffer({ status: 'redeemed' });
    const started = await sfn.send(startCommand(offer));
    await settled(sfn, started.executionArn);

    const again = sfn.send(startCommand(offer));

    await expect(again).rejects.toMatchObject({
      name: 'ExecutionAlreadyExists',
    });
  });

  it('refuses a name that Step Functions would refuse', async () => {
    const start = sfn.send(
      new StartExecutionCommand({
        stateMachineArn: arn(),
        name: 'offer with spaces',
        input: '{}',
      }),
    );

    await expect(start).rejects.toMatchObject({ name: 'InvalidName' });
  });

  it('answers an unknown execution with ExecutionDoesNotExist', async () => {
    const describe = sfn.send(
      new DescribeExecutionCommand({
        executionArn: `${arn().replace(':stateMachine:', ':execution:')}:none`,
      }),
    );

    await expect(describe).rejects.toMatchObject({
      name: 'ExecutionDoesNotExist',
    });
  });

  it('lists the executions it started', async () => {
    const offer = await putOffer({ status: 'issued', expiresAt: inAnHour() });
    const started = await sfn.send(startCommand(offer));

    const listed = await sfn.send(
      new ListExecutionsCommand({
        stateMachineArn: arn(),
        statusFilter: 'RUNNING',
      }),
    );

    expect(listed.executions?.map((e) => e.executionArn)).toContain(
      started.executionArn,
    );
  });

  it('resumes a pending execution after a restart', async () => {
    const expiresAt = new Date(Date.now() + 2500).toISOString();
    const offer = await putOffer({ status: 'issued', expiresAt });
    const first = await startServer();
    const firstClient = sfnClient(first.endpoint);
    const started = await firstClient.send(startCommand(offer));
    firstClient.destroy();

    await first.stop();
    const whileStopped = await executionItem(started.executionArn);
    await sleep(Date.parse(expiresAt) - Date.now() + 200);
    const offerWhileStopped = await getOffer(offer.offerId);
    const second = await startServer();
    const secondClient = sfnClient(second.endpoint);
    const execution = await settled(secondClient, started.executionArn);
    secondClient.destroy();
    await second.stop();

    expect(whileStopped?.status).toBe('RUNNING');
    expect(offerWhileStopped?.status).toBe('issued');
    expect(execution.status).toBe('SUCCEEDED');
    expect((await getOffer(offer.offerId))?.status).toBe('expired');
  });
});

/** A type, not an interface: the state machine takes plain JSON. */
type OfferInput = { offerId: string; expiresAt: string };

/** A minimal offer item; the state machine reads only its status. */
async function putOffer(props: {
  status: OfferStatus;
  expiresAt?: string;
}): Promise<OfferInput> {
  const offerId = randomUUID();
  const expiresAt = props.expiresAt ?? new Date().toISOString();
  await documents.send(
    new PutCommand({
      TableName: tableName,
      Item: {
        ...keys.offer(offerId),
        offerId,
        status: props.status,
        expiresAt,
        redeemedAt: '2026-01-01T09:00:00.000Z',
      },
    }),
  );

  return { offerId, expiresAt };
}

async function getOffer(offerId: string) {
  const { Item } = await documents.send(
    new GetCommand({ TableName: tableName, Key: keys.offer(offerId) }),
  );
  return Item;
}

async function executionItem(executionArn: string | undefined) {
  const name = executionArn?.split(':').at(-1) ?? '';
  const { Item } = await documents.send(
    new GetCommand({
      TableName: tableName,
      Key: keys.execution(definitions.offerExpiry.arn, name),
    }),
  );
  return Item;
}

type Overrides = NonNullable<RunOptions['overrides']>;

/**
 * Runs the synthesized definition in this process against DynamoDB
 * Local, by default with the wait cut to nothing.
 */
async function runExpiry(
  input: OfferInput,
  overrides: Overrides = { waitTimeOverrides: { [offerExpiryStates.wait]: 0 } },
) {
  const definition = definitions.offerExpiry
    .definition as StateMachineDefinition;
  const machine = new StateMachine(definition, {
    validationOptions: { checkArn: false },
  });
  const name = `offer-${input.offerId}`;
  const execution = machine.run(input, {
    overrides: {
      taskResourceLocalHandlers: localTaskHandlers(definition, client),
      ...overrides,
    },
    context: executionContext({
      executionArn: `${definitions.offerExpiry.arn}:${name}`,
      name,
      stateMachineArn: definitions.offerExpiry.arn,
    }),
  });

  const events: string[] = [];
  const entered: string[] = [];
  for await (const event of execution.eventLogs) {
    events.push(event.type);
    if (event.type === 'StateEntered') entered.push(event.state.name);
  }

  return { output: await execution.result, entered, events };
}

function startServer(): Promise<LocalStepFunctions> {
  // The routing machine's task is not under test here: it ends at once.
  const routingTask = localFunctionArn(
    'eu-west-2',
    localFunctions.reportRouting.name,
  );
  return startLocalStepFunctions({
    host: '127.0.0.1',
    port: 0,
    dynamodb: client,
    tableName,
    definitions,
    functions: { [routingTask]: async () => ({ done: true }) },
  });
}

function sfnClient(endpoint: string): SFNClient {
  return new SFNClient({
    endpoint,
    region: 'eu-west-2',
    credentials: localCredentials,
    maxAttempts: 1,
  });
}

function startCommand(offer: OfferInput): StartExecutionCommand {
  return new StartExecutionCommand({
    stateMachineArn: definitions.offerExpiry.arn,
    name: `offer-${offer.offerId}`,
    input: JSON.stringify(offer),
  });
}

/** Polls until the execution is no longer running. */
async function settled(
  sfn: SFNClient,
  executionArn: string | undefined,
): Promise<DescribeExecutionCommandOutput> {
  const deadline = Date.now() + 10_000;
  while (true) {
    const execution = await sfn.send(
      new DescribeExecutionCommand({ executionArn }),
    );
    if (execution.status !== 'RUNNING') return execution;
    if (Date.now() > deadline)
      throw new Error('the execution is still running');
    await sleep(50);
  }
}

function inAnHour(): string {
  return new Date(Date.now() + 3_600_000).toISOString();
}

const sleep = (ms: number) =>
  new Promise((done) => setTimeout(done, Math.max(0, ms)));
