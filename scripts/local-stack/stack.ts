/**
 * The whole region on this machine: DynamoDB Local, cognito-local, the
 * local Step Functions and the API in front of the real handlers. Every
 * address it hands out is a loopback one.
 */
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { type HandlerLoader, startApiServer } from './api-server.js';
import {
  type Credentials,
  operatorCredentials,
  provisionPool,
  startCognito,
} from './cognito.js';
import {
  localCredentials,
  localDynamoDbClient,
  startDynamoDb,
} from './dynamodb.js';
import { captureFunctionLogs } from './function-logs.js';
import { ensureSigningKey } from './signing-key.js';
import {
  type LocalDefinitions,
  type LocalFunctions,
  localFunctions,
  startLocalStepFunctions,
  synthesizeLocalDefinitions,
} from './step-functions.js';

export interface LocalStackOptions {
  /** Logs, keys, the operator's sign-in and (if persisted) the data. */
  dataDir: string;
  /** Keep the table on disk; otherwise DynamoDB Local runs in memory. */
  persist: boolean;
  /** Fixed ports; a missing one is any free port. */
  ports?: Partial<Record<Service, number>>;
  lifetimeDivisor?: number;
  /** No line a request on stdout. */
  quiet?: boolean;
  /** Where handler modules come from; tests give a stub. */
  loadHandler?: HandlerLoader;
}

export interface LocalStack {
  /** The API's base URL, which is also the credential issuer (no slash). */
  apiUrl: string;
  /** The staff console, on `localhost` so that its Secure cookies hold. */
  consoleUrl: string;
  cognitoEndpoint: string;
  /** `iss` of the staff access tokens. */
  cognitoIssuer: string;
  userPoolId: string;
  clientId: string;
  operator: Credentials;
  dynamodbEndpoint: string;
  tableName: string;
  sfnEndpoint: string;
  expiryStateMachineArn: string;
  reportRoutingStateMachineArn: string;
  /** Every e-mail the region would have sent, one JSON line each. */
  outboxFile: string;
  /** The API's request log (JSON lines). */
  logFile: string;
  /** The functions' own log and EMF lines (JSON lines). */
  functionLogFile: string;
  /** The Step Functions stand-in's execution events (JSON lines). */
  workflowLogFile: string;
  stop(): Promise<void>;
}

export const services = ['api', 'dynamodb', 'cognito', 'sfn'] as const;
export type Service = (typeof services)[number];

/** What `npm start` uses unless told otherwise. */
export const defaultPorts: Record<Service, number> = {
  api: 3000,
  dynamodb: 8000,
  cognito: 9229,
  sfn: 8083,
};

export const tableName = 'education-records';
export const poolName = 'issue-education-records';
export const clientName = 'staff';
export const operatorUsername = 'operator@region.local';

const loopback = '127.0.0.1' as const;

export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';

  constructor(
    readonly service: Service,
    readonly port: number,
    options?: ErrorOptions,
  ) {
    super(
      `Port ${port} for ${service} is taken: stop what uses it ` +
        '(another local stack?) or choose another port.',
      options,
    );
  }
}

