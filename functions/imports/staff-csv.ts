/**
 * The staff list a centre uploads: who may sign in, in which roles, and
 * which groups they teach.
 */
import {
  type CellRules,
  type ColumnSpecs,
  cellAt,
  type Rejection,
  readTable,
  rowShapeRejection,
} from './csv.js';
import { isValidEmail, normaliseEmail, normaliseName } from './identifiers.js';

export const roles = [
  'centre-admin',
  'head-of-year',
  'form-tutor',
  'subject-staff',
  'exams-officer',
] as const;

export type Role = (typeof roles)[number];

const roleSet: ReadonlySet<string> = new Set(roles);

export const isRole = (s: string): s is Role => roleSet.has(s);

export interface StaffRow {
  line: number;
  email: string;
  givenName: string;
  familyName: string;
  roles: Role[];
  dataIssuer: boolean;
  groups: string[];
}

export interface StaffParse {
  rows: StaffRow[];
  rejected: Rejection[];
}

type StaffField = Exclude<keyof StaffRow, 'line'>;

export const staffColumns = {
  email: {
    required: true,
    headers: ['Email', 'E-mail', 'Email Address', 'E-mail Address'],
  },
  givenName: {
    required: true,
    headers: ['Given Name', 'First Name', 'Forename'],
  },
  familyName: {
    required: true,
    headers: ['Family Name', 'Last Name', 'Surname'],
  },
  roles: { required: true, headers: ['Roles', 'Role'] },
  dataIssuer: { required: true, headers: ['Data Issuer'] },
  groups: { required: false, headers: ['Groups', 'Group'] },
} as const satisfies ColumnSpecs<StaffField>;

// The same limits as the JSON routes: POST /centres/{urn}/staff for the
// person, POST /centres/{urn}/groups for each group name.
const cellRules = {
  email: { max: 254, unsafe: 'INVALID_EMAIL' },
  givenName: { max: 100, unsafe: 'INVALID_NAME' },
  familyName: { max: 100, unsafe: 'INVALID_NAME' },
  roles: { max: 200 },
  dataIssuer: { max: 50 },
  groups: { max: 4000, unsafe: 'INVALID_GROUP' },
} as const satisfies CellRules<StaffField>;

const MAX_GROUP_NAME = 100;

const FIX = 'Correct the staff file and upload it again.';

const labels: Record<StaffField, string> = {
  email: 'e-mail address',
  givenName: 'given name',
  familyName: 'family name',
  roles: 'role',
  dataIssuer: 'data issuer answer',
  groups: 'groups',
};

const messages = {
  invalidEmail: `The e-mail address is not a valid address. ${FIX}`,
  invalidRole:
    `A role is not one we know. Use ${roles.join(', ')}, separated by ` +
    `semicolons. ${FIX}`,
  invalidDataIssuer: `Data Issuer must be yes or no (or true or false). ${FIX}`,
  groupTooLong:
    `A group name is longer than ${MAX_GROUP_NAME} characters, the most ` +
    `this service keeps. ${FIX}`,
  duplicateEmail:
    'This e-mail address is on an earlier row; the earlier row was kept. ' +
    'Give each person one row, listing all their roles. ' +
    FIX,
} as const;

const required = (field: StaffField) =>
  `The ${labels[field]} is missing. Add it and upload the staff file again.`;

const YES = new Set(['yes', 'y', 'true']);
const NO = new Set(['no', 'n', 'false']);

type Outcome =
  | { ok: true; row: StaffRow }
  | { ok: false; field: StaffField; code: string; message: string };

const fail = (field: StaffField, code: string, message: string): Outcome => ({
  ok: false,
  field,
  code,
  message,
});

/** `;`-separated, trimmed, empty parts dropped, first mention kept. */
function splitList(text: string): string[] {
  const items = new Set<string>();
  for (const part of text.split(';')) {
    const item = normaliseName(part);
    if (item !== '') items.add(item);
  }

  return [...items];
}

/**
 * Reads a staff file. A second row for the same e-mail address (compared
 * in lower case) is rejected and the first stands, so that a person's roles
 * come from one place.
 */
export function parseStaffCsv(text: string): StaffParse {
  const { columns, width, rows: records } = readTable(text, staffColumns);
  const rows: StaffRow[] = [];
  const rejected: Rejection[] = [];
  const seen = new Set<string>();

  for (const record of records) {
    const unfit = rowShapeRejection(record, width, columns, cellRules, {
      labels,
      fix: FIX,
    });
    if (unfit) {
      rejected.push(unfit);
      continue;
    }

    const get = (field: StaffField) => cellAt(record.cells, columns[field]);
    const outcome = readRow(record.line, get);
    if (!outcome.ok) {
      const { field, code, message } = outcome;
      rejected.push({ line: record.line, field, code, message });
      continue;
    }

    const row = outcome.row;
    if (seen.has(row.email)) {
      rejected.push({
        line: row.line,
        field: 'email',
        code: 'DUPLICATE_EMAIL',
        message: messages.duplicateEmail,
      });
      continue;
    }
    seen.add(row.email);
    rows.push(row);
  }

  return { rows, rejected };
}

function readRow(line: number, get: (field: StaffField) => string): Outcome {
  const email = normaliseEmail(get('email'));
  if (email === '') return fail('email', 'REQUIRED', required('email'));
  if (!isValidEmail(email)) {
    return fail('email', 'INVALID_EMAIL', messages.invalidEmail);
  }

  const givenName = normaliseName(get('givenName'));
  const familyName = normaliseName(get('familyName'));
  for (const [field, name] of [
    ['givenName', givenName],
    ['familyName', familyName],
  ] as const) {
    if (name === '') return fail(field, 'REQUIRED', required(field));
  }

  const roleNames = splitList(get('roles').toLowerCase());
  if (roleNames.length === 0) {
    return fail('roles', 'REQUIRED', required('roles'));
  }
  if (!roleNames.every(isRole)) {
    return fail('roles', 'INVALID_ROLE', messages.invalidRole);
  }

  const issuerText = get('dataIssuer').toLowerCase();
  if (issuerText === '') {
    return fail('dataIssuer', 'REQUIRED', required('dataIssuer'));
  }
  if (!YES.has(issuerText) && !NO.has(issuerText)) {
    return fail(
      'dataIssuer',
      'INVALID_DATA_ISSUER',
      messages.invalidDataIssuer,
    );
  }

  const groups = splitList(get('groups'));
  if (groups.some((g) => g.length > MAX_GROUP_NAME)) {
    return fail('groups', 'VALUE_TOO_LONG', messages.groupTooLong);
  }

  return {
    ok: true,
    row: {
      line,
      email,
      givenName,
      familyName,
      roles: roleNames,
      dataIssuer: YES.has(issuerText),
      groups,
    },
  };
}
