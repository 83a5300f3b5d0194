import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../../functions/lib/clock.js';
import { systemClock } from '../../functions/lib/clock.js';
import type { Config } from '../../functions/lib/config.js';
import type { Deps } from '../../functions/lib/deps.js';
import { localDynamoDbClient } from '../../scripts/local-stack/dynamodb.js';
import { testConfig, testDeps } from './builders.js';
import type { LocalStackDescription } from './local-stack.js';

/**
 * Dependencies for calling domain functions in the test process against
 * the local stack's DynamoDB, with the settings' defaults unless a test
 * says otherwise: the stack's own process runs with raised limits.
 */
export function tableDeps(
  stack: LocalStackDescription,
  options: { config?: Partial<Config>; clock?: Clock } = {},
): Deps {
  const db = DynamoDBDocumentClient.from(
    localDynamoDbClient(stack.dynamodbEndpoint, { retries: true }),
    {
      marshallOptions: {
        removeUndefinedValues: true,
        convertClassInstanceToMap: true,
      },
    },
  );

  return testDeps({
    db,
    config: testConfig({ TABLE_NAME: stack.tableName, ...options.config }),
    clock: options.clock ?? systemClock,
  });
}
