import type { Deps } from '../lib/deps.js';
import type { Report, RouteLevel } from './report-types.js';

/**
 * The e-mails reports send. They name the report and the centre and link
 * to the console; the student's name and record stay behind the sign-in.
 */

const kindWords: Record<Report['kind'], string> = {
  'missing-qualification': 'a qualification missing',
  'unexpected-qualification': 'a qualification that is not theirs',
  'wrong-grade': 'a wrong grade',
  'wrong-personal-details': 'wrong personal details',
  other: 'another error',
};

/** The report's page in the staff console, where it is acted on. */
function reportLink(deps: Deps, report: Pick<Report, 'urn' | 'reportId'>) {
  const base = deps.config.CONSOLE_URL ?? deps.config.ISSUER_URL;
  return `${base}/console/reports/${encodeURIComponent(report.reportId)}`;
}

const levelWords: Record<RouteLevel, string> = {
  assignee: 'You vouched for this student, so it comes to you first.',
  'heads-of-year':
    "It comes to you as head of the student's year: the member of staff " +
    'who vouched for them has not acted on it in time, or is no longer ' +
    'at the centre.',
  'centre-admins':
    'It comes to you as centre admin: nobody before you (the member of ' +
    "staff who vouched, then the student's heads of year) has acted on it " +
    'in time, or there is nobody in that place.',
};

/**
 * A wait's end as a person reads it: waits end at midnight in London
 * after their last school day, so "by the end of Wednesday 9 December".
 */
export function deadlineWords(deadline: string): string {
  const lastMoment = new Date(new Date(deadline).getTime() - 1);
  if (Number.isNaN(lastMoment.getTime())) return deadline;
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/London',
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  }).formatToParts(lastMoment);
  const part = (type: Intl.DateTimeFormatPartTypes) =>
    parts.find((p) => p.type === type)?.value ?? '';
  // The GOV.UK style: "Wednesday 9 December 2026", no comma.
  const day = ['weekday', 'day', 'month', 'year'] as const;
  return `the end of ${day.map(part).join(' ')}`;
}

export function assignmentNotice(
  deps: Deps,
  report: Report,
  level: RouteLevel,
  deadline: string,
) {
  const waitingFor = report.phase === 'acknowledge' ? 'acknowledge' : 'resolve';
  return {
    subject: `Record error report ${report.reportId} needs your attention`,
    text:
      `A student at centre ${report.urn} has reported ` +
      `${kindWords[report.kind]} in their education record.\n\n` +
      `${levelWords[level]}\n\n` +
      `Please ${waitingFor} it by ${deadlineWords(deadline)}: ` +
      `${reportLink(deps, report)}\n`,
  };
}

export function reassignmentNotice(deps: Deps, report: Report) {
  return {
    subject: `Record error report ${report.reportId} was assigned to you`,
    text:
      `A record error report at centre ${report.urn} was assigned to you.` +
      `\n\nPlease acknowledge it by ${deadlineWords(report.deadline ?? '')}: ` +
      `${reportLink(deps, report)}\n`,
  };
}

export function replyNotice(
  deps: Deps,
  report: Pick<Report, 'urn' | 'reportId'>,
  enquiryId: string,
  message: string,
) {
  return {
    subject: `The helpdesk replied about record error report ${report.reportId}`,
    text:
      `The helpdesk replied to enquiry ${enquiryId}:\n\n${message}\n\n` +
      `The report: ${reportLink(deps, report)}\n`,
  };
}
