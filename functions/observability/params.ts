import { badRequest } from '../lib/errors.js';

/**
 * The query parameters of the activity and metrics views, checked by
 * hand rather than by a schema so that each problem has its own stable
 * code. Whatever reaches a CloudWatch query was checked here first: a
 * URN is six digits, a time is an ISO 8601 instant in UTC, a period is a
 * whole number of minutes. Nothing a caller sends is copied into a query
 * in any other form, and rejected values are never echoed.
 */

/** The longest range either view covers, in days. */
export const maxRangeDays = 31;
const dayMs = 86_400_000;

/** `2026-03-10T09:00:00Z`, with optional milliseconds, always in UTC. */
const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?Z$/;
const URN = /^\d{6}$/;
const PERIOD = /^\d{1,6}$/;

type Query = Record<string, string | undefined>;

function onlyKnown(query: Query, known: readonly string[]): void {
  for (const name of Object.keys(query)) {
    if (!known.includes(name)) {
      throw badRequest(
        'UNKNOWN_PARAMETER',
        `This address takes only ${known.join(', ')} as query parameters.`,
      );
    }
  }
}

/** An instant as given, or a 400 INVALID_TIME naming the parameter. */
export function parseInstant(value: string | undefined, name: string): Date {
  const invalid = () =>
    badRequest(
      'INVALID_TIME',
      `Give ${name} as a time in UTC such as 2026-03-10T09:00:00Z.`,
      { field: name },
    );
  if (value === undefined || value === '') {
    throw badRequest('MISSING_FIELD', `The query needs ${name}.`, {
      field: name,
    });
  }
  const match = INSTANT.exec(value);
  if (!match) throw invalid();
  const date = new Date(value);
  // Date accepts 2026-02-30 by rolling over; the text must survive the
  // round trip to be the instant it names.
  if (
    Number.isNaN(date.getTime()) ||
    date.toISOString().slice(0, 19) !== value.slice(0, 19)
  ) {
    throw invalid();
  }
  return date;
}

export interface TimeRange {
  from: Date;
  to: Date;
}

function parseRange(query: Query, now: Date): TimeRange {
  const from = parseInstant(query.from, 'from');
  const to = parseInstant(query.to, 'to');
  if (to.getTime() <= from.getTime()) {
    throw badRequest('RANGE_REVERSED', 'Give a from time before the to time.');
  }
  if (to.getTime() - from.getTime() > maxRangeDays * dayMs) {
    throw badRequest(
      'RANGE_TOO_LONG',
      `Ask for at most ${maxRangeDays} days at a time.`,
    );
  }
  if (from.getTime() > now.getTime()) {
    throw badRequest('RANGE_IN_FUTURE', 'The from time is in the future.');
  }
  return { from, to };
}

export interface ActivityQuery extends TimeRange {
  /** Six digits: the only caller text a Logs Insights query holds. */
  centre: string;
}

/** `?centre=URN&from=&to=`, every parameter required. */
export function parseActivityQuery(query: Query, now: Date): ActivityQuery {
  onlyKnown(query, ['centre', 'from', 'to']);
  const centre = query.centre;
  if (centre === undefined || centre === '') {
    throw badRequest('MISSING_FIELD', 'The query needs centre (a URN).', {
      field: 'centre',
    });
  }
  if (!URN.test(centre)) {
    throw badRequest('INVALID_CENTRE', 'Give centre as a 6-digit URN.', {
      field: 'centre',
    });
  }
  return { centre, ...parseRange(query, now) };
}

export interface MetricsQuery extends TimeRange {
  /** Seconds a data point covers: a multiple of 60. */
  period: number;
}

/** CloudWatch's limit on the data points one query answers. */
export const maxDataPoints = 1440;

/** `?from=&to=&period=`; the period (seconds) defaults to an hour. */
export function parseMetricsQuery(query: Query, now: Date): MetricsQuery {
  onlyKnown(query, ['from', 'to', 'period']);
  const range = parseRange(query, now);
  const given = query.period;
  const period = given === undefined || given === '' ? 3600 : Number(given);
  const valid =
    (given === undefined || given === '' || PERIOD.test(given)) &&
    Number.isInteger(period) &&
    period >= 60 &&
    period <= 86_400 &&
    period % 60 === 0;
  if (!valid) {
    throw badRequest(
      'INVALID_PERIOD',
      'Give period as seconds: a multiple of 60, from 60 to 86400.',
      { field: 'period' },
    );
  }
  const points = (range.to.getTime() - range.from.getTime()) / (period * 1000);
  if (points > maxDataPoints) {
    throw badRequest(
      'TOO_MANY_POINTS',
      `That range at that period is more than ${maxDataPoints} points. ` +
        'Choose a longer period or a shorter range.',
    );
  }
  return { ...range, period };
}
