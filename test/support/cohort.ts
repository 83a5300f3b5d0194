import { randomInt } from 'node:crypto';
import { expect } from 'vitest';
import {
  ulnCheckDigit,
  upnCheckLetter,
} from '../../functions/imports/identifiers.js';
import { apiClient, studentIdsByUpn } from './api.js';
import { birthdates } from './issuing.js';
import type { LocalStackDescription } from './local-stack.js';
import {
  newCentre,
  newStaff,
  operatorToken,
  type StaffMember,
  type TestCentre,
} from './scenario.js';

/**
 * A synthetic cohort: a centre whose roster this module writes, with
 * identifiers no sample file has, so its results match only here.
 */
export interface Pupil {
  upn: string;
  uln: string;
  surname: string;
  forename: string;
  dateOfBirth: string;
  studentId: string;
}

export interface Cohort extends TestCentre {
  /** A head of year with the data issuer permission, assigned to Year 11. */
  issuer: StaffMember;
  pupils: Pupil[];
}

function newUln(): string {
  for (;;) {
    const stem = String(randomInt(100_000_000, 999_999_999));
    const check = ulnCheckDigit(stem);
    if (check !== undefined) return `${stem}${check}`;
  }
}

function newUpn(serial: number): string {
  const rest = `998${String(randomInt(1000, 9999))}${String(serial).padStart(5, '0')}`;
  return `${upnCheckLetter(rest)}${rest}`;
}

const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** A name of letters only, different for each serial. */
function nameFor(serial: number, prefix: string): string {
  let n = serial;
  let out = '';
  do {
    out = (letters[n % 26] ?? 'A') + out;
    n = Math.floor(n / 26);
  } while (n > 0);
  return `${prefix}${out.toLowerCase()}`;
}

const two = (n: number) => String(n).padStart(2, '0');

/** A date of birth in 2009 or 2010, different across neighbours. */
const birthdateFor = (i: number) =>
  `20${two(9 + (i % 2))}-${two(1 + (i % 12))}-${two(1 + (i % 28))}`;

export async function newCohort(
  stack: LocalStackDescription,
  size: number,
): Promise<Cohort> {
  const call = apiClient(stack.apiUrl);
  const centre = await newCentre(stack);
  const tag = randomInt(1e6).toString(36);
  const rows = Array.from({ length: size }, (_, i) => ({
    upn: newUpn(i),
    uln: newUln(),
    surname: nameFor(i, `Sur${tag}`),
    forename: nameFor(i, 'Given'),
    dateOfBirth: birthdateFor(i),
  }));
  const roster = [
    'UPN,ULN,Legal Surname,Legal Forename,DOB,Year,Reg',
    ...rows.map(
      (r) =>
        `${r.upn},${r.uln},${r.surname},${r.forename},${r.dateOfBirth},11,R1`,
    ),
  ].join('\r\n');
  const imported = await call(
    'POST',
    `/centres/${centre.urn}/students/import`,
    {
      token: centre.admin.token,
      csv: roster,
    },
  );
  expect(imported.status).toBe(200);
  expect(imported.body.created).toBe(size);

  const issuer = await newStaff(stack, call, centre.urn, centre.admin.token, {
    roles: ['head-of-year'],
    dataIssuer: true,
    label: 'hoy',
  });
  const groups = await call('GET', `/centres/${centre.urn}/groups?limit=200`, {
    token: centre.admin.token,
  });
  const year11 = groups.body.items.find(
    (g: { name: string }) => g.name === 'Year 11',
  ).groupId;
  await call(
    'PUT',
    `/centres/${centre.urn}/groups/${year11}/staff/${issuer.staffId}`,
    { token: centre.admin.token },
  );

  const ids = await studentIdsByUpn(call, centre.urn, centre.admin.token);

  const pupils = rows.map((r) => ({ ...r, studentId: ids.get(r.upn) ?? '' }));
  for (const p of pupils) birthdates.set(p.studentId, p.dateOfBirth);
  return { ...centre, issuer, pupils };
}

export interface Award {
  qan: string;
  title: string;
  subject: string;
  grade: string;
}

export const englishLanguage = (grade: string): Award => ({
  qan: '601/4292/3',
  title: 'GCSE (9-1) in English Language',
  subject: 'English Language',
  grade,
});

/** A results file for a cohort, one row per pupil and award. */
export function resultsCsv(
  cohort: Cohort,
  series: string,
  awards: (pupil: Pupil, index: number) => Award[],
): string {
  const header =
    'ULN,UCI,Candidate Surname,Candidate Forenames,DOB,Centre Number,' +
    'Awarding Organisation,QAN,Qualification Title,Subject,Level,Grade,' +
    'Award Date,Series';
  const lines = cohort.pupils.flatMap((p, i) =>
    awards(p, i).map(
      (a) =>
        `${p.uln},,${p.surname},${p.forename},${p.dateOfBirth},` +
        `${cohort.centreNumber},AQA,${a.qan},${a.title},${a.subject},2,` +
        `${a.grade},2026-08-20,${series}`,
    ),
  );
  return [header, ...lines].join('\n');
}

/** A series of this test run's own, so no other test meets its embargo. */
export async function newSeries(
  stack: LocalStackDescription,
  releaseAt: Date,
): Promise<{ seriesId: string; name: string; releaseAt: string }> {
  const call = apiClient(stack.apiUrl);
  const tag = `${Date.now().toString(36)}${randomInt(1e6).toString(36)}`;
  const series = {
    seriesId: `rd-${tag}`,
    name: `Results day ${tag}`,
    releaseAt: releaseAt.toISOString(),
  };
  const put = await call('PUT', `/series/${series.seriesId}`, {
    token: await operatorToken(stack),
    json: { name: series.name, releaseAt: series.releaseAt },
  });
  expect(put.status).toBeLessThan(300);
  return series;
}

export async function importSeriesResults(
  stack: LocalStackDescription,
  seriesId: string,
  csv: string,
) {
  const call = apiClient(stack.apiUrl);
  const out = await call('POST', `/results/import?series=${seriesId}`, {
    token: await operatorToken(stack),
    csv,
  });
  expect(out.status).toBe(200);
  return out.body;
}
