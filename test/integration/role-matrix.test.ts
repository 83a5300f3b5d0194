import { beforeAll, describe, expect, it } from 'vitest';
import { routeKey } from '../../functions/routes.js';
import {
  drift,
  fillPath,
  guardedRoutes,
  type MatrixFixture,
  matrixFixture,
  pathParams,
  resultsHeaderOnly,
} from '../support/access-matrix.js';
import { apiClient, type CallOptions, sampleFile } from '../support/api.js';
import { linkWallet } from '../support/http-wallet.js';
import { vouchAndOffer, vouchFor } from '../support/issuing.js';
import { useLocalStack } from '../support/local-stack.js';
import { present } from '../support/reports.js';
import {
  newStaff,
  type StaffMember,
  uniqueEmail,
} from '../support/scenario.js';

const stack = useLocalStack();
const call = apiClient(stack.apiUrl);

/**
 * The role-by-role refusal matrix: for every signed-in route, what each
 * role at centre A (and the operator) gets, exactly. The access matrix
 * proves no token and another centre's staff; this one proves that each
 * role without the right is refused with the code that says why, and
 * that each role with it gets the exact success status.
 */
const callers = [
  'headOfYear',
  'subjectStaff',
  'examsOfficer',
  'tutor',
  'admin',
  'operator',
  'helpdesk',
] as const;
type Who = (typeof callers)[number];

/** A status and, for a refusal, its code. */
type Outcome = readonly [number, string?];

interface RoleExpectation {
  /** Who succeeds, and with what status. */
  allow: Partial<Record<Who, number>>;
  /** Refusals other than the route's usual one, by caller. */
  refuse?: Partial<Record<Who, Outcome>>;
  params?: (f: RoleFixture, who: Who) => Record<string, string>;
  /** A query string the route needs to answer with success. */
  query?: (f: RoleFixture) => Record<string, string>;
  body?: (f: RoleFixture, who: Who) => CallOptions;
}

interface RoleFixture extends MatrixFixture {
  headOfYear: StaffMember;
  subjectStaff: StaffMember;
  examsOfficer: StaffMember;
  /** A live offer of the tutor's for each caller that may revoke one. */
  revocable: Partial<Record<Who, string>>;
  /** Students of 11A the head of year moves, and one to erase. */
  otherStudentId: string;
  erasedStudentId: string;
  /**
   * Open reports of the tutor's, one for each caller who may act on a
   * report: acknowledged and then resolved by that caller, or referred.
   */
  acknowledging: Record<ReportActor, string>;
  referring: Record<ReportActor, string>;
}

/**
 * Who sees a report of 11A: its assignee (the voucher, A's tutor), the
 * head of year, whom the fixture assigns to Year 11 so that the right of
 * a head of the student's year is proved, and the centre admin.
 */
const reportActors = ['headOfYear', 'tutor', 'admin'] as const;
type ReportActor = (typeof reportActors)[number];
const seesReports = { headOfYear: 200, tutor: 200, admin: 200 };

const roleRequired: Outcome = [403, 'ROLE_REQUIRED'];
const notCentreStaff: Outcome = [403, 'NOT_CENTRE_STAFF'];
const operatorOnly: Outcome = [403, 'OPERATOR_ONLY'];
const notDataIssuer: Outcome = [403, 'NOT_DATA_ISSUER'];
const notYourOffer: Outcome = [403, 'NOT_YOUR_OFFER'];
const notFound: Outcome = [404, 'NOT_FOUND'];
const helpdeskOnly: Outcome = [403, 'HELPDESK_ONLY'];

/** Those who may not see a report of 11A: to them it is not there. */
const reportHidden = {
  subjectStaff: notFound,
  examsOfficer: notFound,
  operator: notFound,
  helpdesk: notFound,
};
const allStaff = {
  admin: 200,
  headOfYear: 200,
  tutor: 200,
  subjectStaff: 200,
  examsOfficer: 200,
};

const keepers = { admin: 200, headOfYear: 200 };

