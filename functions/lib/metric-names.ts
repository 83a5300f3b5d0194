/**
 * The product's counts, by name, and where each is found in CloudWatch.
 * Plain data, no SDK: the CDK app reads it for the dashboard and the
 * metric filter, the admin function for its metrics view.
 */

/**
 * The `service` dimension of every count. It is the product's, not the
 * function's (whose logs carry its own service name), so that a count
 * reads back with one set of dimensions whichever function kept it.
 */
export const metricsService = 'education-records';

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
 * The codes a vouch is refused with, which the `VouchesRefused` count
 * takes as its `reason`: a fixed set, so the metric stays small.
 */
export const vouchRefusalReasons = [
  'NOT_CENTRE_STAFF',
  'STAFF_INACTIVE',
  'CENTRE_SUSPENDED',
  'NOT_DATA_ISSUER',
  'EXAMS_OFFICER_MAY_NOT_VOUCH',
  'NOT_IN_STUDENT_GROUPS',
  'DATE_OF_BIRTH_MISMATCH',
  'TOO_MANY_DATE_MISMATCHES',
  'LOOK_ALIKE_NOT_ACKNOWLEDGED',
] as const;
export type VouchRefusalReason = (typeof vouchRefusalReasons)[number];

/** Counts kept by cause, with every cause they can have. */
const reasonsOf: Partial<Record<MetricName, readonly string[]>> = {
  VouchesRefused: vouchRefusalReasons,
};

export interface SeriesSpec {
  name: MetricName;
  reason?: string;
  source: MetricSource;
}

/**
 * Every series the product keeps, in a fixed order: each count, and each
 * cause of those kept by cause.
 */
export function seriesSpecs(where: {
  namespace: string;
  region: string;
}): SeriesSpec[] {
  return metricNames.flatMap((name) => {
    const source = metricSource(name, where);
    const reasons = reasonsOf[name];
    if (!reasons) return [{ name, source }];
    return reasons.map((reason) => ({
      name,
      reason,
      source: {
        ...source,
        dimensions: { ...source.dimensions, reason },
      },
    }));
  });
}
