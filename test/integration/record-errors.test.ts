import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { OutboxEntry } from '../../functions/lib/mailer.js';
import { apiClient } from '../support/api.js';
import { type LinkedWallet, linkWallet } from '../support/http-wallet.js';
import {
  type IssuingCentre,
  issuingCentre,
  vouchAndOffer,
} from '../support/issuing.js';
import { useLocalStack } from '../support/local-stack.js';
import { present as presentRecord } from '../support/reports.js';
import {
  newStaff,
  operatorToken,
  outsider,
  type StaffMember,
} from '../support/scenario.js';

const stack = useLocalStack();
const call = apiClient(stack.apiUrl);

const present = (
  wallet: LinkedWallet,
  options: { nonce?: string; aud?: string } = {},
) => presentRecord(stack.apiUrl, wallet, options);

function outbox(): OutboxEntry[] {
  try {
    return readFileSync(stack.outboxFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  } catch {
    return [];
  }
}

async function eventually<T>(read: () => Promise<T | undefined>) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('it did not happen in time');
    await new Promise((done) => setTimeout(done, 100));
  }
}

describe('a record-error report, from the wallet to the helpdesk', () => {
  let centre: IssuingCentre;
  let wallet: LinkedWallet;
  let otherStaff: StaffMember;
  const report = {
    kind: 'wrong-personal-details',
    details: 'My surname is spelt Smyth, not Smith.\n<b>not markup</b>',
  };

  beforeAll(async () => {
    centre = await issuingCentre(stack, { lifetimeMinutes: 30 });
    const student = centre.form11a[0]?.studentId ?? '';
    const offer = await vouchAndOffer(
      stack,
      centre.urn,
      centre.tutor.token,
      student,
    );
    wallet = await linkWallet(
      stack.apiUrl,
      offer.credentialOffer,
      offer.txCode,
    );
    otherStaff = await newStaff(stack, call, centre.urn, centre.admin.token, {
      roles: ['subject-staff'],
      label: 'other',
    });
  });

  it('routes a report to the voucher, who resolves it; the wallet sees the note', async () => {
    const first = await present(wallet);
    const opened = await call('POST', '/record-errors', {
      json: { presentation: first.presentation, ...report },
    });
    const replayed = await call('POST', '/record-errors', {
      json: { presentation: first.presentation, ...report },
    });
    const retried = await call('POST', '/record-errors', {
      json: { presentation: (await present(wallet)).presentation, ...report },
    });
    const elsewhere = await call('POST', '/record-errors', {
      json: {
        presentation: (await present(wallet, { aud: 'https://other.example' }))
          .presentation,
        ...report,
      },
    });

    expect(opened.status, opened.text).toBe(202);
    expect(opened.body).toEqual({
      reportId: expect.any(String),
      status: 'open',
    });
    expect(retried.status, retried.text).toBe(200);
    expect(retried.body.reportId).toBe(opened.body.reportId);
    for (const refused of [replayed, elsewhere]) {
      expect(refused.status).toBe(401);
      expect(refused.body.error.code).toBe('INVALID_PRESENTATION');
    }

    const reportId = opened.body.reportId as string;
    const path = `/centres/${centre.urn}/error-reports/${reportId}`;
    const assigned = await eventually(async () => {
      const seen = await call('GET', path, { token: centre.tutor.token });
      return seen.status === 200 ? seen : undefined;
    });
    const notice = outbox().find(
      (m) => m.to.includes(centre.tutor.email) && m.subject.includes(reportId),
    );
    const listed = await call(
      'GET',
      `/centres/${centre.urn}/error-reports?assigned=me&status=unresolved`,
      { token: centre.tutor.token },
    );
    const hidden = await call('GET', path, { token: otherStaff.token });

    expect(assigned.body).toMatchObject({
      status: 'open',
      assigneeId: centre.tutor.staffId,
      voucherId: centre.tutor.staffId,
      details: report.details,
    });
    expect(
      assigned.body.history.map((h: { action: string }) => h.action),
    ).toEqual(['reported', 'assigned']);
    expect(notice?.text).not.toContain('Smyth');
    expect(
      listed.body.items.map((r: { reportId: string }) => r.reportId),
    ).toContain(reportId);
    expect(hidden.status).toBe(404);

    const acknowledged = await call('POST', `${path}/acknowledge`, {
      token: centre.tutor.token,
    });
    const resolved = await call('POST', `${path}/resolve`, {
      token: centre.tutor.token,
      json: { outcome: 'corrected', note: 'Your surname is corrected.' },
    });
    const status = await call('POST', `/record-errors/${reportId}/status`, {
      json: { presentation: (await present(wallet)).presentation },
    });

    expect(acknowledged.body.status).toBe('acknowledged');
    expect(resolved.status, resolved.text).toBe(200);
    expect(
      resolved.body.history.map((h: { action: string }) => h.action),
    ).toEqual(['reported', 'assigned', 'acknowledged', 'resolved']);
    expect(status.body).toMatchObject({
      reportId,
      status: 'resolved',
      note: 'Your surname is corrected.',
    });
  });

  it('refers a report to the helpdesk, which replies and closes it', async () => {
    const opened = await call('POST', '/record-errors', {
      json: {
        presentation: (await present(wallet)).presentation,
        kind: 'other',
        details: 'My date of birth is a day out.',
      },
    });
    const reportId = opened.body.reportId as string;
    const path = `/centres/${centre.urn}/error-reports/${reportId}`;
    const helpdesk = await outsider(stack, ['helpdesk']);

    const referred = await call('POST', `${path}/refer`, {
      token: centre.admin.token,
      json: { summary: 'The MIS and the record disagree.' },
    });
    const enquiryId = referred.body.enquiryId as string;
    const open = await call('GET', '/admin/enquiries?status=open', {
      token: helpdesk,
    });
    const staffTry = await call('GET', '/admin/enquiries', {
      token: centre.admin.token,
    });
    const replied = await call('POST', `/admin/enquiries/${enquiryId}/reply`, {
      token: helpdesk,
      json: { message: 'Please send us the MIS export for this student.' },
    });
    const closed = await call('POST', `/admin/enquiries/${enquiryId}/close`, {
      token: helpdesk,
    });
    const after = await call('GET', path, { token: centre.admin.token });

    expect(opened.status).toBe(202);
    expect(referred.body.status).toBe('referred');
    expect(
      open.body.items.map((e: { enquiryId: string }) => e.enquiryId),
    ).toContain(enquiryId);
    expect(staffTry.status).toBe(403);
    expect(replied.body.status).toBe('answered');
    expect(
      outbox().some(
        (m) =>
          m.to.includes(centre.admin.email) && m.subject.includes(reportId),
      ),
    ).toBe(true);
    expect(closed.body.status).toBe('closed');
    expect(after.body).toMatchObject({
      status: 'resolved',
      outcome: 'closed-by-helpdesk',
    });
    expect(after.body.history.map((h: { action: string }) => h.action)).toEqual(
      expect.arrayContaining([
        'referred',
        'helpdesk-replied',
        'helpdesk-closed',
      ]),
    );
  });

  it('tells the operator and a deactivated member of staff why the report list is closed to them', async () => {
    const list = `/centres/${centre.urn}/error-reports`;
    const leaver = await newStaff(stack, call, centre.urn, centre.admin.token, {
      roles: ['subject-staff'],
      label: 'leaver',
    });
    const deactivated = await call(
      'PATCH',
      `/centres/${centre.urn}/staff/${leaver.staffId}`,
      { token: centre.admin.token, json: { active: false } },
    );

    const byOperator = await call('GET', list, {
      token: await operatorToken(stack),
    });
    const byLeaver = await call('GET', list, { token: leaver.token });
    const byStranger = await call('GET', list, {
      token: await outsider(stack),
    });
    const noCentre = await call('GET', '/centres/999999/error-reports', {
      token: centre.admin.token,
    });

    expect(deactivated.status, deactivated.text).toBe(200);
    expect(byOperator.status, byOperator.text).toBe(403);
    expect(byOperator.body.error.code).toBe('NOT_CENTRE_STAFF');
    expect(byLeaver.status, byLeaver.text).toBe(403);
    expect(byLeaver.body.error.code).toBe('STAFF_INACTIVE');
    // Outside the centre, or no centre at all: the same 404.
    expect(byStranger.status, byStranger.text).toBe(404);
    expect(byStranger.body.error.code).toBe('NOT_FOUND');
    expect(noCentre.status, noCentre.text).toBe(404);
    expect(noCentre.body.error.code).toBe('NOT_FOUND');
  });

  it('tells the holder of a withdrawn record to ask the centre, not to retry', async () => {
    const student = centre.form11a[1]?.studentId ?? '';
    const offer = await vouchAndOffer(
      stack,
      centre.urn,
      centre.tutor.token,
      student,
    );
    const withdrawn = await linkWallet(
      stack.apiUrl,
      offer.credentialOffer,
      offer.txCode,
    );
    const revoked = await call(
      'POST',
      `/centres/${centre.urn}/offers/${offer.offerId}/revoke`,
      {
        token: centre.tutor.token,
        json: { reason: 'Issued to the wrong student' },
      },
    );
    expect(revoked.status, revoked.text).toBe(200);

    const answer = await call('POST', '/record-errors', {
      json: {
        presentation: (await present(withdrawn)).presentation,
        kind: 'other',
        details: 'This is not my record.',
      },
    });

    expect(answer.status, answer.text).toBe(403);
    expect(answer.body.error.code).toBe('RECORD_WITHDRAWN');
  });
});
