import {
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { cellAt, type Rejection, readTable } from '../imports/csv.js';
import {
  parseRoster,
  type RosterRow,
  rosterColumns,
} from '../imports/roster.js';
import type { Deps } from '../lib/deps.js';
import { conflict } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import { keys } from '../lib/keys.js';
import { inLanes } from '../lib/lanes.js';
import {
  backoff,
  cancellationCodes,
  entity,
  getEntity,
  ignoreConditionFailure,
  queryAll,
} from '../lib/table.js';
import { ensureGroups, groupIdFor, yearGroupName } from './groups.js';
import {
  findLookAlikes,
  type LookAlike,
  type NamedStudent,
  sameLookAlikes,
} from './look-alikes.js';
import { revokeIfLive } from './offers.js';
import { revokeStudentChains } from './revocation.js';
import { retentionEnd, setRetention } from './student-data.js';
import { locatorItem } from './student-locator.js';
import type { Centre, GroupKind, RevocationReason, Student } from './types.js';

type TransactItem = NonNullable<
  TransactWriteCommandInput['TransactItems']
>[number];

export interface RosterReport {
  created: number;
  updated: number;
  unchanged: number;
  duplicates: { line: number; sameAs: number }[];
  absent: string[];
  left: string[];
  rejected: Rejection[];
}

/** The fields of a student that the MIS export decides. */
const misFields = [
  'adno',
  'uln',
  'uci',
  'legalSurname',
  'legalForename',
  'preferredForename',
  'gender',
  'dateOfBirth',
  'year',
  'form',
] as const;

function misDetails(row: RosterRow) {
  return {
    adno: row.adno,
    uln: row.uln,
    uci: row.uci,
    legalSurname: row.legalSurname,
    legalForename: row.legalForename,
    preferredForename: row.preferredForename,
    gender: row.gender,
    dateOfBirth: row.dateOfBirth,
    year: row.year,
    form: row.form,
  };
}

function differs(student: Student, row: RosterRow): boolean {
  const details = misDetails(row);
  if (student.status !== 'on-roll') return true;
  return misFields.some((f) => (student[f] ?? undefined) !== details[f]);
}

/** The form and year groups a row puts its student in. */
function rosterGroups(row: Pick<RosterRow, 'form' | 'year'>) {
  const wanted: { kind: GroupKind; name: string }[] = [
    { kind: 'year', name: yearGroupName(row.year) },
  ];
  if (row.form) wanted.push({ kind: 'form', name: row.form });
  return wanted;
}

/**
 * Every UPN the file names, rejected rows included: a student whose row
 * was refused for a bad date is still in the file, not absent from it.
 */
function upnsInFile(text: string): Set<string> {
  const { columns, rows } = readTable(text, rosterColumns);
  return new Set(rows.map((r) => cellAt(r.cells, columns.upn).toUpperCase()));
}

function rosterGroupIds(row: Pick<RosterRow, 'form' | 'year'>): string[] {
  return rosterGroups(row).map((g) => groupIdFor(g.kind, g.name));
}

/** Index entries that find a student by ULN or UCI across the region. */
function lookupKeys(
  centreNumber: string,
  details: { uln?: string; uci?: string },
) {
  return {
    ...(details.uln ? keys.studentUln(details.uln, centreNumber) : {}),
    ...(details.uci ? keys.studentUci(details.uci, centreNumber) : {}),
  };
}

/**
 * How many new students go in one transaction. Each takes five items
 * (student, UPN guard, locator, two memberships) and a transaction holds
 * at most 100 (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/
 * API_TransactWriteItems.html); smaller ones conflict less.
 */
const newPerTransaction = 10;
const inFlight = 4;

/**
 * Reasons a transaction is cancelled that say "not now" rather than "not
 * this": another write touched one of its items at the same moment, or
 * the table was busy (https://docs.aws.amazon.com/amazondynamodb/latest/
 * APIReference/API_TransactWriteItems.html, CancellationReasons).
 */
const transientReasons = new Set([
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
]);

/** Cancelled for transient reasons only: nothing in it was refused. */
export function cancelledOnlyForNow(error: unknown): boolean {
  const codes = cancellationCodes(error);
  return (
    codes.some((c) => transientReasons.has(c ?? '')) &&
    codes.every((c) => c === 'None' || transientReasons.has(c ?? ''))
  );
}

/**
 * Tries a transaction cancelled only by a conflict or throttling again,
 * with backoff, a bounded number of times (1.6 s of waiting at most in
 * all). A transaction writes all of its items or none, so a retry never
 * writes anything twice; one still cancelled after the last try fails as
 * before (503, Retry-After) and the import can be run again.
 */
export const transactionAttempts = 6;

async function transact(deps: Deps, items: TransactItem[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await deps.db.send(new TransactWriteCommand({ TransactItems: items }));
      return;
    } catch (error) {
      if (!cancelledOnlyForNow(error) || attempt >= transactionAttempts) {
        throw error;
      }
      await backoff(attempt);
    }
  }
}

