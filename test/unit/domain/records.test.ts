import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  catalogueKey,
  type PreparedQualification,
  type PreparedRecord,
  prepareRecords,
  readRecordParts,
  recordHolds,
  recordKey,
  releasedRecord,
  type SeriesCatalogue,
  type StoredResult,
} from '../../../functions/domain/records.js';
import { fixedClock } from '../../../functions/lib/clock.js';
import { testDeps } from '../../support/builders.js';

process.env.AWS_EC2_METADATA_DISABLED = 'true';

const aQualification = (
  overrides: Partial<PreparedQualification> = {},
): PreparedQualification => ({
  title: 'GCSE (9-1) in English Language',
  qan: '601/4292/3',
  awardingBody: 'AQA',
  subject: 'English Language',
  level: '2',
  grade: '7',
  awardDate: '2026-08-20',
  ...overrides,
});

const aRecord = (
  qualifications: PreparedQualification[],
  overrides: Partial<PreparedRecord> = {},
): PreparedRecord => ({
  urn: '141234',
  studentId: 'student-kwame',
  qualifications,
  updatedAt: '2026-08-01T09:00:00.000Z',
  version: 1,
  ...overrides,
});

const entry = (name: string, releaseAt: string) => ({
  name,
  releaseAt,
  updatedAt: '2026-03-01T09:00:00.000Z',
});

const aCatalogue = (series: SeriesCatalogue['series']): SeriesCatalogue => ({
  series,
  version: 1,
  updatedAt: '2026-03-01T09:00:00.000Z',
});

/** GCSE results day: 11:00 in British Summer Time. */
const gcseRelease = '2026-08-20T10:00:00.000Z';
const catalogue = aCatalogue({
  'june-2026': entry('June 2026', gcseRelease),
  'nov-2026': entry('November 2026', '2027-01-14T10:00:00.000Z'),
  'jan-2026': entry('January 2026', '2026-03-05T10:00:00.000Z'),
});
const embargoed = aQualification({ seriesId: 'june-2026' });
const resit = aQualification({
  title: 'GCSE (9-1) in Mathematics',
  qan: '601/4420/8',
  seriesId: 'nov-2026',
});
const btec = aQualification({
  title: 'BTEC Level 2 in Sport',
  awardDate: '2026-03-01',
});

describe('releasedRecord', () => {
  it('withholds a series until its release time, to the millisecond', () => {
    const record = aRecord([embargoed]);
    const clock = fixedClock('2026-08-20T09:59:59.999Z');

    const before = releasedRecord(record, catalogue, clock.now());
    clock.set(new Date(gcseRelease));
    const at = releasedRecord(record, catalogue, clock.now());

    expect(before.qualifications).toEqual([]);
    expect(before.pendingSeries).toEqual([
      { seriesId: 'june-2026', name: 'June 2026', releaseAt: gcseRelease },
    ]);
    expect(at.qualifications).toEqual([aQualification()]);
    expect(at.pendingSeries).toEqual([]);
  });

  it('releases a qualification of no series whatever the time', () => {
    const out = releasedRecord(aRecord([btec]), undefined, new Date(0));

    expect(out).toEqual({ qualifications: [btec], pendingSeries: [] });
  });

  it('withholds, unlisted, a series missing from the catalogue', () => {
    const lost = aQualification({ seriesId: 'june-2099' });

    const out = releasedRecord(
      aRecord([lost, btec]),
      catalogue,
      new Date('2100-01-01T00:00:00.000Z'),
    );

    expect(out).toEqual({ qualifications: [btec], pendingSeries: [] });
  });

  it('withholds every series when there is no catalogue at all', () => {
    const out = releasedRecord(
      aRecord([embargoed, btec]),
      undefined,
      new Date('2100-01-01T00:00:00.000Z'),
    );

    expect(out).toEqual({ qualifications: [btec], pendingSeries: [] });
  });

  it('withholds a series whose release time cannot be read', () => {
    const broken = aCatalogue({ 'june-2026': entry('June 2026', 'soon') });

    const out = releasedRecord(aRecord([embargoed]), broken, new Date(8.64e15));

    expect(out).toEqual({ qualifications: [], pendingSeries: [] });
  });

  it('lists each pending series once, soonest release first', () => {
    const english = aQualification({ seriesId: 'june-2026' });
    const maths = aQualification({ title: 'Maths', seriesId: 'june-2026' });

    const out = releasedRecord(
      aRecord([resit, english, maths]),
      catalogue,
      new Date('2026-08-01T00:00:00.000Z'),
    );

    expect(out.pendingSeries.map((s) => s.seriesId)).toEqual([
      'june-2026',
      'nov-2026',
    ]);
  });

  it('keeps the prepared order and only the credential fields', () => {
    const first = aQualification({
      seriesId: 'jan-2026',
      awardDate: '2026-03-05',
    });
    const record = aRecord([btec, first, embargoed]);

    const out = releasedRecord(
      record,
      catalogue,
      new Date('2026-09-01T00:00:00.000Z'),
    );

    expect(out.qualifications.map((q) => q.awardDate)).toEqual([
      '2026-03-01',
      '2026-03-05',
      '2026-08-20',
    ]);
    for (const q of out.qualifications) {
      expect(Object.keys(q).sort()).toEqual([
        'awardDate',
        'awardingBody',
        'grade',
        'level',
        'qan',
        'subject',
        'title',
      ]);
    }
  });

  it('gives an empty record when none has been prepared', () => {
    expect(releasedRecord(undefined, catalogue, new Date())).toEqual({
      qualifications: [],
      pendingSeries: [],
    });
  });
});

