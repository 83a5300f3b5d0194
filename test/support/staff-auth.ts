/**
 * Staff sign-ins for integration tests, made with cognito-local's admin
 * APIs and signed in with USER_PASSWORD_AUTH, as the staff web app would.
 */
import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  ensureUser,
  generatePassword,
} from '../../scripts/local-stack/cognito.js';
import { localCredentials } from '../../scripts/local-stack/dynamodb.js';

/** The parts of the stack description a sign-in needs. */
export interface CognitoAccess {
  cognitoEndpoint: string;
  userPoolId: string;
  clientId: string;
}

export interface StaffSignIn {
  username: string;
  password: string;
  /** Signs in on first call and reuses the token after. */
  accessToken(): Promise<string>;
}

export interface StaffSignInOptions {
  email: string;
  groups?: string[];
}

function client(stack: CognitoAccess) {
  return new CognitoIdentityProviderClient({
    endpoint: stack.cognitoEndpoint,
    region: 'eu-west-2',
    credentials: localCredentials,
  });
}

/**
 * A confirmed user with a permanent password, in the given groups. The
 * username is the e-mail in lower case, as the API's own staff creation
 * makes it (cognito-local treats case as significant).
 */
export async function createStaffSignIn(
  stack: CognitoAccess,
  options: StaffSignInOptions,
): Promise<StaffSignIn> {
  const username = options.email.toLowerCase();
  const password = generatePassword();
  const cognito = client(stack);
  try {
    await ensureUser(
      cognito,
      stack.userPoolId,
      { username, password },
      options.groups ?? [],
    );
  } finally {
    cognito.destroy();
  }

  return signInFor(stack, username, password);
}

/**
 * For a member of staff the API created: gives the sign-in a password and
 * signs in. Resolves to the access token.
 */
export async function setPasswordAndSignIn(
  stack: CognitoAccess,
  email: string,
): Promise<string> {
  const staff = await createStaffSignIn(stack, { email });

  return staff.accessToken();
}

/** Signs in with USER_PASSWORD_AUTH; resolves to the access token. */
export async function signIn(
  stack: CognitoAccess,
  username: string,
  password: string,
): Promise<string> {
  const cognito = client(stack);
  try {
    const { AuthenticationResult } = await cognito.send(
      new InitiateAuthCommand({
        AuthFlow: 'USER_PASSWORD_AUTH',
        ClientId: stack.clientId,
        AuthParameters: { USERNAME: username, PASSWORD: password },
      }),
    );
    const token = AuthenticationResult?.AccessToken;
    if (!token) throw new Error(`No access token for ${username}`);

    return token;
  } finally {
    cognito.destroy();
  }
}

function signInFor(
  stack: CognitoAccess,
  username: string,
  password: string,
): StaffSignIn {
  let token: Promise<string> | undefined;

  return {
    username,
    password,
    accessToken() {
      token ??= signIn(stack, username, password);
      return token;
    },
  };
}
