import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  decodeCsvBytes,
  FileError,
  parseCsv,
} from '../../../functions/imports/csv.js';
import { parseResults } from '../../../functions/imports/results-csv.js';
import { parseRoster } from '../../../functions/imports/roster.js';

const sample = (path: string) =>
  decodeCsvBytes(
    readFileSync(new URL(`../../../samples/${path}`, import.meta.url)),
  );

const HEADER = [
  'ULN',
  'UCI',
  'Candidate Surname',
  'Candidate Forenames',
  'DOB',
  'Centre Number',
  'Awarding Organisation',
  'QAN',
  'Qualification Title',
  'Subject',
  'Level',
  'Grade',
  'Award Date',
  'Series',
] as const;

type Result = Record<(typeof HEADER)[number], string>;

const result = (overrides: Partial<Result> = {}): Result => ({
  ULN: '6013519241',
  UCI: '471130220001D',
  'Candidate Surname': 'Müller',
  'Candidate Forenames': 'Kwame',
  DOB: '2009-10-30',
  'Centre Number': '47113',
  'Awarding Organisation': 'AQA',
  QAN: '601/4292/3',
  'Qualification Title': 'GCSE (9-1) in English Language',
  Subject: 'English Language',
  Level: '2',
  Grade: '9',
  'Award Date': '2026-08-20',
  Series: 'June 2026',
  ...overrides,
});

const resultsCsv = (rows: Result[], header: readonly string[] = HEADER) =>
  [
    header.join(','),
    ...rows.map((r) => header.map((h) => r[h as keyof Result] ?? '').join(',')),
  ].join('\r\n');

const one = (overrides: Partial<Result>) =>
  parseResults(resultsCsv([result(overrides)]));

function fileErrorOf(fn: () => unknown): FileError {
  try {
    fn();
  } catch (error) {
    if (error instanceof FileError) return error;
    throw error;
  }
  throw new Error('expected a FileError');
}

describe('parseResults', () => {
  describe('on the Oakfield sample', () => {
    const text = sample('oakfield/results.csv');
    const parsed = parseResults(text);

    it('parses every one of its 1,471 rows', () => {
      expect(parseCsv(text).rows).toHaveLength(1471);
      expect(parsed.rows).toHaveLength(1471);
      expect(parsed.rejected).toEqual([]);
      expect(parsed.duplicates).toEqual([]);
    });

    it('reads a whole row into our fields', () => {
      expect(parsed.rows[0]).toEqual({
        line: 2,
        uln: '6013519241',
        uci: '471130220001D',
        candidateSurname: 'Müller',
        candidateForenames: 'Kwame',
        dateOfBirth: '2009-10-30',
        centreNumber: '47113',
        awardingBody: 'AQA',
        qan: '601/4292/3',
        title: 'GCSE (9-1) in English Language',
        subject: 'English Language',
        level: '2',
        grade: '9',
        awardDate: '2026-08-20',
        series: 'June 2026',
      });
    });

    it('reads QANs ending in X', () => {
      expect(parsed.rows.some((r) => r.qan.endsWith('/X'))).toBe(true);
    });

    it('leaves rows for the student with no ULN to match by UCI', () => {
      const noUln = parsed.rows.filter((r) => r.uln === undefined);
      expect(noUln).toHaveLength(8);
      expect(noUln.every((r) => r.uci !== undefined)).toBe(true);
    });

    it('gives values that match the roster as the README says', () => {
      const students = parseRoster(sample('oakfield/roster.csv')).rows;
      const byUln = new Map(students.map((s) => [s.uln, s]));
      const byUci = new Map(students.map((s) => [s.uci, s]));
      let matched = 0;
      let conflicts = 0;
      let unmatched = 0;
      for (const row of parsed.rows) {
        const found =
          row.uln !== undefined ? byUln.get(row.uln) : byUci.get(row.uci);
        if (!found) unmatched++;
        else if (found.dateOfBirth !== row.dateOfBirth) conflicts++;
        else matched++;
      }

      expect({ matched, conflicts, unmatched }).toEqual({
        matched: 1469,
        conflicts: 1,
        unmatched: 1,
      });
    });
  });

  it('parses the 134 rows of the Riverside sample', () => {
    const parsed = parseResults(sample('riverside/results.csv'));

    expect(parsed.rows).toHaveLength(134);
    expect(parsed.rejected).toEqual([]);
  });

  describe('checking identifiers', () => {
    it('reads the no-ULN placeholder as no ULN', () => {
      const row = one({ ULN: '9999999999' }).rows[0];

      expect(row).not.toHaveProperty('uln');
      expect(row?.uci).toBe('471130220001D');
    });

    it('rejects a row with neither ULN nor UCI as REQUIRED', () => {
      for (const ULN of ['', '9999999999']) {
        expect(one({ ULN, UCI: '' }).rejected, ULN).toMatchObject([
          { line: 2, field: 'uln', code: 'REQUIRED' },
        ]);
      }
    });

    it('rejects any other ULN that fails its check', () => {
      for (const ULN of ['6013519242', '0000000000', '601351924']) {
        const [rejection] = one({ ULN }).rejected;
        expect(rejection, ULN).toMatchObject({
          field: 'uln',
          code: 'INVALID_ULN',
        });
        expect(rejection?.message).not.toContain(ULN);
      }
    });

    it('rejects an invalid UCI', () => {
      expect(one({ UCI: '471130220001E' }).rejected).toMatchObject([
        { field: 'uci', code: 'INVALID_UCI' },
      ]);
    });

    it('accepts a row with a UCI and no ULN column', () => {
      const header = HEADER.filter((h) => h !== 'ULN');

      const parsed = parseResults(resultsCsv([result()], header));

      expect(parsed.rows[0]?.uci).toBe('471130220001D');
      expect(parsed.rows[0]).not.toHaveProperty('uln');
    });

    it('throws MISSING_COLUMN with neither a ULN nor a UCI column', () => {
      const header = HEADER.filter((h) => h !== 'ULN' && h !== 'UCI');

      const error = fileErrorOf(() =>
        parseResults(resultsCsv([result()], header)),
      );

      expect(error.code).toBe('MISSING_COLUMN');
      expect(error.field).toBe('uln');
    });
  });

  describe('checking other fields', () => {
    it('accepts QANs of the Ofqual shape, upper-casing a final x', () => {
      expect(one({ QAN: '601/8355/x' }).rows[0]?.qan).toBe('601/8355/X');
    });

    it('rejects QANs of any other shape', () => {
      for (const QAN of ['601/4292/Y', '6014292X', '601/429/3', '60/4292/3']) {
        expect(one({ QAN }).rejected, QAN).toMatchObject([
          { field: 'qan', code: 'INVALID_QAN' },
        ]);
      }
    });

    it('rejects a centre number that is not five digits', () => {
      for (const centre of ['4711', '471133', '4711A']) {
        expect(one({ 'Centre Number': centre }).rejected).toMatchObject([
          { field: 'centreNumber', code: 'INVALID_CENTRE_NUMBER' },
        ]);
      }
    });

    it('reads DD/MM/YYYY dates too', () => {
      const row = one({ DOB: '30/10/2009', 'Award Date': '20/08/2026' })
        .rows[0];

      expect(row?.dateOfBirth).toBe('2009-10-30');
      expect(row?.awardDate).toBe('2026-08-20');
    });

    it('rejects dates written as numbers or impossible dates', () => {
      expect(one({ 'Award Date': '46254' }).rejected).toMatchObject([
        { field: 'awardDate', code: 'DATE_AS_NUMBER' },
      ]);
      expect(one({ DOB: '2009-02-30' }).rejected).toMatchObject([
        { field: 'dateOfBirth', code: 'INVALID_DATE' },
      ]);
    });

    it('rejects a row missing its grade or surname as REQUIRED', () => {
      expect(one({ Grade: '' }).rejected).toMatchObject([
        { field: 'grade', code: 'REQUIRED' },
      ]);
      expect(one({ 'Candidate Surname': '' }).rejected).toMatchObject([
        { field: 'candidateSurname', code: 'REQUIRED' },
      ]);
    });

    it('accepts empty forenames, subject, level and series', () => {
      const parsed = one({
        'Candidate Forenames': '',
        Subject: '',
        Level: '',
        Series: '',
      });

      expect(parsed.rejected).toEqual([]);
      expect(parsed.rows[0]).toMatchObject({
        candidateForenames: '',
        subject: '',
        level: '',
        series: '',
      });
    });

    it('notes an exact repeat of an award once', () => {
      const parsed = parseResults(
        resultsCsv([result(), result({ Grade: '8' }), result()]),
      );

      expect(parsed.rows.map((r) => r.line)).toEqual([2, 3]);
      expect(parsed.duplicates).toEqual([{ line: 4, sameAs: 2 }]);
    });

    it('accepts the alternative header spellings', () => {
      const other: Partial<Record<string, string>> = {
        'Awarding Organisation': 'Awarding Body',
        QAN: 'Qualification Number',
        'Candidate Forenames': 'forenames',
      };
      const header = HEADER.map((h) => other[h] ?? h);
      const text = resultsCsv([result()]).replace(
        HEADER.join(','),
        header.join(','),
      );

      expect(parseResults(text).rows[0]).toMatchObject({
        awardingBody: 'AQA',
        qan: '601/4292/3',
        candidateForenames: 'Kwame',
      });
    });
  });
});

