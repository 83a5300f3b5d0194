/**
 * A results file from an awarding organisation: one row a qualification
 * awarded. Rows are only read and checked here; matching them to students
 * happens elsewhere.
 */
import {
  type CellRules,
  type ColumnSpecs,
  cellAt,
  FileError,
  type Rejection,
  readTable,
  rowShapeRejection,
} from './csv.js';
import {
  normaliseName,
  normaliseUci,
  normaliseUln,
  parseDate,
  uciProblem,
  ulnProblem,
} from './identifiers.js';

export interface ResultRow {
  line: number;
  uln?: string;
  uci?: string;
  candidateSurname: string;
  candidateForenames: string;
  dateOfBirth: string;
  centreNumber: string;
  awardingBody: string;
  qan: string;
  title: string;
  subject: string;
  level: string;
  grade: string;
  awardDate: string;
  series: string;
}

export interface ResultsParse {
  rows: ResultRow[];
  /** Exact repeats of an accepted row: the same award listed twice. */
  duplicates: { line: number; sameAs: number }[];
  rejected: Rejection[];
}

type ResultField = Exclude<keyof ResultRow, 'line'>;

// Field order is the order rows are checked in; subject, level, series and
// forenames may be empty (not every award or person has them).
export const resultColumns = {
  uln: { required: false, headers: ['ULN', 'Unique Learner Number'] },
  uci: { required: false, headers: ['UCI', 'Unique Candidate Identifier'] },
  candidateSurname: {
    required: true,
    headers: ['Candidate Surname', 'Surname'],
  },
  candidateForenames: {
    required: true,
    headers: ['Candidate Forenames', 'Candidate Forename', 'Forenames'],
  },
  dateOfBirth: { required: true, headers: ['DOB', 'Date of Birth'] },
  centreNumber: {
    required: true,
    headers: ['Centre Number', 'Centre No'],
  },
  awardingBody: {
    required: true,
    headers: ['Awarding Organisation', 'Awarding Body', 'AO'],
  },
  qan: {
    required: true,
    headers: [
      'QAN',
      'Qualification Number',
      'Qualification Accreditation Number',
    ],
  },
  title: { required: true, headers: ['Qualification Title', 'Title'] },
  subject: { required: true, headers: ['Subject'] },
  level: { required: true, headers: ['Level'] },
  grade: { required: true, headers: ['Grade'] },
  awardDate: { required: true, headers: ['Award Date', 'Date Awarded'] },
  series: { required: true, headers: ['Series', 'Exam Series'] },
} as const satisfies ColumnSpecs<ResultField>;

// Names match the student's limits; titles and subjects get twice that.
// Identifiers, codes and dates are bounded well above their formats so
// that a wrong one reports as wrong, not long.
const cellRules = {
  uln: { max: 50 },
  uci: { max: 50 },
  candidateSurname: { max: 100, unsafe: 'INVALID_NAME' },
  candidateForenames: { max: 100, unsafe: 'INVALID_NAME' },
  dateOfBirth: { max: 50 },
  centreNumber: { max: 50 },
  awardingBody: { max: 100, unsafe: 'INVALID_TEXT' },
  qan: { max: 50 },
  title: { max: 200, unsafe: 'INVALID_TEXT' },
  subject: { max: 200, unsafe: 'INVALID_TEXT' },
  level: { max: 50, unsafe: 'INVALID_TEXT' },
  grade: { max: 50, unsafe: 'INVALID_TEXT' },
  awardDate: { max: 50 },
  series: { max: 100, unsafe: 'INVALID_TEXT' },
} as const satisfies CellRules<ResultField>;

const FIX =
  'Ask the awarding organisation for a corrected results file, or correct ' +
  'the row, and import it again.';

const labels: Record<ResultField, string> = {
  uln: 'ULN',
  uci: 'UCI',
  candidateSurname: "candidate's surname",
  candidateForenames: "candidate's forenames",
  dateOfBirth: 'date of birth',
  centreNumber: 'centre number',
  awardingBody: 'awarding organisation',
  qan: 'qualification number (QAN)',
  title: 'qualification title',
  subject: 'subject',
  level: 'level',
  grade: 'grade',
  awardDate: 'award date',
  series: 'series',
};

const messages = {
  noIdentifier:
    'The row has neither a ULN nor a UCI, so it cannot be matched to a ' +
    'student. ' +
    FIX,
  ulnFormat: `The ULN must be ten digits. ${FIX}`,
  ulnCheck:
    "The ULN's last digit does not match the rest of the ULN, so it is " +
    'mistyped. ' +
    FIX,
  uciFormat: `The UCI must be twelve digits followed by a check letter. ${FIX}`,
  uciCheck: `The UCI's check letter does not match the rest of the UCI. ${FIX}`,
  centreNumber: `The centre number must be five digits. ${FIX}`,
  qan:
    'The qualification number (QAN) must look like 601/4292/3: three ' +
    'digits, four digits, and a digit or X, separated by slashes. ' +
    FIX,
} as const;

const dateMessages = (field: 'dateOfBirth' | 'awardDate') => ({
  DATE_AS_NUMBER:
    `The ${labels[field]} is a number rather than a date, which happens ` +
    'when a spreadsheet turns dates into serial numbers. Write it as ' +
    `YYYY-MM-DD or DD/MM/YYYY. ${FIX}`,
  INVALID_DATE:
    `The ${labels[field]} is not a real date in the form YYYY-MM-DD or ` +
    `DD/MM/YYYY. ${FIX}`,
});

const required = (field: ResultField) =>
  `The ${labels[field]} is missing. ${FIX}`;

