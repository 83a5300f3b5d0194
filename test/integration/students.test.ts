import { beforeAll, describe, expect, it } from 'vitest';
import { apiClient, sampleFile } from '../support/api.js';
import { useLocalStack } from '../support/local-stack.js';
import {
  newCentre,
  newStaff,
  type StaffMember,
  type TestCentre,
} from '../support/scenario.js';

const stack = useLocalStack();
const call = apiClient(stack.apiUrl);

interface Item {
  studentId: string;
  upn: string;
  legalSurname: string;
  legalForename: string;
  form?: string;
  year: string;
  latestOffer: unknown;
}

async function wholeList(token: string, urn: string, query = '') {
  const items: Item[] = [];
  let cursor: string | null = null;
  do {
    const suffix: string = cursor ? `&cursor=${cursor}` : '';
    const page = await call(
      'GET',
      `/centres/${urn}/students?limit=200${query}${suffix}`,
      {
        token,
      },
    );
    expect(page.status).toBe(200);
    items.push(...page.body.items);
    cursor = page.body.cursor;
  } while (cursor);
  return items;
}

describe('roster import', () => {
  let centre: TestCentre;
  let first: { status: number; body: Record<string, unknown> };

  beforeAll(async () => {
    centre = await newCentre(stack);
    first = await call('POST', `/centres/${centre.urn}/students/import`, {
      token: centre.admin.token,
      csv: sampleFile('oakfield', 'roster.csv'),
    });
  });

  it('imports the sample roster: 220 students, 7 rejected, 1 duplicate', () => {
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      created: 220,
      updated: 0,
      unchanged: 0,
      duplicates: [{ line: 31, sameAs: 6 }],
      absent: [],
      left: [],
    });
    const rejected = first.body.rejected as {
      line: number;
      field: string;
      code: string;
    }[];
    expect(rejected.map((r) => r.line)).toEqual([
      26, 62, 92, 122, 152, 172, 202,
    ]);
    for (const r of rejected) {
      expect(r.code).toMatch(/^[A-Z_]+$/);
      expect(r.field).toBeTruthy();
    }
  });

  it('changes nothing when the same file comes again', async () => {
    const again = await call('POST', `/centres/${centre.urn}/students/import`, {
      token: centre.admin.token,
      csv: sampleFile('oakfield', 'roster.csv'),
    });

    expect(again.body).toMatchObject({
      created: 0,
      updated: 0,
      unchanged: 220,
    });
  });

  it('keeps form and year groups in step with the file', async () => {
    const groups = await call(
      'GET',
      `/centres/${centre.urn}/groups?limit=200`,
      {
        token: centre.admin.token,
      },
    );
    const names = groups.body.items.map(
      (g: { kind: string; name: string }) => `${g.kind}:${g.name}`,
    );

    expect(names).toEqual(
      expect.arrayContaining([
        'form:11A',
        'form:11F',
        'form:13X',
        'year:Year 11',
        'year:Year 13',
      ]),
    );
  });

  it('updates, creates and reports absent students from a later export', async () => {
    const before = await wholeList(centre.admin.token, centre.urn);
    const update = await call(
      'POST',
      `/centres/${centre.urn}/students/import`,
      {
        token: centre.admin.token,
        csv: sampleFile('oakfield', 'roster-update.csv'),
      },
    );

    expect(update.status).toBe(200);
    expect(update.body).toMatchObject({
      created: 1,
      updated: 2,
      unchanged: 217,
      left: [],
    });
    expect(update.body.absent).toHaveLength(1);
    const after = await wholeList(centre.admin.token, centre.urn);
    expect(after).toHaveLength(before.length + 1);
    const moved = after.filter((s) => {
      const old = before.find((b) => b.studentId === s.studentId);
      return old && old.form !== s.form;
    });
    expect(moved).toHaveLength(1);
  });

  it('marks absent students as left only for a full-roll import', async () => {
    const full = await call(
      'POST',
      `/centres/${centre.urn}/students/import?roll=full`,
      {
        token: centre.admin.token,
        csv: sampleFile('oakfield', 'roster-update.csv'),
      },
    );
    const list = await wholeList(centre.admin.token, centre.urn);
    const centreNow = await call('GET', `/centres/${centre.urn}`, {
      token: centre.admin.token,
    });

    expect(full.body.left).toHaveLength(1);
    expect(full.body.left).toEqual(full.body.absent);
    expect(list.map((s) => s.studentId)).not.toContain(full.body.left[0]);
    expect(list).toHaveLength(220);
    expect(centreNow.body.onRoll).toBe(220);
  });

  it('refuses Windows-1252 bytes for the whole file, saying so', async () => {
    const latin1 = Buffer.from(
      'UPN,Legal Surname,Legal Forename,DOB,Year\r\n' +
        'N330432113001,Mart\xednez,Jos\xe9,30/10/2009,11\r\n',
      'latin1',
    );

    const out = await call('POST', `/centres/${centre.urn}/students/import`, {
      token: centre.admin.token,
      csv: latin1,
    });

    expect(out.status).toBe(400);
    expect(out.body.error.code).toBe('FILE_NOT_UTF8');
    expect(out.body.error.message).toMatch(/UTF-8/);
  });

  it('refuses a file without a required column, naming it', async () => {
    const out = await call('POST', `/centres/${centre.urn}/students/import`, {
      token: centre.admin.token,
      csv: 'UPN,Legal Surname,DOB,Year\nN330432113001,Ali,30/10/2009,11\n',
    });

    expect(out.status).toBe(400);
    expect(out.body.error).toMatchObject({
      code: 'MISSING_COLUMN',
      field: 'legalForename',
    });
  });

  it('lets only centre admins and heads of year import a roster', async () => {
    const tutor = await newStaff(stack, call, centre.urn, centre.admin.token, {
      roles: ['form-tutor'],
    });

    const out = await call('POST', `/centres/${centre.urn}/students/import`, {
      token: tutor.token,
      csv: sampleFile('oakfield', 'roster.csv'),
    });

    expect(out.status).toBe(403);
  });
});

