import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  localDynamoDbClient,
  startDynamoDb,
} from '../../scripts/local-stack/dynamodb.js';
import {
  type LocalDefinitions,
  synthesizeLocalDefinitions,
} from '../../scripts/local-stack/step-functions.js';

/**
 * What a workflow test runs on: the state machine definitions `cdk synth`
 * produces, with `tableName` resolved, and a DynamoDB Local of its own on
 * a free loopback port.
 */
export interface WorkflowTable {
  definitions: LocalDefinitions;
  client: DynamoDBClient;
  documents: DynamoDBDocumentClient;
  endpoint: string;
  stop(): Promise<void>;
}

export async function startWorkflowTable(
  tableName: string,
): Promise<WorkflowTable> {
  const definitions = synthesizeLocalDefinitions({ tableName });
  const scratch = mkdtempSync(join(tmpdir(), `${tableName}-`));
  const dynamoDb = await startDynamoDb({
    port: await freePort(),
    tableName,
    logFile: join(scratch, 'dynamodb.log'),
  });
  const client = localDynamoDbClient(dynamoDb.endpoint);
  const documents = DynamoDBDocumentClient.from(client, {
    marshallOptions: {
      removeUndefinedValues: true,
      convertClassInstanceToMap: true,
    },
  });
  return {
    definitions,
    client,
    documents,
    endpoint: dynamoDb.endpoint,
    async stop() {
      client.destroy();
      await dynamoDb.stop();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/** A port free on loopback now, for a server started just after. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}
