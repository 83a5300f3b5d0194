import {
  CloudWatchLogsClient,
  GetQueryResultsCommand,
  StartQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../../functions/lib/errors.js';
import {
  activityQueryText,
  cloudWatchActivity,
} from '../../../functions/observability/activity.js';
import { parseActivityQuery } from '../../../functions/observability/params.js';

const logs = mockClient(CloudWatchLogsClient);
const now = new Date('2026-03-10T12:00:00.000Z');
const good = {
  centre: '141234',
  from: '2026-03-10T09:00:00Z',
  to: '2026-03-10T10:00:00Z',
};
const source = () =>
  cloudWatchActivity({
    client: new CloudWatchLogsClient({ region: 'eu-west-2' }),
    logGroups: ['/aws/lambda/centres', '/aws/lambda/issuance'],
    sleep: async () => undefined,
  });

/** The activity route's whole path: validation, then the query. */
async function activityFor(query: Record<string, string | undefined>) {
  return source().requests(parseActivityQuery(query, now));
}

const codeOf = async (work: () => Promise<unknown>) => {
  try {
    await work();
  } catch (error) {
    if (error instanceof ApiError)
      return { status: error.status, code: error.code };
    throw error;
  }
  return undefined;
};

afterEach(() => logs.reset());

describe('activityQueryText', () => {
  it('filters the summary lines of one centre, oldest first', () => {
    expect(activityQueryText('141234')).toBe(
      [
        'fields @timestamp, route, method, status, caller, requestId',
        '| filter message = "request completed" and centre = "141234"',
        '| sort @timestamp asc',
        '| limit 1000',
      ].join('\n'),
    );
  });

  it('refuses anything but a six-digit URN', () => {
    expect(() => activityQueryText('14123"')).toThrow();
  });
});

describe('the CloudWatch activity source', () => {
  it('starts one query over the log groups, with the range as numbers', async () => {
    logs.on(StartQueryCommand).resolves({ queryId: 'q-1' });
    logs
      .on(GetQueryResultsCommand)
      .resolves({ status: 'Complete', results: [] });

    await activityFor(good);

    const start = logs.commandCalls(StartQueryCommand)[0]?.args[0].input;
    expect(start).toMatchObject({
      logGroupNames: ['/aws/lambda/centres', '/aws/lambda/issuance'],
      startTime: Date.parse(good.from) / 1000,
      endTime: Date.parse(good.to) / 1000,
      queryString: activityQueryText('141234'),
    });
  });

  it('polls until the query is complete and reads its rows', async () => {
    logs.on(StartQueryCommand).resolves({ queryId: 'q-1' });
    logs
      .on(GetQueryResultsCommand)
      .resolvesOnce({ status: 'Running' })
      .resolvesOnce({
        status: 'Complete',
        results: [
          [
            { field: '@timestamp', value: '2026-03-10 09:15:00.000' },
            { field: 'route', value: '/centres/{urn}/students' },
            { field: 'method', value: 'GET' },
            { field: 'status', value: '200' },
            { field: 'caller', value: 'sub-1' },
          ],
        ],
      });

    const items = await activityFor(good);

    expect(logs.commandCalls(GetQueryResultsCommand)).toHaveLength(2);
    expect(items).toEqual([
      {
        at: '2026-03-10T09:15:00.000Z',
        route: '/centres/{urn}/students',
        method: 'GET',
        status: 200,
        caller: 'sub-1',
      },
    ]);
  });

  it('answers 503 with Retry-After when the query runs past its budget', async () => {
    logs.on(StartQueryCommand).resolves({ queryId: 'q-1' });
    logs.on(GetQueryResultsCommand).resolves({ status: 'Running' });

    const error = await activityFor(good).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(503);
    expect((error as ApiError).code).toBe('ACTIVITY_QUERY_RUNNING');
    expect((error as ApiError).headers?.['Retry-After']).toBe('5');
  });

  it('answers 503 when Logs Insights gives the query up', async () => {
    logs.on(StartQueryCommand).resolves({ queryId: 'q-1' });
    logs.on(GetQueryResultsCommand).resolves({ status: 'Timeout' });

    expect(await codeOf(() => activityFor(good))).toEqual({
      status: 503,
      code: 'SERVICE_UNAVAILABLE',
    });
  });
});

describe('the activity parameters', () => {
  it.each([
    [{ ...good, centre: '14123' }, 'INVALID_CENTRE'],
    [{ ...good, centre: undefined }, 'MISSING_FIELD'],
    [{ ...good, from: '2026-03-10' }, 'INVALID_TIME'],
    [{ ...good, from: '2026-02-30T09:00:00Z' }, 'INVALID_TIME'],
    [{ ...good, to: '2026-03-10T10:00:00+01:00' }, 'INVALID_TIME'],
    [{ ...good, to: good.from }, 'RANGE_REVERSED'],
    [{ ...good, from: '2026-02-01T00:00:00Z' }, 'RANGE_TOO_LONG'],
    [
      { ...good, from: '2026-03-11T00:00:00Z', to: '2026-03-12T00:00:00Z' },
      'RANGE_IN_FUTURE',
    ],
    [{ ...good, limit: '5' }, 'UNKNOWN_PARAMETER'],
  ])('refuse %o with %s', (query, code) => {
    expect(() => parseActivityQuery(query, now)).toThrow(
      expect.objectContaining({ status: 400, code }),
    );
  });

  it('never let a centre that is not six digits reach StartQuery', async () => {
    logs.on(StartQueryCommand).resolves({ queryId: 'q-1' });
    logs.on(GetQueryResultsCommand).resolves({ status: 'Complete' });

    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'binary', maxLength: 40 }),
        async (centre) => {
          fc.pre(!/^\d{6}$/.test(centre));
          logs.resetHistory();

          const refused = await codeOf(() => activityFor({ ...good, centre }));

          expect(refused?.status).toBe(400);
          expect(logs.commandCalls(StartQueryCommand)).toHaveLength(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never let a time that is not an instant reach StartQuery', async () => {
    logs.on(StartQueryCommand).resolves({ queryId: 'q-1' });
    logs.on(GetQueryResultsCommand).resolves({ status: 'Complete' });

    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 40 }),
        fc.constantFrom('from', 'to'),
        async (value, name) => {
          fc.pre(
            !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(value),
          );
          logs.resetHistory();

          const refused = await codeOf(() =>
            activityFor({ ...good, [name]: value }),
          );

          expect(refused?.status).toBe(400);
          expect(logs.commandCalls(StartQueryCommand)).toHaveLength(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('put nothing but six digits of the caller in any query it starts', async () => {
    logs.on(StartQueryCommand).resolves({ queryId: 'q-1' });
    logs.on(GetQueryResultsCommand).resolves({ status: 'Complete' });

    await fc.assert(
      fc.asyncProperty(
        fc.record({
          centre: fc.oneof(fc.string(), fc.stringMatching(/^\d{6}$/)),
          from: fc.oneof(fc.string(), fc.constant(good.from)),
          to: fc.oneof(fc.string(), fc.constant(good.to)),
        }),
        async (query) => {
          logs.resetHistory();
          await codeOf(() => activityFor(query));

          for (const call of logs.commandCalls(StartQueryCommand)) {
            expect(call.args[0].input.queryString).toBe(
              activityQueryText(query.centre),
            );
            expect(query.centre).toMatch(/^\d{6}$/);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