/**
 * Imports a centre's MIS export. Idempotent by UPN: a row whose student
 * already exists with the same details changes nothing. Form and year
 * groups follow the file; staff assignments are left alone. Students not in
 * the file are reported as absent, and marked as left only when the file
 * is the full roll.
 */
export async function importRoster(
  deps: Deps,
  centre: Centre,
  text: string,
  options: { fullRoll: boolean; onProgress?: (done: number) => void },
): Promise<RosterReport> {
  const parsed = parseRoster(text);
  const TableName = deps.config.TABLE_NAME;
  const urn = centre.urn;
  const now = deps.clock.now().toISOString();

  const current = (
    await queryAll(deps.db, {
      TableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :student)',
      ExpressionAttributeValues: {
        ':pk': keys.centre(urn).PK,
        ':student': keys.studentPrefix(),
      },
    })
  ).map((i) => entity<Student>(i));
  const byUpn = new Map(current.map((s) => [s.upn, s]));

  await ensureGroups(
    deps,
    urn,
    parsed.rows.flatMap((row) => rosterGroups(row)),
  );

  const fresh: RosterRow[] = [];
  const changed: { row: RosterRow; student: Student }[] = [];
  const rejected = [...parsed.rejected];
  const byUln = new Map(
    current.flatMap((s) => (s.uln ? [[s.uln, s] as const] : [])),
  );
  let unchanged = 0;
  for (const row of parsed.rows) {
    const student = byUpn.get(row.upn);
    const holder = row.uln ? byUln.get(row.uln) : undefined;
    // A ULN names one learner: results follow it, so two students of the
    // centre must never share one.
    if (holder && holder.upn !== row.upn) {
      rejected.push({
        line: row.line,
        field: 'uln',
        code: 'DUPLICATE_ULN',
        message:
          'Another student on the roll already has this ULN. Check both ' +
          'students in the MIS and export again.',
      });
      continue;
    }
    if (!student) fresh.push(row);
    else if (differs(student, row)) changed.push({ row, student });
    else unchanged++;
  }
  rejected.sort((a, b) => a.line - b.line);

  let done = 0;
  const progress = (n: number) => {
    done += n;
    options.onProgress?.(done);
  };

  const freshIds = new Map(fresh.map((row) => [row, newId()]));
  const batches: RosterRow[][] = [];
  for (let i = 0; i < fresh.length; i += newPerTransaction) {
    batches.push(fresh.slice(i, i + newPerTransaction));
  }
  await inLanes(batches, inFlight, async (batch) => {
    const items = batch.flatMap((row) =>
      newStudentItems(deps, centre, row, freshIds.get(row) ?? newId(), now),
    );
    await transact(deps, items).catch((error: Error) => {
      // Another import of this centre created one of these students a
      // moment ago. Nothing of this batch was written; running the
      // import again finds them and carries on.
      const codes = cancellationCodes(error);
      if (codes.includes('ConditionalCheckFailed')) {
        throw conflict(
          'IMPORT_IN_PROGRESS',
          'Another roster import for this centre is running. Wait for it ' +
            'to finish, then import the file again: nothing is lost.',
          { cause: error },
        );
      }
      throw error;
    });
    progress(batch.length);
  });

  await inLanes(changed, inFlight, async ({ row, student }) => {
    await updateStudent(deps, centre, student, row, now);
    // Back on roll: nothing of theirs is to be deleted any more.
    if (student.status === 'left') {
      await setRetention(deps, urn, student.studentId, undefined);
    }
    // A vouch was for the student as they were: a live code made for them
    // must not deliver a record with other details.
    if (identityChanged(student, row)) {
      await revokeLiveOffer(deps, student, 'student-details-changed', now);
    }
    // A new date of birth or ULN means the MIS now describes another
    // person: linked wallets stop, and the student needs a new vouch. A
    // legal name change alone reaches them at their next refresh.
    if (personChanged(student, row)) {
      await revokeStudentChains(
        deps,
        student.studentId,
        'student-details-changed',
      );
    }
    progress(1);
  });

  const inFile = upnsInFile(text);
  const absent = current.filter(
    (s) => s.status === 'on-roll' && !inFile.has(s.upn),
  );
  const left: string[] = [];
  if (options.fullRoll) {
    await inLanes(absent, inFlight, async (student) => {
      await deps.db
        .send(
          new UpdateCommand({
            TableName,
            Key: keys.student(urn, student.studentId),
            UpdateExpression:
              'SET #status = :left, leftAt = :now, updatedAt = :now',
            ConditionExpression: '#status = :onRoll',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':left': 'left',
              ':onRoll': 'on-roll',
              ':now': now,
            },
          }),
        )
        .catch((error: Error) => {
          // Marked as left by an import running at the same moment.
          ignoreConditionFailure(error);
        });
      left.push(student.studentId);
      await revokeLiveOffer(deps, student, 'student-left', now);
      // Kept for the retention period after leaving, then deleted by TTL.
      await setRetention(
        deps,
        urn,
        student.studentId,
        retentionEnd(deps.clock.now(), deps.config.RETENTION_MONTHS),
      );
    });
  }

  // The roll as it now stands, for the look-alike check.
  const gone = new Set(left);
  const roll = new Map<string, NamedStudent & { stored?: LookAlike[] }>();
  for (const s of current) {
    if (s.status === 'on-roll' && !gone.has(s.studentId)) {
      roll.set(s.studentId, { ...s, stored: s.lookAlikes });
    }
  }
  for (const { row, student } of changed) {
    roll.set(student.studentId, {
      ...student,
      ...misDetails(row),
      stored: student.lookAlikes,
    });
  }
  for (const row of fresh) {
    const studentId = freshIds.get(row) ?? '';
    roll.set(studentId, { ...misDetails(row), studentId });
  }
  await storeLookAlikes(deps, urn, [...roll.values()], now);

  const onRoll = roll.size;
  await deps.db.send(
    new UpdateCommand({
      TableName,
      Key: keys.centre(urn),
      UpdateExpression: 'SET onRoll = :n, updatedAt = :now',
      ExpressionAttributeValues: { ':n': onRoll, ':now': now },
    }),
  );

  return {
    created: fresh.length,
    updated: changed.length,
    unchanged,
    duplicates: parsed.duplicates,
    absent: absent.map((s) => s.studentId).sort(),
    left: left.sort(),
    rejected,
  };
}

