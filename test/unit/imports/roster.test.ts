import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  decodeCsvBytes,
  FileError,
  parseCsv,
} from '../../../functions/imports/csv.js';
import {
  uciCheckLetter,
  ulnCheckDigit,
  upnCheckLetter,
} from '../../../functions/imports/identifiers.js';
import { parseRoster } from '../../../functions/imports/roster.js';

const sampleBytes = (path: string) =>
  readFileSync(new URL(`../../../samples/${path}`, import.meta.url));
const sample = (path: string) => decodeCsvBytes(sampleBytes(path));

const HEADER = [
  'Adno',
  'UPN',
  'ULN',
  'UCI',
  'Legal Surname',
  'Legal Forename',
  'Preferred Forename',
  'Gender',
  'DOB',
  'Year',
  'Reg',
] as const;

type Student = Record<(typeof HEADER)[number], string>;

/** A valid student; `n` keeps identifiers distinct between students. */
function student(n: number, overrides: Partial<Student> = {}): Student {
  const upnRest = `3304321${String(n).padStart(5, '0')}`;
  const ulnStem = String(100000000 + n * 7).slice(0, 9);
  const uciStem = `4711302${String(n).padStart(5, '0')}`;

  return {
    Adno: String(5000 + n),
    UPN: `${upnCheckLetter(upnRest)}${upnRest}`,
    ULN: validUln(ulnStem),
    UCI: `${uciStem}${uciCheckLetter(uciStem)}`,
    'Legal Surname': `Surname${n}`,
    'Legal Forename': `Forename${n}`,
    'Preferred Forename': '',
    Gender: 'F',
    DOB: '01/09/2010',
    Year: '11',
    Reg: '11A',
    ...overrides,
  };
}

/** The ULN for the first stem at or after `stem` that has a check digit. */
function validUln(stem: string): string {
  let n = Number(stem);
  for (;;) {
    const digit = ulnCheckDigit(String(n));
    if (digit !== undefined) return `${n}${digit}`;
    n++;
  }
}

const csvCell = (value: string) =>
  /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;

function rosterCsv(
  students: Student[],
  {
    header = HEADER,
    eol = '\n',
  }: { header?: readonly string[]; eol?: string } = {},
): string {
  const lines = [header.map(csvCell).join(',')];
  for (const s of students) {
    lines.push(HEADER.map((h) => csvCell(s[h] ?? '')).join(','));
  }

  return lines.join(eol) + eol;
}

function fileErrorOf(fn: () => unknown): FileError {
  try {
    fn();
  } catch (error) {
    if (error instanceof FileError) return error;
    throw error;
  }
  throw new Error('expected a FileError');
}

