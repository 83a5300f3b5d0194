import { Duration } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  Choice,
  Condition,
  DefinitionBody,
  JitterType,
  JsonPath,
  LogLevel,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { encryptedLogGroup } from './encrypted-log-group.js';
import type { Lifecycle } from './removal.js';

/** The states, named as the execution history shows them. */
export const reportRoutingStates = {
  route: 'Route report',
  settled: 'Route ended?',
  wait: 'Wait for staff',
  ended: 'Report settled',
} as const;

/**
 * Routes one record-error report until someone settles it. The reports
 * function starts it as `report-<reportId>` with `{urn, reportId}`.
 *
 * A loop of three states: the routing function does what is due (assign
 * and notify, escalate, open a helpdesk enquiry) and answers either
 * `done` or the time the current wait ends, which the Wait state takes as
 * its timestamp. Staff acting on the report move its deadline and route
 * version in the table; the wait that then ends finds the deadline ahead
 * and waits again, or finds the report settled and ends. So no task
 * token is needed, locally or in AWS, and a stale wait changes nothing.
 *
 * Transitions: three a wait (task, choice, wait) and two to end. A report
 * acknowledged and resolved in time costs about nine.
 */
export class ReportRouting extends Construct {
  readonly stateMachine: StateMachine;

  constructor(
    scope: Construct,
    id: string,
    props: {
      routingFunction: IFunction;
      dataKey: IKey;
      lifecycle: Lifecycle;
    },
  ) {
    super(scope, id);

    const route = new LambdaInvoke(this, reportRoutingStates.route, {
      lambdaFunction: props.routingFunction,
      payloadResponseOnly: true,
      payload: TaskInput.fromObject({
        urn: JsonPath.stringAt('$.urn'),
        reportId: JsonPath.stringAt('$.reportId'),
      }),
      resultPath: '$.step',
      retryOnServiceExceptions: true,
    });
    // A throttled table or a slow SES answer fails the task; the report
    // can wait minutes, so the retries are patient.
    route.addRetry({
      errors: ['States.TaskFailed'],
      interval: Duration.seconds(30),
      backoffRate: 2,
      maxAttempts: 5,
      jitterStrategy: JitterType.FULL,
    });

    const wait = new Wait(this, reportRoutingStates.wait, {
      time: WaitTime.timestampPath('$.step.waitUntil'),
    });
    const ended = new Succeed(this, reportRoutingStates.ended);
    const settled = new Choice(this, reportRoutingStates.settled)
      .when(Condition.booleanEquals('$.step.done', true), ended)
      .otherwise(wait);
    wait.next(route);

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(route.next(settled)),
      comment: 'Routes a record-error report until someone settles it',
      tracingEnabled: true,
      logs: {
        destination: encryptedLogGroup(this, 'Logs', props),
        level: LogLevel.ALL,
        // Ids only flow through it, but the history is enough.
        includeExecutionData: false,
      },
    });
  }
}
