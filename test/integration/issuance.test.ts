import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiClient, studentIdsByUpn } from '../support/api.js';
import {
  birthdates,
  type IssuingCentre,
  issuingCentre,
  vouchAndOffer,
  vouchFor,
} from '../support/issuing.js';
import { useLocalStack } from '../support/local-stack.js';
import { newStaff, operatorToken } from '../support/scenario.js';

const stack = useLocalStack();
const call = apiClient(stack.apiUrl);

function decodeQr(dataUrl: string): string | undefined {
  const png = PNG.sync.read(
    Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ''), 'base64'),
  );
  const decode = jsQR as unknown as (
    data: Uint8ClampedArray,
    w: number,
    h: number,
  ) => { data: string } | null;
  return decode(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
}

describe('vouching', () => {
  let centre: IssuingCentre;
  const vouch = (
    token: string,
    studentId: string,
    json: unknown = vouchFor(studentId),
  ) =>
    call('POST', `/centres/${centre.urn}/students/${studentId}/vouches`, {
      token,
      json,
    });

  beforeAll(async () => {
    centre = await issuingCentre(stack);
  });

  it("records a vouch by a data issuer assigned to the student's group", async () => {
    const student = centre.form11a[0];

    const out = await vouch(
      centre.tutor.token,
      student?.studentId ?? '',
      vouchFor(student?.studentId ?? '', { method: 'mis-photo' }),
    );

    expect(out.status).toBe(201);
    expect(out.body).toMatchObject({
      studentId: student?.studentId,
      method: 'mis-photo',
    });
    const age =
      new Date(out.body.expiresAt).getTime() -
      new Date(out.body.createdAt).getTime();
    expect(age).toBe(5 * 60_000);
  });

  it("refuses a student outside the tutor's groups, saying who should vouch", async () => {
    const all = await call('GET', `/centres/${centre.urn}/students?limit=200`, {
      token: centre.admin.token,
    });
    const other = all.body.items.find(
      (s: { form: string }) => s.form === '11C',
    );

    const out = await vouch(centre.tutor.token, other.studentId);

    expect(out.status).toBe(403);
    expect(out.body.error.code).toBe('NOT_IN_STUDENT_GROUPS');
    expect(out.body.error.message).toMatch(/form tutor/);
  });

  it('refuses a member of staff without the data issuer permission', async () => {
    const teacher = await newStaff(
      stack,
      call,
      centre.urn,
      centre.admin.token,
      {
        roles: ['form-tutor'],
      },
    );

    const out = await vouch(teacher.token, centre.form11a[0]?.studentId ?? '');

    expect(out.status).toBe(403);
    expect(out.body.error.code).toBe('NOT_DATA_ISSUER');
  });

  it('refuses an exams officer at a centre without the exception', async () => {
    const exams = await newStaff(stack, call, centre.urn, centre.admin.token, {
      roles: ['exams-officer'],
      dataIssuer: true,
    });
    await call(
      'PUT',
      `/centres/${centre.urn}/groups/${centre.groups.get('11A')}/staff/${exams.staffId}`,
      {
        token: centre.admin.token,
      },
    );

    const out = await vouch(exams.token, centre.form11a[0]?.studentId ?? '');

    expect(out.status).toBe(403);
    expect(out.body.error.code).toBe('EXAMS_OFFICER_MAY_NOT_VOUCH');
    expect(out.body.error.message).toMatch(/do not normally vouch/);
  });

  it('refuses everyone at a suspended centre, and allows them again after', async () => {
    const operator = await operatorToken(stack);
    await call('PATCH', `/centres/${centre.urn}`, {
      token: operator,
      json: { status: 'suspended' },
    });
    const suspended = await vouch(
      centre.tutor.token,
      centre.form11a[0]?.studentId ?? '',
    );
    await call('PATCH', `/centres/${centre.urn}`, {
      token: operator,
      json: { status: 'active' },
    });
    const active = await vouch(
      centre.tutor.token,
      centre.form11a[0]?.studentId ?? '',
    );

    expect(suspended.status).toBe(403);
    expect(suspended.body.error.code).toBe('CENTRE_SUSPENDED');
    expect(active.status).toBe(201);
  });

  it('takes away the permission on the very next request', async () => {
    const tutor = await newStaff(stack, call, centre.urn, centre.admin.token, {
      roles: ['form-tutor'],
      dataIssuer: true,
    });
    await call(
      'PUT',
      `/centres/${centre.urn}/groups/${centre.groups.get('11A')}/staff/${tutor.staffId}`,
      {
        token: centre.admin.token,
      },
    );
    const before = await vouch(tutor.token, centre.form11a[1]?.studentId ?? '');
    await call('PATCH', `/centres/${centre.urn}/staff/${tutor.staffId}`, {
      token: centre.admin.token,
      json: { dataIssuer: false },
    });
    const after = await vouch(tutor.token, centre.form11a[1]?.studentId ?? '');

    expect(before.status).toBe(201);
    expect(after.status).toBe(403);
    expect(after.body.error.code).toBe('NOT_DATA_ISSUER');
  });

  it('answers 404 for a student of another centre, or none', async () => {
    const other = await issuingCentre(stack);

    const foreign = await vouch(
      centre.tutor.token,
      other.form11a[0]?.studentId ?? '',
    );
    const none = await vouch(centre.tutor.token, 'AAAAAAAAAAAAAAAAAAAAAA');

    expect(foreign.status).toBe(404);
    expect(none.status).toBe(404);
    expect(foreign.body).toEqual(none.body);
  });

  it('refuses an unknown method', async () => {
    const out = await vouch(
      centre.tutor.token,
      centre.form11a[0]?.studentId ?? '',
      {
        method: 'telepathy',
      },
    );

    expect(out.status).toBe(400);
    expect(out.body.error.field).toBe('method');
  });
});

