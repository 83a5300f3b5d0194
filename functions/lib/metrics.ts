import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { type MetricName, metricsService } from './metric-names.js';

export * from './metric-names.js';

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
