import { describe, expect, it } from 'vitest';
import {
  consoleRefusal,
  refusalFor,
} from '../../../functions/console/messages.js';

const body = (code: string, message = 'API words', field?: string) => ({
  error: { code, message, ...(field ? { field } : {}) },
});

describe('refusalFor', () => {
  it('puts a known code in plain words, with what to do next', () => {
    const refusal = refusalFor(
      422,
      body('DATE_OF_BIRTH_MISMATCH', 'x', 'dateOfBirth'),
    );

    expect(refusal.summary).toContain('does not match');
    expect(refusal.next).toContain('ask them again');
    expect(refusal.field).toBe('dateOfBirth');
  });

  it.each([
    'NOT_DATA_ISSUER',
    'NOT_IN_STUDENT_GROUPS',
    'LOOK_ALIKE_NOT_ACKNOWLEDGED',
    'EXAMS_OFFICER_MAY_NOT_VOUCH',
    'VOUCH_STALE',
    'STAFF_INACTIVE',
    'REPORT_CHANGED',
  ])('has its own sentence for %s', (code) => {
    const refusal = refusalFor(403, body(code));

    expect(refusal.summary).not.toBe('API words');
    expect(refusal.next.length).toBeGreaterThan(10);
  });

  it("shows the API's own message for a code it does not know", () => {
    expect(refusalFor(400, body('SOMETHING_NEW', 'Do this.')).summary).toBe(
      'Do this.',
    );
  });

  it('says it was our fault for a 5xx or a body that is not an error', () => {
    expect(refusalFor(500, undefined).summary).toContain('our side');
    expect(refusalFor(502, 'Bad gateway').summary).toContain('our side');
  });
});

describe('consoleRefusal', () => {
  it("gives the console's own refusals, such as a wrong password", () => {
    expect(consoleRefusal('SIGN_IN_FAILED').summary).toContain('not right');
  });
});