describe('offers', () => {
  let centre: IssuingCentre;

  beforeAll(async () => {
    centre = await issuingCentre(stack);
  });

  it('answers a QR code that decodes to the offer URI and holds no tx_code', async () => {
    const student = centre.form11a[2]?.studentId ?? '';

    const offer = await vouchAndOffer(
      stack,
      centre.urn,
      centre.tutor.token,
      student,
    );

    expect(offer.body.txCode).toMatch(/^\d{6}$/);
    expect(offer.credentialOffer).toMatch(
      /^openid-credential-offer:\/\/\?credential_offer_uri=/,
    );
    expect(decodeQr(offer.body.qr.png)).toBe(offer.credentialOffer);
    expect(offer.credentialOffer).not.toContain(offer.txCode);
    expect(offer.body.qr.svg).toMatch(/^<svg|<\?xml/);
    const offerUrl = new URL(
      new URL(offer.credentialOffer).searchParams.get('credential_offer_uri') ??
        '',
    );
    expect(['localhost', '127.0.0.1']).toContain(offerUrl.hostname);
  });

  it('makes a vouch good for one offer only', async () => {
    const student = centre.form11a[3]?.studentId ?? '';
    const offer = await vouchAndOffer(
      stack,
      centre.urn,
      centre.tutor.token,
      student,
    );

    const again = await call(
      'POST',
      `/centres/${centre.urn}/vouches/${offer.vouchId}/offers`,
      {
        token: centre.tutor.token,
      },
    );

    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('VOUCH_USED');
  });

  it('lets only the member of staff who vouched make the offer', async () => {
    const student = centre.form11a[4]?.studentId ?? '';
    const vouch = await call(
      'POST',
      `/centres/${centre.urn}/students/${student}/vouches`,
      {
        token: centre.tutor.token,
        json: vouchFor(student),
      },
    );
    const colleague = await newStaff(
      stack,
      call,
      centre.urn,
      centre.admin.token,
      {
        roles: ['form-tutor'],
        dataIssuer: true,
      },
    );

    const out = await call(
      'POST',
      `/centres/${centre.urn}/vouches/${vouch.body.vouchId}/offers`,
      {
        token: colleague.token,
      },
    );

    expect(out.status).toBe(403);
    expect(out.body.error.code).toBe('VOUCH_NOT_YOURS');
  });

  it("revokes a student's earlier unredeemed offer when a new one is made", async () => {
    const student = centre.form11a[5]?.studentId ?? '';
    const first = await vouchAndOffer(
      stack,
      centre.urn,
      centre.tutor.token,
      student,
    );
    const second = await vouchAndOffer(
      stack,
      centre.urn,
      centre.tutor.token,
      student,
    );

    const old = await call(
      'GET',
      `/centres/${centre.urn}/offers/${first.offerId}`,
      {
        token: centre.tutor.token,
      },
    );
    const current = await call(
      'GET',
      `/centres/${centre.urn}/offers/${second.offerId}`,
      {
        token: centre.tutor.token,
      },
    );
    const list = await call(
      'GET',
      `/centres/${centre.urn}/students?limit=200`,
      {
        token: centre.tutor.token,
      },
    );

    expect(old.body).toMatchObject({
      status: 'revoked',
      revokedReason: 'replaced',
    });
    expect(current.body.status).toBe('issued');
    const item = list.body.items.find(
      (s: { studentId: string }) => s.studentId === student,
    );
    expect(item.latestOffer).toMatchObject({
      offerId: second.offerId,
      status: 'issued',
    });
  });

  it('keeps exactly one live offer when two are made for one student at once', async () => {
    const student = centre.form11a[6]?.studentId ?? '';
    const vouches = await Promise.all(
      [1, 2, 3].map(() =>
        call('POST', `/centres/${centre.urn}/students/${student}/vouches`, {
          token: centre.tutor.token,
          json: vouchFor(student),
        }),
      ),
    );

    const offers = await Promise.all(
      vouches.map((v) =>
        call(
          'POST',
          `/centres/${centre.urn}/vouches/${v.body.vouchId}/offers`,
          {
            token: centre.tutor.token,
          },
        ),
      ),
    );
    const statuses = await Promise.all(
      offers
        .filter((o) => o.status === 201)
        .map((o) =>
          call('GET', `/centres/${centre.urn}/offers/${o.body.offerId}`, {
            token: centre.tutor.token,
          }),
        ),
    );

    expect(offers.every((o) => [201, 409].includes(o.status))).toBe(true);
    expect(statuses.filter((s) => s.body.status === 'issued')).toHaveLength(1);
  });

  it("shows the offer to its creator and the centre's admins, not to others", async () => {
    const student = centre.form11a[7]?.studentId ?? '';
    const offer = await vouchAndOffer(
      stack,
      centre.urn,
      centre.tutor.token,
      student,
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
    const path = `/centres/${centre.urn}/offers/${offer.offerId}`;

    const byAdmin = await call('GET', path, { token: centre.admin.token });
    const byColleague = await call('GET', path, { token: colleague.token });
    const byOther = await call('GET', path, { token: other.admin.token });
    const viaOther = await call(
      'GET',
      `/centres/${other.urn}/offers/${offer.offerId}`,
      {
        token: other.admin.token,
      },
    );

    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body).not.toHaveProperty('txCode');
    expect(byColleague.status).toBe(403);
    expect(byColleague.body.error.code).toBe('NOT_YOUR_OFFER');
    expect(byOther.status).toBe(404);
    expect(viaOther.status).toBe(404);
  });
});

