import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { LogGroup } from 'aws-cdk-lib/aws-logs';
import {
  DefinitionBody,
  JitterType,
  JsonPath,
  LogLevel,
  StateMachine,
  StateMachineType,
  Succeed,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import {
  DynamoAttributeValue,
  DynamoUpdateItem,
} from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { OfferStatus } from '../functions/domain/types.js';
import { keys } from '../functions/lib/keys.js';
import { encryptedLogGroup } from './encrypted-log-group.js';
import type { Lifecycle } from './removal.js';

/** The states, named as the execution history shows them. */
export const offerExpiryStates = {
  wait: 'Wait until expiry',
  expire: 'Expire offer',
  settled: 'Offer already settled',
} as const;

/** Offers in these states have not been used yet, so they can expire. */
const unused: readonly OfferStatus[] = ['issued', 'scanned'];
const expired: OfferStatus = 'expired';

/**
 * Transient DynamoDB errors as the optimised integration names them
 * (`DynamoDB.` and the exception name):
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html
 */
const transientErrors = [
  'DynamoDB.ProvisionedThroughputExceededException',
  'DynamoDB.ThrottlingException',
  'DynamoDB.RequestLimitExceeded',
  'DynamoDB.InternalServerError',
];

export const conditionFailed = 'DynamoDB.ConditionalCheckFailedException';

/**
 * Expires one credential offer at its expiry time unless it was used
 * first. The caller starts it as `offer-<offerId>` with
 * `{ "offerId": ..., "expiresAt": ISO-8601 }`, so a retried start cannot
 * run twice. Three transitions at most: wait, update, and the end state
 * when the offer was settled already.
 */
export class OfferExpiry extends Construct {
  readonly stateMachine: StateMachine;
  readonly logGroup: LogGroup;

  constructor(
    scope: Construct,
    id: string,
    props: { table: ITable; dataKey: IKey; lifecycle: Lifecycle },
  ) {
    super(scope, id);

    const wait = new Wait(this, offerExpiryStates.wait, {
      time: WaitTime.timestampPath('$.expiresAt'),
    });

    // keys.ts owns the key scheme: its offer key, built around the
    // placeholder, is the template States.Format fills with the id.
    const offerKey = keys.offer('{}');
    const placeholders = unused.map((status) => `:${status}`);
    const expire = new DynamoUpdateItem(this, offerExpiryStates.expire, {
      table: props.table,
      key: {
        PK: DynamoAttributeValue.fromString(
          JsonPath.format(offerKey.PK, JsonPath.stringAt('$.offerId')),
        ),
        SK: DynamoAttributeValue.fromString(offerKey.SK),
      },
      conditionExpression: `#status IN (${placeholders.join(', ')})`,
      updateExpression: 'SET #status = :expired, expiredAt = :expiredAt',
      expressionAttributeNames: { '#status': 'status' },
      expressionAttributeValues: {
        ...Object.fromEntries(
          unused.map((s) => [`:${s}`, DynamoAttributeValue.fromString(s)]),
        ),
        ':expired': DynamoAttributeValue.fromString(expired),
        ':expiredAt': DynamoAttributeValue.fromString(
          JsonPath.stringAt('$$.State.EnteredTime'),
        ),
      },
      resultPath: JsonPath.DISCARD,
    });
    expire.addRetry({
      errors: transientErrors,
      interval: Duration.seconds(1),
      backoffRate: 2,
      maxAttempts: 6,
      jitterStrategy: JitterType.FULL,
    });
    // Redeemed, revoked or gone: nothing to expire, and nothing wrong.
    expire.addCatch(new Succeed(this, offerExpiryStates.settled), {
      errors: [conditionFailed],
      resultPath: JsonPath.DISCARD,
    });

    this.logGroup = encryptedLogGroup(this, 'Logs', props);
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(wait.next(expire)),
      comment: 'Expires a credential offer that was not used in time',
      tracingEnabled: true,
      logs: {
        destination: this.logGroup,
        level: LogLevel.ALL,
        // The history's events are enough to follow an offer; its id
        // stays out of the logs.
        includeExecutionData: false,
      },
    });
  }
}
