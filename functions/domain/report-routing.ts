/**
 * The routing workflow's one task. The state machine (lib/report-routing.ts)
 * calls it, waits until the time it answers, and calls it again, until it
 * answers `done`. Each call reads the report and does what is due:
 *
 * - not routed yet: assign it to the member of staff who vouched and
 *   notify them, or, if they are no longer active, escalate at once;
 * - resolved or referred: the route ends;
 * - its deadline still ahead (someone acknowledged or reassigned it, and
 *   the deadline moved): wait until then;
 * - its deadline passed with nobody acting: escalate, from the assignee
 *   to the heads of year of the student's year group, then to the centre
 *   admins, each with a wait of its own, and last open a helpdesk enquiry.
 *
 * Every write is conditional on the report's route version, so a call
 * working from a stale read changes nothing and looks again.
 */
import type { Deps } from '../lib/deps.js';
import { ApiError } from '../lib/errors.js';
import { keys } from '../lib/keys.js';
import { logger } from '../lib/logger.js';
import { mailerOf } from '../lib/mailer.js';
import { count } from '../lib/metrics.js';
import { getEntity } from '../lib/table.js';
import { closuresOf } from './closures.js';
import { assignmentNotice } from './report-notices.js';
import {
  applyTransition,
  centreStaffWithRole,
  getReport,
  headsOfYear,
  openEnquiry,
  reportChanged,
  reportUpdate,
} from './report-store.js';
import {
  pastoralGroupIds,
  type Report,
  type RouteLevel,
} from './report-types.js';
import { schoolDaysEnd } from './school-days.js';
import type { Staff } from './types.js';

export interface RoutingInput {
  urn: string;
  reportId: string;
}

/** What the state machine does next: end, or wait until `waitUntil`. */
export type RoutingStep =
  | { done: true; outcome: string }
  | { done: false; waitUntil: string };

/** A read that lost a race is tried again this many times in one call. */
const attempts = 3;

export async function routeReport(
  deps: Deps,
  input: RoutingInput,
): Promise<RoutingStep> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await routeOnce(deps, input);
    } catch (error) {
      const raced =
        error instanceof ApiError && error.code === reportChanged().code;
      if (!raced || attempt >= attempts) throw error;
    }
  }
}

async function routeOnce(
  deps: Deps,
  input: RoutingInput,
): Promise<RoutingStep> {
  const report = await getReport(deps, input.urn, input.reportId);
  if (!report) return { done: true, outcome: 'no-report' };
  if (report.status === 'resolved' || report.status === 'referred') {
    return { done: true, outcome: report.status };
  }
  const now = deps.clock.now();
  // Staff may act before the first call (a centre admin who saw it at
  // once): their action set the deadline, so only an untouched report is
  // assigned.
  if (!report.routedAt && report.routeVersion === 0) {
    return assign(deps, report, now);
  }
  if (report.deadline && Date.parse(report.deadline) > now.getTime()) {
    return { done: false, waitUntil: report.deadline };
  }
  return escalate(deps, report, now, nextLevel(report.level));
}

const nextLevel = (level: RouteLevel): RouteLevel | 'helpdesk' =>
  level === 'assignee'
    ? 'heads-of-year'
    : level === 'heads-of-year'
      ? 'centre-admins'
      : 'helpdesk';

const waitDays = (deps: Deps, report: Report) =>
  report.phase === 'acknowledge'
    ? deps.config.REPORT_ACKNOWLEDGE_SCHOOL_DAYS
    : deps.config.REPORT_RESOLVE_SCHOOL_DAYS;

async function deadlineFor(deps: Deps, report: Report, now: Date) {
  const closures = await closuresOf(deps, report.urn);
  return schoolDaysEnd(now, waitDays(deps, report), closures).toISOString();
}

async function assign(
  deps: Deps,
  report: Report,
  now: Date,
): Promise<RoutingStep> {
  const voucher = report.voucherId
    ? await getEntity<Staff>(
        deps.db,
        deps.config.TABLE_NAME,
        keys.staff(report.urn, report.voucherId),
      )
    : undefined;
  if (!voucher?.active) {
    return escalate(deps, report, now, 'heads-of-year', 'voucher-inactive');
  }
  const at = now.toISOString();
  const deadline = await deadlineFor(deps, report, now);
  await applyTransition(
    deps,
    reportUpdate(deps, report, {
      from: ['open'],
      set: {
        routedAt: at,
        level: 'assignee',
        assigneeId: voucher.staffId,
        deadline,
      },
      entry: {
        at,
        by: 'system',
        action: 'assigned',
        detail: { staffId: voucher.staffId },
      },
    }),
  );
  await mailerOf(deps).send({
    to: [voucher.email],
    ...assignmentNotice(deps, report, 'assignee', deadline),
  });
  logger.info('report assigned', { reportId: report.reportId });
  return { done: false, waitUntil: deadline };
}

/**
 * Moves the report to `level`, or past it when nobody holds it (no head
 * of year for the year group, no active centre admin), and notifies who
 * it reaches. Past the centre admins it goes to the helpdesk.
 */
async function escalate(
  deps: Deps,
  report: Report,
  now: Date,
  level: RouteLevel | 'helpdesk',
  reason = 'no-action',
): Promise<RoutingStep> {
  const at = now.toISOString();
  let target = level;
  let recipients: Staff[] = [];
  while (target !== 'helpdesk') {
    recipients =
      target === 'heads-of-year'
        ? await headsOfYear(deps, report.urn, pastoralGroupIds(report))
        : await centreStaffWithRole(deps, report.urn, 'centre-admin');
    if (recipients.length > 0) break;
    target = nextLevel(target);
  }

  if (target === 'helpdesk') {
    const admins = await centreStaffWithRole(deps, report.urn, 'centre-admin');
    const opened = openEnquiry(deps, report, {
      summary:
        'Nobody at the centre acted on this report in time: it escalated ' +
        'to the helpdesk.',
      openedBy: 'system',
      contactStaffIds: [
        ...(report.assigneeId ? [report.assigneeId] : []),
        ...admins.map((a) => a.staffId),
      ],
      at,
      action: 'escalated-to-helpdesk',
    });
    await applyTransition(deps, opened.update, [opened.put]);
    count('ReportsEscalated');
    count('EnquiriesOpened');
    logger.info('report escalated', {
      reportId: report.reportId,
      escalatedTo: 'helpdesk',
    });
    return { done: true, outcome: 'referred' };
  }

  const deadline = await deadlineFor(deps, report, now);
  await applyTransition(
    deps,
    reportUpdate(deps, report, {
      from: ['open', 'acknowledged'],
      set: { routedAt: report.routedAt ?? at, level: target, deadline },
      entry: {
        at,
        by: 'system',
        action: 'escalated',
        detail: { level: target, phase: report.phase, reason },
      },
    }),
  );
  await mailerOf(deps).send({
    to: recipients.map((s) => s.email),
    ...assignmentNotice(deps, report, target, deadline),
  });
  count('ReportsEscalated');
  logger.info('report escalated', {
    reportId: report.reportId,
    escalatedTo: target,
  });
  return { done: false, waitUntil: deadline };
}