describe('a vouch overtaken by events', () => {
  it("makes no offer once the student has left the tutor's groups", async () => {
    const centre = await issuingCentre(stack);
    const student = centre.form11a[0]?.studentId ?? '';
    const vouch = await call(
      'POST',
      `/centres/${centre.urn}/students/${student}/vouches`,
      { token: centre.tutor.token, json: vouchFor(student) },
    );
    await call(
      'DELETE',
      `/centres/${centre.urn}/groups/${centre.groups.get('11A')}/students/${student}`,
      { token: centre.admin.token },
    );

    const offer = await call(
      'POST',
      `/centres/${centre.urn}/vouches/${vouch.body.vouchId}/offers`,
      { token: centre.tutor.token },
    );

    expect(offer.status).toBe(403);
    expect(offer.body.error.code).toBe('NOT_IN_STUDENT_GROUPS');
  });

  it('loses its live code when the member of staff who made it is deactivated', async () => {
    const centre = await issuingCentre(stack);
    const made = await vouchAndOffer(
      stack,
      centre.urn,
      centre.tutor.token,
      centre.form11a[1]?.studentId ?? '',
    );

    await call(
      'PATCH',
      `/centres/${centre.urn}/staff/${centre.tutor.staffId}`,
      {
        token: centre.admin.token,
        json: { active: false },
      },
    );
    const seen = await call(
      'GET',
      `/centres/${centre.urn}/offers/${made.offerId}`,
      {
        token: centre.admin.token,
      },
    );

    expect(seen.body).toMatchObject({
      status: 'revoked',
      revokedReason: 'staff-deactivated',
    });
  });

  it("loses its code when the student's details change in the MIS", async () => {
    const centre = await issuingCentre(stack);
    const student = centre.form11a[2];
    const made = await vouchAndOffer(
      stack,
      centre.urn,
      centre.tutor.token,
      student?.studentId ?? '',
    );
    const { sampleFile } = await import('../support/api.js');
    const roster = sampleFile('oakfield', 'roster.csv')
      .toString('utf8')
      .replace(
        `,${student?.legalSurname},${student?.legalForename},`,
        `,Someone,Else,`,
      );
    const update = await call(
      'POST',
      `/centres/${centre.urn}/students/import`,
      {
        token: centre.admin.token,
        csv: roster,
      },
    );

    const seen = await call(
      'GET',
      `/centres/${centre.urn}/offers/${made.offerId}`,
      {
        token: centre.tutor.token,
      },
    );

    expect(update.body.updated).toBe(1);
    expect(seen.body).toMatchObject({
      status: 'revoked',
      revokedReason: 'student-details-changed',
    });
  });
});

