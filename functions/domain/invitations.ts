import {
  AdminCreateUserCommand,
  type UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import { cognitoOf } from '../lib/cognito.js';
import type { Deps } from '../lib/deps.js';

/** Who an invitation is for: the sign-in's e-mail address and name. */
export interface Invitee {
  email: string;
  givenName: string;
  familyName: string;
}

/**
 * Creates a Cognito sign-in and sends its invitation (staff and helpdesk
 * alike). Answers the new user, or nothing when a request running at the
 * same moment created it first: the caller then reads it back.
 */
export async function inviteSignIn(
  deps: Deps,
  invitee: Invitee,
): Promise<UserType | undefined> {
  try {
    const out = await cognitoOf(deps).send(
      new AdminCreateUserCommand({
        UserPoolId: deps.config.USER_POOL_ID,
        Username: invitee.email,
        UserAttributes: [
          { Name: 'email', Value: invitee.email },
          { Name: 'email_verified', Value: 'true' },
          { Name: 'given_name', Value: invitee.givenName },
          { Name: 'family_name', Value: invitee.familyName },
        ],
        DesiredDeliveryMediums: ['EMAIL'],
        ...(deps.config.INVITE_MESSAGE_ACTION === 'SUPPRESS'
          ? { MessageAction: 'SUPPRESS' }
          : {}),
      }),
    );
    return out.User;
  } catch (error) {
    if ((error as Error).name === 'UsernameExistsException') return undefined;
    throw error;
  }
}
