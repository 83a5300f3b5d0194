/**
 * cognito-local as a child process, and the region's user pool in it: the
 * pool, an app client for USER_PASSWORD_AUTH, the staff groups and the
 * operator's sign-in. Every step finds what an earlier run made first, so a
 * persistent data folder keeps its pool id and its users.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  ListGroupsCommand,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { killAndWait, localCredentials } from './dynamodb.js';

/** The groups the API's access rules name (see functions/routes.ts). */
export const staffGroups = ['operator', 'helpdesk'] as const;

export interface CognitoOptions {
  port: number;
  /** cognito-local keeps its config and pools in `.cognito/` under this. */
  dataDir: string;
  logFile: string;
  startTimeoutMs?: number;
}

export interface LocalCognito {
  /** Where the Cognito API answers: a loopback address. */
  endpoint: string;
  /** What cognito-local writes as `iss` before the pool id. */
  issuerDomain: string;
  stop(): Promise<void>;
}

export interface PoolSettings {
  poolName: string;
  clientName: string;
  operator: Credentials;
}

export interface Credentials {
  username: string;
  password: string;
}

export interface Pool {
  userPoolId: string;
  clientId: string;
  /** `http://localhost:PORT/POOL_ID`, as the tokens carry it. */
  issuer: string;
  jwksUri: string;
}

export function cognitoClient(endpoint: string) {
  return new CognitoIdentityProviderClient({
    endpoint,
    region: 'eu-west-2',
    credentials: localCredentials,
  });
}

