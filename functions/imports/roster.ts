/**
 * The roster a centre exports from its management information system
 * (MIS): one row a student. Header spellings are the ones the sample data
 * README lists for the systems in use.
 */
import {
  type CellRules,
  type ColumnSpecs,
  cellAt,
  type Rejection,
  readTable,
  rowShapeRejection,
} from './csv.js';
import {
  normaliseName,
  normaliseUci,
  normaliseUln,
  normaliseUpn,
  parseDate,
  uciProblem,
  ulnProblem,
  upnProblem,
} from './identifiers.js';

export interface RosterRow {
  line: number;
  adno?: string;
  upn: string;
  uln?: string;
  uci?: string;
  legalSurname: string;
  legalForename: string;
  preferredForename?: string;
  gender?: string;
  dateOfBirth: string;
  year: string;
  form?: string;
}

export interface RosterParse {
  rows: RosterRow[];
  /** Exact repeats of an accepted row: the same student exported twice. */
  duplicates: { line: number; sameAs: number }[];
  rejected: Rejection[];
}

export type RosterField = Exclude<keyof RosterRow, 'line'>;

// Field order is the order rows are checked in, so it decides which of
// several problems a rejected row reports.
export const rosterColumns = {
  adno: { required: false, headers: ['Adno', 'Admission Number'] },
  upn: { required: true, headers: ['UPN', 'Unique Pupil Number'] },
  uln: { required: false, headers: ['ULN', 'Unique Learner Number'] },
  uci: { required: false, headers: ['UCI', 'Unique Candidate Identifier'] },
  legalSurname: {
    required: true,
    headers: ['Legal Surname', 'Legal last name', 'Surname'],
  },
  legalForename: {
    required: true,
    headers: ['Legal Forename', 'Legal first name', 'Forename'],
  },
  preferredForename: {
    required: false,
    headers: ['Preferred Forename', 'Preferred first name'],
  },
  gender: { required: false, headers: ['Gender', 'Sex'] },
  dateOfBirth: { required: true, headers: ['DOB', 'Date of Birth'] },
  year: { required: true, headers: ['Year', 'Year Group', 'NC Year'] },
  form: {
    required: false,
    headers: ['Reg', 'Reg Group', 'Registration Group', 'Form'],
  },
} as const satisfies ColumnSpecs<RosterField>;

// Names match the JSON routes' limits; identifiers and dates are bounded
// well above their formats so that a wrong one reports as wrong, not long.
const cellRules = {
  adno: { max: 50, unsafe: 'INVALID_TEXT' },
  upn: { max: 50 },
  uln: { max: 50 },
  uci: { max: 50 },
  legalSurname: { max: 100, unsafe: 'INVALID_NAME' },
  legalForename: { max: 100, unsafe: 'INVALID_NAME' },
  preferredForename: { max: 100, unsafe: 'INVALID_NAME' },
  gender: { max: 50, unsafe: 'INVALID_TEXT' },
  dateOfBirth: { max: 50 },
  year: { max: 50 },
  form: { max: 100, unsafe: 'INVALID_GROUP' },
} as const satisfies CellRules<RosterField>;

const FIX = 'Correct it in the MIS and export again.';

const labels: Record<RosterField, string> = {
  adno: 'admission number',
  upn: 'UPN',
  uln: 'ULN',
  uci: 'UCI',
  legalSurname: 'legal surname',
  legalForename: 'legal forename',
  preferredForename: 'preferred forename',
  gender: 'gender',
  dateOfBirth: 'date of birth',
  year: 'year group',
  form: 'registration group',
};

