import {
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type * as z from 'zod/mini';
import { cognitoOf } from '../lib/cognito.js';
import type { Deps } from '../lib/deps.js';
import { conflict, forbidden, notFound } from '../lib/errors.js';
import { keys } from '../lib/keys.js';
import {
  cancellationCodes,
  decodeCursor,
  encodeCursor,
  entity,
  getEntity,
  isConditionFailure,
  type Page,
  queryPage,
} from '../lib/table.js';
import type { createStaffBody, patchStaffBody } from '../schemas.js';
import { type CentreAccess, hasRole, requireStaffRole } from './access.js';
import { inviteSignIn } from './invitations.js';
import { revokeLiveOffersOf } from './offers.js';
import type { Staff } from './types.js';

export type NewStaff = z.infer<typeof createStaffBody>;

/**
 * Who may create whom: a centre admin anyone; the operator only centre
 * admins (for instance when a centre's only admin has left).
 */
export function authoriseStaffCreation(
  access: CentreAccess,
  input: Pick<NewStaff, 'roles'>,
): void {
  // The operator's power to make a centre admin is never shadowed, not even
  // by a staff record someone gave the operator's sign-in at the centre.
  if (access.operator && input.roles.includes('centre-admin')) return;
  if (access.staff) {
    requireStaffRole(access, 'centre-admin');
    return;
  }
  if (access.operator) {
    if (!input.roles.includes('centre-admin')) {
      throw forbidden(
        'OPERATOR_CREATES_ADMINS_ONLY',
        'The operator creates centre admins; a centre admin creates the ' +
          "rest of the centre's staff.",
        { field: 'roles' },
      );
    }
    return;
  }
  requireStaffRole(access, 'centre-admin');
}

/**
 * The Cognito sub of an existing sign-in, or nothing. A sign-in of the
 * operator or helpdesk never becomes a centre's staff: they reach no
 * centre's students.
 */
async function existingSignIn(
  deps: Deps,
  email: string,
): Promise<string | undefined> {
  const poolId = deps.config.USER_POOL_ID;
  let user: {
    Username?: string;
    UserAttributes?: { Name?: string; Value?: string }[];
  };
  try {
    user = await cognitoOf(deps).send(
      new AdminGetUserCommand({ UserPoolId: poolId, Username: email }),
    );
  } catch (error) {
    if ((error as Error).name === 'UserNotFoundException') return undefined;
    throw error;
  }
  const groups = await cognitoOf(deps).send(
    // By the pool's own username: where e-mail is an alias, cognito-local
    // finds the user by e-mail but keeps groups by username.
    new AdminListGroupsForUserCommand({
      UserPoolId: poolId,
      Username: user.Username ?? email,
    }),
  );
  const national = (groups.Groups ?? []).some(
    (g) => g.GroupName === 'operator' || g.GroupName === 'helpdesk',
  );
  if (national) {
    throw conflict(
      'SIGN_IN_NOT_FOR_STAFF',
      'This address belongs to a national operator or helpdesk account, ' +
        "which cannot also be a centre's staff. Use another address.",
      { field: 'email' },
    );
  }
  const sub = user.UserAttributes?.find((a) => a.Name === 'sub')?.Value;
  if (!sub) throw new Error('Cognito user has no sub');
  return sub;
}

/**
 * The Cognito sign-in for an e-mail address, created if it is new: the same
 * person may be staff at another centre, or this may be a retry after a
 * lost answer. The look-up comes first because cognito-local, unlike
 * Cognito, replaces an existing user on AdminCreateUser.
 */
async function ensureSignIn(deps: Deps, input: NewStaff): Promise<string> {
  const existing = await existingSignIn(deps, input.email);
  if (existing) return existing;
  const user = await inviteSignIn(deps, input);
  const created = user?.Attributes?.find((a) => a.Name === 'sub')?.Value;
  if (created) return created;
  // Created by a request running at the same moment.
  const sub = await existingSignIn(deps, input.email);
  if (!sub) throw new Error('Cognito user vanished after creation');
  return sub;
}

/**
 * Creates the sign-in (if new) and the staff record. The record and its
 * e-mail guard are written together, so the same address typed another
 * way cannot become a second person.
 */
export async function createStaff(
  deps: Deps,
  urn: string,
  input: NewStaff,
): Promise<Staff> {
  const TableName = deps.config.TABLE_NAME;
  const taken = await getEntity<{ staffId: string }>(
    deps.db,
    TableName,
    keys.staffEmail(urn, input.email),
  );
  if (taken) throw staffExists();

  const staffId = await ensureSignIn(deps, input);
  const now = deps.clock.now().toISOString();
  const staff: Staff = {
    urn,
    staffId,
    email: input.email,
    givenName: input.givenName,
    familyName: input.familyName,
    roles: input.roles,
    dataIssuer: input.dataIssuer,
    active: true,
    groupIds: [],
    createdAt: now,
    updatedAt: now,
  };
  const { groupIds: _none, ...stored } = staff;
  try {
    await deps.db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName,
              Item: {
                ...keys.staff(urn, staffId),
                ...keys.staffSignIn(urn, staffId),
                type: 'staff',
                ...stored,
              },
              ConditionExpression: 'attribute_not_exists(PK)',
            },
          },
          {
            Put: {
              TableName,
              Item: {
                ...keys.staffEmail(urn, input.email),
                type: 'staffEmail',
                staffId,
              },
              ConditionExpression: 'attribute_not_exists(PK)',
            },
          },
        ],
      }),
    );
  } catch (error) {
    if (cancellationCodes(error).includes('ConditionalCheckFailed')) {
      throw staffExists();
    }
    throw error;
  }
  return staff;
}

