import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeCsvBytes, FileError } from '../../../functions/imports/csv.js';
import { parseStaffCsv, roles } from '../../../functions/imports/staff-csv.js';

const sample = (path: string) =>
  decodeCsvBytes(
    readFileSync(new URL(`../../../samples/${path}`, import.meta.url)),
  );

const HEADER = 'Email,Given Name,Family Name,Roles,Data Issuer,Groups';

interface Person {
  email: string;
  given: string;
  family: string;
  roles: string;
  issuer: string;
  groups: string;
}

const person = (overrides: Partial<Person> = {}): Person => ({
  email: 'tutor@school.example.org',
  given: 'Ann',
  family: 'Archer',
  roles: 'form-tutor',
  issuer: 'yes',
  groups: '11A',
  ...overrides,
});

const quote = (v: string) => (/[",\n]/.test(v) ? `"${v}"` : v);

const staffCsv = (people: Person[], header = HEADER) =>
  [
    header,
    ...people.map((p) =>
      [p.email, p.given, p.family, p.roles, p.issuer, p.groups]
        .map(quote)
        .join(','),
    ),
  ].join('\r\n');

const one = (overrides: Partial<Person>) =>
  parseStaffCsv(staffCsv([person(overrides)]));

function fileErrorOf(fn: () => unknown): FileError {
  try {
    fn();
  } catch (error) {
    if (error instanceof FileError) return error;
    throw error;
  }
  throw new Error('expected a FileError');
}

describe('roles', () => {
  it('lists the five roles a centre can give', () => {
    expect(roles).toEqual([
      'centre-admin',
      'head-of-year',
      'form-tutor',
      'subject-staff',
      'exams-officer',
    ]);
  });
});

describe('parseStaffCsv', () => {
  it('reads the Oakfield staff file', () => {
    const result = parseStaffCsv(sample('oakfield/staff.csv'));

    expect(result.rows).toHaveLength(15);
    expect(result.rejected).toEqual([]);
    expect(result.rows.find((r) => r.line === 4)).toEqual({
      line: 4,
      email: 'hoy11@oakfield.example.org',
      givenName: 'Sarah',
      familyName: "O'Brien",
      roles: ['head-of-year'],
      dataIssuer: true,
      groups: ['11A', '11B', '11C', '11D', '11E', '11F'],
    });
    expect(result.rows[0]).toMatchObject({ dataIssuer: false, groups: [] });
  });

  it('reads the Riverside staff file', () => {
    const result = parseStaffCsv(sample('riverside/staff.csv'));

    expect(result.rows.map((r) => r.roles)).toEqual([
      ['centre-admin'],
      ['subject-staff'],
      ['exams-officer'],
    ]);
    expect(result.rejected).toEqual([]);
  });

  it('stores e-mail addresses trimmed and lower-cased', () => {
    const row = one({ email: ' Ann.Archer@School.Example.ORG ' }).rows[0];
    expect(row?.email).toBe('ann.archer@school.example.org');
  });

  it('rejects an address that is not an address', () => {
    const [rejection] = one({ email: 'ann.archer at school' }).rejected;

    expect(rejection).toMatchObject({
      line: 2,
      field: 'email',
      code: 'INVALID_EMAIL',
    });
    expect(rejection?.message).not.toContain('archer');
  });

  it('rejects a missing e-mail address as REQUIRED', () => {
    expect(one({ email: '' }).rejected).toMatchObject([
      { field: 'email', code: 'REQUIRED' },
    ]);
  });

  it('reads several roles separated by semicolons, in any case', () => {
    const row = one({ roles: 'Centre-Admin; exams-officer;;FORM-TUTOR;' })
      .rows[0];
    expect(row?.roles).toEqual(['centre-admin', 'exams-officer', 'form-tutor']);
  });

  it('lists a role named twice once', () => {
    expect(one({ roles: 'form-tutor;form-tutor' }).rows[0]?.roles).toEqual([
      'form-tutor',
    ]);
  });

  it('rejects a role it does not know, naming the known ones', () => {
    const [rejection] = one({ roles: 'form-tutor;headteacher' }).rejected;

    expect(rejection).toMatchObject({ field: 'roles', code: 'INVALID_ROLE' });
    expect(rejection?.message).toContain('centre-admin');
    expect(rejection?.message).not.toContain('headteacher');
  });

  it('rejects a row with no roles as REQUIRED', () => {
    for (const roles of ['', ' ; ; ']) {
      expect(one({ roles }).rejected, roles).toMatchObject([
        { field: 'roles', code: 'REQUIRED' },
      ]);
    }
  });

  it('reads the data issuer answer as yes or no in several spellings', () => {
    const answers = ['yes', 'Y', 'TRUE', ' True ', 'no', 'n', 'False', 'NO'];
    expect(
      answers.map((issuer) => one({ issuer }).rows[0]?.dataIssuer),
    ).toEqual([true, true, true, true, false, false, false, false]);
  });

  it('rejects any other data issuer answer', () => {
    for (const issuer of ['maybe', '1', '0', 'yes please']) {
      expect(one({ issuer }).rejected, issuer).toMatchObject([
        { field: 'dataIssuer', code: 'INVALID_DATA_ISSUER' },
      ]);
    }
  });

  it('rejects an empty data issuer answer as REQUIRED', () => {
    expect(one({ issuer: '' }).rejected).toMatchObject([
      { field: 'dataIssuer', code: 'REQUIRED' },
    ]);
  });

  it('reads groups trimmed, without empty parts, and NFC-composed', () => {
    const row = one({ groups: ' 11A ; ;Maths Set 1;Franc\u0327ais;11A' })
      .rows[0];
    expect(row?.groups).toEqual(['11A', 'Maths Set 1', 'Fran\u00e7ais']);
  });

  it('rejects missing names as REQUIRED', () => {
    expect(one({ given: '' }).rejected).toMatchObject([
      { field: 'givenName', code: 'REQUIRED' },
    ]);
    expect(one({ family: ' ' }).rejected).toMatchObject([
      { field: 'familyName', code: 'REQUIRED' },
    ]);
  });

  it('rejects the same address twice, keeping the first row', () => {
    const people = [
      person({ roles: 'form-tutor' }),
      person({ email: 'other@school.example.org' }),
      person({ email: 'TUTOR@school.example.org ', roles: 'centre-admin' }),
    ];

    const result = parseStaffCsv(staffCsv(people));

    expect(result.rows.map((r) => r.line)).toEqual([2, 3]);
    expect(result.rows[0]?.roles).toEqual(['form-tutor']);
    expect(result.rejected).toMatchObject([
      { line: 4, field: 'email', code: 'DUPLICATE_EMAIL' },
    ]);
  });

  it('accepts other header spellings and no Groups column', () => {
    const text =
      'E-mail Address, first name ,SURNAME,Role,data issuer\n' +
      'a@b.example,Ann,Archer,subject-staff,no\n';

    const result = parseStaffCsv(text);

    expect(result.rows).toEqual([
      {
        line: 2,
        email: 'a@b.example',
        givenName: 'Ann',
        familyName: 'Archer',
        roles: ['subject-staff'],
        dataIssuer: false,
        groups: [],
      },
    ]);
  });

  it('throws MISSING_COLUMN without a Data Issuer column', () => {
    const error = fileErrorOf(() =>
      parseStaffCsv('Email,Given Name,Family Name,Roles\na@b.example,A,B,x\n'),
    );

    expect(error.code).toBe('MISSING_COLUMN');
    expect(error.field).toBe('dataIssuer');
  });
});

describe('parseStaffCsv on values too long or with hidden characters', () => {
  it('limits names to 100 characters, as the staff route does', () => {
    expect(one({ given: 'A'.repeat(100) }).rows).toHaveLength(1);
    expect(one({ family: 'A'.repeat(101) }).rejected).toMatchObject([
      { line: 2, field: 'familyName', code: 'VALUE_TOO_LONG' },
    ]);
  });

  it('rejects a group name longer than a group may have', () => {
    const result = one({ groups: `11A;${'G'.repeat(101)}` });

    expect(result.rows).toEqual([]);
    expect(result.rejected).toMatchObject([
      { line: 2, field: 'groups', code: 'VALUE_TOO_LONG' },
    ]);
    expect(result.rejected[0]?.message).not.toContain('GGG');
  });

  it('rejects an address longer than 254 characters as too long', () => {
    const email = `${'a'.repeat(250)}@b.example`;

    expect(one({ email }).rejected).toMatchObject([
      { field: 'email', code: 'VALUE_TOO_LONG' },
    ]);
  });

  it('keeps the good rows of a file with one oversized row', () => {
    const people = [
      person({ email: 'a@school.example.org' }),
      person({ email: 'b@school.example.org', given: 'B'.repeat(300_000) }),
      person({ email: 'c@school.example.org' }),
    ];

    const result = parseStaffCsv(staffCsv(people));

    expect(result.rows.map((r) => r.line)).toEqual([2, 4]);
    expect(result.rejected).toMatchObject([
      { line: 3, field: 'givenName', code: 'VALUE_TOO_LONG' },
    ]);
  });

  it('rejects text-direction overrides in names, groups and addresses', () => {
    expect(one({ given: 'An\u202en' }).rejected).toMatchObject([
      { field: 'givenName', code: 'INVALID_NAME' },
    ]);
    expect(one({ groups: '11\u2067A' }).rejected).toMatchObject([
      { field: 'groups', code: 'INVALID_GROUP' },
    ]);
    expect(one({ email: 'a\u202e@b.example' }).rejected).toMatchObject([
      { field: 'email', code: 'INVALID_EMAIL' },
    ]);
  });
});