const expectations: Record<string, RoleExpectation> = {
  'POST /centres': {
    // Centre A's own URN: the operator gets 409 and nothing is made.
    allow: { operator: 409 },
    body: (f) => ({
      json: { urn: f.a.urn, centreNumber: f.a.centreNumber, name: 'Matrix' },
    }),
  },
  'GET /centres': { allow: { operator: 200 } },
  'GET /centres/{urn}': {
    allow: {
      admin: 200,
      headOfYear: 200,
      tutor: 200,
      subjectStaff: 200,
      examsOfficer: 200,
      operator: 200,
    },
  },
  'PATCH /centres/{urn}': {
    allow: { operator: 200 },
    body: () => ({ json: { status: 'active' } }),
  },
  'PUT /centres/{urn}/policy': {
    allow: { admin: 200 },
    body: () => ({
      json: { examsOfficerMayVouch: false, offerLifetimeMinutes: 10 },
    }),
  },
  'POST /centres/{urn}/staff': {
    allow: { admin: 201 },
    refuse: { operator: [403, 'OPERATOR_CREATES_ADMINS_ONLY'] },
    body: () => ({
      json: {
        email: uniqueEmail('roles'),
        givenName: 'Role',
        familyName: 'Matrix',
        roles: ['subject-staff'],
      },
    }),
  },
  'GET /centres/{urn}/staff': { allow: keepers },
  // Everyone at the centre sees their own record; the operator has none.
  'GET /centres/{urn}/staff/me': {
    allow: {
      admin: 200,
      headOfYear: 200,
      tutor: 200,
      subjectStaff: 200,
      examsOfficer: 200,
    },
  },
  'POST /centres/{urn}/staff/import': {
    // The operator's rows are refused one by one in a 200 report.
    allow: { admin: 200, operator: 200 },
    body: () => ({
      csv:
        'Email,Given Name,Family Name,Roles,Data Issuer,Groups\n' +
        `${uniqueEmail('roles-import')},Role,Import,subject-staff,no,\n`,
    }),
  },
  'PATCH /centres/{urn}/staff/{staffId}': {
    allow: keepers,
    body: () => ({ json: { dataIssuer: true } }),
  },
  'POST /centres/{urn}/students/import': {
    allow: keepers,
    body: () => ({ csv: sampleFile('oakfield', 'roster.csv') }),
  },
  'GET /centres/{urn}/students': {
    allow: {
      admin: 200,
      headOfYear: 200,
      tutor: 200,
      subjectStaff: 200,
      examsOfficer: 200,
    },
  },
  'POST /centres/{urn}/groups': {
    allow: { admin: 201, headOfYear: 201 },
    body: (_, who) => ({
      json: { name: `Role Matrix ${who}`, kind: 'subject' },
    }),
  },
  'GET /centres/{urn}/groups': { allow: keepers },
  'PUT /centres/{urn}/groups/{groupId}/staff/{staffId}': {
    allow: keepers,
    params: (f, who) => movedStaff(f, who),
  },
  'DELETE /centres/{urn}/groups/{groupId}/staff/{staffId}': {
    allow: { admin: 204, headOfYear: 204 },
    params: (f, who) => movedStaff(f, who),
  },
  'PUT /centres/{urn}/groups/{groupId}/students/{studentId}': {
    allow: keepers,
    params: (f, who) => movedStudent(f, who),
  },
  'DELETE /centres/{urn}/groups/{groupId}/students/{studentId}': {
    allow: { admin: 204, headOfYear: 204 },
    params: (f, who) => movedStudent(f, who),
  },
  'POST /centres/{urn}/groups/{groupId}/students': {
    allow: keepers,
    body: (f) => ({ json: { studentIds: [f.student.studentId] } }),
  },
  'POST /centres/{urn}/groups/import': {
    allow: keepers,
    body: (f) => ({
      csv: `Group,Kind,UPN\nAccess Matrix Set,subject,${f.student.upn}\n`,
    }),
  },
  'POST /centres/{urn}/students/{studentId}/vouches': {
    allow: { tutor: 201 },
    refuse: {
      admin: notDataIssuer,
      headOfYear: notDataIssuer,
      subjectStaff: notDataIssuer,
      examsOfficer: notDataIssuer,
      operator: notCentreStaff,
    },
    params: (f) => ({ studentId: f.vouchStudentId }),
    body: (f) => ({ json: vouchFor(f.vouchStudentId) }),
  },
  'POST /centres/{urn}/vouches/{vouchId}/offers': {
    allow: { tutor: 201 },
    refuse: {
      admin: notDataIssuer,
      headOfYear: notDataIssuer,
      subjectStaff: notDataIssuer,
      examsOfficer: notDataIssuer,
      operator: notFound,
    },
  },
  'POST /centres/{urn}/offers/{offerId}/revoke': {
    allow: { tutor: 200, admin: 200, headOfYear: 200 },
    refuse: {
      subjectStaff: notYourOffer,
      examsOfficer: notYourOffer,
      operator: notFound,
    },
    params: (f, who) => ({ offerId: f.revocable[who] ?? f.offerId }),
    body: () => ({ json: { reason: 'Role matrix check' } }),
  },
  'GET /centres/{urn}/offers/{offerId}': {
    allow: { tutor: 200, admin: 200, headOfYear: 200 },
    refuse: {
      subjectStaff: notYourOffer,
      examsOfficer: notYourOffer,
      operator: notFound,
    },
  },
  'POST /results/import': {
    allow: { operator: 200 },
    // One row for a centre number no centre has: read, matched to nobody.
    body: () => ({
      csv:
        resultsHeaderOnly() +
        '6013519241,,Müller,Kwame,2009-10-30,00001,AQA,601/4292/3,' +
        'GCSE (9-1) in English Language,English Language,2,9,2026-08-20,\n',
    }),
  },
  'PUT /series/{seriesId}': {
    // A series no other test uses: made, not changed.
    allow: { operator: 201 },
    body: () => ({
      json: { name: 'Role matrix', releaseAt: '2099-08-20T10:00:00Z' },
    }),
  },
  'POST /admin/helpdesk-staff': {
    allow: { operator: 201 },
    body: () => ({
      json: {
        email: uniqueEmail('roles-desk'),
        givenName: 'Role',
        familyName: 'Desk',
      },
    }),
  },
  'DELETE /admin/helpdesk-staff/{staffId}': {
    allow: { operator: 200 },
    params: (f) => ({ staffId: f.spareHelpdeskId }),
  },
  'GET /admin/offers/{offerId}': { allow: { helpdesk: 200 } },
  'POST /admin/students/search': {
    allow: { helpdesk: 200 },
    body: () => ({ json: { uln: '6013519241' } }),
  },
  'GET /admin/students/{studentId}/trail': { allow: { helpdesk: 200 } },
  'GET /admin/activity': {
    allow: { helpdesk: 200 },
    query: (f) => ({ centre: f.a.urn, ...lastHour() }),
  },
  'GET /admin/metrics': {
    allow: { helpdesk: 200 },
    query: () => ({ ...lastHour(), period: '300' }),
  },
  'GET /centres/{urn}/error-reports': { allow: allStaff },
  'GET /centres/{urn}/error-reports/{reportId}': {
    allow: seesReports,
    refuse: reportHidden,
  },
  'POST /centres/{urn}/error-reports/{reportId}/acknowledge': {
    allow: seesReports,
    refuse: reportHidden,
    params: (f, who) => reportOf(f.acknowledging, f, who),
  },
  // Each acts on the report they acknowledged, which is theirs now.
  'POST /centres/{urn}/error-reports/{reportId}/resolve': {
    allow: seesReports,
    refuse: reportHidden,
    params: (f, who) => reportOf(f.acknowledging, f, who),
    body: () => ({
      json: { outcome: 'no-error-found', note: 'Role matrix check.' },
    }),
  },
  'POST /centres/{urn}/error-reports/{reportId}/refer': {
    allow: seesReports,
    refuse: reportHidden,
    params: (f, who) => reportOf(f.referring, f, who),
    body: () => ({ json: { summary: 'Role matrix check.' } }),
  },
  // Back to the tutor each time, so the report stays open and theirs.
  'POST /centres/{urn}/error-reports/{reportId}/reassign': {
    allow: { headOfYear: 200, admin: 200 },
    refuse: { ...reportHidden, tutor: [403, 'REASSIGN_NOT_ALLOWED'] },
    body: (f) => ({ json: { staffId: f.a.tutor.staffId } }),
  },
  'GET /centres/{urn}/closures': { allow: allStaff },
  'PUT /centres/{urn}/closures': {
    allow: { admin: 200 },
    body: () => ({ json: { dates: ['2099-12-24'] } }),
  },
  'GET /admin/enquiries': { allow: { helpdesk: 200 } },
  'GET /admin/enquiries/{enquiryId}': { allow: { helpdesk: 200 } },
  'POST /admin/enquiries/{enquiryId}/reply': {
    allow: { helpdesk: 200 },
    body: () => ({ json: { message: 'Role matrix reply.' } }),
  },
  'POST /admin/enquiries/{enquiryId}/close': { allow: { helpdesk: 200 } },
  'GET /admin/students/{studentId}/export': { allow: { operator: 200 } },
  'DELETE /admin/students/{studentId}': {
    allow: { operator: 200 },
    params: (f) => ({ studentId: f.erasedStudentId }),
  },
};

