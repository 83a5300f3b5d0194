import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { Config } from '../lib/config.js';
import { type ActivitySource, cloudWatchActivity } from './activity.js';
import { localActivity, localMetrics } from './local.js';
import { cloudWatchMetrics, type MetricsSource } from './metrics.js';

export interface ObservabilitySources {
  activity: ActivitySource;
  metrics: MetricsSource;
}

/** The state machine's name, the last part of its ARN. */
const machineName = (arn: string) => arn.split(':').at(-1) ?? '';

/**
 * CloudWatch in AWS; the local stack's log files where it says where they
 * are (LOCAL_LOG_FILE, set by the local stack alone).
 */
export function observabilitySources(config: Config): ObservabilitySources {
  const where = {
    namespace: config.POWERTOOLS_METRICS_NAMESPACE,
    region: config.REGION_NAME,
  };
  if (config.LOCAL_LOG_FILE) {
    return {
      activity: localActivity(config.LOCAL_LOG_FILE),
      metrics: localMetrics({
        ...where,
        logFile: config.LOCAL_LOG_FILE,
        workflowLogFile: config.LOCAL_WORKFLOW_LOG_FILE,
        expiryMachine: machineName(config.EXPIRY_STATE_MACHINE_ARN),
      }),
    };
  }
  const sdk = { maxAttempts: 3 };
  return {
    activity: cloudWatchActivity({
      client: new CloudWatchLogsClient(sdk),
      logGroups: config.ACTIVITY_LOG_GROUPS,
    }),
    metrics: cloudWatchMetrics({
      ...where,
      client: new CloudWatchClient(sdk),
    }),
  };
}
