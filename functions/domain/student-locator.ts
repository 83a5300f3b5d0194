import { keys } from '../lib/keys.js';

/**
 * A family name as the helpdesk's search compares it: composed apart and
 * stripped of accents, in lower case, with runs of spaces as one. "MÜLLER"
 * and "muller" are the same name; "Muller-Smith" is another.
 */
export function foldName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .trim()
    .replace(/\s+/g, ' ');
}

export interface LocatedStudent {
  urn: string;
  studentId: string;
  upn: string;
  legalSurname: string;
  dateOfBirth: string;
}

/**
 * The locator item of a student: where they are by id alone, and the
 * index entries that find them by UPN and by family name and date of
 * birth across the region. Written whole on every import that creates or
 * changes the student, so it follows the MIS.
 */
export function locatorItem(student: LocatedStudent) {
  return {
    ...keys.studentLocator(student.studentId),
    ...keys.studentByUpn(student.upn, student.studentId),
    ...keys.studentByPerson(
      foldName(student.legalSurname),
      student.dateOfBirth,
      student.studentId,
    ),
    type: 'studentLocator',
    studentId: student.studentId,
    urn: student.urn,
  };
}
