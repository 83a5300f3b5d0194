import type { Deps } from '../lib/deps.js';
import { badRequest, forbidden } from '../lib/errors.js';
import { keys } from '../lib/keys.js';
import { batchGet, entity, queryAll } from '../lib/table.js';
import { type CentreAccess, hasRole, inactiveStaff } from './access.js';
import { memberIds } from './groups.js';
import { offerStatusAt } from './offers.js';
import type { Offer, Student } from './types.js';

/** Folds case and accents so "Zoe" finds "Zoë". */
export function searchForm(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLocaleLowerCase('en-GB');
}

function matches(student: Student, q: string): boolean {
  const needle = searchForm(q);
  return [
    student.legalForename,
    student.legalSurname,
    student.preferredForename ?? '',
  ]
    .map(searchForm)
    .some((name) => name.includes(needle));
}

function byName(a: Student, b: Student): number {
  return (
    a.legalSurname.localeCompare(b.legalSurname, 'en-GB') ||
    a.legalForename.localeCompare(b.legalForename, 'en-GB') ||
    a.studentId.localeCompare(b.studentId)
  );
}

export interface StudentListItem {
  studentId: string;
  upn: string;
  legalSurname: string;
  legalForename: string;
  preferredForename?: string;
  form?: string;
  year: string;
  lookAlikes: { studentId: string; reason: string }[];
  latestOffer: {
    offerId: string;
    status: string;
    expiresAt: string;
  } | null;
}

/**
 * Who may list what: a centre admin or head of year the whole centre; any
 * other member of staff the students of the groups they are assigned to.
 */
function visibleGroups(
  access: CentreAccess,
  group: string | undefined,
): string[] | 'all' {
  const staff = access.staff;
  if (!staff) {
    throw forbidden(
      'NOT_CENTRE_STAFF',
      "Only the centre's own staff can list its students.",
    );
  }
  if (!staff.active) throw inactiveStaff();
  const wholeCentre = hasRole(staff, 'centre-admin', 'head-of-year');
  if (group) {
    if (!wholeCentre && !(staff.groupIds ?? []).includes(group)) {
      throw forbidden(
        'NOT_YOUR_GROUP',
        'You can list only the groups you are assigned to. Ask a head of ' +
          'year to assign you to this group.',
        { field: 'group' },
      );
    }
    return [group];
  }
  return wholeCentre ? 'all' : (staff.groupIds ?? []);
}

/** Page size of a student list unless the caller asks for another. */
const defaultLimit = 50;

function decodeOffset(cursor: string | undefined): number {
  if (!cursor) return 0;
  const n = Number(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!Number.isInteger(n) || n < 0) {
    throw badRequest(
      'INVALID_CURSOR',
      'The cursor is not one this list gave out. Start the list again.',
      { field: 'cursor' },
    );
  }
  return n;
}

const encodeOffset = (n: number) =>
  Buffer.from(String(n), 'utf8').toString('base64url');

/**
 * Students on roll that the caller may see, sorted by name, with each one's
 * latest offer. A centre's roll is at most a few thousand students, so the
 * list is assembled and sorted whole, then paged by position.
 */
export async function listStudents(
  deps: Deps,
  access: CentreAccess,
  query: { group?: string; q?: string; cursor?: string; limit?: number },
): Promise<{ items: StudentListItem[]; cursor: string | null }> {
  const urn = access.centre.urn;
  const TableName = deps.config.TABLE_NAME;
  const scope = visibleGroups(access, query.group);
  const offset = decodeOffset(query.cursor);
  const limit = query.limit ?? defaultLimit;

  let students: Student[];
  if (scope === 'all') {
    students = (
      await queryAll(deps.db, {
        TableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :student)',
        ExpressionAttributeValues: {
          ':pk': keys.centre(urn).PK,
          ':student': keys.studentPrefix(),
        },
      })
    ).map((i) => entity<Student>(i));
  } else {
    const ids = new Set<string>();
    for (const groupId of scope) {
      for (const id of await memberIds(deps, 'student', urn, groupId)) {
        ids.add(id);
      }
    }
    students = (
      await batchGet(
        deps.db,
        TableName,
        [...ids].map((id) => keys.student(urn, id)),
      )
    ).map((i) => entity<Student>(i));
  }

  const q = query.q;
  const visible = students
    .filter((s) => s.status === 'on-roll' && (!q || matches(s, q)))
    .sort(byName);
  const page = visible.slice(offset, offset + limit);

  const offerIds = page.flatMap((s) =>
    s.latestOfferId ? [s.latestOfferId] : [],
  );
  const offers = new Map(
    (
      await batchGet(
        deps.db,
        TableName,
        offerIds.map((id) => keys.offer(id)),
      )
    ).map((i) => {
      const offer = entity<Offer>(i);
      return [offer.offerId, offer];
    }),
  );
  const now = deps.clock.now();

  return {
    items: page.map((s) => {
      const offer = s.latestOfferId ? offers.get(s.latestOfferId) : undefined;
      return {
        studentId: s.studentId,
        upn: s.upn,
        legalSurname: s.legalSurname,
        legalForename: s.legalForename,
        ...(s.preferredForename
          ? { preferredForename: s.preferredForename }
          : {}),
        ...(s.form ? { form: s.form } : {}),
        year: s.year,
        lookAlikes: s.lookAlikes ?? [],
        latestOffer: offer
          ? {
              offerId: offer.offerId,
              status: offerStatusAt(offer, now),
              expiresAt: offer.expiresAt,
            }
          : null,
      };
    }),
    cursor:
      offset + limit < visible.length ? encodeOffset(offset + limit) : null,
  };
}
