import type {
  DynamoDBDocumentClient,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { listCentres } from '../../../functions/domain/centres.js';
import { listGroups } from '../../../functions/domain/groups.js';
import { listStaff } from '../../../functions/domain/staff.js';
import type { Deps } from '../../../functions/lib/deps.js';
import { ApiError } from '../../../functions/lib/errors.js';
import { testDeps } from '../../support/builders.js';

const forge = (key: Record<string, string>) =>
  Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');

/**
 * A table that answers every query with no items and `next` as its
 * LastEvaluatedKey, and records the start key each query was given.
 */
function fakeTable(next?: Record<string, string>) {
  const startKeys: unknown[] = [];
  const db = {
    send: async (command: QueryCommand) => {
      startKeys.push(command.input.ExclusiveStartKey);
      return { Items: [], LastEvaluatedKey: next };
    },
  } as unknown as DynamoDBDocumentClient;

  return { deps: testDeps({ db }), startKeys };
}

type List = (deps: Deps, cursor?: string) => Promise<{ cursor: unknown }>;

const lists: [string, List, Record<string, string>, Record<string, string>][] =
  [
    [
      'listCentres',
      (deps, cursor) => listCentres(deps, { cursor }),
      {
        PK: 'CENTRE#141234',
        SK: 'PROFILE',
        GSI1PK: 'CENTRES',
        GSI1SK: '141234',
      },
      { PK: 'CENTRE#141234', SK: 'PROFILE' },
    ],
    [
      'listStaff',
      (deps, cursor) => listStaff(deps, '141234', { cursor }),
      { PK: 'CENTRE#141234', SK: 'STAFF#abc' },
      { PK: 'CENTRE#141234', SK: 'GROUP#0' },
    ],
    [
      'listGroups',
      (deps, cursor) => listGroups(deps, '141234', { cursor }),
      { PK: 'CENTRE#141234', SK: 'GROUP#abc' },
      { PK: 'CENTRE#999999', SK: 'GROUP#abc' },
    ],
  ];

describe('the cursors of the centre, staff and group lists', () => {
  for (const [name, list, ownKey, forgedKey] of lists) {
    it(`${name} takes back the cursor it gave out`, async () => {
      const first = fakeTable(ownKey);
      const page = await list(first.deps);
      const second = fakeTable();

      await list(second.deps, String(page.cursor));

      expect(second.startKeys).toEqual([ownKey]);
    });

    it(`${name} refuses a forged cursor before querying`, async () => {
      const { deps, startKeys } = fakeTable();

      const refusal = await list(deps, forge(forgedKey)).catch((e) => e);

      expect(refusal).toBeInstanceOf(ApiError);
      expect(refusal).toMatchObject({
        status: 400,
        code: 'INVALID_CURSOR',
        field: 'cursor',
      });
      expect(startKeys).toEqual([]);
    });

    it(`${name} refuses a cursor that is not one at all with 400`, async () => {
      const { deps, startKeys } = fakeTable();

      const refusal = await list(deps, 'bm90IGpzb24').catch((e) => e);

      expect(refusal).toMatchObject({ status: 400, code: 'INVALID_CURSOR' });
      expect(startKeys).toEqual([]);
    });
  }
});
