/**
 * DynamoDB work per API operation, counted inside the local stack's
 * process: a middleware on the handlers' own document client adds
 * `ReturnConsumedCapacity: TOTAL` to every call and adds up round trips,
 * capacity units, scans and what queries read against what they return,
 * under the operation whose handler made the call.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface OperationCounts {
  requests: number;
  handlerMs: number;
  logBytes: number;
  calls: Record<string, number>;
  failedCalls: number;
  readUnits: number;
  writeUnits: number;
  scans: number;
  /** Items queries read (ScannedCount) and returned (Count). */
  queryScanned: number;
  queryReturned: number;
}

export type Counts = Record<string, OperationCounts>;

const readCommands = new Set([
  'GetItemCommand',
  'QueryCommand',
  'ScanCommand',
  'BatchGetItemCommand',
  'TransactGetItemsCommand',
]);

export const emptyCounts = (): OperationCounts => ({
  requests: 0,
  handlerMs: 0,
  logBytes: 0,
  calls: {},
  failedCalls: 0,
  readUnits: 0,
  writeUnits: 0,
  scans: 0,
  queryScanned: 0,
  queryReturned: 0,
});

interface Capacity {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

/** Units of one answer's ConsumedCapacity (one object or a list). */
export function capacityUnits(
  consumed: Capacity | Capacity[] | undefined,
  read: boolean,
): { read: number; write: number } {
  const list = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
  let r = 0;
  let w = 0;
  for (const c of list) {
    if (
      c.ReadCapacityUnits !== undefined ||
      c.WriteCapacityUnits !== undefined
    ) {
      r += c.ReadCapacityUnits ?? 0;
      w += c.WriteCapacityUnits ?? 0;
    } else if (read) r += c.CapacityUnits ?? 0;
    else w += c.CapacityUnits ?? 0;
  }
  return { read: r, write: w };
}

/**
 * Faults to inject: every `every`-th transaction is cancelled by a
 * conflict before it reaches DynamoDB, and every batch write leaves half
 * its items unprocessed, as a throttled table would.
 */
export interface Faults {
  every: number;
}

export class Counter {
  readonly storage = new AsyncLocalStorage<string>();
  private counts: Counts = {};
  faults: Faults | undefined;
  private transactions = 0;
  /** Faults injected so far, by kind. */
  injected = { cancelledTransactions: 0, unprocessedItems: 0 };

  private of(operation: string): OperationCounts {
    this.counts[operation] ??= emptyCounts();
    return this.counts[operation];
  }

  /** Runs a handler invocation under its operation's name. */
  async invocation<T>(operation: string, work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await this.storage.run(operation, work);
    } finally {
      const counts = this.of(operation);
      counts.requests++;
      counts.handlerMs += performance.now() - started;
    }
  }

  logWritten(bytes: number): void {
    const operation = this.storage.getStore();
    if (operation) this.of(operation).logBytes += bytes;
  }

  attach(db: DynamoDBDocumentClient): void {
    db.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = this.storage.getStore() ?? '(outside a request)';
        const counts = this.of(operation);
        const command = context.commandName ?? 'unknown';
        const input = args.input as Record<string, unknown>;
        input.ReturnConsumedCapacity = 'TOTAL';
        counts.calls[command] = (counts.calls[command] ?? 0) + 1;
        if (command === 'ScanCommand') counts.scans++;
        try {
          const held = this.injectBefore(command, input);
          const result = await next(args);
          this.injectAfter(held, result.output as Record<string, unknown>);
          const output = result.output as {
            ConsumedCapacity?: Capacity | Capacity[];
            Count?: number;
            ScannedCount?: number;
          };
          const units = capacityUnits(
            output.ConsumedCapacity,
            readCommands.has(command),
          );
          counts.readUnits += units.read;
          counts.writeUnits += units.write;
          if (command === 'QueryCommand') {
            counts.queryScanned += output.ScannedCount ?? 0;
            counts.queryReturned += output.Count ?? 0;
          }
          return result;
        } catch (error) {
          counts.failedCalls++;
          // A write whose condition failed still costs a write unit
          // (https://docs.aws.amazon.com/amazondynamodb/latest/
          // developerguide/read-write-operations.html).
          if (!readCommands.has(command)) counts.writeUnits += 1;
          throw error;
        }
      },
      { step: 'initialize', name: 'benchCounting', priority: 'high' },
    );
  }

  private injectBefore(command: string, input: Record<string, unknown>) {
    if (!this.faults) return undefined;
    if (command === 'TransactWriteItemsCommand') {
      this.transactions++;
      if (this.transactions % this.faults.every === 0) {
        this.injected.cancelledTransactions++;
        const items = (input.TransactItems ?? []) as unknown[];
        throw Object.assign(new Error('Transaction cancelled (injected)'), {
          name: 'TransactionCanceledException',
          CancellationReasons: items.map(() => ({
            Code: 'TransactionConflict',
          })),
          $metadata: {},
        });
      }
    }
    if (command === 'BatchWriteItemCommand') {
      const requests = input.RequestItems as Record<string, unknown[]>;
      const [table, list = []] = Object.entries(requests)[0] ?? [];
      if (!table || list.length < 2) return undefined;
      const kept = list.slice(0, Math.ceil(list.length / 2));
      const held = list.slice(kept.length);
      requests[table] = kept;
      this.injected.unprocessedItems += held.length;
      return { table, held };
    }
    return undefined;
  }

  private injectAfter(
    held: { table: string; held: unknown[] } | undefined,
    output: Record<string, unknown>,
  ) {
    if (!held) return;
    const left = (output.UnprocessedItems ?? {}) as Record<string, unknown[]>;
    left[held.table] = [...(left[held.table] ?? []), ...held.held];
    output.UnprocessedItems = left;
  }

  snapshot(): Counts {
    return structuredClone(this.counts);
  }

  reset(): void {
    this.counts = {};
  }
}

/** Adds snapshots together, operation by operation. */
export function addCounts(a: Counts, b: Counts): Counts {
  const out = structuredClone(a);
  for (const [op, c] of Object.entries(b)) {
    out[op] ??= emptyCounts();
    const t = out[op];
    t.requests += c.requests;
    t.handlerMs += c.handlerMs;
    t.logBytes += c.logBytes;
    t.failedCalls += c.failedCalls;
    t.readUnits += c.readUnits;
    t.writeUnits += c.writeUnits;
    t.scans += c.scans;
    t.queryScanned += c.queryScanned;
    t.queryReturned += c.queryReturned;
    for (const [cmd, n] of Object.entries(c.calls)) {
      t.calls[cmd] = (t.calls[cmd] ?? 0) + n;
    }
  }
  return out;
}
