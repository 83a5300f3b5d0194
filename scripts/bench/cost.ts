/**
 * AWS cost per 1,000 students over a season, from the counts the bench
 * measured (requests, handler milliseconds, capacity units, log bytes,
 * transitions on the synthesized definitions) and the prices in
 * prices.ts. Cognito is left out: its price is per monthly active user,
 * not per request, and the targets are set before it.
 *
 * A student is linked once (1.2 offers each: one redeemed, the rest left
 * to expire) and refreshed at each release. Inputs that are assumptions
 * rather than measurements are named in `assumptions`.
 */
import { projectMemoryMB } from '../../lib/project-function.js';
import type { OperationWork, WorkResult } from './dynamodb-work.js';
import { type Prices, prices } from './prices.js';
import { below, type Row, row } from './table.js';
import { countTransitions } from './transitions.js';

export const assumptions = {
  offersPerStudent: 1.2,
  releasesPerStudent: 1,
  resultsPerStudent: 8,
  /** X-Ray's default sampling: 1 a second, then 5 %. */
  tracedShare: 0.05,
  /** Step Functions log lines (level ALL, no data) per state entered. */
  stateMachineLogBytesPerTransition: 350,
  nationalStudents: 600_000,
};

export type Assumptions = typeof assumptions;

/** How often each operation runs per student. */
export function operationsPerStudent(a: Assumptions): Record<string, number> {
  return {
    'POST /centres/{urn}/students/{studentId}/vouches': a.offersPerStudent,
    'POST /centres/{urn}/vouches/{vouchId}/offers': a.offersPerStudent,
    'GET /credential-offer/{ref}': 1,
    'POST /token (code)': 1,
    'POST /nonce': 1 + a.releasesPerStudent,
    'POST /credential': 1 + a.releasesPerStudent,
    'POST /token (refresh)': a.releasesPerStudent,
  };
}

export interface CostInputs {
  perRequest: Record<string, OperationWork>;
  accessLogBytes: number;
  /** Per row: the roster import's and the results import's work. */
  rosterRow: OperationWork;
  resultRow: OperationWork;
  transitions: { redeemed: number; expired: number };
  memoryMB: number;
}

export type CostBreakdown = Record<string, number>;

/** USD per 1,000 students, by service. */
export function costPer1000(
  inputs: CostInputs,
  a: Assumptions = assumptions,
  p: Prices = prices,
): CostBreakdown {
  const perStudent = operationsPerStudent(a);
  let requests = 0;
  let gbSeconds = 0;
  let reads = 0;
  let writes = 0;
  let logBytes = 0;
  for (const [op, times] of Object.entries(perStudent)) {
    const w = inputs.perRequest[op];
    if (!w) throw new Error(`No measurement of ${op}`);
    requests += times;
    gbSeconds += times * (w.handlerMs / 1000) * (inputs.memoryMB / 1024);
    reads += times * w.readUnits;
    writes += times * w.writeUnits;
    logBytes += times * (w.logBytes + inputs.accessLogBytes);
  }
  for (const [w, rows] of [
    [inputs.rosterRow, 1],
    [inputs.resultRow, a.resultsPerStudent],
  ] as const) {
    gbSeconds += rows * (w.handlerMs / 1000) * (inputs.memoryMB / 1024);
    reads += rows * w.readUnits;
    writes += rows * w.writeUnits;
    logBytes += rows * w.logBytes;
  }
  const expiring = a.offersPerStudent - 1;
  const transitions =
    inputs.transitions.redeemed + expiring * inputs.transitions.expired;
  // Each offer's state machine ends in one conditional update.
  writes += a.offersPerStudent;
  logBytes += transitions * a.stateMachineLogBytesPerTransition;
  const signatures = 1 + a.releasesPerStudent;

  const n = 1000;
  return {
    'API Gateway': (n * requests * p.apiGateway.perMillionRequests) / 1e6,
    WAF: (n * requests * p.waf.perMillionRequests) / 1e6,
    'Lambda requests': (n * requests * p.lambda.perMillionRequests) / 1e6,
    'Lambda duration': n * gbSeconds * p.lambda.perGbSecond,
    'DynamoDB writes': (n * writes * p.dynamodb.perMillionWriteUnits) / 1e6,
    'DynamoDB reads': (n * reads * p.dynamodb.perMillionReadUnits) / 1e6,
    'Step Functions':
      (n * transitions * p.stepFunctions.perThousandTransitions) / 1000,
    'CloudWatch Logs': (n * logBytes * p.cloudWatchLogs.perGbIngested) / 1e9,
    'KMS signatures': (n * signatures * p.kms.perTenThousandRequests) / 1e4,
    'X-Ray': (n * requests * a.tracedShare * p.xray.perMillionTraces) / 1e6,
  };
}

export const total = (breakdown: CostBreakdown) =>
  Object.values(breakdown).reduce((a, b) => a + b, 0);

function perRow(work: OperationWork | undefined, rows: number): OperationWork {
  if (!work || rows === 0) throw new Error('No import was measured');
  const r = work.requests / rows;
  return {
    requests: r,
    roundTrips: work.roundTrips * r,
    readUnits: work.readUnits * r,
    writeUnits: work.writeUnits * r,
    handlerMs: work.handlerMs * r,
    logBytes: work.logBytes * r,
  };
}

export async function costBenchmark(work: WorkResult): Promise<Row[]> {
  const breakdown = costPer1000({
    perRequest: work.perRequest,
    accessLogBytes: work.accessLogBytes,
    rosterRow: perRow(
      work.perRequest['POST /centres/{urn}/students/import'],
      work.rosterRows,
    ),
    resultRow: perRow(work.perRequest['POST /results/import'], work.resultRows),
    transitions: countTransitions().offer,
    memoryMB: projectMemoryMB,
  });
  const sum = total(breakdown);
  const national = assumptions.nationalStudents.toLocaleString('en-GB');
  return [
    ...Object.entries(breakdown).map(([service, usd]) =>
      row(`cost per 1,000 students: ${service}`, usd * 1000, 'mUSD'),
    ),
    row(
      'cost per 1,000 students, before Cognito',
      sum,
      'USD',
      null,
      below(0.15),
    ),
    row(
      `cost of a national season (${national} students)`,
      (sum * assumptions.nationalStudents) / 1000,
      'USD',
    ),
  ];
}
