import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * The `service` dimension of every count. It is the product's, not the
 * function's (whose logs carry its own service name), so that a count
 * reads back with one set of dimensions whichever function kept it.
 */
export const metricsService = 'education-records';

/** The namespace of the counts: set per stack, the same in every function. */
export const metricsNamespace = () =>
  process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'EducationRecords';

/**
 * The product's business metrics, in CloudWatch embedded metric format
 * (one JSON log line per flush, no API call). Dimensions stay
 * low-cardinality: the service and the region, never a centre, a member of
 * staff or a student, so the metric count does not grow with the roll.
 */
export const metrics = new Metrics({
  namespace: metricsNamespace(),
  serviceName: metricsService,
  defaultDimensions: { region: process.env.REGION_NAME ?? 'local' },
});

/** The names of the counts the product keeps; the helpdesk reads these. */
export const metricNames = [
  'OffersCreated',
  'OffersRedeemed',
  'RecordsDelivered',
  'OffersExpired',
  'OffersRevoked',
  'VouchesRefused',
  'VouchingVelocityFlagged',
  'ReportsOpened',
  'ReportsEscalated',
  'ReportsResolved',
  'EnquiriesOpened',
] as const;
export type MetricName = (typeof metricNames)[number];

/** Where a count is found in CloudWatch: its namespace and dimensions. */
export interface MetricSource {
  namespace: string;
  dimensions: Record<string, string>;
}

/**
 * Offers expire in the expiry workflow, which runs no function: a metric
 * filter on the workflow's log group counts them (see lib/alarms.ts).
 * Metric filters take dimensions only from fields of the log event, and
 * those name no region, so the region goes in the namespace instead.
 */
export const workflowCounted: readonly MetricName[] = ['OffersExpired'];

export function metricSource(
  name: MetricName,
  where: { namespace: string; region: string },
): MetricSource {
  if (workflowCounted.includes(name)) {
    return { namespace: `${where.namespace}/${where.region}`, dimensions: {} };
  }
  return {
    namespace: where.namespace,
    dimensions: { service: metricsService, region: where.region },
  };
}

/**
 * Adds one to a count. `reason` is for counts split by a small, fixed set
 * of causes (a refusal's error code, say); it becomes a dimension, so it
 * must never carry an identifier.
 */
export function count(name: MetricName, reason?: string): void {
  if (reason === undefined) {
    metrics.addMetric(name, MetricUnit.Count, 1);
    return;
  }
  const single = metrics.singleMetric();
  single.addDimension('reason', reason);
  single.addMetric(name, MetricUnit.Count, 1);
}

/** Writes the counts of this invocation, if it kept any. */
export function publishCounts(): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}
