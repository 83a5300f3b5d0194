import {
  type CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cognitoClient,
  ensureUser,
  generatePassword,
} from '../../scripts/local-stack/cognito.js';
import { apiClient } from '../support/api.js';
import {
  type CognitoLocalKey,
  cognitoLocalKey,
  nowSeconds,
  signHs256WithPublicKey,
  signRs256,
  tokenParts,
  unsigned,
} from '../support/forged-tokens.js';
import { useLocalStack } from '../support/local-stack.js';
import {
  newCentre,
  type TestCentre,
  uniqueEmail,
} from '../support/scenario.js';
import { createStaffSignIn } from '../support/staff-auth.js';

const stack = useLocalStack();
const call = apiClient(stack.apiUrl);

/** The one answer every refused token gets: nothing says why. */
const refusal = {
  error: { code: 'UNAUTHORIZED', message: 'Sign in again to continue.' },
};

interface Tokens {
  accessToken: string;
  idToken: string;
}

async function passwordSignIn(
  cognito: CognitoIdentityProviderClient,
  clientId: string,
  username: string,
  password: string,
): Promise<Tokens> {
  const { AuthenticationResult: result } = await cognito.send(
    new InitiateAuthCommand({
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: clientId,
      AuthParameters: { USERNAME: username, PASSWORD: password },
    }),
  );
  if (!result?.AccessToken || !result.IdToken) {
    throw new Error(`no tokens for ${username}`);
  }
  return { accessToken: result.AccessToken, idToken: result.IdToken };
}

async function newClient(
  cognito: CognitoIdentityProviderClient,
  userPoolId: string,
  clientName: string,
): Promise<string> {
  const { UserPoolClient } = await cognito.send(
    new CreateUserPoolClientCommand({
      UserPoolId: userPoolId,
      ClientName: clientName,
      GenerateSecret: false,
      ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'],
    }),
  );
  if (!UserPoolClient?.ClientId) throw new Error('no app client id');
  return UserPoolClient.ClientId;
}