const messages = {
  upnFormat:
    'The UPN is not in the right form: one letter, eleven digits, then a ' +
    'digit or letter (the letters I, O and S are never used). ' +
    FIX,
  upnCheck: `The UPN's check letter does not match the rest of the UPN. ${FIX}`,
  ulnFormat:
    'The ULN must be ten digits. Leave it empty if the student has no ULN ' +
    'yet. ' +
    FIX,
  ulnCheck:
    "The ULN's last digit does not match the rest of the ULN, so it is " +
    'mistyped. ' +
    FIX,
  uciFormat: `The UCI must be twelve digits followed by a check letter. ${FIX}`,
  uciCheck: `The UCI's check letter does not match the rest of the UCI. ${FIX}`,
  dateAsNumber:
    'The date of birth is a number rather than a date, which happens when ' +
    'a spreadsheet turns dates into serial numbers. Write it as ' +
    'DD/MM/YYYY and export again.',
  invalidDate:
    'The date of birth is not a real date in the form DD/MM/YYYY or ' +
    'YYYY-MM-DD. ' +
    FIX,
  invalidYear:
    'The year group must be a national curriculum year from 1 to 14, ' +
    'such as 11 or Year 11. ' +
    FIX,
  duplicateUpn:
    'This UPN is on an earlier row with different details. Each student ' +
    'needs their own UPN; the earlier row was kept. ' +
    FIX,
  duplicateUln:
    'This ULN belongs to a different student on an earlier row. Each ' +
    'student needs their own ULN; the earlier row was kept. ' +
    FIX,
  duplicateUci:
    'This UCI belongs to a different student on an earlier row. Each ' +
    'student needs their own UCI; the earlier row was kept. ' +
    FIX,
} as const;

const required = (field: RosterField) =>
  `The ${labels[field]} is missing. Add it in the MIS and export again.`;

// Some systems export "Year 11" or "Y11" where others export "11".
const YEAR = /^(?:year\s*|y)?(\d{1,2})$/i;
const MIN_YEAR = 1;
const MAX_YEAR = 14;

type Outcome =
  | { ok: true; row: RosterRow }
  | { ok: false; field: RosterField; code: string; message: string };

const fail = (field: RosterField, code: string, message: string): Outcome => ({
  ok: false,
  field,
  code,
  message,
});

/**
 * Reads a roster export. Each row is accepted, noted as a repeat of an
 * earlier accepted row, or rejected for its first problem in column order.
 * Lengths and control or text-direction characters are checked across the
 * row before any field's own rules. A UPN, ULN or UCI already held by an
 * earlier accepted student rejects the later row: the earlier row stands.
 */
export function parseRoster(text: string): RosterParse {
  const { columns, width, rows: records } = readTable(text, rosterColumns);
  const rows: RosterRow[] = [];
  const duplicates: RosterParse['duplicates'] = [];
  const rejected: Rejection[] = [];
  const byUpn = new Map<string, RosterRow>();
  const byUln = new Map<string, RosterRow>();
  const byUci = new Map<string, RosterRow>();

  for (const record of records) {
    const unfit = rowShapeRejection(record, width, columns, cellRules, {
      labels,
      fix: FIX,
    });
    if (unfit) {
      rejected.push(unfit);
      continue;
    }

    const cells = record.cells;
    const get = (field: RosterField) => cellAt(cells, columns[field]);
    const outcome = readRow(record.line, get);
    if (!outcome.ok) {
      const { field, code, message } = outcome;
      rejected.push({ line: record.line, field, code, message });
      continue;
    }

    const row = outcome.row;
    const earlier = byUpn.get(row.upn);
    if (earlier) {
      if (rowKey(earlier) === rowKey(row)) {
        duplicates.push({ line: row.line, sameAs: earlier.line });
      } else {
        rejected.push({
          line: row.line,
          field: 'upn',
          code: 'DUPLICATE_UPN',
          message: messages.duplicateUpn,
        });
      }
      continue;
    }
    if (row.uln !== undefined && byUln.has(row.uln)) {
      rejected.push({
        line: row.line,
        field: 'uln',
        code: 'DUPLICATE_ULN',
        message: messages.duplicateUln,
      });
      continue;
    }
    if (row.uci !== undefined && byUci.has(row.uci)) {
      rejected.push({
        line: row.line,
        field: 'uci',
        code: 'DUPLICATE_UCI',
        message: messages.duplicateUci,
      });
      continue;
    }

    byUpn.set(row.upn, row);
    if (row.uln !== undefined) byUln.set(row.uln, row);
    if (row.uci !== undefined) byUci.set(row.uci, row);
    rows.push(row);
  }

  return { rows, duplicates, rejected };
}

