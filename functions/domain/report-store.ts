/**
 * How reports and enquiries are kept: their items, one guarded update of
 * a report (a transition with its history entry), and the writes that
 * open an enquiry or lift a report's challenge from the record. Shared by
 * the wallet's routes, the staff routes, the helpdesk and the workflow.
 */
import {
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { Deps } from '../lib/deps.js';
import { conflict } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import { keys } from '../lib/keys.js';
import {
  batchGet,
  cancellationCodes,
  entity,
  getEntity,
  isConditionFailure,
  queryAll,
} from '../lib/table.js';
import type {
  Enquiry,
  HistoryEntry,
  Report,
  ReportStatus,
} from './report-types.js';
import type { Staff } from './types.js';

export type TransactItem = NonNullable<
  TransactWriteCommandInput['TransactItems']
>[number];

export function reportItem(report: Report) {
  return {
    ...keys.report(report.urn, report.reportId),
    ...keys.studentReports(report.studentId, report.createdAt, report.reportId),
    ...keys.centreReports(report.urn, report.createdAt, report.reportId),
    type: 'report',
    ...report,
  };
}

export function enquiryItem(enquiry: Enquiry) {
  return {
    ...keys.enquiry(enquiry.enquiryId),
    ...keys.studentEnquiries(
      enquiry.studentId,
      enquiry.createdAt,
      enquiry.enquiryId,
    ),
    ...keys.enquiriesByStatus(
      enquiry.status,
      enquiry.createdAt,
      enquiry.enquiryId,
    ),
    type: 'enquiry',
    ...enquiry,
  };
}

export function getReport(
  deps: Deps,
  urn: string,
  reportId: string,
): Promise<Report | undefined> {
  return getEntity<Report>(
    deps.db,
    deps.config.TABLE_NAME,
    keys.report(urn, reportId),
  );
}

export const reportChanged = () =>
  conflict(
    'REPORT_CHANGED',
    'The report changed while you were working on it. Open it again to ' +
      'see where it is now.',
  );

export interface Transition {
  /** The statuses the report may be in for this transition. */
  from: readonly ReportStatus[];
  set?: Record<string, unknown>;
  remove?: readonly string[];
  entry: HistoryEntry;
}

/**
 * One transition of a report: its fields, a history entry and the route
 * version moved on, on condition that nothing else moved it since it was
 * read (so a stale wait or a second click changes nothing).
 */
export function reportUpdate(
  deps: Deps,
  report: Report,
  transition: Transition,
): NonNullable<TransactItem['Update']> & UpdateCommandInput {
  const names: Record<string, string> = {
    '#status': 'status',
    '#version': 'routeVersion',
    '#history': 'history',
    '#updatedAt': 'updatedAt',
  };
  const values: Record<string, unknown> = {
    ':seen': report.routeVersion,
    ':one': 1,
    ':entry': [transition.entry],
    ':now': transition.entry.at,
  };
  const sets = [
    '#version = #version + :one',
    '#history = list_append(#history, :entry)',
    '#updatedAt = :now',
  ];
  for (const [field, value] of Object.entries(transition.set ?? {})) {
    names[`#f_${field}`] = field;
    values[`:f_${field}`] = value;
    sets.push(`#f_${field} = :f_${field}`);
  }
  const removes = (transition.remove ?? []).map((field) => {
    names[`#r_${field}`] = field;
    return `#r_${field}`;
  });
  transition.from.forEach((status, i) => {
    values[`:from${i}`] = status;
  });
  const from = transition.from.map((_, i) => `:from${i}`).join(', ');

  return {
    TableName: deps.config.TABLE_NAME,
    Key: keys.report(report.urn, report.reportId),
    UpdateExpression:
      `SET ${sets.join(', ')}` +
      (removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''),
    ConditionExpression: `#status IN (${from}) AND #version = :seen`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/**
 * Writes a report's transition, with whatever else must change with it
 * in one transaction. The transition goes first: its condition failing
 * means someone else moved the report, a 409.
 */
export async function applyTransition(
  deps: Deps,
  update: ReturnType<typeof reportUpdate>,
  others: TransactItem[] = [],
): Promise<void> {
  try {
    if (others.length === 0) {
      await deps.db.send(new UpdateCommand(update));
      return;
    }
    await deps.db.send(
      new TransactWriteCommand({
        TransactItems: [{ Update: update }, ...others],
      }),
    );
  } catch (error) {
    if (
      isConditionFailure(error) ||
      cancellationCodes(error)[0] === 'ConditionalCheckFailed'
    ) {
      throw reportChanged();
    }
    throw error;
  }
}

/**
 * What ending a report's challenge takes: the retry guard goes, and its
 * qualification is no longer marked in records issued from now on. The
 * record's version moves on so a rebuild in flight reads the set again.
 */
export function liftChallengeWrites(
  deps: Deps,
  report: Report,
  at: string,
): TransactItem[] {
  const TableName = deps.config.TABLE_NAME;
  const writes: TransactItem[] = [
    {
      Delete: {
        TableName,
        Key: keys.reportGuard(report.urn, report.fingerprint),
      },
    },
  ];
  if (report.challenge) {
    writes.push({
      Update: {
        TableName,
        Key: keys.record(report.studentId),
        UpdateExpression:
          'DELETE challenges :challenge ADD #version :one SET updatedAt = :at',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: {
          ':challenge': new Set([report.challenge]),
          ':one': 1,
          ':at': at,
        },
      },
    });
  }
  return writes;
}

/** A new enquiry about a report, and the writes that open it. */
export function openEnquiry(
  deps: Deps,
  report: Report,
  input: {
    summary: string;
    openedBy: string;
    contactStaffIds: string[];
    at: string;
    action: string;
  },
): {
  enquiry: Enquiry;
  update: ReturnType<typeof reportUpdate>;
  put: TransactItem;
} {
  const enquiry: Enquiry = {
    enquiryId: newId(),
    urn: report.urn,
    studentId: report.studentId,
    reportId: report.reportId,
    status: 'open',
    summary: input.summary,
    openedBy: input.openedBy,
    contactStaffIds: [...new Set(input.contactStaffIds)],
    history: [{ at: input.at, by: input.openedBy, action: 'opened' }],
    createdAt: input.at,
    updatedAt: input.at,
  };
  const update = reportUpdate(deps, report, {
    from: ['open', 'acknowledged'],
    set: { status: 'referred', enquiryId: enquiry.enquiryId },
    remove: ['deadline'],
    entry: {
      at: input.at,
      by: input.openedBy,
      action: input.action,
      detail: { enquiryId: enquiry.enquiryId },
    },
  });
  const put: TransactItem = {
    Put: {
      TableName: deps.config.TABLE_NAME,
      Item: enquiryItem(enquiry),
      ConditionExpression: 'attribute_not_exists(PK)',
    },
  };
  return { enquiry, update, put };
}

/** Active staff of the centre holding a role, by a Query of its staff. */
export async function centreStaffWithRole(
  deps: Deps,
  urn: string,
  role: Staff['roles'][number],
): Promise<Staff[]> {
  const items = await queryAll(deps.db, {
    TableName: deps.config.TABLE_NAME,
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :staff)',
    ExpressionAttributeValues: {
      ':pk': keys.centre(urn).PK,
      ':staff': keys.staffPrefix(),
    },
  });
  return items
    .map((item) => entity<Staff>(item))
    .filter((s) => s.active && s.roles.includes(role));
}

/** Active heads of year assigned to a year group. */
export async function headsOfYear(
  deps: Deps,
  urn: string,
  groupIds: readonly string[],
): Promise<Staff[]> {
  const members = (
    await Promise.all(
      groupIds.map((groupId) =>
        queryAll(deps.db, {
          TableName: deps.config.TABLE_NAME,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :staff)',
          ExpressionAttributeValues: {
            ':pk': keys.groupPartition(urn, groupId),
            ':staff': keys.staffPrefix(),
          },
        }),
      ),
    )
  ).flat();
  const ids = [
    ...new Set(
      members.map((m) => String(m.SK).slice(keys.staffPrefix().length)),
    ),
  ];
  const staff = await staffByIds(deps, urn, ids);
  return staff.filter((s) => s.active && s.roles.includes('head-of-year'));
}

export async function staffByIds(
  deps: Deps,
  urn: string,
  staffIds: readonly string[],
): Promise<Staff[]> {
  if (staffIds.length === 0) return [];
  const items = await batchGet(
    deps.db,
    deps.config.TABLE_NAME,
    staffIds.map((id) => keys.staff(urn, id)),
  );
  return items.map((item) => entity<Staff>(item));
}
