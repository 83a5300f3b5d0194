import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  changeSeries,
  isReleased,
  putSeries,
  type SeriesCatalogue,
  seriesEntry,
  seriesList,
  seriesNameKey,
} from '../../../functions/domain/series.js';
import { ApiError } from '../../../functions/lib/errors.js';
import {
  putSeriesBody,
  resultsImportQuery,
  seriesIdParam,
} from '../../../functions/schemas.js';
import { testDeps } from '../../support/builders.js';

process.env.AWS_EC2_METADATA_DISABLED = 'true';

const aCatalogue = (
  series: SeriesCatalogue['series'] = {},
  version = 1,
): SeriesCatalogue => ({
  series,
  version,
  updatedAt: '2026-03-01T09:00:00.000Z',
});

const june = {
  name: 'June 2026',
  releaseAt: '2026-08-20T10:00:00.000Z',
  updatedAt: '2026-03-01T09:00:00.000Z',
};

const now = new Date('2026-03-10T09:00:00.000Z');

describe('seriesIdParam', () => {
  it('takes lower-case letters, digits and hyphens, 3 to 40 of them', () => {
    for (const id of ['june-2026', 'n26', 'a'.repeat(40), '2026-11']) {
      expect(seriesIdParam.safeParse(id).success, id).toBe(true);
    }
  });

  it('refuses upper case, other characters and lengths outside 3 to 40', () => {
    for (const id of [
      'June-2026',
      'ju',
      'a'.repeat(41),
      'june_2026',
      'june 2026',
      'june/2026',
      '',
    ]) {
      expect(seriesIdParam.safeParse(id).success, id).toBe(false);
    }
  });
});

describe('putSeriesBody', () => {
  it('keeps a UTC release time in the form toISOString writes', () => {
    const body = putSeriesBody.parse({
      name: '  June 2026 ',
      releaseAt: '2026-08-20T10:00:00Z',
    });

    expect(body).toEqual({
      name: 'June 2026',
      releaseAt: '2026-08-20T10:00:00.000Z',
    });
  });

  it('refuses a release time with an offset, no seconds or no zone', () => {
    for (const releaseAt of [
      '2026-08-20T11:00:00+01:00',
      '2026-08-20T10:00Z',
      '2026-08-20T10:00:00',
      '2026-08-20',
      '20/08/2026 10:00',
    ]) {
      const out = putSeriesBody.safeParse({ name: 'June 2026', releaseAt });
      expect(out.success, releaseAt).toBe(false);
    }
  });

  it('refuses a day that does not exist and finer than milliseconds', () => {
    for (const releaseAt of [
      '2026-02-30T10:00:00Z',
      '2026-08-20T24:00:00Z',
      '2026-08-20T09:59:59.9999Z',
    ]) {
      const out = putSeriesBody.safeParse({ name: 'June 2026', releaseAt });
      expect(out.success, releaseAt).toBe(false);
    }
  });

  it('refuses an empty name, a control character and an unknown field', () => {
    const at = '2026-08-20T10:00:00Z';

    expect(putSeriesBody.safeParse({ name: ' ', releaseAt: at }).success).toBe(
      false,
    );
    expect(
      putSeriesBody.safeParse({ name: 'June\n2026', releaseAt: at }).success,
    ).toBe(false);
    expect(
      putSeriesBody.safeParse({ name: 'June', releaseAt: at, extra: 1 })
        .success,
    ).toBe(false);
  });
});

describe('resultsImportQuery', () => {
  it('takes an optional series id and nothing else', () => {
    expect(resultsImportQuery.parse({})).toEqual({});
    expect(resultsImportQuery.parse({ series: 'june-2026' })).toEqual({
      series: 'june-2026',
    });
    expect(resultsImportQuery.safeParse({ series: 'June' }).success).toBe(
      false,
    );
    expect(resultsImportQuery.safeParse({ roll: 'full' }).success).toBe(false);
  });
});

describe('changeSeries', () => {
  const input = { name: 'June 2026', releaseAt: june.releaseAt };

  it('creates the catalogue with its first series', () => {
    const change = changeSeries(undefined, 'june-2026', input, now);

    expect(change).toMatchObject({ created: true, changed: true });
    expect(change.catalogue.version).toBe(1);
    expect(change.catalogue.series['june-2026']).toEqual({
      ...input,
      updatedAt: now.toISOString(),
    });
  });

  it('moves a release time and keeps the other series', () => {
    const current = aCatalogue({
      'june-2026': june,
      'nov-2026': { ...june, name: 'November 2026' },
    });
    const later = '2026-08-20T11:00:00.000Z';

    const change = changeSeries(
      current,
      'june-2026',
      { ...input, releaseAt: later },
      now,
    );

    expect(change).toMatchObject({ created: false, changed: true });
    expect(change.catalogue.version).toBe(2);
    expect(change.catalogue.series['june-2026']?.releaseAt).toBe(later);
    expect(change.catalogue.series['nov-2026']).toEqual(
      current.series['nov-2026'],
    );
  });

  it('writes nothing when the series already is exactly so', () => {
    const current = aCatalogue({ 'june-2026': june });

    const change = changeSeries(current, 'june-2026', input, now);

    expect(change).toMatchObject({ created: false, changed: false });
    expect(change.catalogue).toBe(current);
  });

  it('refuses a name another series has, whatever its case and spacing', () => {
    const current = aCatalogue({ 'june-2026': june });

    const attempt = () =>
      changeSeries(
        current,
        'summer-2026',
        { ...input, name: ' june   2026' },
        now,
      );

    expect(attempt).toThrow(ApiError);
    expect(attempt).toThrow(
      expect.objectContaining({
        status: 409,
        code: 'SERIES_NAME_TAKEN',
        field: 'name',
      }),
    );
  });

  it('lets a series be renamed, keeping its own name free to it', () => {
    const current = aCatalogue({ 'june-2026': june });

    const change = changeSeries(
      current,
      'june-2026',
      { ...input, name: 'JUNE 2026' },
      now,
    );

    expect(change.catalogue.series['june-2026']?.name).toBe('JUNE 2026');
  });
});

