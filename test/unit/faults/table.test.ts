import {
  BatchGetCommand,
  type BatchGetCommandInput,
  BatchWriteCommand,
  type BatchWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Key } from '../../../functions/lib/keys.js';
import {
  BatchIncompleteError,
  batchGet,
  batchWrite,
  type WriteRequest,
} from '../../../functions/lib/table.js';
import { answerTo, documentClient, rejectionOf } from './faults.js';

const db = documentClient();
const ddb = mockClient(db);
const TableName = 'records-test';

// The backoff between attempts waits on timers; fake ones keep it instant.
beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
  ddb.reset();
});

/** Runs `work` while advancing the fake clock through its backoffs. */
async function withBackoff<T>(work: Promise<T>): Promise<T> {
  const settled = work.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  await vi.runAllTimersAsync();
  const out = await settled;
  if ('error' in out) throw out.error;

  return out.value;
}

const aKey = (n: number): Key => ({ PK: `RESULT#${n}`, SK: 'R' });
const anItem = (n: number) => ({ ...aKey(n), grade: String(n % 10) });
const puts = (count: number): WriteRequest[] =>
  Array.from({ length: count }, (_, n) => ({
    PutRequest: { Item: anItem(n) },
  }));

const idOf = (request: WriteRequest) =>
  'PutRequest' in request
    ? String(request.PutRequest.Item.PK)
    : request.DeleteRequest.Key.PK;

/**
 * A table that leaves every other item of a request unprocessed for the
 * first `flakyCalls` calls, and counts what it did write.
 */
function flakyWrites(flakyCalls: number) {
  const written = new Map<string, number>();
  let call = 0;
  ddb.on(BatchWriteCommand).callsFake(async (input: BatchWriteCommandInput) => {
    call++;
    const sent = (input.RequestItems?.[TableName] ?? []) as WriteRequest[];
    const left = call <= flakyCalls ? sent.filter((_, i) => i % 2 === 1) : [];
    for (const request of sent) {
      if (left.includes(request)) continue;
      written.set(idOf(request), (written.get(idOf(request)) ?? 0) + 1);
    }

    return left.length > 0 ? { UnprocessedItems: { [TableName]: left } } : {};
  });

  return written;
}

describe('batchWrite when DynamoDB leaves items unprocessed', () => {
  it('writes every item exactly once after two partial answers', async () => {
    const written = flakyWrites(2);
    const requests = puts(7);

    const out = await withBackoff(batchWrite(db, TableName, requests));

    expect([...written.keys()].sort()).toEqual(requests.map(idOf).sort());
    expect([...written.values()].every((n) => n === 1)).toBe(true);
    expect(out.calls).toBe(3);
    expect(ddb.commandCalls(BatchWriteCommand)).toHaveLength(3);
  });

  it('sends again only what the previous answer left unprocessed', async () => {
    flakyWrites(2);

    await withBackoff(batchWrite(db, TableName, puts(7)));

    const sent = ddb
      .commandCalls(BatchWriteCommand)
      .map((c) => (c.args[0].input.RequestItems?.[TableName] ?? []).length);
    // 7 sent, 3 left; 3 sent, 1 left; 1 sent, written.
    expect(sent).toEqual([7, 3, 1]);
  });

  it('writes every item once across requests of 25 in flight together', async () => {
    const written = flakyWrites(2);
    const requests = puts(60);
    const progress: number[] = [];

    const out = await withBackoff(
      batchWrite(db, TableName, requests, (n) => progress.push(n)),
    );

    expect(written.size).toBe(60);
    expect([...written.values()].every((n) => n === 1)).toBe(true);
    expect(out.calls).toBe(ddb.commandCalls(BatchWriteCommand).length);
    expect(progress.at(-1)).toBe(60);
  });

  it('gives up after eight attempts with an error that answers 503', async () => {
    ddb
      .on(BatchWriteCommand)
      .callsFake(async (input: BatchWriteCommandInput) => ({
        UnprocessedItems: { [TableName]: input.RequestItems?.[TableName] },
      }));

    const error = await rejectionOf(
      withBackoff(batchWrite(db, TableName, puts(3))),
    );

    expect(error).toBeInstanceOf(BatchIncompleteError);
    expect(ddb.commandCalls(BatchWriteCommand)).toHaveLength(8);
    expect(answerTo(error, 'results')).toMatchObject({
      status: 503,
      retryAfter: '1',
      body: { error: { code: 'SERVICE_UNAVAILABLE' } },
    });
  });
});

/** Keys the request asked for, in the order it named them. */
const keysSent = (input: BatchGetCommandInput) =>
  (input.RequestItems?.[TableName]?.Keys ?? []) as Key[];

describe('batchGet when DynamoDB leaves keys unprocessed', () => {
  it('asks again for unprocessed keys until every item is found', async () => {
    let call = 0;
    ddb.on(BatchGetCommand).callsFake(async (input: BatchGetCommandInput) => {
      call++;
      const [first, ...rest] = keysSent(input);
      const found = first ? [{ ...first, n: first.PK }] : [];
      // The first two answers return one item and leave the rest.
      if (call <= 2) {
        return {
          Responses: { [TableName]: found },
          UnprocessedKeys: { [TableName]: { Keys: rest } },
        };
      }
      return {
        Responses: {
          [TableName]: keysSent(input).map((k) => ({ ...k, n: k.PK })),
        },
      };
    });

    const items = await withBackoff(
      batchGet(db, TableName, [aKey(1), aKey(2), aKey(3), aKey(4)]),
    );

    expect(items.map((i) => i.PK).sort()).toEqual(
      [aKey(1), aKey(2), aKey(3), aKey(4)].map((k) => k.PK),
    );
    expect(
      ddb.commandCalls(BatchGetCommand).map((c) => keysSent(c.args[0].input)),
    ).toEqual([
      [aKey(1), aKey(2), aKey(3), aKey(4)],
      [aKey(2), aKey(3), aKey(4)],
      [aKey(3), aKey(4)],
    ]);
  });

  it('sends each key once when the caller names one twice', async () => {
    ddb.on(BatchGetCommand).callsFake(async (input: BatchGetCommandInput) => ({
      Responses: { [TableName]: keysSent(input).map((k) => ({ ...k })) },
    }));

    const items = await withBackoff(
      batchGet(db, TableName, [aKey(1), aKey(2), { ...aKey(1) }, aKey(2)]),
    );

    const sent = ddb
      .commandCalls(BatchGetCommand)
      .flatMap((c) => keysSent(c.args[0].input));
    expect(sent).toEqual([aKey(1), aKey(2)]);
    expect(items).toHaveLength(2);
  });

  it('gives up after eight attempts with an error that answers 503', async () => {
    ddb.on(BatchGetCommand).callsFake(async (input: BatchGetCommandInput) => ({
      Responses: { [TableName]: [] },
      UnprocessedKeys: { [TableName]: { Keys: keysSent(input) } },
    }));

    const error = await rejectionOf(
      withBackoff(batchGet(db, TableName, [aKey(1)])),
    );

    expect(error).toBeInstanceOf(BatchIncompleteError);
    expect(ddb.commandCalls(BatchGetCommand)).toHaveLength(8);
    expect(answerTo(error, 'wallet')).toMatchObject({
      status: 503,
      retryAfter: '1',
      body: { error: 'temporarily_unavailable' },
    });
  });
});
