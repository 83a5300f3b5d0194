import { describe, expect, it } from 'vitest';
import {
  isSchoolDay,
  londonDate,
  londonMidnight,
  schoolDaysEnd,
} from '../../../functions/domain/school-days.js';

const none = new Set<string>();

describe('londonDate', () => {
  it('is the London date, an hour ahead of UTC in summer', () => {
    expect(londonDate(new Date('2026-06-10T23:30:00Z'))).toBe('2026-06-11');
    expect(londonDate(new Date('2026-01-10T23:30:00Z'))).toBe('2026-01-10');
  });
});

describe('londonMidnight', () => {
  it('is 00:00 UTC in winter and 23:00 UTC the day before in summer', () => {
    expect(londonMidnight('2026-01-15').toISOString()).toBe(
      '2026-01-15T00:00:00.000Z',
    );
    expect(londonMidnight('2026-06-15').toISOString()).toBe(
      '2026-06-14T23:00:00.000Z',
    );
  });

  it('exists on the days the clocks change', () => {
    expect(londonMidnight('2026-03-29').toISOString()).toBe(
      '2026-03-29T00:00:00.000Z',
    );
    expect(londonMidnight('2026-10-25').toISOString()).toBe(
      '2026-10-24T23:00:00.000Z',
    );
  });
});

describe('isSchoolDay', () => {
  it('is Monday to Friday, less closures', () => {
    expect(isSchoolDay('2026-03-09', none)).toBe(true);
    expect(isSchoolDay('2026-03-14', none)).toBe(false);
    expect(isSchoolDay('2026-03-15', none)).toBe(false);
    expect(isSchoolDay('2026-03-09', new Set(['2026-03-09']))).toBe(false);
  });
});

describe('schoolDaysEnd', () => {
  it('ends at the end of the third school day after a Monday', () => {
    const end = schoolDaysEnd(new Date('2026-03-09T10:00:00Z'), 3, none);

    expect(end.toISOString()).toBe('2026-03-13T00:00:00.000Z');
  });

  it('skips the weekend after a Friday report', () => {
    const end = schoolDaysEnd(new Date('2026-03-13T16:00:00Z'), 3, none);

    expect(end.toISOString()).toBe('2026-03-19T00:00:00.000Z');
  });

  it('counts a weekend report from the Monday', () => {
    const end = schoolDaysEnd(new Date('2026-03-14T09:00:00Z'), 1, none);

    expect(end.toISOString()).toBe('2026-03-17T00:00:00.000Z');
  });

  it('skips the closure dates of the centre', () => {
    const closures = new Set(['2026-03-10', '2026-03-11']);

    const end = schoolDaysEnd(new Date('2026-03-09T10:00:00Z'), 3, closures);

    expect(end.toISOString()).toBe('2026-03-17T00:00:00.000Z');
  });

  it('ends at London midnight across the change to summer time', () => {
    // Friday 27 March; the clocks go forward on Sunday 29 March.
    const end = schoolDaysEnd(new Date('2026-03-27T10:00:00Z'), 2, none);

    expect(end.toISOString()).toBe('2026-03-31T23:00:00.000Z');
  });

  it('reads the report day in London, not UTC', () => {
    // 23:30 UTC on Sunday 14 June is already Monday in London.
    const end = schoolDaysEnd(new Date('2026-06-14T23:30:00Z'), 1, none);

    expect(end.toISOString()).toBe('2026-06-16T23:00:00.000Z');
  });

  it('refuses closures that leave no school day', () => {
    const everyDay = new Set<string>();
    for (let d = Date.UTC(2026, 0, 1); d < Date.UTC(2028, 0, 1); d += 864e5) {
      everyDay.add(new Date(d).toISOString().slice(0, 10));
    }

    expect(() =>
      schoolDaysEnd(new Date('2026-03-09T10:00:00Z'), 3, everyDay),
    ).toThrow(RangeError);
  });
});