/** The head of year moves the subject staff member, the admin the tutor. */
function movedStaff(f: RoleFixture, who: Who) {
  return {
    staffId: who === 'headOfYear' ? f.subjectStaff.staffId : f.a.tutor.staffId,
  };
}

function movedStudent(f: RoleFixture, who: Who) {
  return {
    studentId: who === 'headOfYear' ? f.otherStudentId : f.student.studentId,
  };
}

/** The caller's own report of `reports`; anyone else tries the fixture's. */
function reportOf(
  reports: Record<ReportActor, string>,
  f: RoleFixture,
  who: Who,
) {
  const mine = reportActors.find((actor) => actor === who);
  return { reportId: mine ? reports[mine] : f.reportId };
}

/** The hour to now, as the helpdesk's views take a range. */
function lastHour() {
  const to = new Date();
  const from = new Date(to.getTime() - 3_600_000);
  const instant = (d: Date) => `${d.toISOString().slice(0, 19)}Z`;
  return { from: instant(from), to: instant(to) };
}

/**
 * What a caller without the right gets on a route, unless told. The
 * helpdesk is no centre's staff and has no centre: a centre route is
 * outside it, so it gets the 404 anyone outside the centre gets.
 */
function usualRefusal(access: string, who: Who): Outcome {
  if (access === 'operator') return operatorOnly;
  if (access === 'helpdesk') return helpdeskOnly;
  if (who === 'helpdesk') return notFound;
  return who === 'operator' ? notCentreStaff : roleRequired;
}