/**
 * Writes each student's look-alikes where they changed: a new twin on the
 * roll, a name changed, a look-alike gone. Safe to run again.
 */
async function storeLookAlikes(
  deps: Deps,
  urn: string,
  roll: (NamedStudent & { stored?: LookAlike[] })[],
  now: string,
): Promise<void> {
  const wanted = findLookAlikes(roll);
  const stale = roll.filter(
    (s) => !sameLookAlikes(s.stored, wanted.get(s.studentId)),
  );
  await inLanes(stale, inFlight, async (s) => {
    const list = wanted.get(s.studentId) ?? [];
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.config.TABLE_NAME,
        Key: keys.student(urn, s.studentId),
        UpdateExpression:
          list.length > 0
            ? 'SET lookAlikes = :list, updatedAt = :now'
            : 'REMOVE lookAlikes SET updatedAt = :now',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: {
          ':now': now,
          ...(list.length > 0 ? { ':list': list } : {}),
        },
      }),
    );
  });
}

function personChanged(student: Student, row: RosterRow): boolean {
  return (
    student.dateOfBirth !== row.dateOfBirth ||
    (student.uln ?? undefined) !== row.uln
  );
}

/** The details a record states about its holder. */
function identityChanged(student: Student, row: RosterRow): boolean {
  return (
    student.legalSurname !== row.legalSurname ||
    student.legalForename !== row.legalForename ||
    student.dateOfBirth !== row.dateOfBirth ||
    (student.uln ?? undefined) !== row.uln
  );
}

async function revokeLiveOffer(
  deps: Deps,
  student: Student,
  reason: RevocationReason,
  now: string,
): Promise<void> {
  if (student.latestOfferId) {
    await revokeIfLive(deps, student.latestOfferId, reason, now);
  }
}

/** Tries a few times: a group change made meanwhile fails the guard. */
async function updateStudent(
  deps: Deps,
  centre: Centre,
  student: Student,
  row: RosterRow,
  now: string,
): Promise<void> {
  let current = student;
  for (let attempt = 1; ; attempt++) {
    try {
      await transact(
        deps,
        changedStudentItems(deps, centre, current, row, now),
      );
      return;
    } catch (error) {
      const guardFailed =
        cancellationCodes(error)[0] === 'ConditionalCheckFailed';
      if (!guardFailed || attempt >= 3) throw error;
      const fresh = await getEntity<Student>(
        deps.db,
        deps.config.TABLE_NAME,
        keys.student(centre.urn, student.studentId),
      );
      if (!fresh) throw error;
      current = fresh;
    }
  }
}

