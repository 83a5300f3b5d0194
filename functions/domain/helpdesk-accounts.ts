import {
  AdminAddUserToGroupCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  AdminRemoveUserFromGroupCommand,
  ListUsersCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type * as z from 'zod/mini';
import type { createHelpdeskStaffBody } from '../admin-schemas.js';
import { recordAudit } from '../lib/audit.js';
import type { Caller } from '../lib/auth.js';
import { cognitoOf } from '../lib/cognito.js';
import type { Deps } from '../lib/deps.js';
import { conflict, notFound } from '../lib/errors.js';
import { keys, table } from '../lib/keys.js';
import { queryPage } from '../lib/table.js';
import { inviteSignIn } from './invitations.js';

export type NewHelpdeskStaff = z.infer<typeof createHelpdeskStaffBody>;

/** The Cognito group whose members the helpdesk routes admit. */
export const helpdeskGroup = 'helpdesk';

export interface HelpdeskAccount {
  /** The sign-in's Cognito `sub`. */
  staffId: string;
  email: string;
  givenName?: string;
  familyName?: string;
  enabled: boolean;
}

interface CognitoUser {
  Username?: string;
  Enabled?: boolean;
  UserAttributes?: { Name?: string; Value?: string }[];
  Attributes?: { Name?: string; Value?: string }[];
}

const attribute = (user: CognitoUser, name: string) =>
  (user.UserAttributes ?? user.Attributes)?.find((a) => a.Name === name)?.Value;

function accountOf(user: CognitoUser): HelpdeskAccount {
  const sub = attribute(user, 'sub');
  if (!sub) throw new Error('Cognito user has no sub');
  return {
    staffId: sub,
    email: attribute(user, 'email') ?? '',
    givenName: attribute(user, 'given_name'),
    familyName: attribute(user, 'family_name'),
    enabled: user.Enabled ?? true,
  };
}

async function getUser(
  deps: Deps,
  username: string,
): Promise<CognitoUser | undefined> {
  try {
    return await cognitoOf(deps).send(
      new AdminGetUserCommand({
        UserPoolId: deps.config.USER_POOL_ID,
        Username: username,
      }),
    );
  } catch (error) {
    if ((error as Error).name === 'UserNotFoundException') return undefined;
    throw error;
  }
}

async function groupsOf(deps: Deps, username: string): Promise<string[]> {
  const out = await cognitoOf(deps).send(
    new AdminListGroupsForUserCommand({
      UserPoolId: deps.config.USER_POOL_ID,
      Username: username,
    }),
  );
  return (out.Groups ?? []).flatMap((g) => (g.GroupName ? [g.GroupName] : []));
}

/** Whether a sign-in holds a staff record at any centre. */
async function isCentreStaff(deps: Deps, sub: string): Promise<boolean> {
  const index = table.indexes.gsi1;
  const page = await queryPage(deps.db, {
    TableName: deps.config.TABLE_NAME,
    IndexName: index.name,
    KeyConditionExpression: `${index.partitionKey} = :pk`,
    ExpressionAttributeValues: {
      ':pk': keys.signInPartition(sub),
    },
    Limit: 1,
  });
  return page.items.length > 0;
}

const notForHelpdesk = () =>
  conflict(
    'SIGN_IN_NOT_FOR_HELPDESK',
    "This address belongs to a centre's staff or the operator, who " +
      'cannot also be the helpdesk. Use another address.',
    { field: 'email' },
  );

/**
 * Gives a person a helpdesk sign-in: the same Cognito invitation staff get,
 * and membership of the `helpdesk` group. Safe to retry: an address that
 * is already the helpdesk's answers with the account as it is. A removed
 * account given again is enabled again. `created` says whether a sign-in
 * was made.
 */
export async function createHelpdeskStaff(
  deps: Deps,
  caller: Caller,
  input: NewHelpdeskStaff,
): Promise<{ account: HelpdeskAccount; created: boolean }> {
  let user = await getUser(deps, input.email);
  let created = false;
  if (user) {
    const username = user.Username ?? input.email;
    const groups = await groupsOf(deps, username);
    const sub = attribute(user, 'sub') ?? '';
    if (groups.includes('operator') || (await isCentreStaff(deps, sub))) {
      throw notForHelpdesk();
    }
    if (!user.Enabled && user.Enabled !== undefined) {
      await cognitoOf(deps).send(
        new AdminEnableUserCommand({
          UserPoolId: deps.config.USER_POOL_ID,
          Username: username,
        }),
      );
      user = { ...user, Enabled: true };
    }
  } else {
    user = await inviteUser(deps, input);
    created = true;
  }

  const username = user.Username ?? input.email;
  await cognitoOf(deps).send(
    new AdminAddUserToGroupCommand({
      UserPoolId: deps.config.USER_POOL_ID,
      Username: username,
      GroupName: helpdeskGroup,
    }),
  );
  const account = accountOf(user);
  await deps.db.send(
    new DeleteCommand({
      TableName: deps.config.TABLE_NAME,
      Key: keys.helpdeskRemoval(account.staffId),
    }),
  );
  await recordAudit(deps, 'helpdesk-account-given', caller, {
    staffId: account.staffId,
  });
  return { account, created };
}

async function inviteUser(
  deps: Deps,
  input: NewHelpdeskStaff,
): Promise<CognitoUser> {
  const invited = await inviteSignIn(deps, input);
  if (invited) return invited;
  // Created by a request running at the same moment.
  const user = await getUser(deps, input.email);
  if (!user) throw new Error('Cognito user vanished after creation');
  return user;
}

/** The sign-in whose `sub` this is, or nothing. */
async function userBySub(
  deps: Deps,
  sub: string,
): Promise<CognitoUser | undefined> {
  // The sub is checked as an identifier before it gets here, so it holds
  // no quote that could end the filter's string.
  const out = await cognitoOf(deps).send(
    new ListUsersCommand({
      UserPoolId: deps.config.USER_POOL_ID,
      Filter: `sub = "${sub}"`,
      Limit: 1,
    }),
  );
  return out.Users?.[0];
}

/**
 * Takes a helpdesk account away: out of the `helpdesk` group and the
 * sign-in disabled (a disabled user can neither sign in nor refresh its
 * tokens), not deleted, so that the
 * audit entries naming its `sub` still name someone the pool knows. An
 * access token already issued would carry the group for up to an hour,
 * so the removal is also written to the table, and the helpdesk routes
 * refuse that `sub` at once. 404 for a sign-in that is not the helpdesk's.
 */
export async function removeHelpdeskStaff(
  deps: Deps,
  caller: Caller,
  staffId: string,
): Promise<HelpdeskAccount> {
  const user = await userBySub(deps, staffId);
  if (!user?.Username) throw notFound();
  const username = user.Username;
  const groups = await groupsOf(deps, username);
  if (!groups.includes(helpdeskGroup)) throw notFound();

  const pool = { UserPoolId: deps.config.USER_POOL_ID, Username: username };
  await deps.db.send(
    new PutCommand({
      TableName: deps.config.TABLE_NAME,
      Item: {
        ...keys.helpdeskRemoval(staffId),
        type: 'helpdeskRemoval',
        staffId,
        removedAt: deps.clock.now().toISOString(),
        removedBy: caller.sub,
      },
    }),
  );
  await cognitoOf(deps).send(
    new AdminRemoveUserFromGroupCommand({ ...pool, GroupName: helpdeskGroup }),
  );
  await cognitoOf(deps).send(new AdminDisableUserCommand(pool));
  await recordAudit(deps, 'helpdesk-account-removed', caller, { staffId });
  return { ...accountOf(user), enabled: false };
}
