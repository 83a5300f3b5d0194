import { beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../support/api.js';
import {
  type IssuingCentre,
  issuingCentre,
  vouchAndOffer,
} from '../support/issuing.js';
import { useLocalStack } from '../support/local-stack.js';
import { newStaff } from '../support/scenario.js';
import {
  RecordStatusError,
  redeemOffer,
  refreshRecord,
  verifyEducationRecord,
} from '../support/wallet-client.js';

const stack = useLocalStack();
const call = apiClient(stack.apiUrl);

describe('revoking a record issued in error', () => {
  let centre: IssuingCentre;
  let next = 0;
  const student = () => centre.form11a[next++]?.studentId ?? '';
  const revoke = (token: string, offerId: string, urn = centre.urn) =>
    call('POST', `/centres/${urn}/offers/${offerId}/revoke`, {
      token,
      json: { reason: 'Given to the wrong student in 11A.' },
    });

  beforeAll(async () => {
    centre = await issuingCentre(stack, { lifetimeMinutes: 30 });
  });

  it('marks every credential of the chain invalid and kills its refresh token', async () => {
    const offer = await vouchAndOffer(
      stack,
      centre.urn,
      centre.tutor.token,
      student(),
    );
    const wallet = await redeemOffer({
      credentialOfferUri: offer.credentialOffer,
      txCode: offer.txCode,
    });
    const refreshed = await refreshRecord({ ...wallet, issuer: stack.apiUrl });

    const out = await revoke(centre.tutor.token, offer.offerId);
    const seen = await call(
      'GET',
      `/centres/${centre.urn}/offers/${offer.offerId}`,
      {
        token: centre.tutor.token,
      },
    );
    const statusOf = async (credential: string) =>
      verifyEducationRecord(credential, { issuer: stack.apiUrl }).then(
        () => 0,
        (error: unknown) =>
          error instanceof RecordStatusError ? error.status : -1,
      );
    const again = await refreshRecord({
      ...wallet,
      refreshToken: refreshed.refreshToken,
      issuer: stack.apiUrl,
    }).then(
      () => 'refreshed',
      (error: Error) => error.message,
    );

    expect(out.status).toBe(200);
    expect(out.body).toEqual({
      offerId: offer.offerId,
      status: 'revoked',
      credentialsRevoked: 2,
    });
    expect(seen.body).toMatchObject({
      status: 'revoked',
      revokedReason: 'revoked-by-staff',
    });
    expect(await statusOf(wallet.credential)).toBe(1);
    expect(await statusOf(refreshed.credential)).toBe(1);
    expect(again).toMatch(/invalid_grant/);
  });

  it('stops a live offer before anyone scans it', async () => {
    const offer = await vouchAndOffer(
      stack,
      centre.urn,
      centre.tutor.token,
      student(),
    );

    const out = await revoke(centre.admin.token, offer.offerId);
    const scan = await fetch(
      new URL(offer.credentialOffer).searchParams.get('credential_offer_uri') ??
        '',
    );
    const twice = await revoke(centre.admin.token, offer.offerId);

    expect(out.body).toMatchObject({
      status: 'revoked',
      credentialsRevoked: 0,
    });
    expect(scan.status).toBe(404);
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('OFFER_ALREADY_REVOKED');
  });

  it('lets only the voucher, heads of year and centre admins revoke', async () => {
    const offer = await vouchAndOffer(
      stack,
      centre.urn,
      centre.tutor.token,
      student(),
    );
    const colleague = await newStaff(
      stack,
      call,
      centre.urn,
      centre.admin.token,
      {
        roles: ['subject-staff'],
      },
    );
    const other = await issuingCentre(stack);

    const byColleague = await revoke(colleague.token, offer.offerId);
    const byOtherCentre = await revoke(other.admin.token, offer.offerId);
    const viaOtherCentre = await revoke(
      other.admin.token,
      offer.offerId,
      other.urn,
    );
    const noReason = await call(
      'POST',
      `/centres/${centre.urn}/offers/${offer.offerId}/revoke`,
      { token: centre.tutor.token, json: {} },
    );

    expect(byColleague.status).toBe(403);
    expect(byColleague.body.error.code).toBe('NOT_YOUR_OFFER');
    expect(byOtherCentre.status).toBe(404);
    expect(viaOtherCentre.status).toBe(404);
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.field).toBe('reason');
  });
});
