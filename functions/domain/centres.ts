import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type * as z from 'zod/mini';
import type { Deps } from '../lib/deps.js';
import { conflict, notFound, unprocessable } from '../lib/errors.js';
import { keys } from '../lib/keys.js';
import {
  decodeCursor,
  encodeCursor,
  entity,
  getEntity,
  isConditionFailure,
  type Page,
  queryPage,
} from '../lib/table.js';
import type {
  createCentreBody,
  patchCentreBody,
  policyBody,
} from '../schemas.js';
import type { CentreAccess } from './access.js';
import { type Centre, defaultPolicy, type Policy } from './types.js';

export async function createCentre(
  deps: Deps,
  input: z.infer<typeof createCentreBody>,
): Promise<{ centre: Centre; created: boolean }> {
  const now = deps.clock.now().toISOString();
  const centre: Centre = {
    ...input,
    status: 'active',
    policy: defaultPolicy,
    onRoll: 0,
    createdAt: now,
    updatedAt: now,
  };
  const TableName = deps.config.TABLE_NAME;

  try {
    await deps.db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName,
              Item: {
                ...keys.centre(input.urn),
                ...keys.centreListing(input.urn),
                type: 'centre',
                ...centre,
              },
              ConditionExpression: 'attribute_not_exists(PK)',
            },
          },
          {
            Put: {
              TableName,
              Item: {
                ...keys.centreNumber(input.centreNumber),
                type: 'centreNumber',
                urn: input.urn,
              },
              ConditionExpression: 'attribute_not_exists(PK)',
            },
          },
        ],
      }),
    );
    return { centre, created: true };
  } catch (error) {
    if ((error as Error).name !== 'TransactionCanceledException') throw error;
    const existing = await getEntity<Centre>(
      deps.db,
      TableName,
      keys.centre(input.urn),
    );
    // A retry of the same request finds what it created: answer it again.
    if (
      existing &&
      existing.centreNumber === input.centreNumber &&
      existing.name === input.name
    ) {
      return { centre: existing, created: false };
    }
    if (existing) {
      throw conflict(
        'CENTRE_EXISTS',
        'A centre with this URN is already onboarded in this region.',
        { field: 'urn' },
      );
    }
    const holder = await getEntity<{ urn: string }>(
      deps.db,
      TableName,
      keys.centreNumber(input.centreNumber),
    );
    if (holder) {
      throw conflict(
        'CENTRE_NUMBER_TAKEN',
        'Another centre in this region already has this centre number.',
        { field: 'centreNumber' },
      );
    }
    throw error;
  }
}

export async function listCentres(
  deps: Deps,
  query: { cursor?: string; limit?: number },
): Promise<Page<Centre>> {
  const page = await queryPage(deps.db, {
    TableName: deps.config.TABLE_NAME,
    IndexName: 'GSI1',
    KeyConditionExpression: 'GSI1PK = :all',
    ExpressionAttributeValues: { ':all': 'CENTRES' },
    ExclusiveStartKey: decodeCursor(query.cursor, { GSI1PK: 'CENTRES' }),
    Limit: query.limit ?? 50,
  });
  return {
    items: page.items.map((i) => entity<Centre>(i)),
    cursor: encodeCursor(page.next),
  };
}

export async function setCentreStatus(
  deps: Deps,
  urn: string,
  input: z.infer<typeof patchCentreBody>,
): Promise<Centre> {
  try {
    const out = await deps.db.send(
      new UpdateCommand({
        TableName: deps.config.TABLE_NAME,
        Key: keys.centre(urn),
        UpdateExpression: 'SET #status = :status, updatedAt = :now',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':status': input.status,
          ':now': deps.clock.now().toISOString(),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return entity<Centre>(out.Attributes ?? {});
  } catch (error) {
    if (isConditionFailure(error)) {
      throw notFound();
    }
    throw error;
  }
}

/**
 * Whether the small-centre exception may be on: only where the centre has
 * at most the configured number of students on roll.
 */
export function isSmallCentre(deps: Deps, centre: Centre): boolean {
  return centre.onRoll <= deps.config.SMALL_CENTRE_MAX_STUDENTS;
}

export async function setPolicy(
  deps: Deps,
  access: CentreAccess,
  input: z.infer<typeof policyBody>,
): Promise<Policy> {
  const max = deps.config.SMALL_CENTRE_MAX_STUDENTS;
  if (input.examsOfficerMayVouch && !isSmallCentre(deps, access.centre)) {
    throw unprocessable(
      'CENTRE_TOO_LARGE_FOR_EXCEPTION',
      `Exams officers may vouch only at a centre with at most ${max} ` +
        'students on roll. Form tutors and subject staff vouch here.',
      { field: 'examsOfficerMayVouch' },
    );
  }
  const policy: Policy = {
    examsOfficerMayVouch: input.examsOfficerMayVouch,
    offerLifetimeMinutes: input.offerLifetimeMinutes,
  };
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.config.TABLE_NAME,
        Key: keys.centre(access.centre.urn),
        UpdateExpression: 'SET policy = :policy, updatedAt = :now',
        // The roll may have grown since it was read: check it again here.
        ConditionExpression: input.examsOfficerMayVouch
          ? 'attribute_exists(PK) AND onRoll <= :max'
          : 'attribute_exists(PK)',
        ExpressionAttributeValues: {
          ':policy': policy,
          ':now': deps.clock.now().toISOString(),
          ...(input.examsOfficerMayVouch ? { ':max': max } : {}),
        },
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) {
      throw unprocessable(
        'CENTRE_TOO_LARGE_FOR_EXCEPTION',
        `Exams officers may vouch only at a centre with at most ${max} ` +
          'students on roll.',
        { field: 'examsOfficerMayVouch' },
      );
    }
    throw error;
  }
  return policy;
}

/** What a centre's staff and the operator see of a centre. */
export function centreView(centre: Centre) {
  return {
    urn: centre.urn,
    centreNumber: centre.centreNumber,
    name: centre.name,
    status: centre.status,
    policy: centre.policy,
    onRoll: centre.onRoll,
    createdAt: centre.createdAt,
    updatedAt: centre.updatedAt,
  };
}
