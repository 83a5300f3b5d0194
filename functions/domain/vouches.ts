import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { parseDate } from '../imports/identifiers.js';
import { recordAudit } from '../lib/audit.js';
import type { Caller } from '../lib/auth.js';
import { addMinutes } from '../lib/clock.js';
import type { Deps } from '../lib/deps.js';
import { ApiError, forbidden, notFound, unprocessable } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import { keys } from '../lib/keys.js';
import { count, vouchRefusalReasons } from '../lib/metrics.js';
import { counterTtl, secondsLeft, windowAt } from '../lib/rate-windows.js';
import { batchGet, entity } from '../lib/table.js';
import { inactiveStaff } from './access.js';
import { isSmallCentre } from './centres.js';
import type { Centre, Staff, Student, Vouch, VouchMethod } from './types.js';
import {
  flagIfTooFast,
  velocityKey,
  velocityWrite,
} from './vouching-velocity.js';

/** A vouch is good for one offer, made within this many minutes. */
export const vouchLifetimeMinutes = 5;

/** Roles whose holders vouch in the ordinary way (with the permission). */
const vouchingRoles = [
  'form-tutor',
  'subject-staff',
  'head-of-year',
  'centre-admin',
] as const;

export { vouchRefusalReasons };

/** Counts a refusal of a vouch by its code, if it is one of the above. */
export function countRefusal(error: unknown): void {
  if (!(error instanceof ApiError)) return;
  const reason = vouchRefusalReasons.find((r) => r === error.code);
  if (reason) count('VouchesRefused', reason);
}

/**
 * The rules for issuing at a centre, checked in this order so that the
 * refusal names the first thing the member of staff can act on.
 */
export function checkMayIssue(
  deps: Deps,
  centre: Centre,
  staff: Staff | undefined,
): Staff {
  if (!staff) {
    throw forbidden(
      'NOT_CENTRE_STAFF',
      "Only the centre's own staff can vouch for its students.",
    );
  }
  if (!staff.active) throw inactiveStaff();
  if (centre.status === 'suspended') {
    throw forbidden(
      'CENTRE_SUSPENDED',
      'This centre is suspended and cannot issue records. The centre ' +
        'admin can ask the operator why.',
    );
  }
  if (!staff.dataIssuer) {
    throw forbidden(
      'NOT_DATA_ISSUER',
      'You do not have the data issuer permission. Ask your centre admin ' +
        'or head of year to grant it.',
    );
  }
  const examsOfficerOnly =
    staff.roles.includes('exams-officer') &&
    !vouchingRoles.some((r) => staff.roles.includes(r));
  if (examsOfficerOnly) {
    const exception =
      centre.policy.examsOfficerMayVouch && isSmallCentre(deps, centre);
    if (!exception) {
      throw forbidden(
        'EXAMS_OFFICER_MAY_NOT_VOUCH',
        'Exams officers do not normally vouch for students. The ' +
          "student's form tutor or subject teacher should vouch for them.",
      );
    }
  }
  return staff;
}

export function checkInStudentGroups(staff: Staff, student: Student): void {
  const mine = new Set(staff.groupIds ?? []);
  if (!(student.groupIds ?? []).some((g) => mine.has(g))) {
    throw forbidden(
      'NOT_IN_STUDENT_GROUPS',
      'You can vouch only for students in a group you are assigned to. ' +
        "Ask the student's form tutor, or ask a head of year to assign you.",
    );
  }
}

/**
 * Records that a member of staff recognises the student in front of them.
 * Reads the centre, the member of staff and the student in one round trip
 * and writes the vouch in a second.
 */
export interface VouchInput {
  method: VouchMethod;
  dateOfBirth: string;
  lookAlikeAcknowledged: boolean;
}

/**
 * Checks who is in front of the member of staff: the date of birth the
 * student gave, and, where the centre holds a student who could be taken
 * for this one, that the member of staff has seen the warning.
 */
function checkIdentity(student: Student, input: VouchInput): void {
  const said = parseDate(input.dateOfBirth);
  if (!said.ok || said.date !== student.dateOfBirth) {
    throw unprocessable(
      'DATE_OF_BIRTH_MISMATCH',
      "The date of birth does not match this student's record. Check " +
        'that you have chosen the student in front of you, and ask again.',
      { field: 'dateOfBirth' },
    );
  }
  const lookAlikes = student.lookAlikes ?? [];
  if (lookAlikes.length > 0 && !input.lookAlikeAcknowledged) {
    throw unprocessable(
      'LOOK_ALIKE_NOT_ACKNOWLEDGED',
      'The centre has another student who could be taken for this one. ' +
        'Make sure you have the right student, then confirm it.',
      { field: 'lookAlikeAcknowledged', details: { lookAlikes } },
    );
  }
}

const mismatchKind = 'dob-mismatches';

/**
 * Dates of birth that did not match are counted per student, whoever
 * typed them; the one that reaches the limit is audited for the helpdesk,
 * once a window.
 */
