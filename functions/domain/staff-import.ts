import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Rejection } from '../imports/csv.js';
import { parseStaffCsv } from '../imports/staff-csv.js';
import type { Deps } from '../lib/deps.js';
import { ApiError } from '../lib/errors.js';
import { keys } from '../lib/keys.js';
import { batchGet, getEntity } from '../lib/table.js';
import type { CentreAccess } from './access.js';
import { groupIdFor, joinItems } from './groups.js';
import { authoriseStaffCreation, createStaff } from './staff.js';
import { groupKinds, type Staff } from './types.js';

export interface StaffImportRow {
  line: number;
  staffId: string;
  status: 'created' | 'exists';
  groups: string[];
  groupsNotFound: string[];
}

export interface StaffImportReport {
  created: number;
  existing: number;
  rows: StaffImportRow[];
  rejected: Rejection[];
}

/** Group ids by name, trying each kind, for the groups that exist. */
async function groupsByName(
  deps: Deps,
  urn: string,
  names: string[],
): Promise<Map<string, string>> {
  const candidates = new Map<string, string>();
  for (const name of names) {
    for (const kind of groupKinds) {
      candidates.set(groupIdFor(kind, name), name);
    }
  }
  const found = await batchGet(
    deps.db,
    deps.config.TABLE_NAME,
    [...candidates.keys()].map((id) => keys.group(urn, id)),
  );
  const out = new Map<string, string>();
  for (const item of found) {
    const id = String(item.groupId);
    const name = candidates.get(id);
    if (name && !out.has(name.toLowerCase())) out.set(name.toLowerCase(), id);
  }
  return out;
}

/**
 * Creates the staff of a staff list, or finds them if they exist, and
 * assigns each to the groups the list names. A group that does not exist
 * yet is reported for that row, not created: import the roster and the
 * subject sets first.
 */
export async function importStaff(
  deps: Deps,
  access: CentreAccess,
  text: string,
): Promise<StaffImportReport> {
  const urn = access.centre.urn;
  const parsed = parseStaffCsv(text);
  const report: StaffImportReport = {
    created: 0,
    existing: 0,
    rows: [],
    rejected: [...parsed.rejected],
  };
  const groups = await groupsByName(deps, urn, [
    ...new Set(parsed.rows.flatMap((r) => r.groups)),
  ]);

  for (const row of parsed.rows) {
    try {
      authoriseStaffCreation(access, row);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      report.rejected.push({
        line: row.line,
        field: 'roles',
        code: error.code,
        message: error.message,
      });
      continue;
    }

    let staffId: string;
    let status: StaffImportRow['status'];
    try {
      staffId = (await createStaff(deps, urn, { ...row })).staffId;
      status = 'created';
      report.created++;
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== 'STAFF_EMAIL_EXISTS') {
        throw error;
      }
      const holder = await getEntity<{ staffId: string }>(
        deps.db,
        deps.config.TABLE_NAME,
        keys.staffEmail(urn, row.email),
      );
      if (!holder) throw error;
      staffId = holder.staffId;
      status = 'exists';
      report.existing++;
    }

    const assigned: string[] = [];
    const missing: string[] = [];
    for (const name of row.groups) {
      const groupId = groups.get(name.toLowerCase());
      if (!groupId) {
        missing.push(name);
        continue;
      }
      await deps.db.send(
        new TransactWriteCommand({
          TransactItems: joinItems(
            deps.config.TABLE_NAME,
            'staff',
            urn,
            groupId,
            staffId,
          ),
        }),
      );
      assigned.push(groupId);
    }
    report.rows.push({
      line: row.line,
      staffId,
      status,
      groups: assigned,
      groupsNotFound: missing,
    });
  }
  return report;
}

export type { Staff };