describe('parseRoster', () => {
  describe('on the Oakfield sample', () => {
    const text = sample('oakfield/roster.csv');
    const result = parseRoster(text);
    const rowAt = (line: number) => result.rows.find((r) => r.line === line);

    it('accepts 220 students', () => {
      expect(result.rows).toHaveLength(220);
      expect(result.rows.filter((r) => r.year === '11')).toHaveLength(180);
      expect(result.rows.filter((r) => r.year === '13')).toHaveLength(40);
    });

    it('rejects the seven planted rows, each for its own reason', () => {
      expect(
        result.rejected.map(({ line, field, code }) => ({ line, field, code })),
      ).toEqual([
        { line: 26, field: 'upn', code: 'INVALID_UPN' },
        { line: 62, field: 'upn', code: 'INVALID_UPN' },
        { line: 92, field: 'upn', code: 'REQUIRED' },
        { line: 122, field: 'uln', code: 'INVALID_ULN' },
        { line: 152, field: 'dateOfBirth', code: 'INVALID_DATE' },
        { line: 172, field: 'dateOfBirth', code: 'DATE_AS_NUMBER' },
        { line: 202, field: 'legalSurname', code: 'REQUIRED' },
      ]);
    });

    it('tells a wrong check letter from a letter the UPN never uses', () => {
      const [wrongCheck, letterS] = result.rejected;
      expect(wrongCheck?.message).toContain('check letter');
      expect(letterS?.message).toContain('I, O and S');
    });

    it('keeps every rejected value out of the messages', () => {
      const { rows } = parseCsv(text);
      for (const rejection of result.rejected) {
        const cells = rows.find((r) => r.line === rejection.line)?.cells;
        const values = (cells ?? []).filter((c) => c.length >= 3);
        expect(values.length).toBeGreaterThan(0);
        for (const value of values) {
          expect(rejection.message).not.toContain(value);
        }
      }
    });

    it('notes line 31 as the same student as line 6', () => {
      expect(result.duplicates).toEqual([{ line: 31, sameAs: 6 }]);
      expect(rowAt(31)).toBeUndefined();
      expect(rowAt(6)?.upn).toBe('F330432114005');
    });

    it('reads a whole row into our fields', () => {
      expect(rowAt(2)).toEqual({
        line: 2,
        adno: '5001',
        upn: 'N330432113001',
        uln: '6013519241',
        uci: '471130220001D',
        legalSurname: 'Müller',
        legalForename: 'Kwame',
        gender: 'M',
        dateOfBirth: '2009-10-30',
        year: '11',
        form: '11A',
      });
    });

    it('keeps both twins and both students named Muhammad Ali', () => {
      const lines = [12, 13, 44, 101];
      expect(lines.map((l) => rowAt(l)?.legalSurname)).toEqual([
        'Okafor',
        'Okafor',
        'Ali',
        'Ali',
      ]);
    });

    it('reads the student with no ULN yet as having none', () => {
      const noUln = result.rows.filter((r) => r.uln === undefined);
      expect(noUln.map((r) => r.line)).toEqual([158]);
      expect(rowAt(158)).not.toHaveProperty('uln');
    });

    it('keeps the two preferred forenames and omits the empty ones', () => {
      const preferred = result.rows.filter((r) => 'preferredForename' in r);
      expect(preferred).toHaveLength(2);
    });

    it('keeps accents, apostrophes, hyphens and spaces in names', () => {
      const names = result.rows.map((r) => r.legalSurname + r.legalForename);
      expect(names.some((n) => /[À-ɏḀ-ỿ]/u.test(n))).toBe(true);
      expect(names.some((n) => n.includes("'"))).toBe(true);
      expect(names.some((n) => n.includes('-'))).toBe(true);
      expect(names.some((n) => n.includes(' '))).toBe(true);
      expect(rowAt(229)?.legalForename).toBe('Ruairí');
    });

    it('gives every student a distinct UPN, ULN and UCI', () => {
      const distinct = (key: 'upn' | 'uln' | 'uci') =>
        new Set(result.rows.map((r) => r[key]).filter(Boolean)).size;
      expect(distinct('upn')).toBe(220);
      expect(distinct('uln')).toBe(219);
      expect(distinct('uci')).toBe(220);
    });
  });

  describe('on the Riverside sample', () => {
    it('accepts all 18 students from a file with Unix line endings', () => {
      const text = sample('riverside/roster.csv');
      expect(text).not.toContain('\r');

      const result = parseRoster(text);

      expect(result.rows).toHaveLength(18);
      expect(result.rejected).toEqual([]);
      expect(result.duplicates).toEqual([]);
      expect(result.rows[2]?.legalSurname).toBe('Van der Berg');
      expect(result.rows[2]?.legalForename).toBe('Anaïs');
    });
  });

  describe('on the Oakfield update', () => {
    const before = parseRoster(sample('oakfield/roster.csv')).rows;
    const after = parseRoster(sample('oakfield/roster-update.csv'));

    it('parses cleanly', () => {
      expect(after.rows).toHaveLength(220);
      expect(after.rejected).toEqual([]);
      expect(after.duplicates).toEqual([]);
    });

    it('shows one move, one new surname, one joiner and one leaver', () => {
      const strip = ({ line: _, ...rest }: { line: number }) => rest;
      const old = new Map(before.map((r) => [r.upn, r]));
      const now = new Map(after.rows.map((r) => [r.upn, r]));
      const joined = after.rows.filter((r) => !old.has(r.upn));
      const left = before.filter((r) => !now.has(r.upn));
      const changed = after.rows.filter((r) => {
        const was = old.get(r.upn);
        return was && JSON.stringify(strip(was)) !== JSON.stringify(strip(r));
      });

      expect(joined).toHaveLength(1);
      expect(joined[0]?.uci?.slice(0, 5)).toBe('47011');
      expect(left).toHaveLength(1);
      expect(changed).toHaveLength(2);
      const changes = changed.map((r) => {
        const was = old.get(r.upn);
        return {
          form: was?.form !== r.form,
          surname: was?.legalSurname !== r.legalSurname,
        };
      });
      expect(changes).toContainEqual({ form: true, surname: false });
      expect(changes).toContainEqual({ form: false, surname: true });
    });
  });

  describe('reading the file', () => {
    it('reads a file with a byte-order mark and CRLF endings', () => {
      const csv = rosterCsv([student(1), student(2)], { eol: '\r\n' });
      const text = `\uFEFF${csv}`;

      const result = parseRoster(text);

      expect(result.rows.map((r) => r.line)).toEqual([2, 3]);
      expect(result.rows[1]?.form).toBe('11A');
    });

    it('reads quoted names holding commas and quotes', () => {
      const text = rosterCsv([
        student(1, {
          'Legal Surname': 'Smith, Jones',
          'Legal Forename': 'Anne "Annie"',
        }),
      ]);
      expect(text).toContain('"Smith, Jones"');

      const [row] = parseRoster(text).rows;

      expect(row?.legalSurname).toBe('Smith, Jones');
      expect(row?.legalForename).toBe('Anne "Annie"');
    });

    it('counts blank lines in the line numbers it reports', () => {
      const [header, first, second] = rosterCsv([
        student(1),
        student(2, { DOB: '31/02/2010' }),
      ]).split('\n');
      const text = [header, '', first, '', '', second, ''].join('\n');

      const result = parseRoster(text);

      expect(result.rows.map((r) => r.line)).toEqual([3]);
      expect(result.rejected.map((r) => r.line)).toEqual([6]);
    });

    it('refuses a file saved as Windows-1252 before parsing it', () => {
      const latin1 = Uint8Array.from(
        rosterCsv([student(1, { 'Legal Surname': 'Mller' })]).replace(
          'Mller',
          'M\u00fcller',
        ),
        (ch) => ch.charCodeAt(0),
      );

      const error = fileErrorOf(() => parseRoster(decodeCsvBytes(latin1)));

      expect(error.code).toBe('FILE_NOT_UTF8');
    });

    it('accepts the other header spellings in any case', () => {
      const header = [
        'admission number',
        ' Unique Pupil Number ',
        'UNIQUE LEARNER NUMBER',
        'Unique Candidate Identifier',
        'Legal last name',
        'Legal first name',
        'Preferred first name',
        'Sex',
        'Date of Birth',
        'NC Year',
        'Registration Group',
      ];
      const s = student(1, { 'Preferred Forename': 'Kit' });

      const [row] = parseRoster(rosterCsv([s], { header })).rows;

      expect(row).toEqual({
        line: 2,
        adno: s.Adno,
        upn: s.UPN,
        uln: s.ULN,
        uci: s.UCI,
        legalSurname: s['Legal Surname'],
        legalForename: s['Legal Forename'],
        preferredForename: 'Kit',
        gender: 'F',
        dateOfBirth: '2010-09-01',
        year: '11',
        form: '11A',
      });
    });

    it('accepts the short spellings such as Surname and Form', () => {
      const short: Partial<Record<string, string>> = {
        'Legal Surname': 'Surname',
        'Legal Forename': 'Forename',
        Year: 'Year Group',
        Reg: 'Form',
      };
      const header = HEADER.map((h) => short[h] ?? h);

      const { rows } = parseRoster(rosterCsv([student(1)], { header }));

      expect(rows[0]?.legalSurname).toBe('Surname1');
      expect(rows[0]?.form).toBe('11A');
    });

    it('ignores columns it does not know', () => {
      const header = [...HEADER, 'House', 'Notes'];
      const text = rosterCsv([student(1)], { header }).replace(
        '11A\n',
        '11A,Blue,anything\n',
      );

      const result = parseRoster(text);

      expect(result.rows).toHaveLength(1);
      expect(result.rejected).toEqual([]);
    });

    it('needs only the required columns', () => {
      const text =
        'UPN,Surname,Forename,DOB,Year\n' +
        `${student(1).UPN},Ng,Li,2010-09-01,9\n`;

      expect(parseRoster(text).rows).toEqual([
        {
          line: 2,
          upn: student(1).UPN,
          legalSurname: 'Ng',
          legalForename: 'Li',
          dateOfBirth: '2010-09-01',
          year: '9',
        },
      ]);
    });

    it('throws MISSING_COLUMN naming the field of a missing column', () => {
      const header = HEADER.filter((h) => h !== 'DOB');

      const error = fileErrorOf(() =>
        parseRoster(rosterCsv([student(1)], { header })),
      );

      expect(error.code).toBe('MISSING_COLUMN');
      expect(error.field).toBe('dateOfBirth');
      expect(error.message).toContain('"DOB" or "Date of Birth"');
    });

    it('throws EMPTY_FILE for headings with no students', () => {
      expect(fileErrorOf(() => parseRoster(rosterCsv([]))).code).toBe(
        'EMPTY_FILE',
      );
    });

    it('rejects a row with more values than headings', () => {
      const text = rosterCsv([student(1)]).replace('11A\n', '11A,extra\n');

      const result = parseRoster(text);

      expect(result.rows).toEqual([]);
      expect(result.rejected).toMatchObject([
        { line: 2, field: 'row', code: 'EXTRA_VALUES' },
      ]);
    });

    it('reads cells missing from the end of a short row as empty', () => {
      const text = rosterCsv([student(1)]).replace(',11A\n', '\n');

      const result = parseRoster(text);

      expect(result.rejected).toEqual([]);
      expect(result.rows[0]).not.toHaveProperty('form');
    });
  });

  describe('checking identifiers', () => {
    const one = (overrides: Partial<Student>) =>
      parseRoster(rosterCsv([student(1, overrides)]));

    it('stores a UPN upper-cased and trimmed', () => {
      const upn = student(1).UPN;
      expect(one({ UPN: ` ${upn.toLowerCase()} ` }).rows[0]?.upn).toBe(upn);
    });

    it('rejects a UPN whose check letter is wrong', () => {
      const upn = student(1).UPN;
      const wrong = `${upn[0] === 'A' ? 'B' : 'A'}${upn.slice(1)}`;

      const result = one({ UPN: wrong });

      expect(result.rows).toEqual([]);
      expect(result.rejected).toEqual([
        {
          line: 2,
          field: 'upn',
          code: 'INVALID_UPN',
          message:
            "The UPN's check letter does not match the rest of the UPN. " +
            'Correct it in the MIS and export again.',
        },
      ]);
    });

    it('reads the no-ULN placeholder and an empty ULN as no ULN', () => {
      expect(one({ ULN: '9999999999' }).rows[0]).not.toHaveProperty('uln');
      expect(one({ ULN: '' }).rows[0]).not.toHaveProperty('uln');
    });

    it('rejects a ULN whose check digit is wrong', () => {
      const uln = student(1).ULN;
      const wrong = `${uln.slice(0, 9)}${(Number(uln[9]) + 1) % 10}`;

      expect(one({ ULN: wrong }).rejected).toMatchObject([
        { field: 'uln', code: 'INVALID_ULN' },
      ]);
    });

    it('rejects a ULN that is not ten digits', () => {
      expect(one({ ULN: '6.01E+09' }).rejected).toMatchObject([
        { field: 'uln', code: 'INVALID_ULN' },
      ]);
    });

    it('rejects an invalid UCI and accepts a lower-case one', () => {
      const uci = student(1).UCI;
      expect(one({ UCI: `${uci.slice(0, 12)}I` }).rejected).toMatchObject([
        { field: 'uci', code: 'INVALID_UCI' },
      ]);
      expect(one({ UCI: uci.toLowerCase() }).rows[0]?.uci).toBe(uci);
    });

    it('reports only the first problem of a row with several', () => {
      const result = one({ UPN: 'X', DOB: '31/02/2010', Year: '99' });
      expect(result.rejected).toMatchObject([
        { field: 'upn', code: 'INVALID_UPN' },
      ]);
    });
  });

  describe('checking other fields', () => {
    const one = (overrides: Partial<Student>) =>
      parseRoster(rosterCsv([student(1, overrides)]));

    it('rejects a missing legal forename as REQUIRED', () => {
      const [rejection] = one({ 'Legal Forename': '  ' }).rejected;

      expect(rejection).toMatchObject({
        field: 'legalForename',
        code: 'REQUIRED',
      });
      expect(rejection?.message).toContain('legal forename');
    });

    it('rejects a name holding a control character', () => {
      expect(one({ 'Legal Surname': 'Smi\nth' }).rejected).toMatchObject([
        { field: 'legalSurname', code: 'INVALID_NAME' },
      ]);
    });

    it('composes names to NFC and keeps their case', () => {
      const row = one({ 'Legal Forename': ' ANAI\u0308S de la ' }).rows[0];
      expect(row?.legalForename).toBe('ANA\u00cfS de la');
    });

    it('keeps gender as given, trimmed', () => {
      expect(one({ Gender: ' X ' }).rows[0]?.gender).toBe('X');
      expect(one({ Gender: '' }).rows[0]).not.toHaveProperty('gender');
    });

    it('reads dates in either spelling and rejects a missing one', () => {
      expect(one({ DOB: '2010-09-01' }).rows[0]?.dateOfBirth).toBe(
        '2010-09-01',
      );
      expect(one({ DOB: '' }).rejected).toMatchObject([
        { field: 'dateOfBirth', code: 'REQUIRED' },
      ]);
    });

    it('rejects a date of birth given as an Excel serial number', () => {
      const [rejection] = one({ DOB: '40123' }).rejected;

      expect(rejection).toMatchObject({
        field: 'dateOfBirth',
        code: 'DATE_AS_NUMBER',
      });
      expect(rejection?.message).not.toContain('40123');
    });

    it('reads year groups written as 11, 09, Year 11 or Y11', () => {
      const years = ['11', '09', 'Year 11', 'y11', ' 14 ', '1'].map(
        (Year) => one({ Year }).rows[0]?.year,
      );
      expect(years).toEqual(['11', '9', '11', '11', '14', '1']);
    });

    it('rejects year groups outside 1 to 14', () => {
      for (const Year of ['0', '15', '11.5', 'R', 'Year', '11B', '-1']) {
        expect(one({ Year }).rejected, Year).toMatchObject([
          { field: 'year', code: 'INVALID_YEAR' },
        ]);
      }
    });

    it('rejects a missing year group as REQUIRED', () => {
      expect(one({ Year: '' }).rejected).toMatchObject([
        { field: 'year', code: 'REQUIRED' },
      ]);
    });

    it('leaves empty optional fields out of the row', () => {
      const row = one({ Adno: '', ULN: '', UCI: '', Gender: '', Reg: '' })
        .rows[0];
      expect(Object.keys(row ?? {}).sort()).toEqual([
        'dateOfBirth',
        'legalForename',
        'legalSurname',
        'line',
        'upn',
        'year',
      ]);
    });
  });

  describe('finding repeats', () => {
    it('notes an exact repeat once its values are normalised', () => {
      const s = student(1);
      const again = { ...s, UPN: s.UPN.toLowerCase(), DOB: '2010-09-01' };

      const result = parseRoster(rosterCsv([s, student(2), again]));

      expect(result.rows.map((r) => r.line)).toEqual([2, 3]);
      expect(result.duplicates).toEqual([{ line: 4, sameAs: 2 }]);
      expect(result.rejected).toEqual([]);
    });

    it('rejects the same UPN with other details, keeping the first', () => {
      const s = student(1);
      const other = { ...s, Reg: '11B' };

      const result = parseRoster(rosterCsv([s, other]));

      expect(result.rows.map((r) => r.form)).toEqual(['11A']);
      expect(result.duplicates).toEqual([]);
      expect(result.rejected).toMatchObject([
        { line: 3, field: 'upn', code: 'DUPLICATE_UPN' },
      ]);
    });

    it('rejects a second student with the same ULN', () => {
      const clash = student(2, { ULN: student(1).ULN });

      const result = parseRoster(rosterCsv([student(1), clash]));

      expect(result.rows).toHaveLength(1);
      expect(result.rejected).toMatchObject([
        { line: 3, field: 'uln', code: 'DUPLICATE_ULN' },
      ]);
    });

    it('rejects a second student with the same UCI', () => {
      const clash = student(2, { UCI: student(1).UCI });

      expect(
        parseRoster(rosterCsv([student(1), clash])).rejected,
      ).toMatchObject([{ line: 3, field: 'uci', code: 'DUPLICATE_UCI' }]);
    });

    it('lets two students share the no-ULN placeholder', () => {
      const students = [
        student(1, { ULN: '9999999999' }),
        student(2, { ULN: '9999999999' }),
      ];

      expect(parseRoster(rosterCsv(students)).rows).toHaveLength(2);
    });

    it('accepts a UPN whose earlier row was rejected', () => {
      const s = student(1);
      const students = [{ ...s, DOB: '40123' }, s];

      const result = parseRoster(rosterCsv(students));

      expect(result.rows.map((r) => r.line)).toEqual([3]);
      expect(result.rejected.map((r) => r.line)).toEqual([2]);
    });
  });

  it('parses a 2,000-student roster in well under 100 ms', () => {
    const students = Array.from({ length: 2000 }, (_, i) => student(i + 1));
    const text = rosterCsv(students, { eol: '\r\n' });
    parseRoster(text);

    const start = performance.now();
    const result = parseRoster(text);
    const elapsed = performance.now() - start;

    expect(result.rows).toHaveLength(2000);
    expect(elapsed).toBeLessThan(100);
  });
});

