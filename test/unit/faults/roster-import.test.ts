import {
  BatchGetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  importRoster,
  transactionAttempts,
} from '../../../functions/domain/roster-import.js';
import { upnCheckLetter } from '../../../functions/imports/identifiers.js';
import { aCentre, testDeps } from '../../support/builders.js';
import {
  answerTo,
  type CancellationCode,
  cancelled,
  documentClient,
  internalServerError,
  rejectionOf,
} from './faults.js';

const db = documentClient();
const ddb = mockClient(db);
const deps = testDeps({ db });
const centre = aCentre();

afterEach(() => {
  ddb.reset();
});

const upn = (n: number) => {
  const rest = `3304321${String(n).padStart(5, '0')}`;
  return `${upnCheckLetter(rest)}${rest}`;
};

/** A roster of `count` valid students, without ULNs to keep it short. */
function roster(count: number): string {
  const rows = Array.from(
    { length: count },
    (_, n) => `${upn(n)},Surname${n},Forename${n},01/09/2010,11,11A`,
  );

  return ['UPN,Legal Surname,Legal Forename,DOB,Year,Reg', ...rows].join('\n');
}

type Item = Record<string, unknown>;

/**
 * The centre's partition as far as the import touches it. Transactions
 * apply all their puts or none, and a UPN guard that exists already
 * cancels its transaction as DynamoDB would: a second student for one UPN
 * cannot be written, and a test that makes one sees the import fail.
 */
function fakeTable(failing: (items: Item[]) => Error | undefined) {
  const stored = new Map<string, Item>();
  const keyOf = (item: Item) => `${item.PK}|${item.SK}`;
  ddb.on(QueryCommand).callsFake(async () => ({
    Items: [...stored.values()].filter((i) => i.type === 'student'),
  }));
  ddb.on(BatchGetCommand).resolves({ Responses: {} });
  ddb.on(PutCommand).resolves({});
  ddb.on(UpdateCommand).resolves({});
  ddb
    .on(TransactWriteCommand)
    .callsFake(async (input: TransactWriteCommandInput) => {
      const puts = (input.TransactItems ?? []).flatMap((t) =>
        t.Put?.Item ? [t.Put.Item] : [],
      );
      lastTransaction = puts;
      const error = failing(puts);
      if (error) throw error;
      const taken = puts.map(
        (item) => item.type === 'studentUpn' && stored.has(keyOf(item)),
      );
      if (taken.some(Boolean)) {
        throw cancelled(
          ...taken.map(
            (t): CancellationCode => (t ? 'ConditionalCheckFailed' : 'None'),
          ),
        );
      }
      for (const item of puts) stored.set(keyOf(item), item);

      return {};
    });

  const students = () =>
    [...stored.values()].filter((i) => i.type === 'student');
  /** The UPN of every UPN guard written, sorted. */
  const guards = () =>
    [...stored.values()]
      .filter((i) => i.type === 'studentUpn')
      .map((i) => String(i.SK).split('#').at(-1))
      .sort();

  return { students, guards };
}

/** Fails, once, the first transaction that writes the student with `upn`. */
const failOnceFor = (wanted: string, error: () => Error) => {
  let failed = false;

  return (items: Item[]) => {
    if (failed || !items.some((i) => i.upn === wanted)) return undefined;
    failed = true;

    return error();
  };
};

const upnsOf = (items: Item[]) => items.map((i) => String(i.upn)).sort();

/**
 * The error of a transaction cancelled as DynamoDB cancels it when
 * another write touches one of its items: that item's reason is `code`,
 * every other one's `None`. Built from the transaction's own items.
 */
let lastTransaction: Item[] = [];
const cancelledFor = (
  wanted: string,
  code: CancellationCode = 'TransactionConflict',
) =>
  cancelled(
    ...lastTransaction.map(
      (item): CancellationCode =>
        item.type === 'student' && item.upn === wanted ? code : 'None',
    ),
  );