function tokenOf(f: RoleFixture, who: Who): string {
  switch (who) {
    case 'admin':
      return f.a.admin.token;
    case 'tutor':
      return f.a.tutor.token;
    case 'operator':
      return f.operator;
    case 'helpdesk':
      return f.helpdesk;
    default:
      return f[who].token;
  }
}

async function roleFixture(): Promise<RoleFixture> {
  const f = await matrixFixture(stack);
  const staff = (
    label: string,
    roles: Parameters<typeof newStaff>[4]['roles'],
  ) => newStaff(stack, call, f.a.urn, f.a.admin.token, { roles, label });
  const [headOfYear, subjectStaff, examsOfficer] = await Promise.all([
    staff('hoy', ['head-of-year']),
    staff('subject', ['subject-staff']),
    staff('exams', ['exams-officer']),
  ]);
  const yearGroup = await call(
    'PUT',
    `/centres/${f.a.urn}/groups/${f.a.groups.get('Year 11')}/staff/` +
      headOfYear.staffId,
    { token: f.a.admin.token },
  );
  if (yearGroup.status !== 200) {
    throw new Error(`not assigned to Year 11: ${yearGroup.text}`);
  }
  const students = f.a.form11a.slice(4, 10).map((s) => s.studentId);
  const [forTutor, forAdmin, forHead, other, erased, reporter] = students;
  if (!forTutor || !forAdmin || !forHead || !other || !erased || !reporter) {
    throw new Error('11A has fewer than ten students');
  }
  const offerFor = async (studentId: string) =>
    (await vouchAndOffer(stack, f.a.urn, f.a.tutor.token, studentId)).offerId;
  const report = await reportsOf(f, reporter);
  const reports = async (purpose: string) => ({
    headOfYear: await report(`the head of year to ${purpose}`),
    tutor: await report(`the tutor to ${purpose}`),
    admin: await report(`the admin to ${purpose}`),
  });
  const acknowledging = await reports('acknowledge');
  const referring = await reports('refer');
  await assignedToTutor(f, [
    f.reportId,
    ...Object.values(acknowledging),
    ...Object.values(referring),
  ]);

  return {
    ...f,
    headOfYear,
    subjectStaff,
    examsOfficer,
    revocable: {
      tutor: await offerFor(forTutor),
      admin: await offerFor(forAdmin),
      headOfYear: await offerFor(forHead),
    },
    otherStudentId: other,
    erasedStudentId: erased,
    acknowledging,
    referring,
  };
}

