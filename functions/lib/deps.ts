import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createTokenVerifier, type TokenVerifier } from './auth.js';
import { type Clock, systemClock } from './clock.js';
import { type Config, config } from './config.js';
import { type Mailer, outboxMailer, sesMailer } from './mailer.js';

/**
 * What domain functions need from the outside world. Handlers build one set
 * at module scope; tests build their own with mocks or local endpoints.
 */
export interface Deps {
  config: Config;
  db: DynamoDBDocumentClient;
  clock: Clock;
  cognito: CognitoIdentityProviderClient;
  sfn: SFNClient;
  verifier: TokenVerifier;
  mailer: Mailer;
}

/** Lambda's SDK retries are kept short: a caller would rather get a 503. */
const sdkOptions = (endpoint: string | undefined) => ({
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
    cognito: new CognitoIdentityProviderClient(
      sdkOptions(settings.COGNITO_ENDPOINT),
    ),
    sfn: new SFNClient(sdkOptions(settings.SFN_ENDPOINT)),
    verifier: createTokenVerifier(settings),
    mailer: settings.OUTBOX_FILE
      ? outboxMailer(settings.OUTBOX_FILE, settings.OUTBOX_PRINT === 'true')
      : sesMailer(new SESv2Client(sdkOptions(undefined)), settings.MAIL_FROM),
  };
}

let shared: Deps | undefined;

/** The process's dependencies, created on first use and then reused. */
export function deps(): Deps {
  shared ??= createDeps();
  return shared;
}