describe('importRoster when a transaction of new students fails', () => {
  it('rejects with an error that answers 503 when DynamoDB has a 500', async () => {
    fakeTable(failOnceFor(upn(1), internalServerError));

    const error = await rejectionOf(
      importRoster(deps, centre, roster(3), { fullRoll: false }),
    );

    expect(answerTo(error, 'students')).toMatchObject({
      status: 503,
      retryAfter: '1',
      body: { error: { code: 'SERVICE_UNAVAILABLE' } },
    });
  });

  it('retries a transaction cancelled by a conflict and writes every student once', async () => {
    const table = fakeTable(failOnceFor(upn(1), () => cancelledFor(upn(1))));

    const report = await importRoster(deps, centre, roster(3), {
      fullRoll: false,
    });

    expect(report).toMatchObject({ created: 3, rejected: [] });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(2);
    expect(upnsOf(table.students())).toEqual([upn(0), upn(1), upn(2)].sort());
    expect(new Set(table.students().map((s) => s.studentId)).size).toBe(3);
  });

  it('retries a throttled transaction and completes the import', async () => {
    const table = fakeTable(
      failOnceFor(upn(1), () => cancelledFor(upn(1), 'ThrottlingError')),
    );

    const report = await importRoster(deps, centre, roster(3), {
      fullRoll: false,
    });

    expect(report).toMatchObject({ created: 3, rejected: [] });
    expect(upnsOf(table.students())).toEqual([upn(0), upn(1), upn(2)].sort());
  });

  it('answers 503 when the conflict persists, with none of that transaction written', async () => {
    // Twelve new students make two transactions; the one holding the
    // eleventh conflicts every time, the other is written.
    const table = fakeTable((items) =>
      items.some((i) => i.upn === upn(10)) ? cancelledFor(upn(10)) : undefined,
    );

    const error = await rejectionOf(
      importRoster(deps, centre, roster(12), { fullRoll: false }),
    );

    expect(answerTo(error, 'students')).toMatchObject({
      status: 503,
      retryAfter: '1',
      body: { error: { code: 'SERVICE_UNAVAILABLE' } },
    });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(
      1 + transactionAttempts,
    );
    const written = upnsOf(table.students());
    expect(written).toHaveLength(10);
    expect(written).not.toContain(upn(10));
    expect(written).not.toContain(upn(11));
    expect(table.guards()).toEqual(written);
  });

  it('does not retry a transaction a condition refused', async () => {
    fakeTable(
      failOnceFor(upn(1), () =>
        cancelled('ConditionalCheckFailed', 'TransactionConflict', 'None'),
      ),
    );

    const error = await rejectionOf(
      importRoster(deps, centre, roster(3), { fullRoll: false }),
    );

    expect(answerTo(error, 'students')).toMatchObject({
      status: 409,
      body: { error: { code: 'IMPORT_IN_PROGRESS' } },
    });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('creates every student once when run again after the failure', async () => {
    const table = fakeTable(failOnceFor(upn(1), internalServerError));
    const file = roster(3);

    await rejectionOf(importRoster(deps, centre, file, { fullRoll: false }));
    const written = table.students().length;
    const report = await importRoster(deps, centre, file, { fullRoll: false });

    expect(written).toBe(0);
    expect(report).toMatchObject({ created: 3, unchanged: 0, rejected: [] });
    expect(upnsOf(table.students())).toEqual([upn(0), upn(1), upn(2)].sort());
  });

  it('creates only the rest when one of two transactions was written', async () => {
    // Ten new students go in a transaction: twelve make two, and the one
    // holding the eleventh student fails while the other is written.
    const table = fakeTable(failOnceFor(upn(10), internalServerError));
    const file = roster(12);

    await rejectionOf(importRoster(deps, centre, file, { fullRoll: false }));
    const firstRun = upnsOf(table.students());
    const report = await importRoster(deps, centre, file, { fullRoll: false });

    expect(firstRun).toHaveLength(10);
    expect(report).toMatchObject({ created: 2, unchanged: 10, rejected: [] });
    const upns = upnsOf(table.students());
    expect(upns).toHaveLength(12);
    expect(new Set(upns).size).toBe(12);
    const ids = table.students().map((s) => s.studentId);
    expect(new Set(ids).size).toBe(12);
  });
});
