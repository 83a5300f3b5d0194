import { existsSync, readFileSync } from 'node:fs';
import type { MetricName } from '../lib/metrics.js';
import {
  type ActivityItem,
  type ActivitySource,
  activityFromLine,
  maxActivityItems,
} from './activity.js';
import {
  type MetricsSource,
  type SeriesSpec,
  seriesSpecs,
  toSeries,
} from './metrics.js';
import type { MetricsQuery } from './params.js';

/**
 * The activity and metrics views on the local stack, which has no
 * CloudWatch: they read the stack's own log files, one JSON object a
 * line, and answer in the same shapes. The functions' file holds their
 * Powertools log lines and EMF lines; the workflows' file the Step
 * Functions stand-in's events, as a state machine's log group would.
 */

/** Each line of a JSON-lines file that is a JSON object. */
export function readJsonLines(file: string): Record<string, unknown>[] {
  if (!existsSync(file)) return [];
  const lines: Record<string, unknown>[] = [];
  for (const text of readFileSync(file, 'utf8').split('\n')) {
    if (!text.startsWith('{')) continue;
    try {
      const value: unknown = JSON.parse(text);
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        lines.push(value as Record<string, unknown>);
      }
    } catch {
      // A line cut short by a crash: the rest of the file still counts.
    }
  }
  return lines;
}

export function localActivity(file: string): ActivitySource {
  return {
    async requests(query) {
      const items = readJsonLines(file).flatMap((line) => {
        const item = activityFromLine(line, query);
        return item ? [item] : [];
      });
      return items
        .sort((a: ActivityItem, b: ActivityItem) => a.at.localeCompare(b.at))
        .slice(0, maxActivityItems);
    },
  };
}

interface EmfDirective {
  Namespace?: string;
  Dimensions?: string[][];
  Metrics?: { Name?: string }[];
}

/**
 * The counts an EMF line holds, by series: its namespace and dimension
 * values must be those the series reads in CloudWatch.
 */
function emfCounts(
  line: Record<string, unknown>,
  specs: SeriesSpec[],
): { spec: SeriesSpec; time: number; value: number }[] {
  const aws = line._aws as
    | { Timestamp?: number; CloudWatchMetrics?: EmfDirective[] }
    | undefined;
  if (!aws || typeof aws.Timestamp !== 'number') return [];
  const found: { spec: SeriesSpec; time: number; value: number }[] = [];
  for (const directive of aws.CloudWatchMetrics ?? []) {
    for (const metric of directive.Metrics ?? []) {
      const spec = specs.find(
        (s) =>
          s.name === metric.Name &&
          s.source.namespace === directive.Namespace &&
          sameDimensions(line, directive, s.source.dimensions),
      );
      const value = line[metric.Name ?? ''];
      const values = Array.isArray(value) ? value : [value];
      if (!spec) continue;
      for (const v of values) {
        if (typeof v === 'number') {
          found.push({ spec, time: aws.Timestamp, value: v });
        }
      }
    }
  }
  return found;
}

function sameDimensions(
  line: Record<string, unknown>,
  directive: EmfDirective,
  wanted: Record<string, string>,
): boolean {
  const names = directive.Dimensions?.[0] ?? [];
  const wantedNames = Object.keys(wanted);
  return (
    names.length === wantedNames.length &&
    wantedNames.every((n) => names.includes(n) && line[n] === wanted[n])
  );
}

/**
 * What the expiry workflow's metric filter counts: a successful task of
 * the expiry state machine (its one task expires the offer).
 */
function isExpiry(line: Record<string, unknown>, machine: string): boolean {
  const details = line.details as { resource?: string } | undefined;
  return (
    line.type === 'TaskSucceeded' &&
    details?.resource === 'updateItem' &&
    typeof line.execution_arn === 'string' &&
    line.execution_arn.includes(`:execution:${machine}:`)
  );
}

export function localMetrics(options: {
  logFile: string;
  workflowLogFile?: string;
  namespace: string;
  region: string;
  /** The expiry state machine's name. */
  expiryMachine: string;
}): MetricsSource {
  return {
    async series(query: MetricsQuery) {
      const specs = seriesSpecs(options);
      const buckets = new Map<SeriesSpec, Map<number, number>>(
        specs.map((s) => [s, new Map()]),
      );
      const add = (spec: SeriesSpec, time: number, value: number) => {
        const start = query.from.getTime();
        const periodMs = query.period * 1000;
        if (time < start || time >= query.to.getTime()) return;
        const bucket = start + Math.floor((time - start) / periodMs) * periodMs;
        const series = buckets.get(spec);
        series?.set(bucket, (series.get(bucket) ?? 0) + value);
      };

      for (const line of readJsonLines(options.logFile)) {
        for (const { spec, time, value } of emfCounts(line, specs)) {
          add(spec, time, value);
        }
      }
      const expired = specs.find(
        (s) => s.name === ('OffersExpired' satisfies MetricName),
      );
      if (expired && options.workflowLogFile) {
        for (const line of readJsonLines(options.workflowLogFile)) {
          if (!isExpiry(line, options.expiryMachine)) continue;
          add(expired, Number(line.event_timestamp), 1);
        }
      }
      return specs.map((spec) =>
        toSeries(spec, buckets.get(spec) ?? new Map()),
      );
    },
  };
}