describe('parseResults on values too long or with hidden characters', () => {
  it('limits titles and subjects to 200 characters', () => {
    expect(one({ 'Qualification Title': 'T'.repeat(200) }).rows).toHaveLength(
      1,
    );
    expect(one({ Subject: 'T'.repeat(201) }).rejected).toMatchObject([
      { line: 2, field: 'subject', code: 'VALUE_TOO_LONG' },
    ]);
  });

  it('limits candidate names to 100 characters', () => {
    expect(
      one({ 'Candidate Surname': 'M'.repeat(101) }).rejected,
    ).toMatchObject([{ field: 'candidateSurname', code: 'VALUE_TOO_LONG' }]);
  });

  it('bounds every other column it keeps', () => {
    const long = '9'.repeat(1000);
    const columns = [
      ['Awarding Organisation', 'awardingBody'],
      ['Grade', 'grade'],
      ['Level', 'level'],
      ['Series', 'series'],
      ['QAN', 'qan'],
      ['Centre Number', 'centreNumber'],
    ] as const;

    for (const [column, field] of columns) {
      expect(one({ [column]: long }).rejected).toMatchObject([
        { field, code: 'VALUE_TOO_LONG' },
      ]);
    }
  });

  it('rejects hidden characters in any text that reaches a credential', () => {
    const columns = [
      ['Candidate Forenames', 'candidateForenames', 'INVALID_NAME'],
      ['Qualification Title', 'title', 'INVALID_TEXT'],
      ['Subject', 'subject', 'INVALID_TEXT'],
      ['Grade', 'grade', 'INVALID_TEXT'],
      ['Awarding Organisation', 'awardingBody', 'INVALID_TEXT'],
      ['Series', 'series', 'INVALID_TEXT'],
    ] as const;

    for (const [column, field, code] of columns) {
      expect(one({ [column]: 'A\u202eB' }).rejected).toMatchObject([
        { field, code },
      ]);
    }
  });
});
