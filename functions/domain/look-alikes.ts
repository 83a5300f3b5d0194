/**
 * Students a tutor could take for one another: the same legal name once
 * Unicode forms and letter case are set aside, or twins (the same surname
 * and date of birth). The roster import works them out for the whole roll,
 * so that a list or a vouch reads them from the student's own item.
 */

export const lookAlikeReasons = [
  'same-legal-name',
  'same-surname-and-birthdate',
] as const;
export type LookAlikeReason = (typeof lookAlikeReasons)[number];

export interface LookAlike {
  studentId: string;
  reason: LookAlikeReason;
}

export interface NamedStudent {
  studentId: string;
  legalSurname: string;
  legalForename: string;
  dateOfBirth: string;
}

/** NFC with full case folding (as near as JavaScript has it). */
export function foldName(name: string): string {
  return name
    .normalize('NFC')
    .toLocaleUpperCase('und')
    .toLocaleLowerCase('und')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Every student's look-alikes on a roll, by student id. */
export function findLookAlikes(
  students: readonly NamedStudent[],
): Map<string, LookAlike[]> {
  const byName = new Map<string, NamedStudent[]>();
  const bySurnameAndBirth = new Map<string, NamedStudent[]>();
  const add = (
    map: Map<string, NamedStudent[]>,
    key: string,
    s: NamedStudent,
  ) => {
    const list = map.get(key);
    if (list) list.push(s);
    else map.set(key, [s]);
  };
  for (const s of students) {
    const surname = foldName(s.legalSurname);
    add(byName, `${surname}\u0000${foldName(s.legalForename)}`, s);
    add(bySurnameAndBirth, `${surname}\u0000${s.dateOfBirth}`, s);
  }

  const out = new Map<string, LookAlike[]>();
  const note = (
    groups: Map<string, NamedStudent[]>,
    reason: LookAlikeReason,
  ) => {
    for (const group of groups.values()) {
      if (group.length < 2) continue;
      for (const s of group) {
        const list = out.get(s.studentId) ?? [];
        for (const other of group) {
          if (other.studentId === s.studentId) continue;
          if (list.some((l) => l.studentId === other.studentId)) continue;
          list.push({ studentId: other.studentId, reason });
        }
        out.set(s.studentId, list);
      }
    }
  };
  note(byName, 'same-legal-name');
  note(bySurnameAndBirth, 'same-surname-and-birthdate');
  for (const list of out.values()) {
    list.sort((a, b) => a.studentId.localeCompare(b.studentId));
  }
  return out;
}

/** Two look-alike lists say the same, in any order. */
export function sameLookAlikes(
  a: readonly LookAlike[] | undefined,
  b: readonly LookAlike[] | undefined,
): boolean {
  const key = (l: readonly LookAlike[] | undefined) =>
    JSON.stringify(
      [...(l ?? [])].sort((x, y) => x.studentId.localeCompare(y.studentId)),
    );
  return key(a) === key(b);
}