export async function startCognito(
  options: CognitoOptions,
): Promise<LocalCognito> {
  const home = resolve(options.dataDir);
  const configDir = join(home, '.cognito');
  mkdirSync(configDir, { recursive: true });
  mkdirSync(dirname(options.logFile), { recursive: true });

  // The issuer must read `localhost` for the tokens to match an exact
  // issuer check, while the server listens on 127.0.0.1 only: `localhost`
  // may resolve to ::1 first and leave IPv4 clients knocking.
  const issuerDomain = `http://localhost:${options.port}`;
  writeFileSync(
    join(configDir, 'config.json'),
    `${JSON.stringify(
      {
        ServerConfig: { hostname: '127.0.0.1', port: options.port },
        TokenConfig: { IssuerDomain: issuerDomain },
      },
      null,
      2,
    )}\n`,
  );

  const bin = createRequire(import.meta.url).resolve(
    'cognito-local/lib/bin/start.js',
  );
  const child = spawn(process.execPath, [bin], {
    cwd: home,
    env: {
      ...process.env,
      PORT: String(options.port),
      HOST: 'localhost',
      NO_COLOR: '1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
      DEBUG: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stopOnExit = () => child.kill('SIGKILL');
  process.once('exit', stopOnExit);

  const log = createWriteStream(options.logFile, { flags: 'a' });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const output: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.on('error', (error) => output.push(error.message));

  const endpoint = `http://127.0.0.1:${options.port}`;
  const stop = async () => {
    process.removeListener('exit', stopOnExit);
    await killAndWait(child);
    log.end();
  };

  try {
    await waitForHealth(
      endpoint,
      () => child.exitCode !== null,
      output,
      options.startTimeoutMs ?? 30_000,
    );
  } catch (error) {
    await stop();
    throw error;
  }

  return { endpoint, issuerDomain, stop };
}

async function waitForHealth(
  endpoint: string,
  exited: () => boolean,
  output: string[],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    if (exited()) {
      throw new Error(
        `cognito-local stopped while starting: ${output.join('').trim()}`,
      );
    }
    try {
      const response = await fetch(`${endpoint}/health`);
      if (response.ok) return;
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(
          `cognito-local did not answer at ${endpoint} within ${timeoutMs} ms`,
          { cause: error },
        );
      }
    }
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** Finds or makes the pool, its client, the groups and the operator. */
export async function provisionPool(
  cognito: LocalCognito,
  settings: PoolSettings,
): Promise<Pool> {
  const client = cognitoClient(cognito.endpoint);
  try {
    const userPoolId = await findOrCreatePool(client, settings.poolName);
    const clientId = await findOrCreateClient(
      client,
      userPoolId,
      settings.clientName,
    );
    await ensureGroups(client, userPoolId, staffGroups);
    await ensureUser(client, userPoolId, settings.operator, ['operator']);

    return {
      userPoolId,
      clientId,
      issuer: `${cognito.issuerDomain}/${userPoolId}`,
      jwksUri: `${cognito.endpoint}/${userPoolId}/.well-known/jwks.json`,
    };
  } finally {
    client.destroy();
  }
}

async function findOrCreatePool(
  client: CognitoIdentityProviderClient,
  poolName: string,
): Promise<string> {
  // cognito-local returns every pool in one page.
  const { UserPools = [] } = await client.send(
    new ListUserPoolsCommand({ MaxResults: 60 }),
  );
  const existing = UserPools.find((pool) => pool.Name === poolName);
  if (existing?.Id) return existing.Id;

  const { UserPool } = await client.send(
    new CreateUserPoolCommand({
      PoolName: poolName,
      UsernameAttributes: ['email'],
      AutoVerifiedAttributes: ['email'],
    }),
  );
  if (!UserPool?.Id) throw new Error('cognito-local made a pool with no id');

  return UserPool.Id;
}

async function findOrCreateClient(
  client: CognitoIdentityProviderClient,
  userPoolId: string,
  clientName: string,
): Promise<string> {
  const { UserPoolClients = [] } = await client.send(
    new ListUserPoolClientsCommand({ UserPoolId: userPoolId, MaxResults: 60 }),
  );
  const existing = UserPoolClients.find((c) => c.ClientName === clientName);
  if (existing?.ClientId) return existing.ClientId;

  const { UserPoolClient } = await client.send(
    new CreateUserPoolClientCommand({
      UserPoolId: userPoolId,
      ClientName: clientName,
      GenerateSecret: false,
      ExplicitAuthFlows: [
        'ALLOW_USER_PASSWORD_AUTH',
        'ALLOW_REFRESH_TOKEN_AUTH',
      ],
    }),
  );
  if (!UserPoolClient?.ClientId) {
    throw new Error('cognito-local made an app client with no id');
  }

  return UserPoolClient.ClientId;
}

async function ensureGroups(
  client: CognitoIdentityProviderClient,
  userPoolId: string,
  groupNames: readonly string[],
): Promise<void> {
  // cognito-local's GetGroup fails with a 500 on a pool with no groups, and
  // its CreateGroup overwrites a group with its members: hence a listing.
  const { Groups = [] } = await client.send(
    new ListGroupsCommand({ UserPoolId: userPoolId }),
  );
  const existing = new Set(Groups.map((group) => group.GroupName));
  for (const groupName of groupNames) {
    if (existing.has(groupName)) continue;
    await client.send(
      new CreateGroupCommand({ UserPoolId: userPoolId, GroupName: groupName }),
    );
  }
}

/**
 * Makes a confirmed user with a permanent password, in the given groups.
 * Running it again resets the password and keeps the user.
 */
export async function ensureUser(
  client: CognitoIdentityProviderClient,
  userPoolId: string,
  user: Credentials,
  groups: readonly string[],
): Promise<void> {
  const username = user.username.toLowerCase();
  try {
    await client.send(
      new AdminGetUserCommand({ UserPoolId: userPoolId, Username: username }),
    );
  } catch (error) {
    if (!isNamed(error, 'UserNotFoundException')) throw error;
    await client.send(
      new AdminCreateUserCommand({
        UserPoolId: userPoolId,
        Username: username,
        MessageAction: 'SUPPRESS',
        UserAttributes: [
          { Name: 'email', Value: username },
          { Name: 'email_verified', Value: 'true' },
        ],
      }),
    );
  }

  await client.send(
    new AdminSetUserPasswordCommand({
      UserPoolId: userPoolId,
      Username: username,
      Password: user.password,
      Permanent: true,
    }),
  );
  for (const group of groups) {
    await client.send(
      new AdminAddUserToGroupCommand({
        UserPoolId: userPoolId,
        Username: username,
        GroupName: group,
      }),
    );
  }
}

/** A password that meets Cognito's default policy. */
export function generatePassword(): string {
  return `${randomBytes(18).toString('base64url')}-Aa1`;
}

/**
 * The operator's sign-in, made once and kept in the data folder (which is
 * git-ignored) so that it survives restarts.
 */
export function operatorCredentials(
  dataDir: string,
  username: string,
): Credentials {
  const file = join(dataDir, 'operator.json');
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Credentials;
    if (saved.username === username && saved.password) return saved;
  }

  const credentials = { username, password: generatePassword() };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, {
    mode: 0o600,
  });

  return credentials;
}

function isNamed(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}
