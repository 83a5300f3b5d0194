import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface AlarmsProps {
  emails: readonly string[];
  dataKey: IKey;
}

/** Alarms that e-mail the region's operators when something fails. */
export class Alarms extends Construct {
  readonly topic: Topic;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);

    this.topic = new Topic(this, 'Topic', {
      displayName: 'Education Records alarms',
      masterKey: props.dataKey,
      enforceSSL: true,
    });
    for (const email of props.emails) {
      this.topic.addSubscription(new EmailSubscription(email));
    }
  }

  /** Alarms when the metric's sum over five minutes reaches `threshold`. */
  whenAtLeast(id: string, metric: IMetric, threshold: number): Alarm {
    const alarm = new Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(this.topic));

    return alarm;
  }
}

export const fiveMinutes = { period: Duration.minutes(5), statistic: 'Sum' };

/**
 * Tells the helpdesk when a member of staff vouched for more students in
 * a window than the setting allows (functions/domain/vouching-velocity.ts
 * counts `VouchingVelocityFlagged` in the issuance function).
 */
export function vouchingVelocityAlarm(
  alarms: Alarms,
  regionName: string,
): Alarm {
  const metric = new Metric({
    namespace: 'EducationRecords',
    metricName: 'VouchingVelocityFlagged',
    dimensionsMap: {
      service: 'education-records-issuance',
      region: regionName,
    },
    ...fiveMinutes,
  });

  return alarms.whenAtLeast('VouchingVelocityFlagged', metric, 1);
}