export async function startLocalStack(
  options: LocalStackOptions,
): Promise<LocalStack> {
  const dataDir = resolve(options.dataDir);
  const logDir = join(dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const ports = await choosePorts(options.ports ?? {});
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const stopOne of stops.splice(0).reverse()) {
      await stopOne().catch(() => undefined);
    }
  };

  // Before any SDK client exists: none may look for real credentials or
  // the instance metadata service.
  const restoreAws = setEnvironment({
    AWS_REGION: 'eu-west-2',
    AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  stops.push(async () => restoreAws());

  try {
    const dynamodb = await startDynamoDb({
      port: ports.dynamodb,
      tableName,
      path: options.persist ? join(dataDir, 'dynamodb') : undefined,
      logFile: join(logDir, 'dynamodb.log'),
    });
    stops.push(dynamodb.stop);

    const cognito = await startCognito({
      port: ports.cognito,
      dataDir: join(dataDir, 'cognito'),
      logFile: join(logDir, 'cognito.log'),
    });
    stops.push(cognito.stop);
    const operator = operatorCredentials(dataDir, operatorUsername);
    const pool = await provisionPool(cognito, {
      poolName,
      clientName,
      operator,
    });

    const workflowLogFile = join(logDir, 'step-functions.log');
    const sfn = await startStepFunctions(
      ports.sfn,
      dynamodb.endpoint,
      workflowLogFile,
    );
    stops.push(sfn.stop);

    const outboxFile = join(dataDir, 'outbox.jsonl');
    const signingKeyFile = ensureSigningKey(join(dataDir, 'signing-key.json'));
    const functionLogFile = join(logDir, 'functions.log');
    const restoreOutput = captureFunctionLogs(functionLogFile);
    // The issuer is the API's own URL, so it is fixed before the server
    // listens; handlers read the settings on first import, after this.
    const apiUrl = `http://localhost:${ports.api}`;
    const restoreSettings = setEnvironment({
      REGION_NAME: 'local',
      TABLE_NAME: tableName,
      ISSUER_URL: apiUrl,
      USER_POOL_ID: pool.userPoolId,
      USER_POOL_CLIENT_ID: pool.clientId,
      COGNITO_ISSUER: pool.issuer,
      COGNITO_JWKS_URI: pool.jwksUri,
      ALLOW_HTTP_JWKS: 'true',
      EXPIRY_STATE_MACHINE_ARN: sfn.expiryStateMachineArn,
      REPORT_ROUTING_STATE_MACHINE_ARN: sfn.reportRoutingStateMachineArn,
      OUTBOX_FILE: outboxFile,
      OUTBOX_PRINT: options.quiet ? 'false' : 'true',
      SIGNING_KEY_FILE: signingKeyFile,
      DYNAMODB_ENDPOINT: dynamodb.endpoint,
      COGNITO_ENDPOINT: cognito.endpoint,
      SFN_ENDPOINT: sfn.endpoint,
      INVITE_MESSAGE_ACTION: 'SUPPRESS',
      LIFETIME_DIVISOR: String(options.lifetimeDivisor ?? 1),
      POWERTOOLS_SERVICE_NAME: 'issue-education-records',
      POWERTOOLS_METRICS_NAMESPACE: 'IssueEducationRecords',
      // On, so that the counts go to the functions' log file as EMF lines,
      // which the helpdesk's metrics view reads locally.
      POWERTOOLS_METRICS_DISABLED: 'false',
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'INFO',
      LOCAL_LOG_FILE: functionLogFile,
      LOCAL_WORKFLOW_LOG_FILE: workflowLogFile,
      // The staff console calls this same API, and signs in with its own
      // form against cognito-local (no hosted UI locally).
      API_URL: apiUrl,
      CONSOLE_SIGN_IN: 'password',
      CONSOLE_ASSETS_URL: '/console/assets',
    });
    stops.push(async () => restoreSettings());
    stops.push(async () => restoreOutput());

    const logFile = join(logDir, 'api.log');
    const api = await startApiServer({
      port: ports.api,
      host: loopback,
      logFile,
      quiet: options.quiet,
      loadHandler: options.loadHandler,
    });
    stops.push(api.close);

    return {
      apiUrl,
      consoleUrl: `${apiUrl}/console`,
      cognitoEndpoint: cognito.endpoint,
      cognitoIssuer: pool.issuer,
      userPoolId: pool.userPoolId,
      clientId: pool.clientId,
      operator,
      dynamodbEndpoint: dynamodb.endpoint,
      tableName,
      sfnEndpoint: sfn.endpoint,
      expiryStateMachineArn: sfn.expiryStateMachineArn,
      reportRoutingStateMachineArn: sfn.reportRoutingStateMachineArn,
      outboxFile,
      logFile,
      functionLogFile,
      workflowLogFile,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

interface LocalStepFunctions {
  endpoint: string;
  expiryStateMachineArn: string;
  reportRoutingStateMachineArn: string;
  stop(): Promise<void>;
}

/**
 * The Lambda functions the state machines invoke, run in this process
 * like the API's handlers. Their modules load on first call, after the
 * settings they read are in place.
 */
function localFunctionsOf(definitions: LocalDefinitions): LocalFunctions {
  const functions: LocalFunctions = {};
  for (const { definition } of Object.values(definitions)) {
    const states = (definition as StateMachineDefinition).States;
    for (const state of Object.values(states)) {
      if (state.Type !== 'Task') continue;
      const known = Object.values(localFunctions).find((fn) =>
        state.Resource.endsWith(`:function:${fn.name}`),
      );
      if (!known) continue;
      functions[state.Resource] = async (input) => {
        const url = new URL(
          `../../functions/handlers/${known.module}.js`,
          import.meta.url,
        );
        const module = (await import(url.href)) as {
          handler: (event: unknown) => Promise<unknown>;
        };
        return module.handler(input);
      };
    }
  }
  return functions;
}

async function startStepFunctions(
  port: number,
  dynamodbEndpoint: string,
  logFile: string,
): Promise<LocalStepFunctions> {
  const definitions = synthesizeLocalDefinitions({ tableName });
  // Executions outlive single calls, so this client keeps the SDK's retries.
  const dynamodb = localDynamoDbClient(dynamodbEndpoint, { retries: true });
  try {
    const sfn = await startLocalStepFunctions({
      host: loopback,
      port,
      dynamodb,
      tableName,
      definitions,
      logFile,
      functions: localFunctionsOf(definitions),
    });

    return {
      endpoint: sfn.endpoint,
      expiryStateMachineArn: definitions.offerExpiry.arn,
      reportRoutingStateMachineArn: definitions.reportRouting.arn,
      stop: async () => {
        await sfn.stop();
        dynamodb.destroy();
      },
    };
  } catch (error) {
    dynamodb.destroy();
    throw error;
  }
}

/** Sets variables and returns how to put the old values back. */
function setEnvironment(values: Record<string, string>): () => void {
  const previous = new Map<string, string | undefined>();
  for (const [name, value] of Object.entries(values)) {
    previous.set(name, process.env[name]);
    process.env[name] = value;
  }

  return () => {
    for (const [name, value] of previous) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

/**
 * Fixed ports are checked (DynamoDB Local listens on every interface, the
 * rest on loopback); the others are picked free, all at once so that no
 * two services draw the same one.
 */
async function choosePorts(
  fixed: Partial<Record<Service, number>>,
): Promise<Record<Service, number>> {
  const chosen = {} as Record<Service, number>;
  const held: ReturnType<typeof createServer>[] = [];
  try {
    for (const service of services) {
      const wanted = fixed[service];
      const host = service === 'dynamodb' ? undefined : loopback;
      const server = await listen(wanted ?? 0, host).catch((error) => {
        throw new PortInUseError(service, wanted ?? 0, { cause: error });
      });
      held.push(server);
      const address = server.address();
      chosen[service] =
        typeof address === 'object' && address ? address.port : 0;
    }
  } finally {
    await Promise.all(
      held.map((server) => new Promise((done) => server.close(done))),
    );
  }

  return chosen;
}

function listen(
  port: number,
  host: string | undefined,
): Promise<ReturnType<typeof createServer>> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen({ port, host, exclusive: true }, () => done(server));
  });
}
