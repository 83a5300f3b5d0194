/**
 * Record-error reports: a student, from the wallet, reports an error in
 * their record; the staff who can act on it see, acknowledge, resolve,
 * refer or reassign it. The routing workflow (report-routing.ts) makes
 * sure someone does.
 */

import {
  ExecutionAlreadyExists,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { DeleteCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { recordAudit } from '../lib/audit.js';
import type { Caller } from '../lib/auth.js';
import { ConfigError } from '../lib/config.js';
import type { Deps } from '../lib/deps.js';
import {
  ApiError,
  badRequest,
  forbidden,
  notFound,
  unprocessable,
} from '../lib/errors.js';
import { newId, sha256 } from '../lib/ids.js';
import { keys, table } from '../lib/keys.js';
import { logger } from '../lib/logger.js';
import { mailerOf } from '../lib/mailer.js';
import { count } from '../lib/metrics.js';
import { takeFromWindow } from '../lib/rate-windows.js';
import { sfnOf } from '../lib/sfn.js';
import {
  batchGet,
  cancellationCodes,
  decodeCursor,
  encodeCursor,
  entity,
  getEntity,
  isConditionFailure,
  type Page,
  queryPage,
} from '../lib/table.js';
import {
  PresentationError,
  verifyPresentation,
} from '../wallet/presentation.js';
import type { Signer } from '../wallet/signer.js';
import { statusValues } from '../wallet/status-list.js';
import { centreAccess, hasRole, requireStaffRole } from './access.js';
import type { Chain } from './chains.js';
import { challengeOf } from './challenges.js';
import { closuresOf } from './closures.js';
import { groupIdFor, yearGroupName } from './groups.js';
import { reassignmentNotice } from './report-notices.js';
import {
  applyTransition,
  getReport,
  liftChallengeWrites,
  openEnquiry,
  reportChanged,
  reportItem,
  reportUpdate,
  type TransactItem,
} from './report-store.js';
import {
  pastoralGroupIds,
  type Report,
  type ReportedQualification,
  type ReportKind,
  type ReportStatus,
  type ResolveOutcome,
  unresolvedStatuses,
} from './report-types.js';
import { schoolDaysEnd } from './school-days.js';
import { listPosition, statusBlockSize } from './status-lists.js';
import type { Offer, Staff, Student } from './types.js';

/** The kinds that are about one qualification, which they must name. */
const qualificationKinds: readonly ReportKind[] = [
  'missing-qualification',
  'unexpected-qualification',
  'wrong-grade',
];

/** 401 with one code for every failure: no answer says what to fix. */
export const invalidPresentation = (cause?: unknown) =>
  new ApiError(
    401,
    'INVALID_PRESENTATION',
    'The record could not be accepted as proof. Get a new nonce from ' +
      '/nonce and present the record again.',
    { cause },
  );

/**
 * The genuine holder of a record the centre has since withdrawn: they
 * proved the key, so saying so tells them only what the public status list
 * already says, and tells them what to do instead of retrying.
 */
export const withdrawnRecord = (cause?: unknown) =>
  new ApiError(
    403,
    'RECORD_WITHDRAWN',
    'This record has been withdrawn by the centre, so it cannot report ' +
      'an error or show a report. Ask the centre for a new code.',
    { cause },
  );

/**
 * Checks a presentation and finds the chain its credential belongs to:
 * the issuer's signature and the key binding (wallet/presentation.ts),
 * the nonce used up here and now, the index's block to its chain, the
 * chain's holder key, and the credential not revoked. A credential that
 * was revoked (a record that reached the wrong student), or whose chain
 * was stopped, cannot report or read a report.
 */
export async function acceptPresentation(
  deps: Deps,
  signer: Signer,
  presentation: string,
): Promise<Chain> {
  try {
    return await presentedChain(deps, signer, presentation);
  } catch (error) {
    if (error instanceof PresentationError) {
      logger.info('presentation refused', { reason: error.reason });
      if (error.reason === 'revoked') throw withdrawnRecord(error);
      throw invalidPresentation(error);
    }
    throw error;
  }
}

async function presentedChain(
  deps: Deps,
  signer: Signer,
  presentation: string,
): Promise<Chain> {
  const now = deps.clock.now();
  const TableName = deps.config.TABLE_NAME;
  const verified = await verifyPresentation(presentation, {
    issuerJwk: await signer.publicJwk(),
    issuer: deps.config.ISSUER_URL,
    now,
  });

  await deps.db
    .send(
      new DeleteCommand({
        TableName,
        Key: keys.nonce(verified.nonce),
        ConditionExpression: 'attribute_exists(PK) AND expiresAt > :now',
        ExpressionAttributeValues: { ':now': now.toISOString() },
      }),
    )
    .catch((error: unknown) => {
      if (isConditionFailure(error)) throw new PresentationError('nonce');
      throw error;
    });

  const index = verified.statusIndex;
  const block = await getEntity<{ chainId: string }>(
    deps.db,
    TableName,
    keys.statusBlock(index - (index % statusBlockSize)),
  );
  if (!block) throw new PresentationError('unknown-credential');
  const { listId, idx } = listPosition(index);
  const items = await batchGet(deps.db, TableName, [
    keys.chain(block.chainId),
    keys.statusEntry(listId, idx),
  ]);
  const chainItem = items.find((i) => i.SK === keys.chain('').SK);
  const entryItem = items.find((i) => i.SK !== keys.chain('').SK);
  const chain = chainItem ? entity<Chain>(chainItem) : undefined;
  if (
    !chain ||
    chain.holderJkt !== verified.holderJkt ||
    index >= chain.nextIndex
  ) {
    throw new PresentationError('unknown-credential');
  }
  if (
    chain.status !== 'active' ||
    Number(entryItem?.status) === statusValues.invalid
  ) {
    throw new PresentationError('revoked');
  }
  return chain;
}

export interface ReportInput {
  presentation: string;
  kind: ReportKind;
  qualification?: ReportedQualification;
  details: string;
}

export interface ReportAccepted {
  reportId: string;
  status: ReportStatus;
  /** False when this was a retry of an unresolved report. */
  created: boolean;
}

/**
 * Opens a report from the wallet, or answers the same one again when the
 * same chain sends the same kind, qualification and details while it is
 * unresolved. The route starts as `report-<reportId>`; starting it again
 * on a retry is harmless, so a start that failed is made good by the
 * wallet's retry.
 */
export async function submitReport(
  deps: Deps,
  signer: Signer,
  input: ReportInput,
): Promise<ReportAccepted> {
  if (qualificationKinds.includes(input.kind) && !input.qualification) {
    throw badRequest(
      'MISSING_FIELD',
      'The field qualification is required for this kind of report.',
      { field: 'qualification' },
    );
  }
  const chain = await acceptPresentation(deps, signer, input.presentation);
  const { urn, studentId } = chain;
  const fingerprint = sha256(
    [
      chain.chainId,
      input.kind,
      input.qualification?.qan ?? '',
      input.qualification?.subject ?? '',
      input.details,
    ].join('\u0000'),
  );

  const retried = await existingReport(deps, urn, fingerprint);
  if (retried) return retried;
  await takeReportAllowance(deps, chain.chainId);

  const TableName = deps.config.TABLE_NAME;
  const items = await batchGet(deps.db, TableName, [
    keys.offer(chain.offerId),
    keys.student(urn, studentId),
  ]);
  const offerItem = items.find((i) => i.SK === keys.offer('').SK);
  const studentItem = items.find((i) => i.SK !== keys.offer('').SK);
  const offer = offerItem ? entity<Offer>(offerItem) : undefined;
  const student = studentItem ? entity<Student>(studentItem) : undefined;

  const at = deps.clock.now().toISOString();
  const reportId = newId();
  const challenge = challengeOf(reportId, input.qualification);
  const report: Report = {
    reportId,
    urn,
    studentId,
    chainId: chain.chainId,
    offerId: chain.offerId,
    ...(offer ? { vouchId: offer.vouchId, voucherId: offer.staffId } : {}),
    ...(student?.year
      ? { yearGroupId: groupIdFor('year', yearGroupName(student.year)) }
      : {}),
    ...(student?.form ? { formGroupId: groupIdFor('form', student.form) } : {}),
    kind: input.kind,
    ...(input.qualification ? { qualification: input.qualification } : {}),
    details: input.details,
    status: 'open',
    phase: 'acknowledge',
    level: 'assignee',
    routeVersion: 0,
    fingerprint,
    ...(challenge ? { challenge } : {}),
    history: [
      { at, by: 'student', action: 'reported', detail: { kind: input.kind } },
    ],
    createdAt: at,
    updatedAt: at,
  };

  const writes: TransactItem[] = [
    {
      Put: {
        TableName,
        Item: {
          ...keys.reportGuard(urn, fingerprint),
          type: 'reportGuard',
          reportId,
          createdAt: at,
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      },
    },
    {
      Put: {
        TableName,
        Item: reportItem(report),
        ConditionExpression: 'attribute_not_exists(PK)',
      },
    },
  ];
  if (challenge) writes.push(challengeWrite(deps, report, challenge, at));
  try {
    await deps.db.send(new TransactWriteCommand({ TransactItems: writes }));
  } catch (error) {
    if (cancellationCodes(error)[0] === 'ConditionalCheckFailed') {
      const raced = await existingReport(deps, urn, fingerprint);
      if (raced) return raced;
    }
    throw error;
  }
  count('ReportsOpened');
  logger.info('report opened', { reportId, centre: urn });
  await startRouting(deps, report);

  return { reportId, status: report.status, created: true };
}

/**
 * Counts a new report against its chain's allowance: a retry of one
 * already open never gets here, so only new reports count.
 */
export async function takeReportAllowance(deps: Deps, chainId: string) {
  const take = await takeFromWindow(
    deps,
    'reports',
    chainId,
    deps.config.REPORT_LIMIT,
    deps.config.REPORT_WINDOW_SECONDS,
  );
  if (take.allowed) return;
  throw new ApiError(
    429,
    'TOO_MANY_REPORTS',
    'This app has sent as many reports as it may for now. Your centre ' +
      'has the ones already sent; try again later if something is missing.',
    { headers: { 'Retry-After': String(take.retryAfter) } },
  );
}

/**
 * Marks the qualification challenged in the student's prepared record.
 * The record's version moves on, so a rebuild in flight reads the set
 * again and keeps it (records.ts carries it over).
 */
function challengeWrite(
  deps: Deps,
  report: Report,
  challenge: string,
  at: string,
): TransactItem {
  return {
    Update: {
      TableName: deps.config.TABLE_NAME,
      Key: keys.record(report.studentId),
      UpdateExpression:
        'ADD challenges :challenge, #version :one SET updatedAt = :at, ' +
        'urn = if_not_exists(urn, :urn), ' +
        'studentId = if_not_exists(studentId, :student), ' +
        'qualifications = if_not_exists(qualifications, :none), ' +
        '#type = if_not_exists(#type, :record)',
      ExpressionAttributeNames: { '#version': 'version', '#type': 'type' },
      ExpressionAttributeValues: {
        ':challenge': new Set([challenge]),
        ':one': 1,
        ':at': at,
        ':urn': report.urn,
        ':student': report.studentId,
        ':none': [],
        ':record': 'record',
      },
    },
  };
}

async function existingReport(
  deps: Deps,
  urn: string,
  fingerprint: string,
): Promise<ReportAccepted | undefined> {
  const guard = await getEntity<{ reportId: string }>(
    deps.db,
    deps.config.TABLE_NAME,
    keys.reportGuard(urn, fingerprint),
  );
  if (!guard) return undefined;
  const report = await getReport(deps, urn, guard.reportId);
  if (!report) return undefined;
  await startRouting(deps, report);
  return { reportId: report.reportId, status: report.status, created: false };
}

/** The routing workflow's execution name for a report. */
export const routingExecutionName = (reportId: string) => `report-${reportId}`;

/**
 * Starts the report's route. A start under the same name is answered
 * with the same execution while it runs, and refused once it ended: the
 * route already ran, which is what was wanted.
 */
export async function startRouting(deps: Deps, report: Report): Promise<void> {
  const arn = deps.config.REPORT_ROUTING_STATE_MACHINE_ARN;
  if (!arn) {
    throw new ConfigError(
      'Set REPORT_ROUTING_STATE_MACHINE_ARN on the functions that open ' +
        'reports.',
    );
  }
  try {
    await sfnOf(deps).send(
      new StartExecutionCommand({
        stateMachineArn: arn,
        name: routingExecutionName(report.reportId),
        input: JSON.stringify({ urn: report.urn, reportId: report.reportId }),
      }),
    );
  } catch (error) {
    if (error instanceof ExecutionAlreadyExists) return;
    if ((error as Error).name === 'ExecutionAlreadyExists') return;
    throw error;
  }
}

/** What the wallet may see of its own report. */
export function studentView(report: Report) {
  return {
    reportId: report.reportId,
    kind: report.kind,
    ...(report.qualification ? { qualification: report.qualification } : {}),
    status: report.status,
    createdAt: report.createdAt,
    updatedAt: report.updatedAt,
    ...(report.studentNote ? { note: report.studentNote } : {}),
  };
}

/** A report's status, for a fresh presentation of the same chain. */
export async function reportStatus(
  deps: Deps,
  signer: Signer,
  reportId: string,
  presentation: string,
) {
  const chain = await acceptPresentation(deps, signer, presentation);
  const report = await getReport(deps, chain.urn, reportId);
  if (!report || report.chainId !== chain.chainId) throw notFound();
  return studentView(report);
}

/** A head of year of the student's year group or form group. */
function isHeadOfYearOf(staff: Staff, report: Report): boolean {
  return (
    hasRole(staff, 'head-of-year') &&
    pastoralGroupIds(report).some((id) => staff.groupIds.includes(id))
  );
}

/**
 * Whether a member of staff sees and acts on a report: its assignee, a
 * head of year of the student's year or form group, or a centre admin.
 */
export function maySee(staff: Staff | undefined, report: Report): boolean {
  if (!staff?.active) return false;
  if (report.assigneeId === staff.staffId) return true;
  if (hasRole(staff, 'centre-admin')) return true;
  return isHeadOfYearOf(staff, report);
}

/** Whether a member of staff may give the report to someone else. */
export function mayReassign(staff: Staff, report: Report): boolean {
  return (
    maySee(staff, report) &&
    (hasRole(staff, 'centre-admin') || isHeadOfYearOf(staff, report))
  );
}

/**
 * The caller's staff record and the report, in one round trip; a 404 for
 * anyone who may not see it, whether or not it exists.
 */
export async function visibleReport(
  deps: Deps,
  caller: Caller,
  urn: string,
  reportId: string,
): Promise<{ staff: Staff; report: Report }> {
  const items = await batchGet(deps.db, deps.config.TABLE_NAME, [
    keys.staff(urn, caller.sub),
    keys.report(urn, reportId),
  ]);
  const staffItem = items.find((i) => i.SK === keys.staff(urn, caller.sub).SK);
  const reportItem = items.find((i) => i.SK === keys.report(urn, reportId).SK);
  const staff = staffItem ? entity<Staff>(staffItem) : undefined;
  const report = reportItem ? entity<Report>(reportItem) : undefined;
  if (!staff || !report || !maySee(staff, report)) throw notFound();
  return { staff, report };
}

/** A report as the staff list shows it. */
export function reportSummary(report: Report) {
  return {
    reportId: report.reportId,
    studentId: report.studentId,
    kind: report.kind,
    ...(report.qualification ? { qualification: report.qualification } : {}),
    status: report.status,
    // Where the route stands, while it runs; a closed report has none.
    ...(report.status === 'open' || report.status === 'acknowledged'
      ? { phase: report.phase, level: report.level }
      : {}),
    ...(report.assigneeId ? { assigneeId: report.assigneeId } : {}),
    ...(report.deadline ? { deadline: report.deadline } : {}),
    createdAt: report.createdAt,
    updatedAt: report.updatedAt,
  };
}

/** The whole report, with its history. */
export function reportDetail(report: Report) {
  return {
    ...reportSummary(report),
    details: report.details,
    ...(report.voucherId ? { voucherId: report.voucherId } : {}),
    ...(report.outcome ? { outcome: report.outcome } : {}),
    ...(report.studentNote ? { note: report.studentNote } : {}),
    ...(report.enquiryId ? { enquiryId: report.enquiryId } : {}),
    history: report.history,
  };
}

export interface ReportListQuery {
  assigned?: 'me';
  status?: ReportStatus | 'unresolved';
  cursor?: string;
  limit?: number;
}

/**
 * A centre's reports, oldest first, that the caller may see: their own
 * assignments, and for a head of year those of their year groups, for a
 * centre admin all. Filtered after the read, so a page may hold fewer
 * items than the limit while the cursor says there are more.
 */
export async function listReports(
  deps: Deps,
  caller: Caller,
  urn: string,
  query: ReportListQuery,
): Promise<Page<ReturnType<typeof reportSummary>>> {
  // As every centre route: the operator, who knows the centre, is told it
  // reaches no centre's staff work, and a deactivated member of staff why.
  const staff = requireStaffRole(
    await centreAccess(deps, urn, caller),
    'centre-admin',
    'head-of-year',
    'form-tutor',
    'subject-staff',
    'exams-officer',
  );

  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {
    ':pk': keys.centreReportsPartition(urn),
  };
  const filters: string[] = [];
  const statuses =
    query.status === 'unresolved'
      ? unresolvedStatuses
      : query.status
        ? [query.status]
        : [];
  if (statuses.length > 0) {
    names['#status'] = 'status';
    statuses.forEach((s, i) => {
      values[`:s${i}`] = s;
    });
    filters.push(`#status IN (${statuses.map((_, i) => `:s${i}`).join(', ')})`);
  }
  const mine = () => {
    names['#assignee'] = 'assigneeId';
    values[':me'] = staff.staffId;
    return '#assignee = :me';
  };
  const years = hasRole(staff, 'head-of-year')
    ? staff.groupIds.slice(0, 90)
    : [];
  if (query.assigned === 'me') {
    filters.push(mine());
  } else if (!hasRole(staff, 'centre-admin')) {
    const visible = [mine()];
    if (years.length > 0) {
      names['#year'] = 'yearGroupId';
      names['#form'] = 'formGroupId';
      years.forEach((g, i) => {
        values[`:y${i}`] = g;
      });
      const held = years.map((_, i) => `:y${i}`).join(', ');
      visible.push(`#year IN (${held})`, `#form IN (${held})`);
    }
    filters.push(`(${visible.join(' OR ')})`);
  }

  const index = table.indexes.gsi2;
  const page = await queryPage(deps.db, {
    TableName: deps.config.TABLE_NAME,
    IndexName: index.name,
    KeyConditionExpression: `${index.partitionKey} = :pk`,
    ...(filters.length > 0
      ? {
          FilterExpression: filters.join(' AND '),
          ExpressionAttributeNames: names,
        }
      : {}),
    ExpressionAttributeValues: values,
    ExclusiveStartKey: decodeCursor(query.cursor, {
      [index.partitionKey]: keys.centreReportsPartition(urn),
    }),
    Limit: query.limit ?? 50,
  });

  return {
    items: page.items.map((i) => reportSummary(entity<Report>(i))),
    cursor: encodeCursor(page.next),
  };
}

async function audit(
  deps: Deps,
  caller: Caller,
  action: string,
  report: Report,
  detail?: Record<string, string>,
) {
  await recordAudit(
    deps,
    action,
    caller,
    {
      urn: report.urn,
      studentId: report.studentId,
      reportId: report.reportId,
    },
    detail,
  );
}

/**
 * Runs a staff action on a fresh read of the report, again if the
 * workflow (or a colleague) moved the report between the read and the
 * write: each attempt checks the rules anew, so a retry never does what
 * the new state forbids.
 */
async function onFreshReport<T>(
  deps: Deps,
  caller: Caller,
  urn: string,
  reportId: string,
  action: (staff: Staff, report: Report) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const { staff, report } = await visibleReport(deps, caller, urn, reportId);
    try {
      return await action(staff, report);
    } catch (error) {
      const changed =
        error instanceof ApiError && error.code === reportChanged().code;
      if (!changed || attempt >= 3) throw error;
    }
  }
}

/**
 * Acknowledges a report: the one who acknowledges takes it on, and the
 * wait for resolution begins.
 */
export async function acknowledgeReport(
  deps: Deps,
  caller: Caller,
  urn: string,
  reportId: string,
) {
  return onFreshReport(deps, caller, urn, reportId, async (staff, report) => {
    if (report.status !== 'open') {
      throw unprocessable(
        'REPORT_NOT_OPEN',
        'Only an open report can be acknowledged.',
      );
    }
    const now = deps.clock.now();
    const deadline = schoolDaysEnd(
      now,
      deps.config.REPORT_RESOLVE_SCHOOL_DAYS,
      await closuresOf(deps, urn),
    ).toISOString();
    await applyTransition(
      deps,
      reportUpdate(deps, report, {
        from: ['open'],
        set: {
          status: 'acknowledged',
          phase: 'resolve',
          level: 'assignee',
          assigneeId: staff.staffId,
          deadline,
        },
        entry: {
          at: now.toISOString(),
          by: staff.staffId,
          action: 'acknowledged',
        },
      }),
    );
    await audit(deps, caller, 'report-acknowledged', report);
    return reportDetail(await reread(deps, report));
  });
}

export async function resolveReport(
  deps: Deps,
  caller: Caller,
  urn: string,
  reportId: string,
  input: { outcome: ResolveOutcome; note: string },
) {
  return onFreshReport(deps, caller, urn, reportId, async (staff, report) => {
    if (report.status !== 'open' && report.status !== 'acknowledged') {
      throw unprocessable(
        'REPORT_NOT_UNRESOLVED',
        report.status === 'referred'
          ? 'This report is with the helpdesk, which closes it.'
          : 'This report is resolved already.',
      );
    }
    const at = deps.clock.now().toISOString();
    await applyTransition(
      deps,
      reportUpdate(deps, report, {
        from: ['open', 'acknowledged'],
        set: {
          status: 'resolved',
          outcome: input.outcome,
          studentNote: input.note,
          resolvedBy: staff.staffId,
        },
        remove: ['deadline'],
        entry: {
          at,
          by: staff.staffId,
          action: 'resolved',
          detail: { outcome: input.outcome },
        },
      }),
      liftChallengeWrites(deps, report, at),
    );
    count('ReportsResolved');
    await audit(deps, caller, 'report-resolved', report, {
      outcome: input.outcome,
    });
    return reportDetail(await reread(deps, report));
  });
}

/** Refers a report to the helpdesk, as the Customer Help Portal would. */
export async function referReport(
  deps: Deps,
  caller: Caller,
  urn: string,
  reportId: string,
  input: { summary: string },
) {
  return onFreshReport(deps, caller, urn, reportId, async (staff, report) => {
    if (report.status !== 'open' && report.status !== 'acknowledged') {
      throw unprocessable(
        'REPORT_NOT_UNRESOLVED',
        'Only an open or acknowledged report can be referred.',
      );
    }
    const at = deps.clock.now().toISOString();
    const opened = openEnquiry(deps, report, {
      summary: input.summary,
      openedBy: staff.staffId,
      contactStaffIds: [staff.staffId],
      at,
      action: 'referred',
    });
    await applyTransition(deps, opened.update, [opened.put]);
    count('EnquiriesOpened');
    await audit(deps, caller, 'report-referred', report, {
      enquiryId: opened.enquiry.enquiryId,
    });
    return reportDetail(await reread(deps, report));
  });
}

/**
 * Gives a report to another member of staff, who must acknowledge it in
 * a wait of their own. A head of year of the student's year or a centre
 * admin may; the new assignee must be active staff of the centre.
 */
export async function reassignReport(
  deps: Deps,
  caller: Caller,
  urn: string,
  reportId: string,
  input: { staffId: string },
) {
  return onFreshReport(deps, caller, urn, reportId, async (staff, report) => {
    if (!mayReassign(staff, report)) {
      throw forbidden(
        'REASSIGN_NOT_ALLOWED',
        "Only a head of the student's year or a centre admin can reassign " +
          'a report.',
      );
    }
    if (report.status !== 'open' && report.status !== 'acknowledged') {
      throw unprocessable(
        'REPORT_NOT_UNRESOLVED',
        'Only an open or acknowledged report can be reassigned.',
      );
    }
    const target = await getEntity<Staff>(
      deps.db,
      deps.config.TABLE_NAME,
      keys.staff(urn, input.staffId),
    );
    if (!target?.active) {
      throw unprocessable(
        'STAFF_NOT_ASSIGNABLE',
        'Reassign the report to an active member of staff of this centre.',
        { field: 'staffId' },
      );
    }
    const now = deps.clock.now();
    const deadline = schoolDaysEnd(
      now,
      deps.config.REPORT_ACKNOWLEDGE_SCHOOL_DAYS,
      await closuresOf(deps, urn),
    ).toISOString();
    await applyTransition(
      deps,
      reportUpdate(deps, report, {
        from: ['open', 'acknowledged'],
        set: {
          status: 'open',
          phase: 'acknowledge',
          level: 'assignee',
          assigneeId: target.staffId,
          deadline,
        },
        entry: {
          at: now.toISOString(),
          by: staff.staffId,
          action: 'reassigned',
          detail: { staffId: target.staffId },
        },
      }),
    );
    const updated = await reread(deps, report);
    await mailerOf(deps).send({
      to: [target.email],
      ...reassignmentNotice(deps, updated),
    });
    await audit(deps, caller, 'report-reassigned', report, {
      staffId: target.staffId,
    });
    return reportDetail(updated);
  });
}

async function reread(deps: Deps, report: Report): Promise<Report> {
  return (await getReport(deps, report.urn, report.reportId)) ?? report;
}
