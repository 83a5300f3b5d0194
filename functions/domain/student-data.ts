import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Deps } from '../lib/deps.js';
import { type Key, keys, table } from '../lib/keys.js';
import { inLanes } from '../lib/lanes.js';
import {
  batchGet,
  getEntity,
  ignoreConditionFailure,
  queryAll,
} from '../lib/table.js';
import type { Student } from './types.js';

/** An item of the table, with its keys. */
export type Item = Record<string, unknown> & Key;

/**
 * Everything the table holds about one student, found by key and query,
 * never by a scan:
 * - under the centre: the student, their UPN holder and their results;
 * - under `STUDENT#<id>`: the prepared record and the locator;
 * - their group memberships, from the groups the student names;
 * - under GSI1 `STUDENT#<id>`: offers, chains, vouches, audit entries and
 *   any reports or enquiries about them.
 * Status list entries of revoked credentials are the region's, not the
 * student's: a verifier must go on seeing them invalid.
 */
export async function studentItems(
  deps: Deps,
  urn: string,
  studentId: string,
): Promise<{ student?: Student; items: Item[] }> {
  const TableName = deps.config.TABLE_NAME;
  const student = await getEntity<Student>(
    deps.db,
    TableName,
    keys.student(urn, studentId),
  );
  const gsi1 = table.indexes.gsi1;
  const partition = keys.studentPartition(studentId);
  const [own, indexed, results, held] = await Promise.all([
    queryAll(deps.db, {
      TableName,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': partition },
    }),
    queryAll(deps.db, {
      TableName,
      IndexName: gsi1.name,
      KeyConditionExpression: `${gsi1.partitionKey} = :pk`,
      ExpressionAttributeValues: { ':pk': partition },
    }),
    queryAll(deps.db, {
      TableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :results)',
      ExpressionAttributeValues: {
        ':pk': keys.centre(urn).PK,
        ':results': keys.resultPrefix(studentId),
      },
    }),
    batchGet(deps.db, TableName, [
      keys.student(urn, studentId),
      ...(student ? [keys.studentUpn(urn, student.upn)] : []),
      ...(student?.groupIds ?? []).map((groupId) =>
        keys.groupStudent(urn, groupId, studentId),
      ),
    ]),
  ]);
  // A UPN holder now naming another student is theirs, not this one's.
  const mine = held.filter(
    (i) => i.type !== 'studentUpn' || i.studentId === studentId,
  );
  const unique = new Map<string, Item>();
  for (const item of [...mine, ...own, ...results, ...indexed] as Item[]) {
    unique.set(`${item.PK}\u0000${item.SK}`, item);
  }

  return { student, items: [...unique.values()] };
}

/** Audit entries hold no personal data and outlive what they are about. */
export const isAudit = (item: Item) => item.type === 'audit';

const inFlight = 8;

/** Epoch seconds `months` calendar months after `from`. */
export function retentionEnd(from: Date, months: number): number {
  const end = new Date(from);
  end.setUTCMonth(end.getUTCMonth() + months);

  return Math.floor(end.getTime() / 1000);
}

/**
 * Sets the retention of everything held about a student but the audit
 * trail: a `ttl` when they have left, so DynamoDB deletes it then, or
 * none when they are back on roll. An item deleted meanwhile stays
 * deleted.
 */
export async function setRetention(
  deps: Deps,
  urn: string,
  studentId: string,
  ttl: number | undefined,
): Promise<number> {
  const { items } = await studentItems(deps, urn, studentId);
  const kept = items.filter((item) => !isAudit(item));
  await inLanes(kept, inFlight, async (item) => {
    await deps.db
      .send(
        new UpdateCommand({
          TableName: deps.config.TABLE_NAME,
          Key: { PK: item.PK, SK: item.SK },
          UpdateExpression:
            ttl === undefined ? 'REMOVE #ttl' : 'SET #ttl = :ttl',
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeNames: { '#ttl': table.ttlAttribute },
          ...(ttl === undefined
            ? {}
            : { ExpressionAttributeValues: { ':ttl': ttl } }),
        }),
      )
      .catch(ignoreConditionFailure);
  });

  return kept.length;
}
