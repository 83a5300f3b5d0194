import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Caller } from '../lib/auth.js';
import type { Deps } from '../lib/deps.js';
import { keys } from '../lib/keys.js';
import { getEntity } from '../lib/table.js';
import { centreAccess, requireStaffRole } from './access.js';
import type { CalendarDate } from './school-days.js';

/** The dates a centre is closed: its own holidays and training days. */
export interface Closures {
  urn: string;
  dates: CalendarDate[];
  updatedAt?: string;
  updatedBy?: string;
}

/** A centre's closures as a set, for counting school days. */
export async function closuresOf(
  deps: Deps,
  urn: string,
): Promise<Set<CalendarDate>> {
  const item = await getEntity<Closures>(
    deps.db,
    deps.config.TABLE_NAME,
    keys.closures(urn),
  );
  return new Set(item?.dates ?? []);
}

export async function getClosures(
  deps: Deps,
  caller: Caller,
  urn: string,
): Promise<Closures> {
  const access = await centreAccess(deps, urn, caller);
  requireStaffRole(
    access,
    'centre-admin',
    'head-of-year',
    'form-tutor',
    'subject-staff',
    'exams-officer',
  );
  const item = await getEntity<Closures>(
    deps.db,
    deps.config.TABLE_NAME,
    keys.closures(urn),
  );
  return { urn, dates: item?.dates ?? [] };
}

/** Replaces the centre's closure dates; a centre admin's to set. */
export async function putClosures(
  deps: Deps,
  caller: Caller,
  urn: string,
  dates: readonly CalendarDate[],
): Promise<Closures> {
  const access = await centreAccess(deps, urn, caller);
  const staff = requireStaffRole(access, 'centre-admin');
  const closures: Closures = {
    urn,
    dates: [...new Set(dates)].sort(),
    updatedAt: deps.clock.now().toISOString(),
    updatedBy: staff.staffId,
  };
  await deps.db.send(
    new PutCommand({
      TableName: deps.config.TABLE_NAME,
      Item: { ...keys.closures(urn), type: 'closures', ...closures },
    }),
  );
  return { urn, dates: closures.dates };
}