describe('token attacks on staff routes', () => {
  const cognito = cognitoClient(stack.cognitoEndpoint);
  let centre: TestCentre;
  let key: CognitoLocalKey;
  let claims: JWTPayload;
  let path: string;
  /** A signed-in user of the API's own pool and app client. */
  let member: { username: string; password: string };

  const get = (authorization: string) =>
    call('GET', path, { headers: { Authorization: authorization } });
  const withToken = (token: string) => get(`Bearer ${token}`);

  beforeAll(async () => {
    centre = await newCentre(stack);
    path = `/centres/${centre.urn}`;
    key = await cognitoLocalKey();
    claims = tokenParts(centre.admin.token).claims;
    const signIn = await createStaffSignIn(stack, {
      email: uniqueEmail('token-attacks'),
    });
    member = { username: signIn.username, password: signIn.password };
  });

  afterAll(() => cognito.destroy());

  it("answers the centre admin's real token with the centre", async () => {
    const answer = await withToken(centre.admin.token);

    expect(answer.status).toBe(200);
    expect(answer.body.urn).toBe(centre.urn);
  });

  it('accepts the real claims re-signed with the local key', async () => {
    // The control for every forgery below: each changes one thing only.
    const { header } = tokenParts(centre.admin.token);
    const answer = await withToken(await signRs256(key, claims));

    expect(header).toEqual({ alg: 'RS256', kid: key.kid, typ: 'JWT' });
    expect(answer.status).toBe(200);
    expect(answer.body.urn).toBe(centre.urn);
  });

  it('accepts the scheme name in lower case', async () => {
    const answer = await get(`bearer ${centre.admin.token}`);

    expect(answer.status).toBe(200);
    expect(answer.body.urn).toBe(centre.urn);
  });

  it('refuses an unsigned token (alg none)', async () => {
    const answer = await withToken(unsigned(claims, key.kid));

    expect(answer.status).toBe(401);
    expect(answer.body).toEqual(refusal);
  });

  it('refuses HS256 keyed with the public key', async () => {
    const answer = await withToken(await signHs256WithPublicKey(key, claims));

    expect(answer.status).toBe(401);
    expect(answer.body).toEqual(refusal);
  });

  it('refuses an expired token', async () => {
    const now = nowSeconds();
    const token = await signRs256(key, {
      ...claims,
      iat: now - 7200,
      auth_time: now - 7200,
      exp: now - 600,
    });

    const answer = await withToken(token);

    expect(answer.status).toBe(401);
    expect(answer.body).toEqual(refusal);
  });

  it('refuses a token not valid until later', async () => {
    const later = nowSeconds() + 600;
    const token = await signRs256(key, {
      ...claims,
      nbf: later,
      iat: later,
      auth_time: later,
      exp: later + 3600,
    });

    const answer = await withToken(token);

    expect(answer.status).toBe(401);
    expect(answer.body).toEqual(refusal);
  });

  it('refuses a token naming another pool as issuer', async () => {
    const issuer = stack.cognitoIssuer.replace(
      stack.userPoolId,
      'local_0therPool',
    );
    expect(issuer).not.toBe(stack.cognitoIssuer);

    const answer = await withToken(
      await signRs256(key, { ...claims, iss: issuer }),
    );

    expect(answer.status).toBe(401);
    expect(answer.body).toEqual(refusal);
  });

  it("refuses another app client's token, real or forged", async () => {
    const clientId = await newClient(cognito, stack.userPoolId, 'other-app');
    const real = await passwordSignIn(
      cognito,
      clientId,
      member.username,
      member.password,
    );
    const forged = await signRs256(key, { ...claims, client_id: clientId });

    const answers = [
      await withToken(real.accessToken),
      await withToken(forged),
    ];

    expect(tokenParts(real.accessToken).claims.client_id).toBe(clientId);
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual(refusal);
    }
  });

  it('refuses an ID token in place of an access token, real or forged', async () => {
    const real = await passwordSignIn(
      cognito,
      stack.clientId,
      member.username,
      member.password,
    );
    const forged = await signRs256(key, { ...claims, token_use: 'id' });

    const answers = [await withToken(real.idToken), await withToken(forged)];

    expect(tokenParts(real.idToken).claims.token_use).toBe('id');
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual(refusal);
    }
  });

  it('refuses a token whose kid the JWKS does not hold', async () => {
    const token = await signRs256(key, claims, 'AnotherKey');

    const answer = await withToken(token);

    expect(answer.status).toBe(401);
    expect(answer.body).toEqual(refusal);
  });

  it('refuses a real token from another pool of the same cognito-local', async () => {
    const { UserPool } = await cognito.send(
      new CreateUserPoolCommand({
        PoolName: `token-attacks-${Date.now()}`,
        UsernameAttributes: ['email'],
      }),
    );
    const poolId = UserPool?.Id;
    if (!poolId) throw new Error('no pool id');
    const clientId = await newClient(cognito, poolId, 'staff');
    const user = {
      username: uniqueEmail('other-pool'),
      password: generatePassword(),
    };
    await ensureUser(cognito, poolId, user, []);
    const { accessToken } = await passwordSignIn(
      cognito,
      clientId,
      user.username,
      user.password,
    );

    const answer = await withToken(accessToken);

    expect(tokenParts(accessToken).header.kid).toBe(key.kid);
    expect(tokenParts(accessToken).claims.iss).not.toBe(stack.cognitoIssuer);
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual(refusal);
  });

  it('refuses a token sent with no scheme', async () => {
    const answer = await get(centre.admin.token);

    expect(answer.status).toBe(401);
    expect(answer.body).toEqual(refusal);
  });

  it('refuses a token sent with the Basic scheme', async () => {
    const answer = await get(`Basic ${centre.admin.token}`);

    expect(answer.status).toBe(401);
    expect(answer.body).toEqual(refusal);
  });

  it('refuses a bearer value that is not a token', async () => {
    const answer = await get('Bearer not-a-token');

    expect(answer.status).toBe(401);
    expect(answer.body).toEqual(refusal);
  });
});
