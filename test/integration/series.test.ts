import { randomInt } from 'node:crypto';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  catalogueKey,
  type PreparedRecord,
  recordKey,
  releasedRecord,
  type SeriesCatalogue,
} from '../../functions/domain/records.js';
import {
  ulnCheckDigit,
  upnCheckLetter,
} from '../../functions/imports/identifiers.js';
import { getEntity } from '../../functions/lib/table.js';
import { localDynamoDbClient } from '../../scripts/local-stack/dynamodb.js';
import { apiClient } from '../support/api.js';
import { useLocalStack } from '../support/local-stack.js';
import {
  newCentre,
  operatorToken,
  type TestCentre,
} from '../support/scenario.js';

const stack = useLocalStack();
const call = apiClient(stack.apiUrl);

/**
 * Series are region-wide, so every id and name here carries this run's
 * tag; none is the sample files' "June 2026", whose imports elsewhere
 * would otherwise meet an embargo.
 */
const tag = `${Date.now().toString(36)}${randomInt(1e6).toString(36)}`;
const seriesIdOf = (label: string) => `${label}-${tag}`;
const nameOf = (label: string) => `Series ${label} ${tag}`;

const future = '2099-08-20T10:00:00.000Z';
const past = () => new Date(Date.now() - 60_000).toISOString();

interface Pupil {
  upn: string;
  uln: string;
  surname: string;
  forename: string;
  dateOfBirth: string;
  studentId: string;
}

/** A ULN no sample file has: random, with its right check digit. */
function newUln(): string {
  for (;;) {
    const stem = String(randomInt(100_000_000, 999_999_999));
    const check = ulnCheckDigit(stem);
    if (check !== undefined) return `${stem}${check}`;
  }
}

function upnFor(serial: number): string {
  const school = String(randomInt(1000, 9999));
  const rest = `999${school}26${String(serial).padStart(3, '0')}`;

  return `${upnCheckLetter(rest)}${rest}`;
}

const resultsHeader =
  'ULN,UCI,Candidate Surname,Candidate Forenames,DOB,Centre Number,' +
  'Awarding Organisation,QAN,Qualification Title,Subject,Level,Grade,' +
  'Award Date,Series';

interface Award {
  qan: string;
  title: string;
  grade: string;
  series: string;
}

const english = (series: string, grade = '7'): Award => ({
  qan: '601/4292/3',
  title: 'GCSE (9-1) in English Language',
  grade,
  series,
});
const maths = (series: string, grade = '6'): Award => ({
  qan: '601/4420/8',
  title: 'GCSE (9-1) in Mathematics',
  grade,
  series,
});

/** A results file for the test centre's pupils, one row an award. */
function resultsCsv(
  centre: TestCentre,
  rows: { pupil: Pupil; award: Award }[],
): string {
  const lines = rows.map(({ pupil, award }) =>
    [
      pupil.uln,
      '',
      pupil.surname,
      pupil.forename,
      pupil.dateOfBirth,
      centre.centreNumber,
      'AQA',
      award.qan,
      award.title,
      award.title.replace('GCSE (9-1) in ', ''),
      '2',
      award.grade,
      '2026-08-20',
      award.series,
    ].join(','),
  );

  return [resultsHeader, ...lines].join('\n');
}