const CENTRE_NUMBER = /^\d{5}$/;
const QAN = /^\d{3}\/\d{4}\/[\dX]$/;

type Outcome =
  | { ok: true; row: ResultRow }
  | { ok: false; field: ResultField; code: string; message: string };

const fail = (field: ResultField, code: string, message: string): Outcome => ({
  ok: false,
  field,
  code,
  message,
});

/**
 * Reads a results file. A ULN of 9999999999 means the candidate has none;
 * a row then needs a UCI. A file with neither a ULN nor a UCI column
 * throws MISSING_COLUMN.
 */
export function parseResults(text: string): ResultsParse {
  const { columns, width, rows: records } = readTable(text, resultColumns);
  if (columns.uln < 0 && columns.uci < 0) {
    throw new FileError(
      'MISSING_COLUMN',
      'The file has no "ULN" or "UCI" column, so no row can be matched to ' +
        'a student. Ask the awarding organisation for a file with them.',
      { field: 'uln' },
    );
  }

  const rows: ResultRow[] = [];
  const duplicates: ResultsParse['duplicates'] = [];
  const rejected: Rejection[] = [];
  const seen = new Map<string, number>();

  for (const record of records) {
    const unfit = rowShapeRejection(record, width, columns, cellRules, {
      labels,
      fix: FIX,
    });
    if (unfit) {
      rejected.push(unfit);
      continue;
    }

    const get = (field: ResultField) => cellAt(record.cells, columns[field]);
    const outcome = readRow(record.line, get);
    if (!outcome.ok) {
      const { field, code, message } = outcome;
      rejected.push({ line: record.line, field, code, message });
      continue;
    }

    const { line } = outcome.row;
    const key = rowKey(outcome.row);
    const sameAs = seen.get(key);
    if (sameAs !== undefined) {
      duplicates.push({ line, sameAs });
      continue;
    }
    seen.set(key, line);
    rows.push(outcome.row);
  }

  return { rows, duplicates, rejected };
}

function readRow(line: number, get: (field: ResultField) => string): Outcome {
  const uln = normaliseUln(get('uln'));
  const uci = normaliseUci(get('uci')) || undefined;
  if (uln === undefined && uci === undefined) {
    return fail('uln', 'REQUIRED', messages.noIdentifier);
  }
  const ulnIssue = uln === undefined ? undefined : ulnProblem(uln);
  if (ulnIssue) {
    return fail(
      'uln',
      'INVALID_ULN',
      ulnIssue === 'check' ? messages.ulnCheck : messages.ulnFormat,
    );
  }
  const uciIssue = uci === undefined ? undefined : uciProblem(uci);
  if (uciIssue) {
    return fail(
      'uci',
      'INVALID_UCI',
      uciIssue === 'check' ? messages.uciCheck : messages.uciFormat,
    );
  }

  const candidateSurname = normaliseName(get('candidateSurname'));
  if (candidateSurname === '') {
    return fail('candidateSurname', 'REQUIRED', required('candidateSurname'));
  }
  const candidateForenames = normaliseName(get('candidateForenames'));

  const dateOfBirth = readDate('dateOfBirth', get);
  if (!dateOfBirth.ok) return dateOfBirth;

  const centreNumber = get('centreNumber');
  if (centreNumber === '') {
    return fail('centreNumber', 'REQUIRED', required('centreNumber'));
  }
  if (!CENTRE_NUMBER.test(centreNumber)) {
    return fail('centreNumber', 'INVALID_CENTRE_NUMBER', messages.centreNumber);
  }

  const awardingBody = get('awardingBody');
  if (awardingBody === '') {
    return fail('awardingBody', 'REQUIRED', required('awardingBody'));
  }

  const qan = get('qan').toUpperCase();
  if (qan === '') return fail('qan', 'REQUIRED', required('qan'));
  if (!QAN.test(qan)) return fail('qan', 'INVALID_QAN', messages.qan);

  const title = normaliseName(get('title'));
  if (title === '') return fail('title', 'REQUIRED', required('title'));

  const grade = get('grade');
  if (grade === '') return fail('grade', 'REQUIRED', required('grade'));

  const awardDate = readDate('awardDate', get);
  if (!awardDate.ok) return awardDate;

  const row: ResultRow = {
    line,
    candidateSurname,
    candidateForenames,
    dateOfBirth: dateOfBirth.date,
    centreNumber,
    awardingBody,
    qan,
    title,
    subject: normaliseName(get('subject')),
    level: get('level'),
    grade,
    awardDate: awardDate.date,
    series: get('series'),
  };
  if (uln !== undefined) row.uln = uln;
  if (uci !== undefined) row.uci = uci;

  return { ok: true, row };
}

function readDate(
  field: 'dateOfBirth' | 'awardDate',
  get: (field: ResultField) => string,
): { ok: true; date: string } | Extract<Outcome, { ok: false }> {
  const text = get(field);
  if (text === '') {
    return { ok: false, field, code: 'REQUIRED', message: required(field) };
  }
  const parsed = parseDate(text);
  if (parsed.ok) return parsed;

  return {
    ok: false,
    field,
    code: parsed.code,
    message: dateMessages(field)[parsed.code],
  };
}

/** Every field but the line, so that a repeat compares equal. */
const rowKey = (row: ResultRow): string =>
  JSON.stringify([
    row.uln,
    row.uci,
    row.candidateSurname,
    row.candidateForenames,
    row.dateOfBirth,
    row.centreNumber,
    row.awardingBody,
    row.qan,
    row.title,
    row.subject,
    row.level,
    row.grade,
    row.awardDate,
    row.series,
  ]);
