import {
  type CloudWatchLogsClient,
  GetQueryResultsCommand,
  StartQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { ApiError, unavailable } from '../lib/errors.js';
import type { ActivityQuery } from './params.js';

/** One request made at a centre, as its function logged it. */
export interface ActivityItem {
  at: string;
  route: string;
  method: string;
  status: number;
  /** The Cognito `sub` of the caller, when there was one. */
  caller?: string;
  requestId?: string;
}

/** Where the activity view reads requests from. */
export interface ActivitySource {
  requests(query: ActivityQuery): Promise<ActivityItem[]>;
}

/** The most requests one answer lists; `truncated` says when reached. */
export const maxActivityItems = 1000;

/** The line every request ends with (see requestSummary in lib/http). */
export const summaryMessage = 'request completed';

const URN = /^\d{6}$/;

/**
 * The Logs Insights query for a centre's requests. The URN is the only
 * value in it from outside, and it must be six digits: a quote, a pipe
 * or a newline cannot reach the text. The times go in StartQuery's own
 * fields, as numbers, not in the query.
 */
export function activityQueryText(centre: string): string {
  if (!URN.test(centre)) {
    throw new Error('activityQueryText takes a checked 6-digit URN only');
  }
  return [
    'fields @timestamp, route, method, status, caller, requestId',
    `| filter message = "${summaryMessage}" and centre = "${centre}"`,
    '| sort @timestamp asc',
    `| limit ${maxActivityItems}`,
  ].join('\n');
}

/**
 * The query is given this long to finish before the caller is told to
 * come back: well inside the function's 25 seconds and API Gateway's 29.
 */
export const pollBudgetMs = 10_000;
const pollIntervalMs = 500;

/** The query did not finish in time: 503, come back in a few seconds. */
export const activityStillRunning = () =>
  new ApiError(
    503,
    'ACTIVITY_QUERY_RUNNING',
    'The search of the logs is taking longer than usual. Try again in a ' +
      'few seconds.',
    { headers: { 'Retry-After': '5' } },
  );

export interface CloudWatchActivityOptions {
  client: CloudWatchLogsClient;
  logGroups: readonly string[];
  sleep?: (ms: number) => Promise<void>;
  budgetMs?: number;
}

const pause = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/**
 * Requests from CloudWatch Logs Insights over the functions' log groups:
 * StartQuery, then GetQueryResults every half second for at most
 * `pollBudgetMs`. A query still running then answers 503 with
 * Retry-After rather than a partial list.
 */
export function cloudWatchActivity(
  options: CloudWatchActivityOptions,
): ActivitySource {
  const sleep = options.sleep ?? pause;
  const budget = options.budgetMs ?? pollBudgetMs;
  return {
    async requests(query) {
      if (options.logGroups.length === 0) {
        throw new Error('No log groups to query: set ACTIVITY_LOG_GROUPS');
      }
      const started = await options.client.send(
        new StartQueryCommand({
          logGroupNames: [...options.logGroups],
          startTime: Math.floor(query.from.getTime() / 1000),
          endTime: Math.ceil(query.to.getTime() / 1000),
          queryString: activityQueryText(query.centre),
          limit: maxActivityItems,
        }),
      );
      const queryId = started.queryId;
      if (!queryId) throw new Error('StartQuery gave no query id');

      for (let waited = 0; waited <= budget; waited += pollIntervalMs) {
        const out = await options.client.send(
          new GetQueryResultsCommand({ queryId }),
        );
        if (out.status === 'Complete') {
          return (out.results ?? []).map(rowToItem);
        }
        if (
          out.status === 'Failed' ||
          out.status === 'Cancelled' ||
          out.status === 'Timeout'
        ) {
          // Logs Insights gave up (Timeout) or was stopped: the same
          // request later may well succeed.
          throw unavailable(5);
        }
        await sleep(pollIntervalMs);
      }
      throw activityStillRunning();
    },
  };
}

type Row = { field?: string; value?: string }[];

function rowToItem(row: Row): ActivityItem {
  const value = (name: string) => row.find((f) => f.field === name)?.value;
  const at = value('@timestamp') ?? '';
  const caller = value('caller');
  const requestId = value('requestId');
  return {
    // Logs Insights writes `2026-03-10 09:00:00.000`, in UTC.
    at: at.includes('T') ? at : `${at.replace(' ', 'T')}Z`,
    route: value('route') ?? '',
    method: value('method') ?? '',
    status: Number(value('status') ?? 0),
    ...(caller ? { caller } : {}),
    ...(requestId ? { requestId } : {}),
  };
}

/** A request's summary line as the local log file holds it. */
export function activityFromLine(
  line: Record<string, unknown>,
  query: ActivityQuery,
): ActivityItem | undefined {
  if (line.message !== summaryMessage || line.centre !== query.centre) {
    return undefined;
  }
  const at = typeof line.timestamp === 'string' ? line.timestamp : '';
  const time = Date.parse(at);
  if (
    Number.isNaN(time) ||
    time < query.from.getTime() ||
    time > query.to.getTime()
  ) {
    return undefined;
  }
  const text = (name: string) =>
    typeof line[name] === 'string' ? (line[name] as string) : undefined;
  const caller = text('caller');
  const requestId = text('requestId');
  return {
    at: new Date(time).toISOString(),
    route: text('route') ?? '',
    method: text('method') ?? '',
    status: Number(line.status ?? 0),
    ...(caller ? { caller } : {}),
    ...(requestId ? { requestId } : {}),
  };
}
