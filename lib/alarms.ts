import { Duration } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { type ITable, Operation } from 'aws-cdk-lib/aws-dynamodb';
import { Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  FilterPattern,
  type ILogGroup,
  MetricFilter,
} from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { seriesSpecs } from '../functions/lib/metric-names.js';
import { suppressDeadLetterQueueFinding } from './nag-suppressions.js';

export interface AlarmsProps {
  emails: readonly string[];
  dataKey: IKey;
}

/** Alarms that e-mail the region's operators when something fails. */
export class Alarms extends Construct {
  readonly topic: Topic;
  /** Every alarm made here, for the dashboard. */
  readonly alarms: Alarm[] = [];

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
    this.alarms.push(alarm);

    return alarm;
  }

  /**
   * The API's 5xx rate: at least 5 % of requests over five minutes, and
   * at least five of them, so one failure at 3 a.m. is not a page.
   */
  watchApi(api: RestApi): void {
    this.whenAtLeast('ApiServerErrors', api.metricServerError(fiveMinutes), 5);
    const rate = new MathExpression({
      expression: 'IF(requests >= 20, 100 * errors / requests, 0)',
      usingMetrics: {
        errors: api.metricServerError(fiveMinutes),
        requests: api.metricCount(fiveMinutes),
      },
      period: Duration.minutes(5),
      label: 'API 5xx rate (%)',
    });
    this.whenAtLeast('ApiServerErrorRate', rate, 5);
  }

  /** Errors and throttles of each function. */
  watchFunctions(functions: Record<string, IFunction>): void {
    for (const [name, fn] of Object.entries(functions)) {
      const id = pascalCase(name);
      this.whenAtLeast(`${id}Errors`, fn.metricErrors(fiveMinutes), 1);
      this.whenAtLeast(`${id}Throttles`, fn.metricThrottles(fiveMinutes), 1);
    }
  }

  /**
   * Failed, timed-out and aborted executions of every state machine given:
   * a machine added to the stack is covered by adding it to the list.
   */
  watchStateMachines(machines: Record<string, IStateMachine>): void {
    for (const [name, machine] of Object.entries(machines)) {
      const id = pascalCase(name);
      this.whenAtLeast(`${id}Failures`, machine.metricFailed(fiveMinutes), 1);
      this.whenAtLeast(`${id}Timeouts`, machine.metricTimedOut(fiveMinutes), 1);
      this.whenAtLeast(`${id}Aborts`, machine.metricAborted(fiveMinutes), 1);
    }
  }

  /** Throttled requests to the table, for the operations the code uses. */
  watchTable(table: ITable): void {
    const metric = table.metricThrottledRequestsForOperations({
      operations: [
        Operation.GET_ITEM,
        Operation.PUT_ITEM,
        Operation.UPDATE_ITEM,
        Operation.DELETE_ITEM,
        Operation.QUERY,
        Operation.BATCH_GET_ITEM,
        Operation.BATCH_WRITE_ITEM,
        Operation.TRANSACT_WRITE_ITEMS,
      ],
      ...fiveMinutes,
    });
    this.whenAtLeast('TableThrottles', metric, 1);
  }

  /**
   * Where a failed execution is kept: Step Functions only remembers it in
   * its history, which nobody reads unprompted and which ends after 90
   * days. Each failed, timed-out or aborted execution of the machines
   * given lands in this queue (the event names the execution, no input or
   * output), for an operator to look at and clear; its depth alarms.
   */
  deadLetters(machines: Record<string, IStateMachine>, dataKey: IKey): Queue {
    const queue = new Queue(this, 'FailedExecutions', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: dataKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    suppressDeadLetterQueueFinding(queue);
    new Rule(this, 'FailedExecutionRule', {
      description: 'Failed executions of the region state machines',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          status: ['FAILED', 'TIMED_OUT', 'ABORTED'],
          stateMachineArn: Object.values(machines).map(
            (m) => m.stateMachineArn,
          ),
        },
      },
      targets: [new SqsQueue(queue)],
    });
    this.whenAtLeast(
      'DeadLetters',
      queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      1,
    );
    return queue;
  }
}

export const fiveMinutes = { period: Duration.minutes(5), statistic: 'Sum' };

/**
 * Counts offers that expired: the expiry state machine's one task is the
 * conditional update that expires an offer, so each of its successes is
 * one. Written where lib/metrics.ts says OffersExpired is found.
 */
export function countExpiries(
  scope: Construct,
  logGroup: ILogGroup,
  where: { namespace: string; region: string },
): MetricFilter {
  const expired = seriesSpecs(where).find((s) => s.name === 'OffersExpired');
  if (!expired) throw new Error('OffersExpired is not a product metric');
  return new MetricFilter(scope, 'OffersExpiredCount', {
    logGroup,
    metricNamespace: expired.source.namespace,
    metricName: expired.name,
    filterPattern: FilterPattern.all(
      FilterPattern.stringValue('$.type', '=', 'TaskSucceeded'),
      FilterPattern.stringValue('$.details.resource', '=', 'updateItem'),
    ),
    metricValue: '1',
  });
}

/** The region's dashboard: the business counts, then every alarm. */
export function regionDashboard(
  scope: Construct,
  props: {
    regionName: string;
    namespace: string;
    alarms: readonly Alarm[];
  },
): Dashboard {
  const dashboard = new Dashboard(scope, 'Dashboard', {
    dashboardName: `EducationRecords-${props.regionName}`,
    defaultInterval: Duration.days(7),
  });
  const specs = seriesSpecs({
    namespace: props.namespace,
    region: props.regionName,
  });
  const metricOf = (spec: (typeof specs)[number]) =>
    new Metric({
      namespace: spec.source.namespace,
      metricName: spec.name,
      dimensionsMap: spec.source.dimensions,
      statistic: 'Sum',
      period: Duration.hours(1),
      label: spec.reason ? `${spec.name} (${spec.reason})` : spec.name,
    });
  const groups: [string, RegExp][] = [
    ['Offers and records', /^(Offers|Records)/],
    ['Vouching', /^Vouch/],
    ['Reports and enquiries', /^(Reports|Enquiries)/],
  ];
  for (const [title, names] of groups) {
    dashboard.addWidgets(
      new GraphWidget({
        title,
        width: 24,
        left: specs.filter((s) => names.test(s.name)).map(metricOf),
      }),
    );
  }
  dashboard.addWidgets(
    new AlarmStatusWidget({
      title: 'Alarms',
      width: 24,
      alarms: [...props.alarms],
    }),
  );
  return dashboard;
}

/**
 * Tells the helpdesk when a member of staff vouched for more students in
 * a window than the setting allows (functions/domain/vouching-velocity.ts
 * counts `VouchingVelocityFlagged` in the issuance function).
 */
export function vouchingVelocityAlarm(
  alarms: Alarms,
  where: { namespace: string; region: string },
): Alarm {
  const flagged = seriesSpecs(where).find(
    (s) => s.name === 'VouchingVelocityFlagged',
  );
  if (!flagged) throw new Error('VouchingVelocityFlagged is not a metric');
  const metric = new Metric({
    namespace: flagged.source.namespace,
    metricName: flagged.name,
    dimensionsMap: flagged.source.dimensions,
    ...fiveMinutes,
  });
  return alarms.whenAtLeast('VouchingVelocityFlagged', metric, 1);
}

function pascalCase(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