describe('checking who is in front of you', () => {
  let centre: IssuingCentre;
  const byUpn = new Map<string, string>();

  beforeAll(async () => {
    centre = await issuingCentre(stack);
    const ids = await studentIdsByUpn(call, centre.urn, centre.admin.token);
    for (const [upn, id] of ids) byUpn.set(upn, id);
  });

  const vouch = (studentId: string, overrides: Record<string, unknown>) =>
    call('POST', `/centres/${centre.urn}/students/${studentId}/vouches`, {
      token: centre.tutor.token,
      json: vouchFor(studentId, overrides),
    });

  it("refuses a date of birth that is not the student's, recording nothing", async () => {
    const student = centre.form11a[5]?.studentId ?? '';

    const wrong = await vouch(student, { dateOfBirth: '01/01/2001' });
    const right = await vouch(student, {});

    expect(wrong.status).toBe(422);
    expect(wrong.body.error).toMatchObject({
      code: 'DATE_OF_BIRTH_MISMATCH',
      field: 'dateOfBirth',
    });
    expect(JSON.stringify(wrong.body)).not.toContain('2001');
    expect(right.status).toBe(201);
  });

  it('takes the date of birth as DD/MM/YYYY as well as YYYY-MM-DD', async () => {
    const student = centre.form11a[6]?.studentId ?? '';
    const [y, m, d] = (birthdates.get(student) ?? '').split('-');

    const out = await vouch(student, { dateOfBirth: `${d}/${m}/${y}` });

    expect(out.status).toBe(201);
  });

  it("finds exactly the roster's two look-alike cases", async () => {
    const all = [];
    let cursor: string | null = null;
    do {
      const suffix: string = cursor ? `&cursor=${cursor}` : '';
      const page = await call(
        'GET',
        `/centres/${centre.urn}/students?limit=200${suffix}`,
        { token: centre.admin.token },
      );
      all.push(...page.body.items);
      cursor = page.body.cursor;
    } while (cursor);
    const flagged = all.filter(
      (s: { lookAlikes: unknown[] }) => s.lookAlikes.length > 0,
    );
    const chidi = byUpn.get('M330432114011');
    const chioma = byUpn.get('B330432114012');
    const ali1 = byUpn.get('B330432114041');
    const ali2 = byUpn.get('M330432114096');

    expect(flagged.map((s: { upn: string }) => s.upn).sort()).toEqual([
      'B330432114012',
      'B330432114041',
      'M330432114011',
      'M330432114096',
    ]);
    expect(
      all.find((s: { studentId: string }) => s.studentId === chidi).lookAlikes,
    ).toEqual([{ studentId: chioma, reason: 'same-surname-and-birthdate' }]);
    expect(
      all.find((s: { studentId: string }) => s.studentId === ali1).lookAlikes,
    ).toEqual([{ studentId: ali2, reason: 'same-legal-name' }]);
  });

  it('needs a look-alike acknowledged before vouching, and names the look-alikes', async () => {
    const chidi = byUpn.get('M330432114011') ?? '';
    const chioma = byUpn.get('B330432114012') ?? '';

    const unacknowledged = await vouch(chidi, { lookAlikeAcknowledged: false });
    const acknowledged = await vouch(chidi, { lookAlikeAcknowledged: true });

    expect(unacknowledged.status).toBe(422);
    expect(unacknowledged.body.error).toMatchObject({
      code: 'LOOK_ALIKE_NOT_ACKNOWLEDGED',
      lookAlikes: [{ studentId: chioma, reason: 'same-surname-and-birthdate' }],
    });
    expect(acknowledged.status).toBe(201);
    expect(acknowledged.body.lookAlikes).toEqual([
      { studentId: chioma, reason: 'same-surname-and-birthdate' },
    ]);
  });
});