describe('seriesEntry', () => {
  it('finds only the catalogue’s own entries, whatever the id', () => {
    const current = aCatalogue({ 'june-2026': june });

    expect(seriesEntry(current, 'june-2026')).toEqual(june);
    expect(seriesEntry(current, 'constructor')).toBeUndefined();
    expect(seriesEntry(current, 'tostring')).toBeUndefined();
    expect(seriesEntry(undefined, 'june-2026')).toBeUndefined();
  });
});

describe('seriesList', () => {
  it('lists the soonest release first', () => {
    const current = aCatalogue({
      'nov-2026': { ...june, name: 'November 2026', releaseAt: '2027-01-14' },
      'june-2026': june,
    });

    expect(seriesList(current).map((s) => s.seriesId)).toEqual([
      'june-2026',
      'nov-2026',
    ]);
    expect(seriesList(undefined)).toEqual([]);
  });
});

describe('seriesNameKey', () => {
  it('makes names that differ in case, spacing or composition equal', () => {
    expect(seriesNameKey(' JUNE   2026 ')).toBe(seriesNameKey('June 2026'));
    expect(seriesNameKey('Ma\u0308rz 2026')).toBe(
      seriesNameKey('M\u00e4rz 2026'),
    );
    expect(seriesNameKey('June 2026')).not.toBe(seriesNameKey('June 2025'));
  });

  it.each([
    ['a zero-width space', '\u200b'],
    ['a zero-width joiner', '\u200d'],
    ['a word joiner', '\u2060'],
    ['a soft hyphen', '\u00ad'],
    ['a Mongolian vowel separator', '\u180e'],
    ['a combining grapheme joiner', '\u034f'],
    ['a Hangul filler', '\u3164'],
  ])('sees no difference made by %s', (_, invisible) => {
    expect(seriesNameKey(`June${invisible} 2026${invisible}`)).toBe(
      seriesNameKey('June 2026'),
    );
  });
});

describe('isReleased', () => {
  const entry = { releaseAt: '2026-08-20T10:00:00.000Z' };

  it('holds a series back until its release time, to the millisecond', () => {
    expect(isReleased(entry, new Date('2026-08-20T09:59:59.999Z'))).toBe(false);
    expect(isReleased(entry, new Date('2026-08-20T10:00:00.000Z'))).toBe(true);
  });

  it('never reaches a release time it cannot read', () => {
    expect(isReleased({ releaseAt: 'soon' }, new Date(8.64e15))).toBe(false);
  });
});

describe('putSeries', () => {
  const db = mockClient(DynamoDBDocumentClient);
  const deps = () =>
    testDeps({
      db: DynamoDBDocumentClient.from(
        new DynamoDBClient({
          region: 'eu-west-2',
          endpoint: 'http://127.0.0.1:1',
          credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        }),
      ),
    });
  const input = { name: 'June 2026', releaseAt: june.releaseAt };
  const conditionFailed = Object.assign(new Error('condition'), {
    name: 'ConditionalCheckFailedException',
  });

  afterEach(() => db.reset());

  it('writes only over the catalogue version it read', async () => {
    db.on(GetCommand).resolves({
      Item: { PK: 'SERIES', SK: 'CATALOGUE', ...aCatalogue({}, 7) },
    });
    db.on(PutCommand).resolves({});

    const out = await putSeries(deps(), 'june-2026', input);

    expect(out.created).toBe(true);
    const put = db.commandCalls(PutCommand)[0]?.args[0].input;
    expect(put?.ConditionExpression).toBe('#version = :seen');
    expect(put?.ExpressionAttributeValues).toEqual({ ':seen': 7 });
    expect(put?.Item?.version).toBe(8);
  });

  it('reads again when another change won, and keeps that change', async () => {
    const other = { ...june, name: 'November 2026' };
    db.on(GetCommand)
      .resolvesOnce({})
      .resolves({
        Item: {
          PK: 'SERIES',
          SK: 'CATALOGUE',
          ...aCatalogue({ 'nov-2026': other }, 1),
        },
      });
    db.on(PutCommand).rejectsOnce(conditionFailed).resolves({});

    await putSeries(deps(), 'june-2026', input);

    const puts = db.commandCalls(PutCommand).map((c) => c.args[0].input);
    expect(puts[0]?.ConditionExpression).toBe('attribute_not_exists(PK)');
    expect(Object.keys(puts[1]?.Item?.series ?? {}).sort()).toEqual([
      'june-2026',
      'nov-2026',
    ]);
  });

  it('answers 503 when the catalogue keeps changing under it', async () => {
    db.on(GetCommand).resolves({});
    db.on(PutCommand).rejects(conditionFailed);

    await expect(putSeries(deps(), 'june-2026', input)).rejects.toMatchObject({
      status: 503,
    });
  });
});