describe('series', () => {
  let operator: string;
  let centre: TestCentre;

  beforeAll(async () => {
    operator = await operatorToken(stack);
    centre = await newCentre(stack);
  });

  it('creates a series for the operator and lists it to anyone', async () => {
    const seriesId = seriesIdOf('listed');

    const put = await call('PUT', `/series/${seriesId}`, {
      token: operator,
      json: { name: nameOf('listed'), releaseAt: '2099-08-20T10:00:00Z' },
    });
    const list = await call('GET', '/series');

    expect(put.status).toBe(201);
    expect(put.body).toEqual({
      seriesId,
      name: nameOf('listed'),
      releaseAt: future,
    });
    expect(list.status).toBe(200);
    expect(list.body.cursor).toBeNull();
    expect(list.body.items).toContainEqual(put.body);
  });

  it('answers 200 when a series is put again as it is', async () => {
    const seriesId = seriesIdOf('again');
    const json = { name: nameOf('again'), releaseAt: future };
    await call('PUT', `/series/${seriesId}`, { token: operator, json });

    const again = await call('PUT', `/series/${seriesId}`, {
      token: operator,
      json,
    });

    expect(again.status).toBe(200);
    expect(again.body).toEqual({ seriesId, ...json });
  });

  it('moves a release time when the operator puts another', async () => {
    const seriesId = seriesIdOf('moved');
    const name = nameOf('moved');
    await call('PUT', `/series/${seriesId}`, {
      token: operator,
      json: { name, releaseAt: future },
    });

    const moved = await call('PUT', `/series/${seriesId}`, {
      token: operator,
      json: { name, releaseAt: '2099-08-21T10:00:00.000Z' },
    });
    const list = await call('GET', '/series');

    expect(moved.status).toBe(200);
    expect(list.body.items).toContainEqual({
      seriesId,
      name,
      releaseAt: '2099-08-21T10:00:00.000Z',
    });
  });

  it('refuses a series from anyone but the operator', async () => {
    const json = { name: nameOf('refused'), releaseAt: future };

    const admin = await call('PUT', `/series/${seriesIdOf('refused')}`, {
      token: centre.admin.token,
      json,
    });
    const nobody = await call('PUT', `/series/${seriesIdOf('refused')}`, {
      json,
    });

    expect(admin.status).toBe(403);
    expect(admin.body.error.code).toBe('OPERATOR_ONLY');
    expect(nobody.status).toBe(401);
    const list = await call('GET', '/series');
    expect(
      list.body.items.map((s: { seriesId: string }) => s.seriesId),
    ).not.toContain(seriesIdOf('refused'));
  });

  it('refuses a bad id, release time or field with 400', async () => {
    const json = { name: nameOf('invalid'), releaseAt: future };

    const badId = await call('PUT', '/series/June_2026', {
      token: operator,
      json,
    });
    const offset = await call('PUT', `/series/${seriesIdOf('invalid')}`, {
      token: operator,
      json: { ...json, releaseAt: '2099-08-20T11:00:00+01:00' },
    });
    const extra = await call('PUT', `/series/${seriesIdOf('invalid')}`, {
      token: operator,
      json: { ...json, embargo: true },
    });
    const missing = await call('PUT', `/series/${seriesIdOf('invalid')}`, {
      token: operator,
      json: { releaseAt: future },
    });

    expect(badId.status).toBe(400);
    expect(offset.status).toBe(400);
    expect(offset.body.error).toMatchObject({
      code: 'INVALID_FIELD',
      field: 'releaseAt',
    });
    expect(offset.text).not.toContain('+01:00');
    expect(extra.body.error).toMatchObject({
      code: 'UNKNOWN_FIELD',
      field: 'embargo',
    });
    expect(missing.body.error).toMatchObject({
      code: 'MISSING_FIELD',
      field: 'name',
    });
  });

  it('refuses a name another series has with 409', async () => {
    await call('PUT', `/series/${seriesIdOf('named')}`, {
      token: operator,
      json: { name: nameOf('named'), releaseAt: future },
    });

    const clash = await call('PUT', `/series/${seriesIdOf('copy')}`, {
      token: operator,
      json: { name: nameOf('named').toUpperCase(), releaseAt: future },
    });

    expect(clash.status).toBe(409);
    expect(clash.body.error).toMatchObject({
      code: 'SERIES_NAME_TAKEN',
      field: 'name',
    });
  });
});