/** A linked wallet of a student of A, and a way to report an error. */
async function reportsOf(f: MatrixFixture, studentId: string) {
  const offer = await vouchAndOffer(stack, f.a.urn, f.a.tutor.token, studentId);
  const wallet = await linkWallet(
    stack.apiUrl,
    offer.credentialOffer,
    offer.txCode,
  );
  return async (label: string) => {
    const { presentation } = await present(stack.apiUrl, wallet);
    const opened = await call('POST', '/record-errors', {
      json: {
        presentation,
        kind: 'other',
        details: `Role matrix: for ${label}.`,
      },
    });
    if (opened.status !== 202) {
      throw new Error(`report not made: ${opened.status} ${opened.text}`);
    }
    return opened.body.reportId as string;
  };
}

/** Waits until the routing workflow has given each report to the tutor. */
async function assignedToTutor(f: MatrixFixture, reportIds: string[]) {
  const deadline = Date.now() + 20_000;
  const pending = new Set(reportIds);
  while (pending.size > 0) {
    for (const reportId of pending) {
      const seen = await call(
        'GET',
        `/centres/${f.a.urn}/error-reports/${reportId}`,
        { token: f.a.tutor.token },
      );
      if (seen.status === 200) pending.delete(reportId);
    }
    if (pending.size === 0) return;
    if (Date.now() > deadline) throw new Error('reports not assigned');
    await new Promise((done) => setTimeout(done, 100));
  }
}

describe('the role matrix', () => {
  it('decides every signed-in route in the route table, and no other', () => {
    const asAccess = Object.fromEntries(
      Object.keys(expectations).map((k) => [k, { caller: 'admin' as const }]),
    );

    expect(drift(asAccess)).toEqual({ undecided: [], stale: [] });
  });

  describe('on each signed-in route', () => {
    let f: RoleFixture;

    beforeAll(async () => {
      f = await roleFixture();
    });

    for (const route of guardedRoutes()) {
      const key = routeKey(route);
      const expectation = expectations[key];
      if (!expectation) continue;
      const allowed = Object.keys(expectation.allow).join(', ');

      it(`${key}: ${allowed} in, every other role refused`, async () => {
        // Refusals first, so that nothing they should not do has been done.
        const order = [
          ...callers.filter((who) => !(who in expectation.allow)),
          ...callers.filter((who) => who in expectation.allow),
        ];
        const seen: Record<string, Outcome> = {};
        const wanted: Record<string, Outcome> = {};
        for (const who of order) {
          const query = expectation.query?.(f);
          const path =
            fillPath(route.path, {
              ...pathParams(f),
              ...expectation.params?.(f, who),
            }) + (query ? `?${new URLSearchParams(query)}` : '');
          const answer = await call(route.method, path, {
            ...expectation.body?.(f, who),
            token: tokenOf(f, who),
          });
          const allow = expectation.allow[who];
          if (allow !== undefined) {
            wanted[who] = [allow];
            seen[who] = [answer.status];
          } else {
            wanted[who] =
              expectation.refuse?.[who] ?? usualRefusal(route.access, who);
            seen[who] = [answer.status, answer.body?.error?.code];
          }
        }

        expect(seen).toEqual(wanted);
      });
    }
  });
});
