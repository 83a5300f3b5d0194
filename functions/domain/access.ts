import { type Caller, inGroup } from '../lib/auth.js';
import type { Deps } from '../lib/deps.js';
import { forbidden, notFound } from '../lib/errors.js';
import { keys } from '../lib/keys.js';
import { batchGet, entity } from '../lib/table.js';
import type { Centre, Role, Staff } from './types.js';

/** A caller acting at one centre, with the records that decide what for. */
export interface CentreAccess {
  centre: Centre;
  /** The caller's staff record; absent for the operator. */
  staff?: Staff;
  operator: boolean;
}

/**
 * Loads the centre and the caller's staff record there in one round trip.
 * Anyone without a staff record at the centre gets the same 404 whether the
 * centre exists or not, except the operator, who may see every centre of
 * the region and gets the centre without a staff record.
 */
export async function centreAccess(
  deps: Deps,
  urn: string,
  caller: Caller,
): Promise<CentreAccess> {
  const items = await batchGet(deps.db, deps.config.TABLE_NAME, [
    keys.centre(urn),
    keys.staff(urn, caller.sub),
  ]);
  const centreItem = items.find((i) => i.SK === 'PROFILE');
  const staffItem = items.find((i) => i.SK !== 'PROFILE');
  const operator = inGroup(caller, 'operator');

  if (!centreItem) throw notFound();
  const centre = entity<Centre>(centreItem);
  if (!staffItem) {
    if (operator) return { centre, operator };
    throw notFound();
  }
  return { centre, staff: entity<Staff>(staffItem), operator };
}

export function hasRole(staff: Staff | undefined, ...wanted: Role[]): boolean {
  return !!staff?.active && wanted.some((r) => staff.roles.includes(r));
}

const roleNames: Record<Role, string> = {
  'centre-admin': 'a centre admin',
  'head-of-year': 'a head of year',
  'form-tutor': 'a form tutor',
  'subject-staff': 'subject staff',
  'exams-officer': 'an exams officer',
};

function listRoles(wanted: Role[]): string {
  const names = wanted.map((r) => roleNames[r]);
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}

/**
 * The caller must be active staff at the centre holding one of the roles.
 * The operator reaches no centre's staff or students here: it gets a 403
 * that says so, since it knows the centre exists. The helpdesk never gets
 * this far: `centreAccess` gives it the 404 of anyone outside the centre.
 */
export function requireStaffRole(
  access: CentreAccess,
  ...wanted: Role[]
): Staff {
  const { staff } = access;
  if (!staff) {
    throw forbidden(
      'NOT_CENTRE_STAFF',
      "Only the centre's own staff can do this. The operator manages " +
        'centres and centre admins, not their students or groups.',
    );
  }
  if (!staff.active) throw inactiveStaff();
  if (!hasRole(staff, ...wanted)) {
    throw forbidden(
      'ROLE_REQUIRED',
      `Only ${listRoles(wanted)} can do this. Ask your centre admin if you ` +
        'need to.',
    );
  }
  return staff;
}

export const inactiveStaff = () =>
  forbidden(
    'STAFF_INACTIVE',
    'Your account at this centre is deactivated. Ask your centre admin to ' +
      'reactivate it.',
  );