async function noteMismatch(
  deps: Deps,
  caller: Caller,
  urn: string,
  staffId: string,
  studentId: string,
): Promise<void> {
  const window = windowAt(
    deps.clock.now(),
    deps.config.DOB_MISMATCH_WINDOW_SECONDS,
  );
  const out = await deps.db.send(
    new UpdateCommand({
      TableName: deps.config.TABLE_NAME,
      Key: keys.rateWindow(mismatchKind, `${urn}#${studentId}`, window.start),
      UpdateExpression: 'ADD hits :one SET #ttl = :ttl',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':one': 1, ':ttl': counterTtl(window) },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  if (Number(out.Attributes?.hits) !== deps.config.DOB_MISMATCH_LIMIT) return;
  await recordAudit(deps, 'date-of-birth-mismatches', caller, {
    urn,
    studentId,
    staffId,
  });
}

/** Vouching for a student after too many wrong dates of birth. */
const pausedForMismatches = (retryAfter: number) =>
  new ApiError(
    429,
    'TOO_MANY_DATE_MISMATCHES',
    'Too many dates of birth given for this student did not match, so ' +
      'vouching for them is paused for now. If the student is in front of ' +
      'you, ask a head of year or the centre admin to check their record.',
    { headers: { 'Retry-After': String(retryAfter) } },
  );

export async function createVouch(
  deps: Deps,
  caller: Caller,
  urn: string,
  studentId: string,
  input: VouchInput,
): Promise<Vouch & { lookAlikes: Student['lookAlikes'] }> {
  try {
    return await recordVouch(deps, caller, urn, studentId, input);
  } catch (error) {
    countRefusal(error);
    throw error;
  }
}

async function recordVouch(
  deps: Deps,
  caller: Caller,
  urn: string,
  studentId: string,
  input: VouchInput,
): Promise<Vouch & { lookAlikes: Student['lookAlikes'] }> {
  const method = input.method;
  const TableName = deps.config.TABLE_NAME;
  const now = deps.clock.now();
  const mismatchWindow = windowAt(now, deps.config.DOB_MISMATCH_WINDOW_SECONDS);
  const mismatchKey = keys.rateWindow(
    mismatchKind,
    `${urn}#${studentId}`,
    mismatchWindow.start,
  );
  const velocity = velocityKey(deps, urn, caller.sub).key;
  const items = await batchGet(deps.db, TableName, [
    keys.centre(urn),
    keys.staff(urn, caller.sub),
    keys.student(urn, studentId),
    mismatchKey,
    velocity,
  ]);
  const vouchedBefore = items.find(
    (i) => i.PK === velocity.PK && i.SK === velocity.SK,
  )?.studentIds as Set<string> | string[] | undefined;
  const mismatches = Number(
    items.find((i) => i.PK === mismatchKey.PK && i.SK === mismatchKey.SK)
      ?.hits ?? 0,
  );
  const find = (type: string) => items.find((i) => i.type === type);
  const centreItem = find('centre');
  const staffItem = find('staff');
  const studentItem = find('student');
  // Outside the caller's centre nothing exists, whatever the reason.
  if (!centreItem || (!staffItem && !caller.groups.includes('operator'))) {
    throw notFound();
  }

  const centre = entity<Centre>(centreItem);
  const staff = checkMayIssue(
    deps,
    centre,
    staffItem ? entity<Staff>(staffItem) : undefined,
  );
  if (!studentItem) throw notFound();
  const student = entity<Student>(studentItem);
  if (student.status !== 'on-roll') throw notFound();
  checkInStudentGroups(staff, student);
  if (mismatches >= deps.config.DOB_MISMATCH_LIMIT) {
    throw pausedForMismatches(secondsLeft(mismatchWindow, now));
  }
  try {
    checkIdentity(student, input);
  } catch (error) {
    if (error instanceof ApiError && error.code === 'DATE_OF_BIRTH_MISMATCH') {
      await noteMismatch(deps, caller, urn, staff.staffId, studentId);
    }
    throw error;
  }

  const vouch: Vouch = {
    urn,
    vouchId: newId(),
    studentId,
    staffId: staff.staffId,
    method,
    createdAt: now.toISOString(),
    expiresAt: addMinutes(now, vouchLifetimeMinutes).toISOString(),
  };
  // The vouch and the note of it in the staff member's window, in one
  // round trip.
  await deps.db.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName,
            Item: {
              ...keys.vouch(urn, vouch.vouchId),
              ...keys.studentVouches(studentId, vouch.createdAt, vouch.vouchId),
              type: 'vouch',
              ...vouch,
            },
            ConditionExpression: 'attribute_not_exists(PK)',
          },
        },
        velocityWrite(deps, urn, staff.staffId, studentId),
      ],
    }),
  );
  await flagIfTooFast(
    deps,
    caller,
    urn,
    staff.staffId,
    studentId,
    vouchedBefore,
  );
  return { ...vouch, lookAlikes: student.lookAlikes ?? [] };
}
