/**
 * Which AWS SDK clients a function uses, read from what CDK grants it: a
 * function can only call what its role allows, and each service it may
 * call is one client. A grant the map below does not know fails loudly,
 * so a new grant cannot slip past the cold start floors.
 */

export const sdkClients = [
  'dynamodb',
  'cognito',
  'sfn',
  'kms',
  'ses',
  'logs',
  'cloudwatch',
] as const;
export type SdkClient = (typeof sdkClients)[number];

/** IAM service prefix to the client that calls it. */
const clientOfService: Record<string, SdkClient> = {
  dynamodb: 'dynamodb',
  'cognito-idp': 'cognito',
  states: 'sfn',
  kms: 'kms',
  ses: 'ses',
  logs: 'logs',
  cloudwatch: 'cloudwatch',
};

/**
 * Actions no SDK client of the function makes: the Lambda runtime writes
 * the logs and traces, and DynamoDB and CloudWatch Logs call KMS for the
 * table's and the logs' encryption on the function's behalf.
 */
const notOwnCalls = [
  /^logs:(CreateLogStream|PutLogEvents)$/,
  /^xray:/,
  /^kms:(Decrypt|Encrypt|ReEncrypt\*|GenerateDataKey\*|DescribeKey)$/,
];

export function clientsForActions(actions: readonly string[]): SdkClient[] {
  const found = new Set<SdkClient>();
  for (const action of actions) {
    if (notOwnCalls.some((pattern) => pattern.test(action))) continue;
    const service = action.split(':')[0] ?? '';
    const client = clientOfService[service];
    if (!client) {
      throw new Error(
        `No SDK client is known for the granted action ${action}: ` +
          'add it to scripts/bench/sdk-clients.ts.',
      );
    }
    found.add(client);
  }
  return sdkClients.filter((c) => found.has(c));
}

/** The source of a floor: a handler that only creates these clients. */
export function floorSource(clients: readonly SdkClient[]): string {
  const lines: string[] = [];
  const made: string[] = [];
  if (clients.includes('dynamodb')) {
    lines.push(
      "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
      "import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';",
    );
    made.push('DynamoDBDocumentClient.from(new DynamoDBClient({}))');
  }
  if (clients.includes('cognito')) {
    lines.push(
      'import { CognitoIdentityProviderClient } from ' +
        "'@aws-sdk/client-cognito-identity-provider';",
    );
    made.push('new CognitoIdentityProviderClient({})');
  }
  if (clients.includes('sfn')) {
    lines.push("import { SFNClient } from '@aws-sdk/client-sfn';");
    made.push('new SFNClient({})');
  }
  if (clients.includes('kms')) {
    lines.push("import { KMSClient } from '@aws-sdk/client-kms';");
    made.push('new KMSClient({})');
  }
  if (clients.includes('ses')) {
    lines.push("import { SESv2Client } from '@aws-sdk/client-sesv2';");
    made.push('new SESv2Client({})');
  }
  if (clients.includes('logs')) {
    lines.push(
      'import { CloudWatchLogsClient } from ' +
        "'@aws-sdk/client-cloudwatch-logs';",
    );
    made.push('new CloudWatchLogsClient({})');
  }
  if (clients.includes('cloudwatch')) {
    lines.push(
      "import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';",
    );
    made.push('new CloudWatchClient({})');
  }
  return [
    ...lines,
    `export const clients = [${made.join(', ')}];`,
    'export const handler = async () => ' +
      "({ statusCode: 200, headers: {}, body: '' });",
    '',
  ].join('\n');
}