const staffExists = () =>
  conflict(
    'STAFF_EMAIL_EXISTS',
    'This centre already has a member of staff with this e-mail address.',
    { field: 'email' },
  );

export async function listStaff(
  deps: Deps,
  urn: string,
  query: { cursor?: string; limit?: number },
): Promise<Page<ReturnType<typeof staffView>>> {
  const page = await queryPage(deps.db, {
    TableName: deps.config.TABLE_NAME,
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :staff)',
    ExpressionAttributeValues: {
      ':pk': keys.centre(urn).PK,
      ':staff': keys.staffPrefix(),
    },
    ExclusiveStartKey: decodeCursor(
      query.cursor,
      { PK: keys.centre(urn).PK },
      { SK: keys.staffPrefix() },
    ),
    Limit: query.limit ?? 100,
  });
  return {
    items: page.items.map((i) => staffView(entity<Staff>(i))),
    cursor: encodeCursor(page.next),
  };
}

export function staffView(staff: Staff) {
  return {
    staffId: staff.staffId,
    email: staff.email,
    givenName: staff.givenName,
    familyName: staff.familyName,
    roles: staff.roles,
    dataIssuer: staff.dataIssuer,
    active: staff.active,
    groupIds: staff.groupIds ?? [],
    createdAt: staff.createdAt,
    updatedAt: staff.updatedAt,
  };
}

/**
 * A centre admin changes roles, the data issuer permission and whether the
 * account is active; a head of year only the data issuer permission, and
 * not a centre admin's.
 */
export async function updateStaff(
  deps: Deps,
  access: CentreAccess,
  staffId: string,
  change: z.infer<typeof patchStaffBody>,
): Promise<Staff> {
  const caller = requireStaffRole(access, 'centre-admin', 'head-of-year');
  const urn = access.centre.urn;
  const target = await getEntity<Staff>(
    deps.db,
    deps.config.TABLE_NAME,
    keys.staff(urn, staffId),
  );
  if (!target) throw notFound();

  if (!hasRole(caller, 'centre-admin')) {
    if (change.roles !== undefined || change.active !== undefined) {
      throw forbidden(
        'HEAD_OF_YEAR_CHANGES_DATA_ISSUER_ONLY',
        'A head of year can change only the data issuer permission. Ask a ' +
          'centre admin to change roles or deactivate an account.',
      );
    }
    if (target.roles.includes('centre-admin')) {
      throw forbidden(
        'CENTRE_ADMIN_PROTECTED',
        'A head of year cannot change a centre admin. Ask another centre ' +
          'admin.',
      );
    }
  }

  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {
    ':now': deps.clock.now().toISOString(),
  };
  const sets = ['updatedAt = :now'];
  for (const [field, value] of Object.entries(change)) {
    if (value === undefined) continue;
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    sets.push(`#${field} = :${field}`);
  }
  try {
    const out = await deps.db.send(
      new UpdateCommand({
        TableName: deps.config.TABLE_NAME,
        Key: keys.staff(urn, staffId),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    const updated = entity<Staff>(out.Attributes ?? {});
    if (change.active === false) {
      await revokeLiveOffersOf(deps, urn, staffId);
    }
    return updated;
  } catch (error) {
    if (isConditionFailure(error)) {
      throw notFound();
    }
    throw error;
  }
}
