import type { Caller } from '../lib/auth.js';
import type { Deps } from '../lib/deps.js';
import { forbidden } from '../lib/errors.js';
import { keys } from '../lib/keys.js';
import { batchGet, entity } from '../lib/table.js';
import { centreAccess, inactiveStaff } from './access.js';
import type { Group } from './types.js';

/**
 * What a member of staff may know about themselves at a centre: their
 * roles, the data issuer permission and the groups they are assigned to,
 * by name. The staff console builds its navigation and student lists
 * from it. The operator holds no staff record, so is refused.
 */
export async function staffSelf(deps: Deps, caller: Caller, urn: string) {
  const access = await centreAccess(deps, urn, caller);
  const staff = access.staff;
  if (!staff) {
    throw forbidden(
      'NOT_CENTRE_STAFF',
      "Only the centre's own staff have a staff record here.",
    );
  }
  if (!staff.active) throw inactiveStaff();
  const groups = (
    await batchGet(
      deps.db,
      deps.config.TABLE_NAME,
      (staff.groupIds ?? []).map((id) => keys.group(urn, id)),
    )
  )
    .map((item) => entity<Group>(item))
    .sort((a, b) => a.name.localeCompare(b.name, 'en-GB'));

  return {
    staffId: staff.staffId,
    givenName: staff.givenName,
    familyName: staff.familyName,
    roles: staff.roles,
    dataIssuer: staff.dataIssuer,
    centre: { urn, name: access.centre.name, status: access.centre.status },
    groups: groups.map((g) => ({
      groupId: g.groupId,
      name: g.name,
      kind: g.kind,
    })),
  };
}
