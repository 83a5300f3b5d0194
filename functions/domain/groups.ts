import {
  PutCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { Deps } from '../lib/deps.js';
import { conflict, notFound } from '../lib/errors.js';
import { stableId } from '../lib/ids.js';
import { keys } from '../lib/keys.js';
import {
  batchGet,
  cancellationCodes,
  decodeCursor,
  encodeCursor,
  entity,
  isConditionFailure,
  type Page,
  queryPage,
} from '../lib/table.js';
import type { Group, GroupKind } from './types.js';

type TransactItem = NonNullable<
  TransactWriteCommandInput['TransactItems']
>[number];

/**
 * A group's id follows from its kind and name, so the roster import finds
 * the form group "11A" again on every run without a lookup table. Names are
 * compared without regard to case or surrounding space.
 */
export function groupIdFor(kind: GroupKind, name: string): string {
  return stableId(kind, name.trim().normalize('NFC').toLowerCase());
}

/** The year group a student's national curriculum year puts them in. */
export const yearGroupName = (year: string) => `Year ${year}`;

function groupItem(group: Group) {
  return {
    ...keys.group(group.urn, group.groupId),
    type: 'group',
    ...group,
  };
}

export async function createGroup(
  deps: Deps,
  urn: string,
  input: { name: string; kind: GroupKind },
): Promise<Group> {
  const group: Group = {
    urn,
    groupId: groupIdFor(input.kind, input.name),
    name: input.name.trim().normalize('NFC'),
    kind: input.kind,
    createdAt: deps.clock.now().toISOString(),
  };
  try {
    await deps.db.send(
      new PutCommand({
        TableName: deps.config.TABLE_NAME,
        Item: groupItem(group),
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) {
      throw conflict(
        'GROUP_EXISTS',
        `The centre already has a ${input.kind} group with this name.`,
        { field: 'name' },
      );
    }
    throw error;
  }
  return group;
}

/**
 * Makes sure each group exists, creating the missing ones; answers the
 * groups created. Safe to run twice at once: creation is conditional.
 */
export async function ensureGroups(
  deps: Deps,
  urn: string,
  wanted: { name: string; kind: GroupKind }[],
): Promise<Group[]> {
  const byId = new Map<string, { name: string; kind: GroupKind }>();
  for (const g of wanted) byId.set(groupIdFor(g.kind, g.name), g);
  if (byId.size === 0) return [];

  const found = await batchGet(
    deps.db,
    deps.config.TABLE_NAME,
    [...byId.keys()].map((id) => keys.group(urn, id)),
  );
  const existing = new Set(found.map((i) => String(i.groupId)));
  const created: Group[] = [];
  for (const [groupId, g] of byId) {
    if (existing.has(groupId)) continue;
    try {
      created.push(await createGroup(deps, urn, g));
    } catch (error) {
      // Another import created it a moment ago: that is what we wanted.
      if ((error as { code?: string }).code !== 'GROUP_EXISTS') throw error;
    }
  }
  return created;
}

export async function listGroups(
  deps: Deps,
  urn: string,
  query: { cursor?: string; limit?: number },
): Promise<Page<Group>> {
  const page = await queryPage(deps.db, {
    TableName: deps.config.TABLE_NAME,
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :group)',
    ExpressionAttributeValues: {
      ':pk': keys.centre(urn).PK,
      ':group': keys.groupPrefix(),
    },
    ExclusiveStartKey: decodeCursor(
      query.cursor,
      { PK: keys.centre(urn).PK },
      { SK: keys.groupPrefix() },
    ),
    Limit: query.limit ?? 100,
  });
  return {
    items: page.items.map((i) => entity<Group>(i)),
    cursor: encodeCursor(page.next),
  };
}

export type Member = 'staff' | 'student';

function memberKey(member: Member, urn: string, id: string) {
  return member === 'staff' ? keys.staff(urn, id) : keys.student(urn, id);
}

function membershipKey(
  member: Member,
  urn: string,
  groupId: string,
  id: string,
) {
  return member === 'staff'
    ? keys.groupStaff(urn, groupId, id)
    : keys.groupStudent(urn, groupId, id);
}

/** The transaction items that put a member into a group. */
export function joinItems(
  tableName: string,
  member: Member,
  urn: string,
  groupId: string,
  id: string,
  checkGroup = true,
): TransactItem[] {
  const items: TransactItem[] = [
    {
      Update: {
        TableName: tableName,
        Key: memberKey(member, urn, id),
        UpdateExpression: 'ADD groupIds :g',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':g': new Set([groupId]) },
      },
    },
    {
      Put: {
        TableName: tableName,
        Item: {
          ...membershipKey(member, urn, groupId, id),
          type: `${member}Membership`,
          groupId,
          [member === 'staff' ? 'staffId' : 'studentId']: id,
        },
      },
    },
  ];
  if (checkGroup) {
    items.unshift({
      ConditionCheck: {
        TableName: tableName,
        Key: keys.group(urn, groupId),
        ConditionExpression: 'attribute_exists(PK)',
      },
    });
  }
  return items;
}

/** The transaction items that take a member out of a group. */
export function leaveItems(
  tableName: string,
  member: Member,
  urn: string,
  groupId: string,
  id: string,
): TransactItem[] {
  return [
    {
      Update: {
        TableName: tableName,
        Key: memberKey(member, urn, id),
        UpdateExpression: 'DELETE groupIds :g',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':g': new Set([groupId]) },
      },
    },
    {
      Delete: {
        TableName: tableName,
        Key: membershipKey(member, urn, groupId, id),
      },
    },
  ];
}

async function transact(deps: Deps, items: TransactItem[]): Promise<void> {
  try {
    await deps.db.send(new TransactWriteCommand({ TransactItems: items }));
  } catch (error) {
    if (cancellationCodes(error).includes('ConditionalCheckFailed')) {
      // The group or the member is not at this centre.
      throw notFound();
    }
    throw error;
  }
}

export async function addMember(
  deps: Deps,
  member: Member,
  urn: string,
  groupId: string,
  id: string,
): Promise<void> {
  await transact(
    deps,
    joinItems(deps.config.TABLE_NAME, member, urn, groupId, id),
  );
}

export async function removeMember(
  deps: Deps,
  member: Member,
  urn: string,
  groupId: string,
  id: string,
): Promise<void> {
  await transact(
    deps,
    leaveItems(deps.config.TABLE_NAME, member, urn, groupId, id),
  );
}

/** Ids of a group's members of one kind, following pages. */
export async function memberIds(
  deps: Deps,
  member: Member,
  urn: string,
  groupId: string,
): Promise<string[]> {
  const ids: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await queryPage(deps.db, {
      TableName: deps.config.TABLE_NAME,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :kind)',
      ExpressionAttributeValues: {
        ':pk': keys.groupPartition(urn, groupId),
        ':kind': member === 'staff' ? 'STAFF#' : 'STUDENT#',
      },
      ExclusiveStartKey: start,
    });
    for (const item of page.items) {
      ids.push(String(item[member === 'staff' ? 'staffId' : 'studentId']));
    }
    start = page.next;
  } while (start);
  return ids;
}

export async function groupExists(
  deps: Deps,
  urn: string,
  groupId: string,
): Promise<boolean> {
  const found = await batchGet(deps.db, deps.config.TABLE_NAME, [
    keys.group(urn, groupId),
  ]);
  return found.length > 0;
}
