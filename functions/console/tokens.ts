/**
 * Signing in: locally with the console's own form (USER_PASSWORD_AUTH
 * against cognito-local), in AWS through Cognito's hosted UI with the
 * authorization code and PKCE. Either way the session ends up holding
 * the tokens Cognito gave, and the API verifies the access token on
 * every call.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface Tokens {
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
}

/** What the console reads from an access token (the API verifies it). */
export interface TokenClaims {
  sub: string;
  username: string;
  expiresAt: Date;
}

export class SignInError extends Error {
  override readonly name = 'SignInError';

  constructor(
    readonly reason: 'refused' | 'challenge',
    options?: ErrorOptions,
  ) {
    super(`sign-in ${reason}`, options);
  }
}

export function claimsOf(accessToken: string): TokenClaims {
  const part = accessToken.split('.')[1] ?? '';
  const payload = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  const username = payload.username ?? payload['cognito:username'] ?? '';

  return {
    sub: String(payload.sub),
    username: String(username),
    expiresAt: new Date(Number(payload.exp) * 1000),
  };
}

/** Cognito's answers to a sign-in that mean "not these details". */
const refusals = [
  'NotAuthorizedException',
  'UserNotFoundException',
  'InvalidParameterException',
  'UserNotConfirmedException',
  'PasswordResetRequiredException',
  // cognito-local's answer to a wrong password; Cognito's is the first.
  'InvalidPasswordException',
];

/**
 * USER_PASSWORD_AUTH: the local sign-in form. InitiateAuth is one of
 * Cognito's unsigned calls, made here with `fetch` in its JSON protocol,
 * so the console's bundle carries no SDK client for it.
 */
export async function passwordSignIn(
  endpoint: string,
  clientId: string,
  username: string,
  password: string,
): Promise<Tokens> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': 'AWSCognitoIdentityProviderService.InitiateAuth',
    },
    body: JSON.stringify({
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: clientId,
      AuthParameters: { USERNAME: username, PASSWORD: password },
    }),
  });
  const answer = (await response.json().catch(() => ({}))) as {
    __type?: string;
    AuthenticationResult?: {
      AccessToken?: string;
      RefreshToken?: string;
      IdToken?: string;
    };
  };
  if (!response.ok) {
    const name =
      String(answer.__type ?? '')
        .split('#')
        .at(-1) ?? '';
    if (refusals.includes(name)) throw new SignInError('refused');
    throw new Error(`Cognito answered ${response.status} ${name}`);
  }
  const result = answer.AuthenticationResult;
  if (!result?.AccessToken) throw new SignInError('challenge');

  return {
    accessToken: result.AccessToken,
    refreshToken: result.RefreshToken,
    idToken: result.IdToken,
  };
}

/** The PKCE verifier and its S256 challenge (RFC 7636). */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');

  return { verifier, challenge };
}

export interface HostedUi {
  domain: string;
  clientId: string;
  redirectUri: string;
}

/** The hosted UI's authorize address for one sign-in attempt. */
export function authorizeUrl(
  ui: HostedUi,
  state: string,
  challenge: string,
): string {
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: ui.clientId,
    redirect_uri: ui.redirectUri,
    // The API's authorizer asks for this scope on every staff route.
    scope: 'openid email aws.cognito.signin.user.admin',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });

  return `${ui.domain}/oauth2/authorize?${query}`;
}

/** Exchanges the hosted UI's code at the pool's token endpoint. */
export async function exchangeCode(
  ui: HostedUi,
  code: string,
  verifier: string,
): Promise<Tokens> {
  const response = await fetch(`${ui.domain}/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: ui.clientId,
      code,
      redirect_uri: ui.redirectUri,
      code_verifier: verifier,
    }).toString(),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new SignInError('refused');
  const body = (await response.json()) as {
    access_token?: string;
    refresh_token?: string;
    id_token?: string;
  };
  if (!body.access_token) throw new SignInError('refused');

  return {
    accessToken: body.access_token,
    refreshToken: body.refresh_token,
    idToken: body.id_token,
  };
}

/** The hosted UI's sign-out, which comes back to the console. */
export function logoutUrl(ui: HostedUi, logoutUri: string): string {
  const query = new URLSearchParams({
    client_id: ui.clientId,
    logout_uri: logoutUri,
  });

  return `${ui.domain}/logout?${query}`;
}
