import {
  BatchGetCommand,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { badRequest } from './errors.js';
import { type Key, table } from './keys.js';

/** Attributes of the table that are keys, not entity fields. */
const keyAttributes = [
  'PK',
  'SK',
  'GSI1PK',
  'GSI1SK',
  'GSI2PK',
  'GSI2SK',
  'ttl',
  'type',
] as const;

/** An item without its key attributes: the entity it stores. */
export function entity<T>(item: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(item)) {
    if ((keyAttributes as readonly string[]).includes(name)) continue;
    // String sets (group memberships) read back as sorted arrays.
    out[name] = value instanceof Set ? [...value].sort() : value;
  }
  return out as T;
}

export async function getEntity<T>(
  db: DynamoDBDocumentClient,
  tableName: string,
  key: Key,
  consistent = true,
): Promise<T | undefined> {
  const { Item } = await db.send(
    new GetCommand({
      TableName: tableName,
      Key: key,
      ConsistentRead: consistent,
    }),
  );
  return Item ? entity<T>(Item) : undefined;
}

/** A page of a query, with an opaque cursor for the next one. */
export interface Page<T> {
  items: T[];
  cursor: string | null;
}

export function encodeCursor(key: Record<string, unknown> | undefined) {
  if (!key) return null;
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** The partition key of the table and of each index, to its sort key. */
const sortKeyOf: ReadonlyMap<string, string> = new Map([
  [table.partitionKey, table.sortKey],
  ...Object.values(table.indexes).map(
    (index) => [index.partitionKey, index.sortKey] as const,
  ),
]);

/** DynamoDB allows 1024 bytes for a sort key and 2048 for a partition key. */
const maxKeyBytes = 1024;

const base64url = /^[A-Za-z0-9_-]+$/;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

const invalidCursor = () =>
  badRequest(
    'INVALID_CURSOR',
    'The cursor is not one this list gave out. Start the list again.',
    { field: 'cursor' },
  );

/**
 * The start key a cursor names, for a query over the partition(s) that
 * `expected` gives, e.g. `{ PK: 'CENTRE#141234' }` or
 * `{ GSI1PK: 'CENTRES' }`; `within` gives sort-key prefixes the query's key
 * condition keeps to, e.g. `{ SK: 'STAFF#' }`.
 *
 * A cursor is only our own JSON in base64url, so a caller can forge one.
 * It is accepted only when it holds exactly the key attributes such a
 * query's LastEvaluatedKey holds (the table's keys and the index's), as
 * short strings, in the expected partition and within the prefixes:
 * DynamoDB refuses any other start key with an error that would be a 500,
 * and a key from another partition would list another centre's items.
 * Anything else is a 400 INVALID_CURSOR.
 */
export function decodeCursor(
  cursor: string | undefined,
  expected: Record<string, string>,
  within: Record<string, string> = {},
): Record<string, string> | undefined {
  const partitions = Object.keys(expected);
  if (partitions.length === 0 || !partitions.every((n) => sortKeyOf.has(n))) {
    throw new Error('decodeCursor needs the partition keys the query reads');
  }
  if (cursor === undefined || cursor === '') return undefined;
  const key = readCursor(cursor);
  if (!key) throw invalidCursor();

  const wanted = new Set([table.partitionKey, table.sortKey] as string[]);
  for (const name of partitions) {
    wanted.add(name);
    wanted.add(sortKeyOf.get(name) as string);
  }
  const names = Object.keys(key);
  const exact =
    names.length === wanted.size && names.every((n) => wanted.has(n));
  if (!exact) throw invalidCursor();

  for (const name of names) {
    const value = key[name];
    if (
      typeof value !== 'string' ||
      value === '' ||
      Buffer.byteLength(value, 'utf8') > maxKeyBytes
    ) {
      throw invalidCursor();
    }
  }
  for (const name of partitions) {
    if (key[name] !== expected[name]) throw invalidCursor();
  }
  for (const [name, prefix] of Object.entries(within)) {
    const value = key[name];
    if (typeof value !== 'string' || !value.startsWith(prefix)) {
      throw invalidCursor();
    }
  }

  return key as Record<string, string>;
}

function readCursor(cursor: string): Record<string, unknown> | undefined {
  if (!base64url.test(cursor)) return undefined;
  try {
    const text = strictUtf8.decode(Buffer.from(cursor, 'base64url'));
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch {
    // Not our JSON: the caller sees the same 400 as for a forged key.
  }

  return undefined;
}

export async function queryPage(
  db: DynamoDBDocumentClient,
  input: QueryCommandInput,
): Promise<{
  items: Record<string, unknown>[];
  next?: Record<string, unknown>;
}> {
  const out = await db.send(new QueryCommand(input));
  return { items: out.Items ?? [], next: out.LastEvaluatedKey };
}

/** Every item of a query, following pages. */
export async function queryAll(
  db: DynamoDBDocumentClient,
  input: QueryCommandInput,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await db.send(
      new QueryCommand({ ...input, ExclusiveStartKey: start }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits before retry `attempt` (1, 2, ...), as the DynamoDB guide advises:
 * doubling from 50 ms, jittered, a second at most.
 */
export const backoff = (attempt: number) =>
  pause(Math.min(1000, 25 * 2 ** attempt) * (0.5 + Math.random() / 2));

/** The BatchGetItem limit (100 keys a request). */
const batchGetLimit = 100;
/** The BatchWriteItem limit (25 requests). */
const batchWriteLimit = 25;
const maxBatchAttempts = 8;

/**
 * Gets many items by key, retrying unprocessed keys with backoff. Items come
 * back in no particular order.
 */
export async function batchGet(
  db: DynamoDBDocumentClient,
  tableName: string,
  keyList: Key[],
): Promise<Record<string, unknown>[]> {
  // BatchGetItem refuses a request that names one key twice.
  const unique = [
    ...new Map(keyList.map((k) => [`${k.PK}\u0000${k.SK}`, k])).values(),
  ];
  const found: Record<string, unknown>[] = [];
  for (let i = 0; i < unique.length; i += batchGetLimit) {
    let pending: Key[] = unique.slice(i, i + batchGetLimit);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= maxBatchAttempts) {
        throw new BatchIncompleteError('BatchGetItem left keys unprocessed');
      }
      if (attempt > 0) await backoff(attempt);
      const out = await db.send(
        new BatchGetCommand({
          RequestItems: {
            [tableName]: { Keys: pending, ConsistentRead: true },
          },
        }),
      );
      found.push(...(out.Responses?.[tableName] ?? []));
      pending = (out.UnprocessedKeys?.[tableName]?.Keys ?? []) as Key[];
    }
  }
  return found;
}

export type WriteRequest =
  | { PutRequest: { Item: Record<string, unknown> } }
  | { DeleteRequest: { Key: Key } };

/**
 * Writes many items, 25 a request and a few requests in flight, retrying
 * unprocessed items with backoff until every one is written.
 */
export async function batchWrite(
  db: DynamoDBDocumentClient,
  tableName: string,
  requests: WriteRequest[],
  onProgress?: (written: number) => void,
  inFlight = 4,
): Promise<{ calls: number }> {
  const chunks: WriteRequest[][] = [];
  for (let i = 0; i < requests.length; i += batchWriteLimit) {
    chunks.push(requests.slice(i, i + batchWriteLimit));
  }
  let calls = 0;
  let written = 0;
  const writeChunk = async (chunk: WriteRequest[]) => {
    let pending = chunk;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= maxBatchAttempts) {
        throw new BatchIncompleteError('BatchWriteItem left items unprocessed');
      }
      if (attempt > 0) await backoff(attempt);
      calls++;
      const out = await db.send(
        new BatchWriteCommand({ RequestItems: { [tableName]: pending } }),
      );
      const left = (out.UnprocessedItems?.[tableName] ?? []) as WriteRequest[];
      written += pending.length - left.length;
      onProgress?.(written);
      pending = left;
    }
  };
  let next = 0;
  const workers = Array.from(
    { length: Math.min(inFlight, chunks.length) },
    async () => {
      while (next < chunks.length) {
        const chunk = chunks[next++];
        if (chunk) await writeChunk(chunk);
      }
    },
  );
  await Promise.all(workers);
  return { calls };
}

/** A batch whose unprocessed items did not go through after retries. */
export class BatchIncompleteError extends Error {
  override readonly name = 'BatchIncompleteError';
}

/**
 * The item a failed condition saw, from `ReturnValuesOnConditionCheckFailure`.
 * The document client leaves it in DynamoDB's wire format, so it is
 * unmarshalled here.
 */
export function itemOfFailedCondition(
  error: unknown,
): Record<string, unknown> | undefined {
  const item = (error as { Item?: Parameters<typeof unmarshall>[0] }).Item;
  return item ? unmarshall(item) : undefined;
}

/**
 * The reason code of each item of a cancelled transaction, in item order
 * (`ConditionalCheckFailed`, `TransactionConflict`, `None`, ...); empty
 * for any other error.
 */
export function cancellationCodes(error: unknown): (string | undefined)[] {
  if ((error as Error)?.name !== 'TransactionCanceledException') return [];
  const reasons = (error as { CancellationReasons?: { Code?: string }[] })
    .CancellationReasons;
  return (reasons ?? []).map((r) => r.Code);
}

/** A single write whose condition did not hold. */
export function isConditionFailure(error: unknown): boolean {
  return (error as Error)?.name === 'ConditionalCheckFailedException';
}

/** For a conditional write whose failure means "already done": a no-op. */
export function ignoreConditionFailure(error: unknown): undefined {
  if (isConditionFailure(error)) return undefined;
  throw error;
}
