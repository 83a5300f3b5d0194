import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createTokenVerifier, type TokenVerifier } from './auth.js';
import { type Clock, systemClock } from './clock.js';
import { type Config, config } from './config.js';
import type { Mailer } from './mailer.js';

/**
 * What domain functions need from the outside world. Handlers build one set
 * at module scope; tests build their own with mocks or local endpoints.
 *
 * Only the table is made for every function. The clients few functions use
 * are made on first use, by `cognitoOf` (lib/cognito.ts), `sfnOf`
 * (lib/sfn.ts) and `mailerOf` (lib/mailer.ts), and kept here; a test gives
 * its own by setting the field. Their packages are imported only by those
 * modules, so a function whose code never asks for a client carries none
 * of it in its bundle.
 */
export interface Deps {
  config: Config;
  db: DynamoDBDocumentClient;
  clock: Clock;
  verifier: TokenVerifier;
  cognito?: CognitoIdentityProviderClient;
  sfn?: SFNClient;
  mailer?: Mailer;
}

/** Lambda's SDK retries are kept short: a caller would rather get a 503. */
export const sdkOptions = (endpoint: string | undefined) => ({
  ...(endpoint ? { endpoint } : {}),
  maxAttempts: 3,
});

export function createDocumentClient(settings: Config): DynamoDBDocumentClient {
  const client = new DynamoDBClient(sdkOptions(settings.DYNAMODB_ENDPOINT));
  return DynamoDBDocumentClient.from(client, {
    // Map keys are data (a series id may be any slug, `constructor`
    // included), so no plain object is taken for a class instance.
    marshallOptions: {
      removeUndefinedValues: true,
      convertClassInstanceToMap: true,
    },
  });
}

export function createDeps(settings: Config = config()): Deps {
  return {
    config: settings,
    db: createDocumentClient(settings),
    clock: systemClock,
    verifier: createTokenVerifier(settings),
  };
}

let shared: Deps | undefined;

/** The process's dependencies, created on first use and then reused. */
export function deps(): Deps {
  shared ??= createDeps();
  return shared;
}
