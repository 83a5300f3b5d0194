import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudWatchClient,
  GetMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { seriesSpecs } from '../../../functions/lib/metric-names.js';
import { localMetrics } from '../../../functions/observability/local.js';
import { cloudWatchMetrics } from '../../../functions/observability/metrics.js';
import { parseMetricsQuery } from '../../../functions/observability/params.js';

const cloudwatch = mockClient(CloudWatchClient);
const now = new Date('2026-03-10T12:00:00.000Z');
const where = { namespace: 'EducationRecords', region: 'london' };
const query = parseMetricsQuery(
  { from: '2026-03-10T09:00:00Z', to: '2026-03-10T11:00:00Z', period: '3600' },
  now,
);

afterEach(() => cloudwatch.reset());

describe('the metrics parameters', () => {
  it('default the period to an hour', () => {
    const parsed = parseMetricsQuery(
      { from: '2026-03-10T09:00:00Z', to: '2026-03-10T11:00:00Z' },
      now,
    );

    expect(parsed.period).toBe(3600);
  });

  it.each([
    ['90', 'INVALID_PERIOD'],
    ['0', 'INVALID_PERIOD'],
    ['1e3', 'INVALID_PERIOD'],
    ['3600.0', 'INVALID_PERIOD'],
    ['172800', 'INVALID_PERIOD'],
  ])('refuse a period of %s with %s', (period, code) => {
    expect(() =>
      parseMetricsQuery(
        { from: '2026-03-10T09:00:00Z', to: '2026-03-10T11:00:00Z', period },
        now,
      ),
    ).toThrow(expect.objectContaining({ status: 400, code }));
  });

  it('refuse a range of more points than one answer holds', () => {
    expect(() =>
      parseMetricsQuery(
        {
          from: '2026-02-10T12:00:00Z',
          to: '2026-03-10T12:00:00Z',
          period: '60',
        },
        now,
      ),
    ).toThrow(expect.objectContaining({ code: 'TOO_MANY_POINTS' }));
  });
});

describe('the CloudWatch metrics source', () => {
  it('asks for every series as a Sum a period, with its own dimensions', async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });

    await cloudWatchMetrics({
      ...where,
      client: new CloudWatchClient({}),
    }).series(query);

    const input =
      cloudwatch.commandCalls(GetMetricDataCommand)[0]?.args[0].input;
    const specs = seriesSpecs(where);
    expect(input?.MetricDataQueries).toHaveLength(specs.length);
    expect(input?.MetricDataQueries?.[0]).toEqual({
      Id: 'm0',
      MetricStat: {
        Metric: {
          Namespace: 'EducationRecords',
          MetricName: 'OffersCreated',
          Dimensions: [
            { Name: 'service', Value: 'education-records' },
            { Name: 'region', Value: 'london' },
          ],
        },
        Period: 3600,
        Stat: 'Sum',
      },
      ReturnData: true,
    });
    const expired = input?.MetricDataQueries?.find(
      (q) => q.MetricStat?.Metric?.MetricName === 'OffersExpired',
    );
    expect(expired?.MetricStat?.Metric).toEqual({
      Namespace: 'EducationRecords/london',
      MetricName: 'OffersExpired',
      Dimensions: [],
    });
  });

  it('follows NextToken and answers a series per count, oldest point first', async () => {
    cloudwatch
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          {
            Id: 'm0',
            Timestamps: [new Date('2026-03-10T10:00:00Z')],
            Values: [4],
          },
        ],
        NextToken: 'more',
      })
      .resolvesOnce({
        MetricDataResults: [
          {
            Id: 'm0',
            Timestamps: [new Date('2026-03-10T09:00:00Z')],
            Values: [3],
          },
        ],
      });

    const series = await cloudWatchMetrics({
      ...where,
      client: new CloudWatchClient({}),
    }).series(query);

    expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(2);
    expect(series[0]).toEqual({
      name: 'OffersCreated',
      timestamps: ['2026-03-10T09:00:00.000Z', '2026-03-10T10:00:00.000Z'],
      values: [3, 4],
    });
    expect(series.find((s) => s.reason === 'NOT_DATA_ISSUER')).toEqual({
      name: 'VouchesRefused',
      reason: 'NOT_DATA_ISSUER',
      timestamps: [],
      values: [],
    });
  });
});

describe('the local metrics source', () => {
  const emf = (name: string, at: string, extra: Record<string, string> = {}) =>
    JSON.stringify({
      _aws: {
        Timestamp: Date.parse(at),
        CloudWatchMetrics: [
          {
            Namespace: 'EducationRecords',
            Dimensions: [['service', 'region', ...Object.keys(extra)]],
            Metrics: [{ Name: name, Unit: 'Count' }],
          },
        ],
      },
      service: 'education-records',
      region: 'london',
      ...extra,
      [name]: 1,
    });

  it('sums EMF lines and workflow expiries into the same shapes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'metrics-'));
    const logFile = join(dir, 'functions.log');
    const workflowLogFile = join(dir, 'step-functions.log');
    writeFileSync(
      logFile,
      [
        emf('OffersCreated', '2026-03-10T09:10:00Z'),
        emf('OffersCreated', '2026-03-10T09:50:00Z'),
        emf('OffersCreated', '2026-03-10T10:05:00Z'),
        emf('OffersCreated', '2026-03-10T13:00:00Z'),
        emf('VouchesRefused', '2026-03-10T09:20:00Z', {
          reason: 'NOT_DATA_ISSUER',
        }),
        '{"level":"INFO","message":"request completed"}',
        'not json',
      ].join('\n'),
    );
    writeFileSync(
      workflowLogFile,
      `${JSON.stringify({
        type: 'TaskSucceeded',
        details: { resourceType: 'dynamodb', resource: 'updateItem' },
        event_timestamp: String(Date.parse('2026-03-10T09:30:00Z')),
        execution_arn:
          'arn:aws:states:eu-west-2:000000000000:execution:expiry:offer-x',
      })}\n`,
    );

    const series = await localMetrics({
      ...where,
      logFile,
      workflowLogFile,
      expiryMachine: 'expiry',
    }).series(query);
    const named = (name: string, reason?: string) =>
      series.find((s) => s.name === name && s.reason === reason);

    expect(named('OffersCreated')).toEqual({
      name: 'OffersCreated',
      timestamps: ['2026-03-10T09:00:00.000Z', '2026-03-10T10:00:00.000Z'],
      values: [2, 1],
    });
    expect(named('VouchesRefused', 'NOT_DATA_ISSUER')?.values).toEqual([1]);
    expect(named('OffersExpired')?.values).toEqual([1]);
    expect(series.map((s) => s.name)).toEqual(
      seriesSpecs(where).map((s) => s.name),
    );
  });
});
