/**
 * The floor of the load benchmarks: a bare Node HTTP server on the same
 * DynamoDB Local that does one conditional write per request and nothing
 * else. Forked by the bench with an IPC channel; it says its port once
 * listening.
 *
 * Arguments: the DynamoDB endpoint, the table name.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { localDynamoDbClient } from '../local-stack/dynamodb.js';

const [endpoint = '', tableName = ''] = process.argv.slice(2);
process.env.AWS_EC2_METADATA_DISABLED = 'true';
const db = localDynamoDbClient(endpoint, { retries: true });

const server = createServer((req, res) => {
  req.resume();
  req.on('end', async () => {
    try {
      await db.send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            PK: { S: `BENCHFLOOR#${randomUUID()}` },
            SK: { S: 'FLOOR' },
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
      res.writeHead(201, { 'Content-Type': 'application/json' });
      res.end('{}');
    } catch {
      res.writeHead(503, { 'Content-Type': 'application/json' });
      res.end('{}');
    }
  });
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ type: 'ready', url: `http://127.0.0.1:${port}` });
});
process.on('disconnect', () => {
  server.close();
  db.destroy();
  process.exit(0);
});