describe('parseRoster on values too long or with hidden characters', () => {
  it('rejects a 450 KB surname on its own row and imports the rest', () => {
    const huge = 'S'.repeat(450 * 1024);
    const students = Array.from({ length: 30 }, (_, i) =>
      student(i + 1, i === 24 ? { 'Legal Surname': huge } : {}),
    );

    const result = parseRoster(rosterCsv(students));

    expect(result.rows).toHaveLength(29);
    expect(result.rejected).toEqual([
      {
        line: 26,
        field: 'legalSurname',
        code: 'VALUE_TOO_LONG',
        message: expect.stringContaining('100 characters'),
      },
    ]);
    expect(result.rejected[0]?.message).not.toContain('SSSS');
  });

  it('keeps a name of 100 characters and rejects one of 101', () => {
    const at = (length: number) =>
      parseRoster(
        rosterCsv([student(1, { 'Legal Forename': 'é'.repeat(length) })]),
      );

    expect(at(100).rows).toHaveLength(1);
    expect(at(101).rejected).toMatchObject([
      { field: 'legalForename', code: 'VALUE_TOO_LONG' },
    ]);
  });

  it('bounds the fields that are not names too', () => {
    const long = 'x'.repeat(5000);

    for (const [column, field] of [
      ['Adno', 'adno'],
      ['Gender', 'gender'],
      ['Reg', 'form'],
      ['UPN', 'upn'],
      ['DOB', 'dateOfBirth'],
    ] as const) {
      const result = parseRoster(rosterCsv([student(1, { [column]: long })]));

      expect(result.rejected).toMatchObject([
        { line: 2, field, code: 'VALUE_TOO_LONG' },
      ]);
    }
  });

  it('rejects text-direction overrides and isolates in a name', () => {
    for (const mark of ['\u202a', '\u202e', '\u2066', '\u2069']) {
      const result = parseRoster(
        rosterCsv([student(1, { 'Legal Surname': `Smi${mark}th` })]),
      );

      expect(result.rejected).toMatchObject([
        { field: 'legalSurname', code: 'INVALID_NAME' },
      ]);
      expect(result.rejected[0]?.message).not.toContain('Smi');
    }
  });

  it('rejects control characters in the free-text fields it keeps', () => {
    const cases = [
      ['Adno', 'adno', 'INVALID_TEXT'],
      ['Gender', 'gender', 'INVALID_TEXT'],
      ['Reg', 'form', 'INVALID_GROUP'],
      ['Preferred Forename', 'preferredForename', 'INVALID_NAME'],
    ] as const;

    for (const [column, field, code] of cases) {
      for (const mark of ['\u0000', '\u0085', '\u202e']) {
        const result = parseRoster(
          rosterCsv([student(1, { [column]: `1${mark}1` })]),
        );

        expect(result.rejected).toMatchObject([{ field, code }]);
      }
    }
  });
});