function readRow(line: number, get: (field: RosterField) => string): Outcome {
  const upn = normaliseUpn(get('upn'));
  if (upn === '') return fail('upn', 'REQUIRED', required('upn'));
  const upnIssue = upnProblem(upn);
  if (upnIssue) {
    return fail(
      'upn',
      'INVALID_UPN',
      upnIssue === 'check' ? messages.upnCheck : messages.upnFormat,
    );
  }

  const uln = normaliseUln(get('uln'));
  const ulnIssue = uln === undefined ? undefined : ulnProblem(uln);
  if (ulnIssue) {
    return fail(
      'uln',
      'INVALID_ULN',
      ulnIssue === 'check' ? messages.ulnCheck : messages.ulnFormat,
    );
  }

  const uci = normaliseUci(get('uci')) || undefined;
  const uciIssue = uci === undefined ? undefined : uciProblem(uci);
  if (uciIssue) {
    return fail(
      'uci',
      'INVALID_UCI',
      uciIssue === 'check' ? messages.uciCheck : messages.uciFormat,
    );
  }

  const names = {} as Record<
    'legalSurname' | 'legalForename' | 'preferredForename',
    string
  >;
  for (const field of [
    'legalSurname',
    'legalForename',
    'preferredForename',
  ] as const) {
    const name = normaliseName(get(field));
    if (name === '' && field !== 'preferredForename') {
      return fail(field, 'REQUIRED', required(field));
    }
    names[field] = name;
  }

  const gender = get('gender');

  const dobText = get('dateOfBirth');
  if (dobText === '') {
    return fail('dateOfBirth', 'REQUIRED', required('dateOfBirth'));
  }
  const dob = parseDate(dobText);
  if (!dob.ok) {
    return fail(
      'dateOfBirth',
      dob.code,
      dob.code === 'DATE_AS_NUMBER'
        ? messages.dateAsNumber
        : messages.invalidDate,
    );
  }

  const yearText = get('year');
  if (yearText === '') return fail('year', 'REQUIRED', required('year'));
  const year = parseYear(yearText);
  if (year === undefined) {
    return fail('year', 'INVALID_YEAR', messages.invalidYear);
  }

  const row: RosterRow = {
    line,
    upn,
    legalSurname: names.legalSurname,
    legalForename: names.legalForename,
    dateOfBirth: dob.date,
    year,
  };
  const adno = get('adno');
  if (adno !== '') row.adno = adno;
  if (uln !== undefined) row.uln = uln;
  if (uci !== undefined) row.uci = uci;
  if (names.preferredForename !== '') {
    row.preferredForename = names.preferredForename;
  }
  if (gender !== '') row.gender = gender;
  const form = normaliseName(get('form'));
  if (form !== '') row.form = form;

  return { ok: true, row };
}

function parseYear(text: string): string | undefined {
  const match = YEAR.exec(text);
  if (!match) return undefined;
  const year = Number(match[1]);

  return year >= MIN_YEAR && year <= MAX_YEAR ? String(year) : undefined;
}

/** Every field but the line, so that a repeat compares equal. */
const rowKey = (row: RosterRow): string =>
  JSON.stringify([
    row.adno,
    row.upn,
    row.uln,
    row.uci,
    row.legalSurname,
    row.legalForename,
    row.preferredForename,
    row.gender,
    row.dateOfBirth,
    row.year,
    row.form,
  ]);
