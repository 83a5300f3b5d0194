import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeCsvBytes, FileError } from '../../../functions/imports/csv.js';
import { parseRoster } from '../../../functions/imports/roster.js';
import { parseSubjectSets } from '../../../functions/imports/subject-sets.js';

const sample = (path: string) =>
  decodeCsvBytes(
    readFileSync(new URL(`../../../samples/${path}`, import.meta.url)),
  );

// Valid UPNs from the Oakfield sample roster.
const UPN_A = 'N330432113001';
const UPN_B = 'C330432113002';

const setsCsv = (rows: [string, string, string][]) =>
  ['Group,Kind,UPN', ...rows.map((r) => r.join(','))].join('\n');

describe('parseSubjectSets', () => {
  it('reads the Oakfield subject sets, every UPN a rostered student', () => {
    const roster = parseRoster(sample('oakfield/roster.csv'));
    const upns = new Set(roster.rows.map((r) => r.upn));

    const result = parseSubjectSets(sample('oakfield/subject-sets.csv'));

    expect(result.rows).toHaveLength(105);
    expect(result.rejected).toEqual([]);
    expect(result.duplicates).toEqual([]);
    expect(result.rows[0]).toEqual({
      line: 2,
      group: 'Maths Set 1',
      kind: 'subject',
      upn: UPN_A,
    });
    const inGroup = (g: string) => result.rows.filter((r) => r.group === g);
    expect(inGroup('Maths Set 1')).toHaveLength(60);
    expect(inGroup('Science Set 2')).toHaveLength(45);
    expect(result.rows.every((r) => upns.has(r.upn))).toBe(true);
  });

  it('reads the kind in any case and the UPN upper-cased', () => {
    const result = parseSubjectSets(
      setsCsv([[' 11A ', 'Form', UPN_A.toLowerCase()]]),
    );

    expect(result.rows).toEqual([
      { line: 2, group: '11A', kind: 'form', upn: UPN_A },
    ]);
  });

  it('rejects a kind other than form, year or subject', () => {
    const [rejection] = parseSubjectSets(
      setsCsv([['Maths', 'class', UPN_A]]),
    ).rejected;

    expect(rejection).toMatchObject({
      line: 2,
      field: 'kind',
      code: 'INVALID_KIND',
    });
    expect(rejection?.message).toContain('form, year, subject');
  });

  it('rejects an invalid UPN without quoting it', () => {
    const wrong = `A${UPN_A.slice(1)}`;

    const [rejection] = parseSubjectSets(
      setsCsv([['Maths', 'subject', wrong]]),
    ).rejected;

    expect(rejection).toMatchObject({ field: 'upn', code: 'INVALID_UPN' });
    expect(rejection?.message).not.toContain(wrong);
  });

  it('rejects missing cells as REQUIRED, in column order', () => {
    const result = parseSubjectSets(
      setsCsv([
        ['', 'subject', UPN_A],
        ['Maths', '', ''],
        ['Maths', 'subject', ''],
      ]),
    );

    expect(result.rejected.map((r) => [r.line, r.field, r.code])).toEqual([
      [2, 'group', 'REQUIRED'],
      [3, 'kind', 'REQUIRED'],
      [4, 'upn', 'REQUIRED'],
    ]);
  });

  it('notes a membership listed twice once', () => {
    const result = parseSubjectSets(
      setsCsv([
        ['Maths', 'subject', UPN_A],
        ['Maths', 'subject', UPN_B],
        ['Maths', 'subject', UPN_A.toLowerCase()],
      ]),
    );

    expect(result.rows.map((r) => r.line)).toEqual([2, 3]);
    expect(result.duplicates).toEqual([{ line: 4, sameAs: 2 }]);
  });

  it('rejects a group given a second kind, keeping the first', () => {
    const result = parseSubjectSets(
      setsCsv([
        ['11A', 'form', UPN_A],
        ['11A', 'subject', UPN_B],
      ]),
    );

    expect(result.rows).toHaveLength(1);
    expect(result.rejected).toMatchObject([
      { line: 3, field: 'kind', code: 'CONFLICTING_KIND' },
    ]);
  });

  it('throws MISSING_COLUMN without a UPN column', () => {
    let error: unknown;
    try {
      parseSubjectSets('Group,Kind\nMaths,subject\n');
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(FileError);
    expect(error).toMatchObject({ code: 'MISSING_COLUMN', field: 'upn' });
  });
});

describe('parseSubjectSets on long values or hidden characters', () => {
  it('rejects a group name over 100 characters and keeps other rows', () => {
    const result = parseSubjectSets(
      setsCsv([
        ['M'.repeat(101), 'subject', UPN_A],
        ['M'.repeat(100), 'subject', UPN_B],
      ]),
    );

    expect(result.rows.map((r) => r.line)).toEqual([3]);
    expect(result.rejected).toMatchObject([
      { line: 2, field: 'group', code: 'VALUE_TOO_LONG' },
    ]);
  });

  it('rejects a group name holding a text-direction isolate', () => {
    const result = parseSubjectSets(
      setsCsv([['Maths\u2066 Set 1', 'subject', UPN_A]]),
    );

    expect(result.rejected).toMatchObject([
      { line: 2, field: 'group', code: 'INVALID_GROUP' },
    ]);
  });
});