describe('student lists', () => {
  let centre: TestCentre;
  let tutor: StaffMember;
  let form11b: string;

  beforeAll(async () => {
    centre = await newCentre(stack);
    await call('POST', `/centres/${centre.urn}/students/import`, {
      token: centre.admin.token,
      csv: sampleFile('oakfield', 'roster.csv'),
    });
    tutor = await newStaff(stack, call, centre.urn, centre.admin.token, {
      roles: ['form-tutor'],
      dataIssuer: true,
    });
    const groups = await call(
      'GET',
      `/centres/${centre.urn}/groups?limit=200`,
      {
        token: centre.admin.token,
      },
    );
    form11b = groups.body.items.find(
      (g: { name: string }) => g.name === '11B',
    ).groupId;
    await call(
      'PUT',
      `/centres/${centre.urn}/groups/${form11b}/staff/${tutor.staffId}`,
      {
        token: centre.admin.token,
      },
    );
  });

  it('shows a tutor the students of their groups only', async () => {
    const mine = await wholeList(tutor.token, centre.urn);

    expect(mine.length).toBeGreaterThan(20);
    expect(mine.every((s) => s.form === '11B')).toBe(true);
    expect(mine[0]).toMatchObject({ year: '11', latestOffer: null });
    expect(mine[0]).toHaveProperty('upn');
  });

  it('shows a centre admin the whole centre, sorted by name', async () => {
    const all = await wholeList(centre.admin.token, centre.urn);

    expect(all).toHaveLength(220);
    const surnames = all.map((s) => s.legalSurname);
    expect([...surnames].sort((a, b) => a.localeCompare(b, 'en-GB'))).toEqual(
      surnames,
    );
  });

  it('finds students by name regardless of case and accents', async () => {
    const found = await wholeList(centre.admin.token, centre.urn, '&q=MULLER');

    expect(found.length).toBeGreaterThan(0);
    expect(
      found.every((s) =>
        s.legalSurname.normalize('NFKD').toLowerCase().includes('mu'),
      ),
    ).toBe(true);
  });

  it('refuses a tutor a group they are not assigned to', async () => {
    const groups = await call(
      'GET',
      `/centres/${centre.urn}/groups?limit=200`,
      {
        token: centre.admin.token,
      },
    );
    const form11a = groups.body.items.find(
      (g: { name: string }) => g.name === '11A',
    ).groupId;

    const out = await call(
      'GET',
      `/centres/${centre.urn}/students?group=${form11a}`,
      {
        token: tutor.token,
      },
    );

    expect(out.status).toBe(403);
    expect(out.body.error.code).toBe('NOT_YOUR_GROUP');
  });

  it('refuses a cursor it did not give out and an unknown query field', async () => {
    const cursor = await call(
      'GET',
      `/centres/${centre.urn}/students?cursor=bm9wZQ`,
      {
        token: centre.admin.token,
      },
    );
    const unknown = await call(
      'GET',
      `/centres/${centre.urn}/students?sort=dob`,
      {
        token: centre.admin.token,
      },
    );

    expect(cursor.status).toBe(400);
    expect(cursor.body.error.code).toBe('INVALID_CURSOR');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('UNKNOWN_FIELD');
  });
});

describe('ULNs', () => {
  it('refuses a second student with a ULN already on the roll', async () => {
    const centre = await newCentre(stack);
    await call('POST', `/centres/${centre.urn}/students/import`, {
      token: centre.admin.token,
      csv: sampleFile('oakfield', 'roster.csv'),
    });
    const { upnCheckLetter } = await import(
      '../../functions/imports/identifiers.js'
    );
    const stem = '330432119999';
    const joiner =
      'UPN,ULN,Legal Surname,Legal Forename,DOB,Year,Reg\r\n' +
      `${upnCheckLetter(stem)}${stem},6013519241,Other,Pupil,01/01/2010,11,11A\r\n`;

    const out = await call('POST', `/centres/${centre.urn}/students/import`, {
      token: centre.admin.token,
      csv: joiner,
    });

    expect(out.status).toBe(200);
    expect(out.body.created).toBe(0);
    expect(out.body.rejected).toEqual([
      expect.objectContaining({ line: 2, field: 'uln', code: 'DUPLICATE_ULN' }),
    ]);
  });
});