describe('readRecordParts', () => {
  it('picks the record and catalogue out of a batch, by key', () => {
    const record = aRecord([embargoed]);
    const items = [
      { PK: 'CENTRE#141234', SK: 'PROFILE', type: 'centre', urn: '141234' },
      { ...catalogueKey(), type: 'seriesCatalogue', ...catalogue },
      { ...recordKey('someone-else'), type: 'record', ...aRecord([]) },
      { ...recordKey('student-kwame'), type: 'record', ...record },
    ];

    const parts = readRecordParts(items, 'student-kwame');

    expect(parts).toEqual({ record, catalogue });
  });

  it('says when the table has neither yet', () => {
    expect(readRecordParts([], 'student-kwame')).toEqual({
      record: undefined,
      catalogue: undefined,
    });
  });
});

describe('recordHolds', () => {
  it('finds a qualification only when every field is the same', () => {
    const record = aRecord([embargoed]);

    expect(recordHolds(record, { ...embargoed })).toBe(true);
    expect(recordHolds(record, { ...embargoed, grade: '8' })).toBe(false);
    expect(recordHolds(record, aQualification())).toBe(false);
    expect(recordHolds(undefined, embargoed)).toBe(false);
  });
});

describe('prepareRecords', () => {
  const db = mockClient(DynamoDBDocumentClient);
  const deps = () =>
    testDeps({
      clock: fixedClock('2026-08-10T09:00:00.000Z'),
      db: DynamoDBDocumentClient.from(
        new DynamoDBClient({
          region: 'eu-west-2',
          endpoint: 'http://127.0.0.1:1',
          credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        }),
      ),
    });
  const student = { urn: '141234', studentId: 'student-kwame' };
  const aResult = (
    q: PreparedQualification,
    resultId: string,
  ): StoredResult & { PK: string; SK: string } => ({
    PK: 'CENTRE#141234',
    SK: `RESULT#student-kwame#${resultId}`,
    ...student,
    resultId,
    series: 'June 2026',
    importedAt: '2026-08-10T08:00:00.000Z',
    ...q,
  });
  const conditionFailed = (item?: Record<string, unknown>) =>
    Object.assign(new Error('condition'), {
      name: 'ConditionalCheckFailedException',
      ...(item
        ? { Item: marshall(item, { removeUndefinedValues: true }) }
        : {}),
    });

  afterEach(() => db.reset());

  it('writes results by award date then title, as version 1', async () => {
    db.on(BatchGetCommand).resolves({ Responses: {} });
    db.on(QueryCommand).resolves({
      Items: [
        aResult(resit, 'r1'),
        aResult(embargoed, 'r2'),
        aResult(btec, 'r3'),
      ],
    });
    db.on(PutCommand).resolves({});

    const out = await prepareRecords(deps(), [student, student]);

    expect(out).toEqual({ prepared: 1 });
    const put = db.commandCalls(PutCommand)[0]?.args[0].input;
    expect(put?.Item).toMatchObject({
      ...recordKey('student-kwame'),
      urn: '141234',
      studentId: 'student-kwame',
      version: 1,
      updatedAt: '2026-08-10T09:00:00.000Z',
    });
    expect(
      ((put?.Item?.qualifications ?? []) as PreparedQualification[]).map(
        (q) => q.title,
      ),
    ).toEqual([
      'BTEC Level 2 in Sport',
      'GCSE (9-1) in English Language',
      'GCSE (9-1) in Mathematics',
    ]);
    expect(put?.Item?.qualifications[1]).toEqual(embargoed);
    expect(put?.ConditionExpression).toBe('attribute_not_exists(PK)');
    expect(db.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({
      ConsistentRead: true,
      ExpressionAttributeValues: {
        ':pk': 'CENTRE#141234',
        ':prefix': 'RESULT#student-kwame#',
      },
    });
  });

  it('queries again when another import rebuilt the record', async () => {
    const theirs = aRecord([embargoed], { version: 4 });
    db.on(BatchGetCommand).resolves({
      Responses: {
        'records-test': [
          { ...recordKey('student-kwame'), ...aRecord([], { version: 3 }) },
        ],
      },
    });
    db.on(QueryCommand)
      .resolvesOnce({ Items: [aResult(btec, 'r3')] })
      .resolves({ Items: [aResult(btec, 'r3'), aResult(embargoed, 'r2')] });
    db.on(PutCommand)
      .rejectsOnce(
        conditionFailed({ ...recordKey('student-kwame'), ...theirs }),
      )
      .resolves({});

    await prepareRecords(deps(), [student]);

    const puts = db.commandCalls(PutCommand).map((c) => c.args[0].input);
    expect(puts.map((p) => p.ExpressionAttributeValues)).toEqual([
      { ':seen': 3 },
      { ':seen': 4 },
    ]);
    expect(puts[1]?.Item?.version).toBe(5);
    expect(puts[1]?.Item?.qualifications).toHaveLength(2);
  });

  it('leaves a record alone that already shows every result', async () => {
    db.on(BatchGetCommand).resolves({
      Responses: {
        'records-test': [
          { ...recordKey('student-kwame'), ...aRecord([btec, embargoed]) },
        ],
      },
    });
    db.on(QueryCommand).resolves({
      Items: [aResult(embargoed, 'r2'), aResult(btec, 'r3')],
    });

    const out = await prepareRecords(deps(), [student]);

    expect(out).toEqual({ prepared: 0 });
    expect(db.commandCalls(PutCommand)).toHaveLength(0);
  });

  it("reads a centre's results whole for most of its roll", async () => {
    const niamh = { urn: '141234', studentId: 'student-niamh' };
    db.on(BatchGetCommand).resolves({
      Responses: {
        'records-test': [
          { PK: 'CENTRE#141234', SK: 'PROFILE', urn: '141234', onRoll: 3 },
        ],
      },
    });
    db.on(QueryCommand).resolves({
      Items: [
        aResult(btec, 'r3'),
        {
          ...aResult(embargoed, 'r2'),
          ...niamh,
          SK: 'RESULT#student-niamh#r2',
        },
      ],
    });
    db.on(PutCommand).resolves({});

    await prepareRecords(deps(), [student, niamh]);

    const queries = db.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(queries).toHaveLength(1);
    expect(queries[0]?.ExpressionAttributeValues?.[':prefix']).toBe('RESULT#');
    const written = db
      .commandCalls(PutCommand)
      .map((c) => c.args[0].input.Item)
      .map((i) => [i?.studentId, i?.qualifications]);
    expect(Object.fromEntries(written)).toEqual({
      'student-kwame': [btec],
      'student-niamh': [embargoed],
    });
  });

  it('queries student by student for little of a roll', async () => {
    const niamh = { urn: '141234', studentId: 'student-niamh' };
    db.on(BatchGetCommand).resolves({
      Responses: {
        'records-test': [
          { PK: 'CENTRE#141234', SK: 'PROFILE', urn: '141234', onRoll: 220 },
        ],
      },
    });
    db.on(QueryCommand).resolves({ Items: [] });
    db.on(PutCommand).resolves({});

    await prepareRecords(deps(), [student, niamh]);

    const prefixes = db
      .commandCalls(QueryCommand)
      .map((c) => c.args[0].input.ExpressionAttributeValues?.[':prefix'])
      .sort();
    expect(prefixes).toEqual([
      'RESULT#student-kwame#',
      'RESULT#student-niamh#',
    ]);
  });

  it('answers 503 when the record keeps changing under it', async () => {
    db.on(BatchGetCommand).resolves({ Responses: {} });
    db.on(QueryCommand).resolves({ Items: [aResult(btec, 'r3')] });
    db.on(PutCommand).rejects(conditionFailed());

    await expect(prepareRecords(deps(), [student])).rejects.toMatchObject({
      status: 503,
    });
    expect(db.commandCalls(PutCommand)).toHaveLength(5);
  });
});
