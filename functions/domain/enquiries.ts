/**
 * Helpdesk enquiries: opened when a member of staff refers a report, or
 * when nobody at the centre acted on it in time. The helpdesk (Cognito
 * group `helpdesk`, the whole region) lists, reads, replies to and closes
 * them; closing one resolves its report.
 */
import {
  TransactWriteCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { recordAudit } from '../lib/audit.js';
import type { Caller } from '../lib/auth.js';
import type { Deps } from '../lib/deps.js';
import { conflict, notFound } from '../lib/errors.js';
import { keys, table } from '../lib/keys.js';
import { mailerOf } from '../lib/mailer.js';
import { count } from '../lib/metrics.js';
import {
  cancellationCodes,
  decodeCursor,
  encodeCursor,
  entity,
  getEntity,
  type Page,
  queryPage,
} from '../lib/table.js';
import { replyNotice } from './report-notices.js';
import {
  getReport,
  liftChallengeWrites,
  reportUpdate,
  staffByIds,
  type TransactItem,
} from './report-store.js';
import type { Enquiry, EnquiryStatus, HistoryEntry } from './report-types.js';

export function enquiryView(enquiry: Enquiry) {
  return {
    enquiryId: enquiry.enquiryId,
    urn: enquiry.urn,
    studentId: enquiry.studentId,
    reportId: enquiry.reportId,
    status: enquiry.status,
    summary: enquiry.summary,
    openedBy: enquiry.openedBy,
    createdAt: enquiry.createdAt,
    updatedAt: enquiry.updatedAt,
  };
}

export async function listEnquiries(
  deps: Deps,
  query: { status?: EnquiryStatus; cursor?: string; limit?: number },
): Promise<Page<ReturnType<typeof enquiryView>>> {
  const status = query.status ?? 'open';
  const index = table.indexes.gsi2;
  const partition = keys.enquiriesPartition(status);
  const page = await queryPage(deps.db, {
    TableName: deps.config.TABLE_NAME,
    IndexName: index.name,
    KeyConditionExpression: `${index.partitionKey} = :pk`,
    ExpressionAttributeValues: { ':pk': partition },
    ExclusiveStartKey: decodeCursor(query.cursor, {
      [index.partitionKey]: partition,
    }),
    Limit: query.limit ?? 50,
  });
  return {
    items: page.items.map((i) => enquiryView(entity<Enquiry>(i))),
    cursor: encodeCursor(page.next),
  };
}

async function loadEnquiry(deps: Deps, enquiryId: string): Promise<Enquiry> {
  const enquiry = await getEntity<Enquiry>(
    deps.db,
    deps.config.TABLE_NAME,
    keys.enquiry(enquiryId),
  );
  if (!enquiry) throw notFound();
  return enquiry;
}

/** The enquiry with its history and the report's. */
export async function getEnquiry(deps: Deps, enquiryId: string) {
  const enquiry = await loadEnquiry(deps, enquiryId);
  const report = await getReport(deps, enquiry.urn, enquiry.reportId);
  return {
    ...enquiryView(enquiry),
    history: enquiry.history,
    ...(report
      ? {
          report: {
            kind: report.kind,
            ...(report.qualification
              ? { qualification: report.qualification }
              : {}),
            details: report.details,
            status: report.status,
            history: report.history,
          },
        }
      : {}),
  };
}

const enquiryChanged = () =>
  conflict(
    'ENQUIRY_CHANGED',
    'The enquiry changed while you were working on it. Open it again.',
  );

/** Moves an enquiry to `status`, with its history, if it is in `from`. */
function enquiryUpdate(
  deps: Deps,
  enquiry: Enquiry,
  status: EnquiryStatus,
  from: readonly EnquiryStatus[],
  entry: HistoryEntry,
): NonNullable<TransactItem['Update']> & UpdateCommandInput {
  const listing = keys.enquiriesByStatus(
    status,
    enquiry.createdAt,
    enquiry.enquiryId,
  );
  return {
    TableName: deps.config.TABLE_NAME,
    Key: keys.enquiry(enquiry.enquiryId),
    UpdateExpression:
      'SET #status = :status, GSI2PK = :gsi2pk, GSI2SK = :gsi2sk, ' +
      '#history = list_append(#history, :entry), updatedAt = :at',
    ConditionExpression: `#status IN (${from.map((_, i) => `:from${i}`).join(', ')})`,
    ExpressionAttributeNames: { '#status': 'status', '#history': 'history' },
    ExpressionAttributeValues: {
      ':status': status,
      ':gsi2pk': listing.GSI2PK,
      ':gsi2sk': listing.GSI2SK,
      ':entry': [entry],
      ':at': entry.at,
      ...Object.fromEntries(from.map((s, i) => [`:from${i}`, s])),
    },
  };
}

/** The report's history gains an entry, whatever its status. */
function reportNote(
  deps: Deps,
  enquiry: Enquiry,
  entry: HistoryEntry,
): TransactItem {
  return {
    Update: {
      TableName: deps.config.TABLE_NAME,
      Key: keys.report(enquiry.urn, enquiry.reportId),
      UpdateExpression:
        'SET #history = list_append(#history, :entry), updatedAt = :at',
      ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeNames: { '#history': 'history' },
      ExpressionAttributeValues: { ':entry': [entry], ':at': entry.at },
    },
  };
}

async function transact(deps: Deps, items: TransactItem[]) {
  try {
    await deps.db.send(new TransactWriteCommand({ TransactItems: items }));
  } catch (error) {
    if (cancellationCodes(error).includes('ConditionalCheckFailed')) {
      throw enquiryChanged();
    }
    throw error;
  }
}

/**
 * Answers an enquiry: the reply goes by e-mail to the staff the enquiry
 * names, and into the histories of the enquiry and its report.
 */
export async function replyToEnquiry(
  deps: Deps,
  caller: Caller,
  enquiryId: string,
  input: { message: string },
) {
  const enquiry = await loadEnquiry(deps, enquiryId);
  if (enquiry.status === 'closed') {
    throw conflict('ENQUIRY_CLOSED', 'This enquiry is closed.');
  }
  const entry: HistoryEntry = {
    at: deps.clock.now().toISOString(),
    by: caller.sub,
    action: 'helpdesk-replied',
    detail: { enquiryId, message: input.message },
  };
  await transact(deps, [
    {
      Update: enquiryUpdate(
        deps,
        enquiry,
        'answered',
        ['open', 'answered'],
        entry,
      ),
    },
    reportNote(deps, enquiry, entry),
  ]);
  const staff = await staffByIds(deps, enquiry.urn, enquiry.contactStaffIds);
  await mailerOf(deps).send({
    to: staff.filter((s) => s.active).map((s) => s.email),
    ...replyNotice(deps, enquiry, enquiryId, input.message),
  });
  await recordAudit(deps, 'enquiry-replied', caller, {
    urn: enquiry.urn,
    studentId: enquiry.studentId,
    reportId: enquiry.reportId,
    enquiryId,
  });
  return getEnquiry(deps, enquiryId);
}

/**
 * Closes an enquiry, and with it resolves its report: the challenge on
 * the qualification is lifted from records issued from then on.
 */
export async function closeEnquiry(
  deps: Deps,
  caller: Caller,
  enquiryId: string,
) {
  const enquiry = await loadEnquiry(deps, enquiryId);
  if (enquiry.status === 'closed') {
    throw conflict('ENQUIRY_CLOSED', 'This enquiry is closed already.');
  }
  const report = await getReport(deps, enquiry.urn, enquiry.reportId);
  if (!report) throw notFound();
  const at = deps.clock.now().toISOString();
  const entry: HistoryEntry = {
    at,
    by: caller.sub,
    action: 'helpdesk-closed',
    detail: { enquiryId },
  };
  const writes: TransactItem[] = [
    {
      Update: enquiryUpdate(
        deps,
        enquiry,
        'closed',
        ['open', 'answered'],
        entry,
      ),
    },
  ];
  if (report.status === 'referred') {
    writes.push(
      {
        Update: reportUpdate(deps, report, {
          from: ['referred'],
          set: { status: 'resolved', outcome: 'closed-by-helpdesk' },
          entry,
        }),
      },
      ...liftChallengeWrites(deps, report, at),
    );
  } else {
    writes.push(reportNote(deps, enquiry, entry));
  }
  await transact(deps, writes);
  if (report.status === 'referred') count('ReportsResolved');
  await recordAudit(deps, 'enquiry-closed', caller, {
    urn: enquiry.urn,
    studentId: enquiry.studentId,
    reportId: enquiry.reportId,
    enquiryId,
  });
  return getEnquiry(deps, enquiryId);
}
