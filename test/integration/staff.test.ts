import { beforeAll, describe, expect, it } from 'vitest';
import { apiClient, sampleFile } from '../support/api.js';
import { useLocalStack } from '../support/local-stack.js';
import {
  newCentre,
  newStaff,
  operatorToken,
  type TestCentre,
  uniqueEmail,
} from '../support/scenario.js';
import { setPasswordAndSignIn } from '../support/staff-auth.js';

const stack = useLocalStack();
const call = apiClient(stack.apiUrl);

const person = (email: string, roles: string[], dataIssuer = false) => ({
  email,
  givenName: 'Sam',
  familyName: 'Okafor',
  roles,
  dataIssuer,
});

describe('staff accounts', () => {
  let centre: TestCentre;
  let operator: string;

  beforeAll(async () => {
    centre = await newCentre(stack);
    operator = await operatorToken(stack);
  });

  it('lets the operator create a centre admin but nobody else', async () => {
    const admin = await call('POST', `/centres/${centre.urn}/staff`, {
      token: operator,
      json: person(uniqueEmail('admin2'), ['centre-admin']),
    });
    const tutor = await call('POST', `/centres/${centre.urn}/staff`, {
      token: operator,
      json: person(uniqueEmail('tutor'), ['form-tutor']),
    });

    expect(admin.status).toBe(201);
    expect(admin.body.roles).toEqual(['centre-admin']);
    expect(tutor.status).toBe(403);
    expect(tutor.body.error.code).toBe('OPERATOR_CREATES_ADMINS_ONLY');
  });

  it('treats the same e-mail typed another way as the same person', async () => {
    const email = uniqueEmail('dup');
    const first = await call('POST', `/centres/${centre.urn}/staff`, {
      token: centre.admin.token,
      json: person(email, ['form-tutor']),
    });
    const again = await call('POST', `/centres/${centre.urn}/staff`, {
      token: centre.admin.token,
      json: person(`  ${email.toUpperCase()} `, ['subject-staff']),
    });

    expect(first.status).toBe(201);
    expect(first.body.email).toBe(email);
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({
      code: 'STAFF_EMAIL_EXISTS',
      field: 'email',
    });
  });

  it('gives one sign-in a staff record at two centres', async () => {
    const other = await newCentre(stack);
    const email = uniqueEmail('shared');
    const here = await newStaff(stack, call, centre.urn, centre.admin.token, {
      roles: ['subject-staff'],
      email,
    });
    const there = await call('POST', `/centres/${other.urn}/staff`, {
      token: other.admin.token,
      json: person(email, ['form-tutor']),
    });

    expect(there.status).toBe(201);
    expect(there.body.staffId).toBe(here.staffId);
    const atOther = await call('GET', `/centres/${other.urn}`, {
      token: here.token,
    });
    expect(atOther.status).toBe(200);
  });

  it('refuses an unknown role and a missing role list', async () => {
    const unknown = await call('POST', `/centres/${centre.urn}/staff`, {
      token: centre.admin.token,
      json: person(uniqueEmail('x'), ['janitor']),
    });
    const none = await call('POST', `/centres/${centre.urn}/staff`, {
      token: centre.admin.token,
      json: person(uniqueEmail('x'), []),
    });

    expect(unknown.status).toBe(400);
    expect(unknown.body.error.field).toBe('roles.0');
    expect(none.status).toBe(400);
    expect(none.body.error.field).toBe('roles');
  });

  it("lists the centre's staff to admins and heads of year only", async () => {
    const hoy = await newStaff(stack, call, centre.urn, centre.admin.token, {
      roles: ['head-of-year'],
    });
    const tutor = await newStaff(stack, call, centre.urn, centre.admin.token, {
      roles: ['form-tutor'],
    });

    const byAdmin = await call('GET', `/centres/${centre.urn}/staff`, {
      token: centre.admin.token,
    });
    const byHoy = await call('GET', `/centres/${centre.urn}/staff`, {
      token: hoy.token,
    });
    const byTutor = await call('GET', `/centres/${centre.urn}/staff`, {
      token: tutor.token,
    });

    expect(byAdmin.status).toBe(200);
    expect(
      byAdmin.body.items.map((s: { staffId: string }) => s.staffId),
    ).toContain(tutor.staffId);
    expect(byHoy.status).toBe(200);
    expect(byTutor.status).toBe(403);
    expect(byTutor.body.error.code).toBe('ROLE_REQUIRED');
  });

  it('lets a head of year change only the data issuer permission', async () => {
    const hoy = await newStaff(stack, call, centre.urn, centre.admin.token, {
      roles: ['head-of-year'],
    });
    const tutor = await newStaff(stack, call, centre.urn, centre.admin.token, {
      roles: ['form-tutor'],
    });
    const path = `/centres/${centre.urn}/staff/${tutor.staffId}`;

    const grant = await call('PATCH', path, {
      token: hoy.token,
      json: { dataIssuer: true },
    });
    const roles = await call('PATCH', path, {
      token: hoy.token,
      json: { roles: ['centre-admin'] },
    });
    const admin = await call(
      'PATCH',
      `/centres/${centre.urn}/staff/${centre.admin.staffId}`,
      {
        token: hoy.token,
        json: { dataIssuer: true },
      },
    );

    expect(grant.status).toBe(200);
    expect(grant.body.dataIssuer).toBe(true);
    expect(roles.status).toBe(403);
    expect(roles.body.error.code).toBe('HEAD_OF_YEAR_CHANGES_DATA_ISSUER_ONLY');
    expect(admin.status).toBe(403);
    expect(admin.body.error.code).toBe('CENTRE_ADMIN_PROTECTED');
  });

  it('takes a deactivation into effect on the next request', async () => {
    const tutor = await newStaff(stack, call, centre.urn, centre.admin.token, {
      roles: ['form-tutor'],
    });
    const before = await call('GET', `/centres/${centre.urn}`, {
      token: tutor.token,
    });

    await call('PATCH', `/centres/${centre.urn}/staff/${tutor.staffId}`, {
      token: centre.admin.token,
      json: { active: false },
    });
    const after = await call('GET', `/centres/${centre.urn}`, {
      token: tutor.token,
    });

    expect(before.status).toBe(200);
    expect(after.status).toBe(403);
    expect(after.body.error.code).toBe('STAFF_INACTIVE');
  });

  it('refuses an empty change and an unknown staff member', async () => {
    const empty = await call(
      'PATCH',
      `/centres/${centre.urn}/staff/${centre.admin.staffId}`,
      {
        token: centre.admin.token,
        json: {},
      },
    );
    const unknown = await call(
      'PATCH',
      `/centres/${centre.urn}/staff/nobody-here`,
      {
        token: centre.admin.token,
        json: { dataIssuer: true },
      },
    );

    expect(empty.status).toBe(400);
    expect(unknown.status).toBe(404);
  });
});

