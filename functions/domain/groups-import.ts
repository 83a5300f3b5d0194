import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Rejection } from '../imports/csv.js';
import { parseSubjectSets } from '../imports/subject-sets.js';
import type { Deps } from '../lib/deps.js';
import { keys } from '../lib/keys.js';
import { batchGet } from '../lib/table.js';
import { ensureGroups, groupIdFor, joinItems } from './groups.js';

export interface GroupsImportReport {
  groupsCreated: number;
  added: number;
  unchanged: number;
  rejected: Rejection[];
}

/** Students' ids by UPN, for the UPNs the centre holds. */
export async function studentIdsByUpn(
  deps: Deps,
  urn: string,
  upns: string[],
): Promise<Map<string, string>> {
  const found = await batchGet(
    deps.db,
    deps.config.TABLE_NAME,
    [...new Set(upns)].map((upn) => keys.studentUpn(urn, upn)),
  );
  const prefix = keys.studentUpn(urn, '').SK;
  return new Map(
    found.map((i) => [String(i.SK).slice(prefix.length), String(i.studentId)]),
  );
}

/**
 * Imports group lists (`Group,Kind,UPN`): creates the groups it names and
 * puts each student in. Running it again adds nothing twice.
 */
export async function importGroups(
  deps: Deps,
  urn: string,
  text: string,
): Promise<GroupsImportReport> {
  const parsed = parseSubjectSets(text);
  const rejected: Rejection[] = [...parsed.rejected];
  const created = await ensureGroups(
    deps,
    urn,
    parsed.rows.map((r) => ({ name: r.group, kind: r.kind })),
  );
  const ids = await studentIdsByUpn(
    deps,
    urn,
    parsed.rows.map((r) => r.upn),
  );

  const wanted: { line: number; groupId: string; studentId: string }[] = [];
  for (const row of parsed.rows) {
    const studentId = ids.get(row.upn);
    if (!studentId) {
      rejected.push({
        line: row.line,
        field: 'upn',
        code: 'STUDENT_NOT_FOUND',
        message:
          "No student on this centre's roll has this UPN. Import the " +
          'roster first, or correct the UPN.',
      });
      continue;
    }
    wanted.push({
      line: row.line,
      groupId: groupIdFor(row.kind, row.group),
      studentId,
    });
  }

  const held = new Set(
    (
      await batchGet(
        deps.db,
        deps.config.TABLE_NAME,
        wanted.map((w) => keys.groupStudent(urn, w.groupId, w.studentId)),
      )
    ).map((i) => `${i.PK}|${i.SK}`),
  );
  let added = 0;
  let unchanged = 0;
  for (const w of wanted) {
    const k = keys.groupStudent(urn, w.groupId, w.studentId);
    if (held.has(`${k.PK}|${k.SK}`)) {
      unchanged++;
      continue;
    }
    await deps.db.send(
      new TransactWriteCommand({
        TransactItems: joinItems(
          deps.config.TABLE_NAME,
          'student',
          urn,
          w.groupId,
          w.studentId,
          false,
        ),
      }),
    );
    held.add(`${k.PK}|${k.SK}`);
    added++;
  }
  return {
    groupsCreated: created.length,
    added,
    unchanged,
    rejected: rejected.sort((a, b) => a.line - b.line),
  };
}
