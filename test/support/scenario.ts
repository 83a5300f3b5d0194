import { randomInt } from 'node:crypto';
import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { Role } from '../../functions/domain/types.js';
import { apiClient, type Call } from './api.js';
import type { LocalStackDescription } from './local-stack.js';
import { createStaffSignIn, setPasswordAndSignIn } from './staff-auth.js';

/**
 * Scenario builders over the running local stack: each makes what it names
 * through the API, as the people using the product would.
 */

export interface StaffMember {
  staffId: string;
  email: string;
  token: string;
}

export interface TestCentre {
  urn: string;
  centreNumber: string;
  admin: StaffMember;
}

const operatorTokens = new Map<string, Promise<string>>();

export function operatorToken(stack: LocalStackDescription): Promise<string> {
  let token = operatorTokens.get(stack.apiUrl);
  if (!token) {
    token = signIn(stack, stack.operator.username, stack.operator.password);
    operatorTokens.set(stack.apiUrl, token);
  }
  return token;
}

/** Signs in with a username and password, as the staff web app does. */
export async function signIn(
  stack: LocalStackDescription,
  username: string,
  password: string,
): Promise<string> {
  const cognito = new CognitoIdentityProviderClient({
    endpoint: stack.cognitoEndpoint,
    region: 'eu-west-2',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const out = await cognito.send(
      new InitiateAuthCommand({
        AuthFlow: 'USER_PASSWORD_AUTH',
        ClientId: stack.clientId,
        AuthParameters: { USERNAME: username, PASSWORD: password },
      }),
    );
    const token = out.AuthenticationResult?.AccessToken;
    if (!token) throw new Error('no access token');
    return token;
  } finally {
    cognito.destroy();
  }
}

let serial = 0;

/** A unique e-mail address for one test's member of staff. */
export function uniqueEmail(label: string): string {
  serial++;
  return `${label}.${Date.now().toString(36)}${serial}${randomInt(1e6)}@test.example.org`;
}

/**
 * A centre of its own for one test, with a signed-in centre admin. A
 * centre number may be asked for (the results files name theirs); other
 * tests then must not ask for the same one.
 */
export async function newCentre(
  stack: LocalStackDescription,
  options: { centreNumber?: string; name?: string } = {},
): Promise<TestCentre> {
  const call = apiClient(stack.apiUrl);
  const operator = await operatorToken(stack);
  for (let attempt = 0; attempt < 20; attempt++) {
    const urn = String(randomInt(100_000, 999_999));
    const centreNumber =
      options.centreNumber ?? String(randomInt(90_000, 99_999));
    const created = await call('POST', '/centres', {
      token: operator,
      json: { urn, centreNumber, name: options.name ?? `Test centre ${urn}` },
    });
    if (created.status === 409 && !options.centreNumber) continue;
    if (created.status !== 201) {
      throw new Error(`centre not created: ${created.status} ${created.text}`);
    }
    const admin = await newStaff(stack, call, urn, operator, {
      roles: ['centre-admin'],
      label: 'admin',
    });
    return { urn, centreNumber, admin };
  }
  throw new Error('no free URN found');
}

export async function newStaff(
  stack: LocalStackDescription,
  call: Call,
  urn: string,
  creatorToken: string,
  options: {
    roles: Role[];
    dataIssuer?: boolean;
    label?: string;
    email?: string;
  },
): Promise<StaffMember> {
  const email = options.email ?? uniqueEmail(options.label ?? 'staff');
  const created = await call('POST', `/centres/${urn}/staff`, {
    token: creatorToken,
    json: {
      email,
      givenName: 'Test',
      familyName: options.label ?? 'Staff',
      roles: options.roles,
      dataIssuer: options.dataIssuer ?? false,
    },
  });
  if (created.status !== 201) {
    throw new Error(`staff not created: ${created.status} ${created.text}`);
  }
  const token = await setPasswordAndSignIn(stack, email);
  return { staffId: created.body.staffId, email, token };
}

/** A sign-in with no staff record anywhere, optionally in pool groups. */
export async function outsider(
  stack: LocalStackDescription,
  groups: string[] = [],
): Promise<string> {
  const signIn = await createStaffSignIn(stack, {
    email: uniqueEmail('outsider'),
    groups,
  });
  return signIn.accessToken();
}
