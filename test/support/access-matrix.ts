import { routeKey, routes } from '../../functions/routes.js';
import { apiClient, type CallOptions, sampleFile } from './api.js';
import { linkWallet } from './http-wallet.js';
import {
  type IssuingCentre,
  issuingCentre,
  vouchAndOffer,
  vouchFor,
} from './issuing.js';
import type { LocalStackDescription } from './local-stack.js';
import { present } from './reports.js';
import { operatorToken, uniqueEmail } from './scenario.js';
import { setPasswordAndSignIn } from './staff-auth.js';

/**
 * The two centres the access matrix plays against each other, and ids of
 * things that exist in centre A to put in every route's path.
 */
export interface MatrixFixture {
  a: IssuingCentre;
  b: IssuingCentre;
  operator: string;
  /** A subject group made for the matrix, so 11A's tutor keeps 11A. */
  groupId: string;
  /** A student of 11A: the group routes move them in and out of groupId. */
  student: { studentId: string; upn: string };
  /** A student of 11A for the vouch route itself. */
  vouchStudentId: string;
  /** A vouch with no offer yet, for the offers route. */
  freshVouchId: string;
  /** An offer made by A's tutor. */
  offerId: string;
  /** A series id no other test uses. */
  seriesId: string;
  /** A helpdesk sign-in's access token. */
  helpdesk: string;
  /** A second helpdesk account, for the route that removes one. */
  spareHelpdeskId: string;
  /** An open record-error report of a student of A. */
  reportId: string;
  /** A helpdesk enquiry about another report of that student. */
  enquiryId: string;
}

/** Who at centre A has the role a route is for. */
export type Caller = 'admin' | 'tutor' | 'operator' | 'helpdesk';

export interface Expectation {
  caller: Caller;
  /** Path parameters beyond the defaults `pathParams` gives. */
  params?: (f: MatrixFixture) => Record<string, string>;
  /** A body the route accepts, so that any 404 comes from authorisation. */
  body?: (f: MatrixFixture) => Pick<CallOptions, 'json' | 'csv'>;
}

/** The routes a caller must be signed in for: the matrix's rows. */
export function guardedRoutes() {
  return routes.filter((r) => r.access !== 'public');
}

/** Route keys with no expectation, and expectations with no route. */
export function drift(expectations: Record<string, Expectation>) {
  const guarded = guardedRoutes().map(routeKey);
  return {
    undecided: guarded.filter((key) => !(key in expectations)),
    stale: Object.keys(expectations).filter((key) => !guarded.includes(key)),
  };
}

export async function matrixFixture(
  stack: LocalStackDescription,
): Promise<MatrixFixture> {
  const call = apiClient(stack.apiUrl);
  const [a, b, operator] = await Promise.all([
    issuingCentre(stack),
    issuingCentre(stack),
    operatorToken(stack),
  ]);
  const [offered, vouchStudent, freshStudent, student, reporter] = a.form11a;
  if (!offered || !vouchStudent || !freshStudent || !student || !reporter) {
    throw new Error('11A has fewer than five students');
  }
  const group = await call('POST', `/centres/${a.urn}/groups`, {
    token: a.admin.token,
    json: { name: 'Access Matrix Set', kind: 'subject' },
  });
  if (group.status !== 201) {
    throw new Error(`group not made: ${group.status} ${group.text}`);
  }
  const offer = await vouchAndOffer(
    stack,
    a.urn,
    a.tutor.token,
    offered.studentId,
  );
  const fresh = await call(
    'POST',
    `/centres/${a.urn}/students/${freshStudent.studentId}/vouches`,
    { token: a.tutor.token, json: vouchFor(freshStudent.studentId) },
  );
  if (fresh.status !== 201) {
    throw new Error(`vouch not made: ${fresh.status} ${fresh.text}`);
  }
  const helpdesk = await helpdeskAccount(stack, operator);
  const spare = await helpdeskAccount(stack, operator);
  const reports = await reportsFixture(stack, a, reporter.studentId);
  return {
    helpdesk: await setPasswordAndSignIn(stack, helpdesk.email),
    spareHelpdeskId: spare.staffId,
    a,
    b,
    operator,
    ...reports,
    groupId: group.body.groupId,
    // The list answers with each student's UPN, which the type leaves out.
    student: student as typeof student & { upn: string },
    vouchStudentId: vouchStudent.studentId,
    freshVouchId: fresh.body.vouchId,
    offerId: offer.offerId,
    seriesId: `matrix-${Date.now().toString(36)}`,
  };
}

/** A helpdesk account the operator gives through the API. */
async function helpdeskAccount(stack: LocalStackDescription, operator: string) {
  const email = uniqueEmail('matrix-helpdesk');
  const made = await apiClient(stack.apiUrl)('POST', '/admin/helpdesk-staff', {
    token: operator,
    json: { email, givenName: 'Matrix', familyName: 'Helpdesk' },
  });
  if (made.status !== 201) {
    throw new Error(`helpdesk not made: ${made.status} ${made.text}`);
  }
  return { email, staffId: made.body.staffId as string };
}

/** Ids in centre A for each path parameter a route may name. */
export function pathParams(f: MatrixFixture): Record<string, string> {
  return {
    urn: f.a.urn,
    studentId: f.student.studentId,
    groupId: f.groupId,
    staffId: f.a.tutor.staffId,
    vouchId: f.freshVouchId,
    offerId: f.offerId,
    seriesId: f.seriesId,
    reportId: f.reportId,
    enquiryId: f.enquiryId,
  };
}

/**
 * A linked wallet of a student of A reports two errors; A's admin refers
 * the second to the helpdesk.
 */
async function reportsFixture(
  stack: LocalStackDescription,
  a: IssuingCentre,
  studentId: string,
) {
  const call = apiClient(stack.apiUrl);
  const offer = await vouchAndOffer(stack, a.urn, a.tutor.token, studentId);
  const wallet = await linkWallet(
    stack.apiUrl,
    offer.credentialOffer,
    offer.txCode,
  );
  const open = async (details: string) => {
    const { presentation } = await present(stack.apiUrl, wallet);
    const opened = await call('POST', '/record-errors', {
      json: { presentation, kind: 'other', details },
    });
    if (opened.status !== 202) {
      throw new Error(`report not made: ${opened.status} ${opened.text}`);
    }
    return opened.body.reportId as string;
  };
  const reportId = await open('Access matrix: my form is wrong.');
  const referredId = await open('Access matrix: my name is wrong.');
  const referred = await call(
    'POST',
    `/centres/${a.urn}/error-reports/${referredId}/refer`,
    { token: a.admin.token, json: { summary: 'Access matrix referral' } },
  );
  if (referred.status !== 200) {
    throw new Error(`not referred: ${referred.status} ${referred.text}`);
  }
  return {
    reportId,
    enquiryId: referred.body.enquiryId as string,
  };
}

/** A route's path with its `{name}` parameters filled in. */
export function fillPath(path: string, params: Record<string, string>) {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (!value) throw new Error(`no value for {${name}} in ${path}`);
    return value;
  });
}

/** The first line of the sample results file: a valid file with no rows. */
export function resultsHeaderOnly() {
  const text = sampleFile('oakfield', 'results.csv').toString('utf8');
  return `${text.split(/\r?\n/)[0]}\n`;
}