describe('staff import', () => {
  it('creates the staff list with group assignments and a per-row report', async () => {
    const centre = await newCentre(stack);
    await call('POST', `/centres/${centre.urn}/students/import`, {
      token: centre.admin.token,
      csv: sampleFile('oakfield', 'roster.csv'),
    });
    await call('POST', `/centres/${centre.urn}/groups/import`, {
      token: centre.admin.token,
      csv: sampleFile('oakfield', 'subject-sets.csv'),
    });
    // The sample's addresses are the sample centre's own: make them unique
    // to this test's centre so that other tests' centres stay apart.
    const staffCsv = sampleFile('oakfield', 'staff.csv')
      .toString('utf8')
      .replaceAll('@oakfield.example.org', `@${centre.urn}.example.org`);

    const first = await call('POST', `/centres/${centre.urn}/staff/import`, {
      token: centre.admin.token,
      csv: staffCsv,
    });
    const again = await call('POST', `/centres/${centre.urn}/staff/import`, {
      token: centre.admin.token,
      csv: staffCsv,
    });

    expect(first.status).toBe(200);
    expect(first.body.created).toBe(15);
    expect(first.body.rejected).toEqual([]);
    const hoy11 = first.body.rows.find((r: { line: number }) => r.line === 4);
    expect(hoy11.groups).toHaveLength(6);
    expect(hoy11.groupsNotFound).toEqual([]);
    const maths = first.body.rows.find((r: { line: number }) => r.line === 14);
    expect(maths.groups).toHaveLength(1);
    expect(again.body).toMatchObject({ created: 0, existing: 15 });

    const tutor = await setPasswordAndSignIn(
      stack,
      `tutor.11a@${centre.urn}.example.org`,
    );
    const list = await call('GET', `/centres/${centre.urn}/students`, {
      token: tutor,
    });
    expect(list.status).toBe(200);
    expect(
      list.body.items.every((s: { form: string }) => s.form === '11A'),
    ).toBe(true);
  });

  it('refuses a file that is not CSV with 415', async () => {
    const centre = await newCentre(stack);

    const out = await call('POST', `/centres/${centre.urn}/staff/import`, {
      token: centre.admin.token,
      json: { email: 'x' },
    });

    expect(out.status).toBe(415);
  });
});

describe('national sign-ins', () => {
  it("never become a centre's staff", async () => {
    const centre = await newCentre(stack);

    const out = await call('POST', `/centres/${centre.urn}/staff`, {
      token: centre.admin.token,
      json: person(stack.operator.username, ['centre-admin']),
    });

    expect(out.status).toBe(409);
    expect(out.body.error).toMatchObject({
      code: 'SIGN_IN_NOT_FOR_STAFF',
      field: 'email',
    });
  });
});
