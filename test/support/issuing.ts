import type { JsonWebKey } from 'node:crypto';
import { expect } from 'vitest';
import { apiClient, sampleFile } from './api.js';
import type { LocalStackDescription } from './local-stack.js';
import {
  newCentre,
  newStaff,
  type StaffMember,
  type TestCentre,
} from './scenario.js';

/**
 * What each student says when a tutor asks their date of birth: filled in
 * as tests build centres, by student id.
 */
export const birthdates = new Map<string, string>();

/** The body of a vouch for a student, as a tutor would send it. */
export function vouchFor(
  studentId: string,
  overrides: Record<string, unknown> = {},
) {
  return {
    method: 'in-person',
    dateOfBirth: birthdates.get(studentId) ?? '2000-01-01',
    lookAlikeAcknowledged: true,
    ...overrides,
  };
}

export interface IssuingCentre extends TestCentre {
  tutor: StaffMember;
  /** Group ids by group name. */
  groups: Map<string, string>;
  /** Students of form 11A, in list order. */
  form11a: { studentId: string; legalSurname: string; legalForename: string }[];
}

/**
 * A centre with the sample roster and a form tutor of 11A who holds the
 * data issuer permission: ready to vouch.
 */
export async function issuingCentre(
  stack: LocalStackDescription,
  options: { centreNumber?: string; lifetimeMinutes?: number } = {},
): Promise<IssuingCentre> {
  const call = apiClient(stack.apiUrl);
  const centre = await newCentre(stack, options);
  const imported = await call(
    'POST',
    `/centres/${centre.urn}/students/import`,
    {
      token: centre.admin.token,
      csv: sampleFile('oakfield', 'roster.csv'),
    },
  );
  expect(imported.status).toBe(200);
  if (options.lifetimeMinutes) {
    const policy = await call('PUT', `/centres/${centre.urn}/policy`, {
      token: centre.admin.token,
      json: {
        examsOfficerMayVouch: false,
        offerLifetimeMinutes: options.lifetimeMinutes,
      },
    });
    expect(policy.status).toBe(200);
  }
  const groupList = await call(
    'GET',
    `/centres/${centre.urn}/groups?limit=200`,
    {
      token: centre.admin.token,
    },
  );
  const groups = new Map<string, string>(
    groupList.body.items.map((g: { name: string; groupId: string }) => [
      g.name,
      g.groupId,
    ]),
  );
  const tutor = await newStaff(stack, call, centre.urn, centre.admin.token, {
    roles: ['form-tutor'],
    dataIssuer: true,
    label: 'tutor11a',
  });
  const assigned = await call(
    'PUT',
    `/centres/${centre.urn}/groups/${groups.get('11A')}/staff/${tutor.staffId}`,
    { token: centre.admin.token },
  );
  expect(assigned.status).toBe(200);
  const list = await call('GET', `/centres/${centre.urn}/students?limit=200`, {
    token: tutor.token,
  });
  const { parseRoster } = await import('../../functions/imports/roster.js');
  const dob = new Map(
    parseRoster(sampleFile('oakfield', 'roster.csv').toString('utf8')).rows.map(
      (r) => [r.upn, r.dateOfBirth],
    ),
  );
  let cursor: string | null = null;
  do {
    const suffix: string = cursor ? `&cursor=${cursor}` : '';
    const page = await call(
      'GET',
      `/centres/${centre.urn}/students?limit=200${suffix}`,
      { token: centre.admin.token },
    );
    for (const s of page.body.items) {
      birthdates.set(s.studentId, dob.get(s.upn) ?? '');
    }
    cursor = page.body.cursor;
  } while (cursor);
  return { ...centre, tutor, groups, form11a: list.body.items };
}

/** Vouches for a student and makes the offer: what a tutor does in class. */
export async function vouchAndOffer(
  stack: LocalStackDescription,
  urn: string,
  token: string,
  studentId: string,
) {
  const call = apiClient(stack.apiUrl);
  const vouch = await call(
    'POST',
    `/centres/${urn}/students/${studentId}/vouches`,
    {
      token,
      json: vouchFor(studentId),
    },
  );
  expect(vouch.status).toBe(201);
  const offer = await call(
    'POST',
    `/centres/${urn}/vouches/${vouch.body.vouchId}/offers`,
    {
      token,
    },
  );
  expect(offer.status).toBe(201);
  return {
    vouchId: vouch.body.vouchId as string,
    offerId: offer.body.offerId as string,
    txCode: offer.body.txCode as string,
    credentialOffer: offer.body.credentialOffer as string,
    body: offer.body,
  };
}

/** The pre-authorized code behind an offer URI, as a wallet would read it. */
export async function preAuthorizedCodeOf(credentialOffer: string) {
  const uri = new URL(credentialOffer).searchParams.get('credential_offer_uri');
  const response = await fetch(uri ?? '');
  const offer = await response.json();
  return offer.grants['urn:ietf:params:oauth:grant-type:pre-authorized_code'][
    'pre-authorized_code'
  ] as string;
}

/** A wallet's key pair as JWKs, for proofs a test builds by hand. */
export async function walletKey() {
  const { exportJWK, generateKeyPair } = await import('jose');
  const pair = await generateKeyPair('ES256', { extractable: true });
  return {
    privateJwk: (await exportJWK(pair.privateKey)) as JsonWebKey,
    jwk: (await exportJWK(pair.publicKey)) as JsonWebKey,
  };
}

export type WalletKey = Awaited<ReturnType<typeof walletKey>>;

/** POST /token as a wallet does it: a form and a DPoP proof of its key. */
export async function tokenRequest(
  apiUrl: string,
  form: Record<string, string>,
  key: WalletKey,
  proof: Partial<{ url: string; iat: number }> = {},
) {
  const { dpopProof } = await import('../../scripts/wallet/wallet-client.js');
  const { apiClient } = await import('./api.js');
  const dpop = await dpopProof({
    privateJwk: key.privateJwk,
    jwk: key.jwk,
    method: 'POST',
    url: proof.url ?? `${apiUrl}/token`,
    ...(proof.iat !== undefined ? { iat: proof.iat } : {}),
  });
  return apiClient(apiUrl)('POST', '/token', { form, headers: { DPoP: dpop } });
}
