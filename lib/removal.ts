import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Stage } from './region-config.js';

/**
 * What a stage keeps when its stack or a resource goes: everything outside
 * `dev` holds records of real students and staff, so it stays.
 */
export interface Lifecycle {
  removalPolicy: RemovalPolicy;
  deletionProtection: boolean;
  logRetention: RetentionDays;
}

export function lifecycleOf(stage: Stage): Lifecycle {
  if (stage === 'dev') {
    return {
      removalPolicy: RemovalPolicy.DESTROY,
      deletionProtection: false,
      logRetention: RetentionDays.ONE_WEEK,
    };
  }

  return {
    removalPolicy: RemovalPolicy.RETAIN,
    deletionProtection: true,
    logRetention: RetentionDays.THREE_MONTHS,
  };
}
