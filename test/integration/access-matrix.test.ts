import { beforeAll, describe, expect, it } from 'vitest';
import { routeKey } from '../../functions/routes.js';
import {
  type Caller,
  drift,
  type Expectation,
  fillPath,
  guardedRoutes,
  type MatrixFixture,
  matrixFixture,
  pathParams,
  resultsHeaderOnly,
} from '../support/access-matrix.js';
import { apiClient, sampleFile } from '../support/api.js';
import { vouchFor } from '../support/issuing.js';
import { useLocalStack } from '../support/local-stack.js';
import { uniqueEmail } from '../support/scenario.js';

const stack = useLocalStack();
const call = apiClient(stack.apiUrl);

/**
 * Every signed-in route, decided: who at centre A may call it, and a body
 * it accepts. Routes run in the route table's order, so a PUT comes before
 * the DELETE that undoes it.
 */
const expectations: Record<string, Expectation> = {
  'POST /centres': {
    caller: 'operator',
    // Centre A's own URN: the operator gets 409 and nothing is made.
    body: (f) => ({
      json: {
        urn: f.a.urn,
        centreNumber: f.a.centreNumber,
        name: 'Access matrix',
      },
    }),
  },
  'GET /centres': { caller: 'operator' },
  'GET /centres/{urn}': { caller: 'admin' },
  'PATCH /centres/{urn}': {
    caller: 'operator',
    body: () => ({ json: { status: 'active' } }),
  },
  'PUT /centres/{urn}/policy': {
    caller: 'admin',
    body: () => ({
      json: { examsOfficerMayVouch: false, offerLifetimeMinutes: 10 },
    }),
  },
  'POST /centres/{urn}/staff': {
    caller: 'admin',
    body: () => ({
      json: {
        email: uniqueEmail('matrix'),
        givenName: 'Matrix',
        familyName: 'Staff',
        roles: ['subject-staff'],
      },
    }),
  },
  'GET /centres/{urn}/staff': { caller: 'admin' },
  'GET /centres/{urn}/staff/me': { caller: 'tutor' },
  'POST /centres/{urn}/staff/import': {
    caller: 'admin',
    body: () => ({
      csv:
        'Email,Given Name,Family Name,Roles,Data Issuer,Groups\n' +
        `${uniqueEmail('matrix-import')},Matrix,Import,subject-staff,no,\n`,
    }),
  },
  'PATCH /centres/{urn}/staff/{staffId}': {
    caller: 'admin',
    body: () => ({ json: { dataIssuer: true } }),
  },
  'POST /centres/{urn}/students/import': {
    caller: 'admin',
    body: () => ({ csv: sampleFile('oakfield', 'roster.csv') }),
  },
  'GET /centres/{urn}/students': { caller: 'admin' },
  'POST /centres/{urn}/groups': {
    caller: 'admin',
    body: () => ({ json: { name: 'Access Matrix Extra', kind: 'subject' } }),
  },
  'GET /centres/{urn}/groups': { caller: 'admin' },
  'PUT /centres/{urn}/groups/{groupId}/staff/{staffId}': { caller: 'admin' },
  'DELETE /centres/{urn}/groups/{groupId}/staff/{staffId}': {
    caller: 'admin',
  },
  'PUT /centres/{urn}/groups/{groupId}/students/{studentId}': {
    caller: 'admin',
  },
  'DELETE /centres/{urn}/groups/{groupId}/students/{studentId}': {
    caller: 'admin',
  },
  'POST /centres/{urn}/groups/{groupId}/students': {
    caller: 'admin',
    body: (f) => ({ json: { studentIds: [f.student.studentId] } }),
  },
  'POST /centres/{urn}/groups/import': {
    caller: 'admin',
    body: (f) => ({
      csv: `Group,Kind,UPN\nAccess Matrix Set,subject,${f.student.upn}\n`,
    }),
  },
  'POST /centres/{urn}/students/{studentId}/vouches': {
    caller: 'tutor',
    params: (f) => ({ studentId: f.vouchStudentId }),
    body: (f) => ({ json: vouchFor(f.vouchStudentId) }),
  },
  'POST /centres/{urn}/vouches/{vouchId}/offers': { caller: 'tutor' },
  'POST /centres/{urn}/offers/{offerId}/revoke': {
    caller: 'tutor',
    body: () => ({ json: { reason: 'Access matrix check' } }),
  },
  'GET /centres/{urn}/offers/{offerId}': { caller: 'tutor' },
  'POST /results/import': {
    caller: 'operator',
    body: () => ({ csv: resultsHeaderOnly() }),
  },
  'POST /admin/helpdesk-staff': {
    caller: 'operator',
    body: () => ({
      json: {
        email: uniqueEmail('matrix-desk'),
        givenName: 'Matrix',
        familyName: 'Desk',
      },
    }),
  },
  'DELETE /admin/helpdesk-staff/{staffId}': {
    caller: 'operator',
    params: (f) => ({ staffId: f.spareHelpdeskId }),
  },
  'GET /admin/offers/{offerId}': { caller: 'helpdesk' },
  'POST /admin/students/search': {
    caller: 'helpdesk',
    body: () => ({ json: { uln: '6013519241' } }),
  },
  'GET /admin/students/{studentId}/trail': { caller: 'helpdesk' },
  'GET /admin/activity': { caller: 'helpdesk' },
  'GET /admin/metrics': { caller: 'helpdesk' },
  'PUT /series/{seriesId}': {
    caller: 'operator',
    body: () => ({
      json: { name: 'Access matrix', releaseAt: '2099-08-20T10:00:00Z' },
    }),
  },
  'GET /centres/{urn}/error-reports': { caller: 'admin' },
  'GET /centres/{urn}/error-reports/{reportId}': { caller: 'admin' },
  'POST /centres/{urn}/error-reports/{reportId}/acknowledge': {
    caller: 'admin',
  },
  'POST /centres/{urn}/error-reports/{reportId}/resolve': {
    caller: 'admin',
    body: () => ({
      json: { outcome: 'no-error-found', note: 'Access matrix check.' },
    }),
  },
  // Resolved by now: the admin is let in and told it is too late (422).
  'POST /centres/{urn}/error-reports/{reportId}/refer': {
    caller: 'admin',
    body: () => ({ json: { summary: 'Access matrix check.' } }),
  },
  'POST /centres/{urn}/error-reports/{reportId}/reassign': {
    caller: 'admin',
    body: (f) => ({ json: { staffId: f.a.tutor.staffId } }),
  },
  'GET /centres/{urn}/closures': { caller: 'admin' },
  'PUT /centres/{urn}/closures': {
    caller: 'admin',
    body: () => ({ json: { dates: ['2099-12-24'] } }),
  },
  'GET /admin/enquiries': { caller: 'helpdesk' },
  'GET /admin/enquiries/{enquiryId}': { caller: 'helpdesk' },
  'POST /admin/enquiries/{enquiryId}/reply': {
    caller: 'helpdesk',
    body: () => ({ json: { message: 'Access matrix reply.' } }),
  },
  'POST /admin/enquiries/{enquiryId}/close': { caller: 'helpdesk' },
  'GET /admin/students/{studentId}/export': { caller: 'operator' },
  // Last in the route table: erasing the matrix's student ends its use.
  'DELETE /admin/students/{studentId}': { caller: 'operator' },
};

