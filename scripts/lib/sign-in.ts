/**
 * Signing in as the staff web app does: Cognito's USER_PASSWORD_AUTH
 * flow, against the Cognito endpoint the local stack names. The API wants
 * the access token.
 */
import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { SignInError } from './errors.js';
import type { StackFile } from './stack-file.js';

/**
 * InitiateAuth needs no AWS credentials, and cognito-local ignores them:
 * these are here so the SDK never goes looking for real ones.
 */
const placeholderCredentials = {
  accessKeyId: 'local',
  secretAccessKey: 'local',
} as const;

/**
 * A wrong username or password. Cognito says NotAuthorizedException (or
 * UserNotFoundException); cognito-local says InvalidPasswordException.
 */
const wrongPassword = new Set([
  'NotAuthorizedException',
  'UserNotFoundException',
  'InvalidPasswordException',
]);

/** The SDK marks what the service refused, as against what failed. */
const isRefusal = (error: unknown): error is Error =>
  error instanceof Error && (error as { $fault?: string }).$fault === 'client';

export async function signIn(
  stack: Pick<StackFile, 'cognitoEndpoint' | 'clientId'>,
  username: string,
  password: string,
): Promise<string> {
  const client = new CognitoIdentityProviderClient({
    endpoint: stack.cognitoEndpoint,
    region: 'eu-west-2',
    credentials: placeholderCredentials,
    maxAttempts: 1,
  });
  try {
    const answer = await client.send(
      new InitiateAuthCommand({
        AuthFlow: 'USER_PASSWORD_AUTH',
        ClientId: stack.clientId,
        AuthParameters: { USERNAME: username, PASSWORD: password },
      }),
    );
    const token = answer.AuthenticationResult?.AccessToken;
    if (token) return token;
    throw new SignInError(
      answer.ChallengeName
        ? `Cognito wants ${answer.ChallengeName} before this user can sign ` +
            'in. Finish setting up the account, or give --token.'
        : 'Cognito answered the sign-in without an access token.',
    );
  } catch (error) {
    if (error instanceof SignInError) throw error;
    if (isRefusal(error)) {
      throw new SignInError(
        wrongPassword.has(error.name)
          ? `Cognito refused the sign-in for ${username}: the username or ` +
              'password is wrong.'
          : `Cognito refused the sign-in for ${username} ` +
              `(${error.name}: ${error.message}).`,
        { cause: error },
      );
    }
    throw new SignInError(
      `Signing in at ${stack.cognitoEndpoint} failed (${describe(error)}). ` +
        'Is the local stack running (`npm start`)?',
      { cause: error },
    );
  } finally {
    client.destroy();
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error.cause as { code?: string } | undefined)?.code;
  return (error as { code?: string }).code ?? code ?? error.name;
}
