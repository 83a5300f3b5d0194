import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import {
  type MetricName,
  type SeriesSpec,
  seriesSpecs,
} from '../lib/metric-names.js';

export { type SeriesSpec, seriesSpecs };

import type { MetricsQuery } from './params.js';

/** One count over time: a sum a period, for the periods that had any. */
export interface MetricSeries {
  name: MetricName;
  /** For counts kept by cause (VouchesRefused): which cause. */
  reason?: string;
  /** Start of each period, ISO 8601, oldest first. */
  timestamps: string[];
  values: number[];
}

export interface MetricsSource {
  series(query: MetricsQuery): Promise<MetricSeries[]>;
}

/** GetMetricData takes at most 500 queries a call. */
const maxQueriesPerCall = 500;

/**
 * The counts from CloudWatch: one GetMetricData of every series, each a
 * Sum a period, following NextToken. Ids are positional (`m0`, `m1`...),
 * so no caller text is in the request at all.
 */
export function cloudWatchMetrics(options: {
  client: CloudWatchClient;
  namespace: string;
  region: string;
}): MetricsSource {
  return {
    async series(query) {
      const specs = seriesSpecs(options);
      if (specs.length > maxQueriesPerCall) {
        throw new Error('More series than one GetMetricData call takes');
      }
      const queries: MetricDataQuery[] = specs.map((spec, i) => ({
        Id: `m${i}`,
        MetricStat: {
          Metric: {
            Namespace: spec.source.namespace,
            MetricName: spec.name,
            Dimensions: Object.entries(spec.source.dimensions).map(
              ([Name, Value]) => ({ Name, Value }),
            ),
          },
          Period: query.period,
          Stat: 'Sum',
        },
        ReturnData: true,
      }));
      const points = new Map<string, Map<number, number>>();
      let NextToken: string | undefined;
      do {
        const out = await options.client.send(
          new GetMetricDataCommand({
            MetricDataQueries: queries,
            StartTime: query.from,
            EndTime: query.to,
            ScanBy: 'TimestampAscending',
            NextToken,
          }),
        );
        for (const result of out.MetricDataResults ?? []) {
          const id = result.Id ?? '';
          const series = points.get(id) ?? new Map<number, number>();
          (result.Timestamps ?? []).forEach((t, i) => {
            const time = new Date(t).getTime();
            series.set(
              time,
              (series.get(time) ?? 0) + (result.Values?.[i] ?? 0),
            );
          });
          points.set(id, series);
        }
        NextToken = out.NextToken;
      } while (NextToken);

      return specs.map((spec, i) =>
        toSeries(spec, points.get(`m${i}`) ?? new Map()),
      );
    },
  };
}

export function toSeries(
  spec: Pick<SeriesSpec, 'name' | 'reason'>,
  points: Map<number, number>,
): MetricSeries {
  const times = [...points.keys()].sort((a, b) => a - b);
  return {
    name: spec.name,
    ...(spec.reason ? { reason: spec.reason } : {}),
    timestamps: times.map((t) => new Date(t).toISOString()),
    values: times.map((t) => points.get(t) ?? 0),
  };
}
