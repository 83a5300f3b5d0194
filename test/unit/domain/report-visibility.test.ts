import { describe, expect, it } from 'vitest';
import type { Report } from '../../../functions/domain/report-types.js';
import { mayReassign, maySee } from '../../../functions/domain/reports.js';
import { aStaff } from '../../support/builders.js';

const report = (overrides: Partial<Report> = {}): Report => ({
  reportId: 'report-1',
  urn: '141234',
  studentId: 'student-1',
  chainId: 'chain-1',
  offerId: 'offer-1',
  voucherId: 'staff-ann',
  yearGroupId: 'year-11',
  formGroupId: 'form-11a',
  kind: 'wrong-grade',
  details: 'My grade is wrong.',
  status: 'open',
  phase: 'acknowledge',
  level: 'assignee',
  assigneeId: 'staff-ann',
  routeVersion: 1,
  fingerprint: 'fp',
  history: [],
  createdAt: '2026-03-09T10:00:00.000Z',
  updatedAt: '2026-03-09T10:00:00.000Z',
  ...overrides,
});

describe('maySee', () => {
  it('shows a report to its assignee', () => {
    expect(maySee(aStaff({ staffId: 'staff-ann' }), report())).toBe(true);
  });

  it("shows it to a head of the student's year group", () => {
    const head = aStaff({
      staffId: 'staff-hoy',
      roles: ['head-of-year'],
      groupIds: ['year-11'],
    });

    expect(maySee(head, report())).toBe(true);
  });

  it("shows it to a head of year given the student's form, not the year", () => {
    const head = aStaff({
      staffId: 'staff-hoy',
      roles: ['head-of-year'],
      groupIds: ['form-11b', 'form-11a'],
    });

    expect(maySee(head, report())).toBe(true);
    expect(mayReassign(head, report())).toBe(true);
  });

  it('hides it from a form tutor of the same form who is not its assignee', () => {
    const tutor = aStaff({
      staffId: 'staff-tut',
      roles: ['form-tutor'],
      groupIds: ['form-11a'],
    });

    expect(maySee(tutor, report())).toBe(false);
  });

  it('hides it from a head of another year group', () => {
    const head = aStaff({
      staffId: 'staff-hoy',
      roles: ['head-of-year'],
      groupIds: ['year-10'],
    });

    expect(maySee(head, report())).toBe(false);
  });

  it('shows it to every centre admin', () => {
    const admin = aStaff({ staffId: 'staff-admin', roles: ['centre-admin'] });

    expect(maySee(admin, report())).toBe(true);
  });

  it('hides it from other staff, the voucher once reassigned too', () => {
    const tutor = aStaff({ staffId: 'staff-other' });
    const voucher = aStaff({ staffId: 'staff-ann' });

    expect(maySee(tutor, report())).toBe(false);
    expect(maySee(voucher, report({ assigneeId: 'staff-bea' }))).toBe(false);
  });

  it('hides it from a deactivated assignee or admin', () => {
    const admin = aStaff({ roles: ['centre-admin'], active: false });

    expect(maySee(aStaff({ active: false }), report())).toBe(false);
    expect(maySee(admin, report())).toBe(false);
  });
});

describe('mayReassign', () => {
  it('lets heads of the year group and admins reassign, not the assignee', () => {
    const head = aStaff({
      staffId: 'staff-hoy',
      roles: ['head-of-year'],
      groupIds: ['year-11'],
    });
    const admin = aStaff({ staffId: 'staff-admin', roles: ['centre-admin'] });

    expect(mayReassign(head, report())).toBe(true);
    expect(mayReassign(admin, report())).toBe(true);
    expect(mayReassign(aStaff({ staffId: 'staff-ann' }), report())).toBe(false);
  });
});