/** Centre A's member with the route's role. */
function rightCaller(f: MatrixFixture, caller: Caller) {
  if (caller === 'operator') return f.operator;
  if (caller === 'helpdesk') return f.helpdesk;
  return caller === 'admin' ? f.a.admin.token : f.a.tutor.token;
}

/**
 * Centre B's member with the same role: its admin stands in for the
 * operator and the helpdesk, as the most a centre's staff can hold.
 */
function otherCentreCaller(f: MatrixFixture, caller: Caller) {
  return caller === 'tutor' ? f.b.tutor.token : f.b.admin.token;
}

describe('the access matrix', () => {
  it('decides every signed-in route in the route table, and no other', () => {
    expect(drift(expectations)).toEqual({ undecided: [], stale: [] });
  });

  describe('on each signed-in route', () => {
    let f: MatrixFixture;

    beforeAll(async () => {
      f = await matrixFixture(stack);
    });

    for (const route of guardedRoutes()) {
      const key = routeKey(route);
      const expectation = expectations[key];
      if (!expectation) continue;

      it(`${key}: no token refused, centre B out, ${expectation.caller} in`, async () => {
        const path = fillPath(route.path, {
          ...pathParams(f),
          ...expectation.params?.(f),
        });
        const body = expectation.body?.(f) ?? {};

        const anonymous = await call(route.method, path, body);
        const other = await call(route.method, path, {
          ...body,
          token: otherCentreCaller(f, expectation.caller),
        });
        const right = await call(route.method, path, {
          ...body,
          token: rightCaller(f, expectation.caller),
        });

        expect(anonymous.status, anonymous.text).toBe(401);
        if (route.access === 'operator') {
          expect(other.status, other.text).toBe(403);
          expect(other.body.error.code).toBe('OPERATOR_ONLY');
        } else if (route.access === 'helpdesk') {
          // Staff of any centre, the most a centre holds, are not the
          // helpdesk; nor is the operator.
          const byOperator = await call(route.method, path, {
            ...body,
            token: f.operator,
          });
          expect(other.status, other.text).toBe(403);
          expect(other.body.error.code).toBe('HELPDESK_ONLY');
          expect(byOperator.status, byOperator.text).toBe(403);
        } else {
          expect(other.status, other.text).toBe(404);
        }
        expect([401, 403, 404], right.text).not.toContain(right.status);
        expect(right.status, right.text).toBeLessThan(500);
      });
    }
  });
});
