import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { type Deps, sdkOptions } from './deps.js';

/**
 * The staff user pool's client, made the first time a function asks for
 * it (only the functions that manage sign-ins do) and kept on `deps`.
 */
export function cognitoOf(deps: Deps): CognitoIdentityProviderClient {
  deps.cognito ??= new CognitoIdentityProviderClient(
    sdkOptions(deps.config.COGNITO_ENDPOINT),
  );
  return deps.cognito;
}
