import { describe, expect, it } from 'vitest';
import { checkMayIssue } from '../../../functions/domain/vouches.js';
import { ApiError } from '../../../functions/lib/errors.js';
import { aCentre, aStaff, testDeps } from '../../support/builders.js';

function refusal(run: () => unknown): { status: number; code: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof ApiError) {
      return { status: error.status, code: error.code };
    }
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('checkMayIssue', () => {
  const deps = testDeps();

  it('lets an active data issuer at an active centre issue', () => {
    const staff = aStaff();

    expect(checkMayIssue(deps, aCentre(), staff)).toBe(staff);
  });

  it('refuses someone with no staff record at the centre', () => {
    expect(refusal(() => checkMayIssue(deps, aCentre(), undefined))).toEqual({
      status: 403,
      code: 'NOT_CENTRE_STAFF',
    });
  });

  it('names inactivity first when every rule is broken', () => {
    const staff = aStaff({
      active: false,
      dataIssuer: false,
      roles: ['exams-officer'],
    });
    const centre = aCentre({ status: 'suspended' });

    expect(refusal(() => checkMayIssue(deps, centre, staff)).code).toBe(
      'STAFF_INACTIVE',
    );
  });

  it('names the suspended centre before the missing permission', () => {
    const staff = aStaff({ dataIssuer: false });
    const centre = aCentre({ status: 'suspended' });

    expect(refusal(() => checkMayIssue(deps, centre, staff)).code).toBe(
      'CENTRE_SUSPENDED',
    );
  });

  it('names the missing permission before the exams officer rule', () => {
    const staff = aStaff({ dataIssuer: false, roles: ['exams-officer'] });

    expect(refusal(() => checkMayIssue(deps, aCentre(), staff)).code).toBe(
      'NOT_DATA_ISSUER',
    );
  });

  it('refuses an exams officer where the exception is off', () => {
    const staff = aStaff({ roles: ['exams-officer'] });
    const centre = aCentre({ onRoll: 18 });

    expect(refusal(() => checkMayIssue(deps, centre, staff))).toEqual({
      status: 403,
      code: 'EXAMS_OFFICER_MAY_NOT_VOUCH',
    });
  });

  it('refuses an exams officer where the centre has grown past the limit', () => {
    const staff = aStaff({ roles: ['exams-officer'] });
    const centre = aCentre({
      onRoll: 51,
      policy: { examsOfficerMayVouch: true, offerLifetimeMinutes: 10 },
    });

    expect(refusal(() => checkMayIssue(deps, centre, staff)).code).toBe(
      'EXAMS_OFFICER_MAY_NOT_VOUCH',
    );
  });

  it('lets an exams officer vouch under the small-centre exception', () => {
    const staff = aStaff({ roles: ['exams-officer'] });
    const centre = aCentre({
      onRoll: 18,
      policy: { examsOfficerMayVouch: true, offerLifetimeMinutes: 10 },
    });

    expect(checkMayIssue(deps, centre, staff)).toBe(staff);
  });

  it('lets an exams officer who is also a form tutor vouch as a tutor', () => {
    const staff = aStaff({ roles: ['exams-officer', 'form-tutor'] });

    expect(checkMayIssue(deps, aCentre(), staff)).toBe(staff);
  });
});