function newStudentItems(
  deps: Deps,
  centre: Centre,
  row: RosterRow,
  studentId: string,
  now: string,
): TransactItem[] {
  const TableName = deps.config.TABLE_NAME;
  const groupIds = rosterGroupIds(row);
  const details = misDetails(row);
  return [
    {
      Put: {
        TableName,
        Item: {
          ...keys.student(centre.urn, studentId),
          ...lookupKeys(centre.centreNumber, details),
          type: 'student',
          urn: centre.urn,
          studentId,
          upn: row.upn,
          ...details,
          centreNumber: centre.centreNumber,
          status: 'on-roll',
          groupIds: new Set(groupIds),
          createdAt: now,
          updatedAt: now,
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      },
    },
    {
      // Two imports at once cannot both create a student for one UPN.
      Put: {
        TableName,
        Item: {
          ...keys.studentUpn(centre.urn, row.upn),
          type: 'studentUpn',
          studentId,
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      },
    },
    {
      Put: {
        TableName,
        Item: locatorItem({
          urn: centre.urn,
          studentId,
          upn: row.upn,
          ...details,
        }),
      },
    },
    ...groupIds.map((groupId) => ({
      Put: {
        TableName,
        Item: {
          ...keys.groupStudent(centre.urn, groupId, studentId),
          type: 'studentMembership',
          groupId,
          studentId,
        },
      },
    })),
  ];
}

function changedStudentItems(
  deps: Deps,
  centre: Centre,
  student: Student,
  row: RosterRow,
  now: string,
): TransactItem[] {
  const TableName = deps.config.TABLE_NAME;
  const details = misDetails(row);
  const sets = ['#status = :onRoll', 'updatedAt = :now'];
  const removes = ['leftAt'];
  const names: Record<string, string> = { '#status': 'status' };
  const values: Record<string, unknown> = { ':onRoll': 'on-roll', ':now': now };
  for (const field of misFields) {
    names[`#${field}`] = field;
    const value = details[field];
    if (value === undefined) removes.push(`#${field}`);
    else {
      sets.push(`#${field} = :${field}`);
      values[`:${field}`] = value;
    }
  }
  const lookups = lookupKeys(centre.centreNumber, details);
  for (const [name, value] of Object.entries(lookups)) {
    sets.push(`${name} = :${name}`);
    values[`:${name}`] = value;
  }
  if (!details.uln) removes.push('GSI1PK', 'GSI1SK');
  if (!details.uci) removes.push('GSI2PK', 'GSI2SK');

  // A student who changed form moves group; other groups (subject sets,
  // staff-made groups) are untouched. The whole group set is written,
  // guarded by its old value, so a group change made meanwhile is not lost:
  // the condition fails and the import reads the student again.
  const before = new Set(rosterGroupIds(student));
  const after = new Set(rosterGroupIds(row));
  const oldSet = new Set(student.groupIds ?? []);
  const newSet = new Set(
    [...oldSet].filter((g) => !before.has(g) || after.has(g)),
  );
  for (const g of after) newSet.add(g);
  let condition = 'attribute_exists(PK)';
  if (oldSet.size > 0) {
    condition += ' AND groupIds = :oldGroups';
    values[':oldGroups'] = oldSet;
  } else condition += ' AND attribute_not_exists(groupIds)';
  if (newSet.size > 0) {
    sets.push('groupIds = :groups');
    values[':groups'] = newSet;
  } else removes.push('groupIds');

  const items: TransactItem[] = [
    {
      Update: {
        TableName,
        Key: keys.student(centre.urn, student.studentId),
        UpdateExpression: `SET ${sets.join(', ')} REMOVE ${removes.join(', ')}`,
        ConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    },
    {
      // Whole, so the region-wide search follows a new name or date of
      // birth, and a student imported before locators existed gains one.
      Put: {
        TableName,
        Item: locatorItem({ ...student, ...details, urn: centre.urn }),
      },
    },
  ];
  for (const groupId of before) {
    if (after.has(groupId)) continue;
    items.push({
      Delete: {
        TableName,
        Key: keys.groupStudent(centre.urn, groupId, student.studentId),
      },
    });
  }
  for (const groupId of after) {
    if (before.has(groupId)) continue;
    items.push({
      Put: {
        TableName,
        Item: {
          ...keys.groupStudent(centre.urn, groupId, student.studentId),
          type: 'studentMembership',
          groupId,
          studentId: student.studentId,
        },
      },
    });
  }
  return items;
}