describe('results import for a series', () => {
  let operator: string;
  let centre: TestCentre;
  let db: DynamoDBDocumentClient;
  const pupils: Pupil[] = [];

  const pupil = (n: number) => pupils[n] as Pupil;

  const importFor = (seriesId: string | undefined, csv: string) =>
    call(
      'POST',
      seriesId ? `/results/import?series=${seriesId}` : '/results/import',
      { token: operator, csv },
    );

  const newSeries = async (label: string, releaseAt: string) => {
    const seriesId = seriesIdOf(label);
    const put = await call('PUT', `/series/${seriesId}`, {
      token: operator,
      json: { name: nameOf(label), releaseAt },
    });
    expect(put.status).toBe(201);
    return { seriesId, name: nameOf(label) };
  };

  const recordOf = (studentId: string) =>
    getEntity<PreparedRecord>(db, stack.tableName, recordKey(studentId));

  const catalogue = () =>
    getEntity<SeriesCatalogue>(db, stack.tableName, catalogueKey());

  beforeAll(async () => {
    operator = await operatorToken(stack);
    centre = await newCentre(stack);
    db = DynamoDBDocumentClient.from(
      localDynamoDbClient(stack.dynamodbEndpoint, { retries: true }),
    );

    const roster = ['UPN,ULN,Legal Surname,Legal Forename,DOB,Year,Reg'];
    for (let n = 0; n < 6; n++) {
      const row = {
        upn: upnFor(n + 1),
        uln: newUln(),
        surname: `Series${'ABCDEF'[n]}`,
        forename: 'Test',
        dateOfBirth: `2010-01-1${n}`,
      };
      roster.push(
        [
          row.upn,
          row.uln,
          row.surname,
          row.forename,
          row.dateOfBirth,
          '11',
          '11S',
        ].join(','),
      );
      pupils.push({ ...row, studentId: '' });
    }
    const imported = await call(
      'POST',
      `/centres/${centre.urn}/students/import`,
      { token: centre.admin.token, csv: roster.join('\n') },
    );
    expect(imported.status).toBe(200);
    expect(imported.body.created).toBe(6);

    const list = await call(
      'GET',
      `/centres/${centre.urn}/students?limit=200`,
      { token: centre.admin.token },
    );
    for (const p of pupils) {
      const item = list.body.items.find((i: Pupil) => i.upn === p.upn);
      p.studentId = item.studentId;
    }
  });

  afterAll(() => db?.destroy());

  it('refuses a series nobody created with 422 naming the field', async () => {
    const csv = resultsCsv(centre, [
      { pupil: pupil(0), award: english(nameOf('nobody')) },
    ]);

    const unknown = await importFor(seriesIdOf('nobody'), csv);
    const malformed = await importFor('June_2026', csv);

    expect(unknown.status).toBe(422);
    expect(unknown.body.error).toMatchObject({
      code: 'UNKNOWN_SERIES',
      field: 'series',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.field).toBe('series');
    expect(await recordOf(pupil(0).studentId)).toBeUndefined();
  });

  it('rejects rows of another series and withholds the rest', async () => {
    const series = await newSeries('embargo', future);
    const who = pupil(0);
    const csv = resultsCsv(centre, [
      { pupil: who, award: english(series.name) },
      { pupil: who, award: maths(nameOf('elsewhere')) },
      { pupil: who, award: maths(series.name.toLowerCase()) },
    ]);

    const out = await importFor(series.seriesId, csv);

    expect(out.status).toBe(200);
    expect(out.body).toMatchObject({ matched: 2, stored: 2, corrected: [] });
    expect(out.body.rejected).toEqual([
      expect.objectContaining({
        line: 3,
        field: 'series',
        code: 'SERIES_MISMATCH',
      }),
    ]);
    const message = out.body.rejected[0].message as string;
    expect(message).not.toContain(tag);
    const record = await recordOf(who.studentId);
    expect(record?.qualifications).toEqual([
      expect.objectContaining({
        title: 'GCSE (9-1) in English Language',
        grade: '7',
        seriesId: series.seriesId,
      }),
      expect.objectContaining({
        title: 'GCSE (9-1) in Mathematics',
        seriesId: series.seriesId,
      }),
    ]);
    const now = releasedRecord(record, await catalogue(), new Date());
    expect(now.qualifications).toEqual([]);
    expect(now.pendingSeries).toEqual([
      { seriesId: series.seriesId, name: series.name, releaseAt: future },
    ]);
  });

  it('reports a changed grade as a correction and re-prepares', async () => {
    const series = await newSeries('corrected', future);
    const who = pupil(1);
    const rows = (grade: string) =>
      resultsCsv(centre, [
        { pupil: who, award: english(series.name) },
        { pupil: who, award: maths(series.name, grade) },
      ]);
    await importFor(series.seriesId, rows('5'));
    const before = await recordOf(who.studentId);

    const same = await importFor(series.seriesId, rows('5'));
    const fixed = await importFor(series.seriesId, rows('6'));

    expect(same.body).toMatchObject({ matched: 2, stored: 0, corrected: [] });
    expect(fixed.body).toMatchObject({
      matched: 2,
      stored: 0,
      corrected: [{ line: 3 }],
    });
    const after = await recordOf(who.studentId);
    expect(after?.version).toBe((before?.version ?? 0) + 1);
    expect(after?.qualifications).toContainEqual(
      expect.objectContaining({
        title: 'GCSE (9-1) in Mathematics',
        grade: '6',
        seriesId: series.seriesId,
      }),
    );
    expect(
      after?.qualifications.filter((q) => q.qan === maths('').qan),
    ).toHaveLength(1);
  });

  it('releases at once the results of a series already released', async () => {
    const series = await newSeries('released', past());
    const who = pupil(2);

    const out = await importFor(
      series.seriesId,
      resultsCsv(centre, [{ pupil: who, award: english(series.name) }]),
    );

    expect(out.body).toMatchObject({ matched: 1, stored: 1 });
    const record = await recordOf(who.studentId);
    expect(record?.qualifications[0]?.seriesId).toBe(series.seriesId);
    const now = releasedRecord(record, await catalogue(), new Date());
    expect(now.qualifications).toEqual([
      expect.objectContaining({ qan: english('').qan, grade: '7' }),
    ]);
    expect(now.pendingSeries).toEqual([]);
  });

  it('releases withheld results once their time is moved to now', async () => {
    const series = await newSeries('brought-forward', future);
    const who = pupil(3);
    await importFor(
      series.seriesId,
      resultsCsv(centre, [{ pupil: who, award: english(series.name) }]),
    );
    const record = await recordOf(who.studentId);
    const withheld = releasedRecord(record, await catalogue(), new Date());

    const moved = await call('PUT', `/series/${series.seriesId}`, {
      token: operator,
      json: { name: series.name, releaseAt: past() },
    });
    const released = releasedRecord(record, await catalogue(), new Date());

    expect(withheld.qualifications).toEqual([]);
    expect(moved.status).toBe(200);
    expect(released.qualifications).toHaveLength(1);
  });

  it('refuses embargoed rows sent without naming their series', async () => {
    const series = await newSeries('unnamed', future);
    const who = pupil(4);
    const csv = resultsCsv(centre, [
      { pupil: who, award: english(series.name.toUpperCase()) },
      { pupil: who, award: maths(nameOf('not-a-series')) },
    ]);

    const out = await importFor(undefined, csv);

    expect(out.body.rejected).toEqual([
      expect.objectContaining({
        line: 2,
        field: 'series',
        code: 'SERIES_EMBARGOED',
      }),
    ]);
    expect(out.body).toMatchObject({ matched: 1, stored: 1 });
    const record = await recordOf(who.studentId);
    expect(record?.qualifications).toHaveLength(1);
    expect(record?.qualifications[0]).not.toHaveProperty('seriesId');
    const now = releasedRecord(record, await catalogue(), new Date());
    expect(now.qualifications).toEqual([
      expect.objectContaining({ qan: maths('').qan }),
    ]);
  });
});

describe('series ids and names that are words of JavaScript or invisible', () => {
  it('keeps a series whose id is `constructor`', async () => {
    const token = await operatorToken(stack);
    const name = `Constructor ${Date.now().toString(36)}`;

    const put = await call('PUT', '/series/constructor', {
      token,
      json: { name, releaseAt: future },
    });
    const list = await call('GET', '/series');

    expect(put.status).toBeLessThan(300);
    expect(
      list.body.items.some(
        (s: { seriesId: string }) => s.seriesId === 'constructor',
      ),
    ).toBe(true);
  });

  it('refuses a series name with an invisible character', async () => {
    const token = await operatorToken(stack);

    const put = await call('PUT', `/series/${seriesIdOf('zw')}`, {
      token,
      json: { name: 'Attack\u200b 2027', releaseAt: future },
    });

    expect(put.status).toBe(400);
    expect(put.body.error.field).toBe('name');
  });
});
