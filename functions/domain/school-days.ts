/**
 * School days: Monday to Friday in Europe/London, less the dates a centre
 * is closed. A report's waits are counted in them, so a half term or a
 * bank holiday the centre enters does not escalate anything.
 */

export const schoolTimeZone = 'Europe/London';

/** `YYYY-MM-DD`, a calendar date with no time or zone. */
export type CalendarDate = string;

const londonParts = new Intl.DateTimeFormat('en-GB', {
  timeZone: schoolTimeZone,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

function partsAt(at: Date): Record<string, string> {
  return Object.fromEntries(
    londonParts.formatToParts(at).map((part) => [part.type, part.value]),
  );
}

/** The date in London at an instant. */
export function londonDate(at: Date): CalendarDate {
  const parts = partsAt(at);
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/**
 * The instant a date begins in London. The clocks change at 01:00 UTC, so
 * midnight always exists once: at 00:00 UTC in winter, 23:00 UTC the day
 * before in summer.
 */
export function londonMidnight(date: CalendarDate): Date {
  const utcMidnight = Date.parse(`${date}T00:00:00Z`);
  for (const offsetHours of [0, 1]) {
    const candidate = new Date(utcMidnight - offsetHours * 3_600_000);
    const parts = partsAt(candidate);
    if (londonDate(candidate) === date && parts.hour === '00') {
      return candidate;
    }
  }
  throw new RangeError('No London midnight for this date');
}

/** The next calendar date. */
export function nextDate(date: CalendarDate): CalendarDate {
  const next = new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000);
  return next.toISOString().slice(0, 10);
}

export function isWeekend(date: CalendarDate): boolean {
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return day === 0 || day === 6;
}

export function isSchoolDay(
  date: CalendarDate,
  closures: ReadonlySet<CalendarDate>,
): boolean {
  return !isWeekend(date) && !closures.has(date);
}

/**
 * More calendar days than this in a row with no school day means the
 * closures are wrong (a centre is never shut for a year and a half).
 */
const longestSearchDays = 550;

/**
 * When a wait of `days` school days that began at `start` ends: at the
 * end of the `days`-th school day after the day it began (midnight in
 * London), so that a report made late on a Friday still gives the staff
 * whole school days to act.
 */
export function schoolDaysEnd(
  start: Date,
  days: number,
  closures: ReadonlySet<CalendarDate>,
): Date {
  if (!Number.isInteger(days) || days < 1) {
    throw new RangeError('A wait is a whole number of school days, from 1');
  }
  let date = londonDate(start);
  let counted = 0;
  for (let step = 0; step < longestSearchDays; step++) {
    date = nextDate(date);
    if (isSchoolDay(date, closures)) counted++;
    if (counted === days) return londonMidnight(nextDate(date));
  }
  throw new RangeError('The closures leave no school days to count');
}
