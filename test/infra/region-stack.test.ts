import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { table as scheme } from '../../functions/lib/keys.js';
import { metricNames } from '../../functions/lib/metric-names.js';
import { staffGroups } from '../../lib/staff-pool.js';
import {
  dev,
  devTemplate,
  type Json,
  logicalId,
  prod,
  prodConfig,
  prodTemplate,
} from './synth.js';

const dataKeyArn = () => ({
  'Fn::GetAtt': [logicalId(prod, prod.keys.dataKey), 'Arn'],
});

describe('the records table', () => {
  it('is keyed as keys.ts says, both indexes projecting all', () => {
    const { gsi1, gsi2 } = scheme.indexes;
    const index = (i: typeof gsi1 | typeof gsi2) => ({
      IndexName: i.name,
      KeySchema: [
        { AttributeName: i.partitionKey, KeyType: 'HASH' },
        { AttributeName: i.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    });

    prodTemplate.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: scheme.partitionKey, KeyType: 'HASH' },
        { AttributeName: scheme.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [index(gsi1), index(gsi2)],
    });
  });

  it('bills on demand, keeps point-in-time recovery and expires by ttl', () => {
    prodTemplate.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: {
        AttributeName: scheme.ttlAttribute,
        Enabled: true,
      },
    });
  });

  it('is encrypted with the data key', () => {
    prodTemplate.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: {
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: dataKeyArn(),
      },
    });
  });

  it('is protected from deletion and retained outside dev', () => {
    prodTemplate.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
    });
  });

  it('goes with its stack in dev', () => {
    devTemplate.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
    });
  });
});

describe('the KMS keys', () => {
  it('rotate the symmetric data key', () => {
    const key =
      prodTemplate.toJSON().Resources[logicalId(prod, prod.keys.dataKey)];

    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.Properties.KeySpec ?? 'SYMMETRIC_DEFAULT').toBe(
      'SYMMETRIC_DEFAULT',
    );
  });

  it('make the signing key ECC P-256 and for signing only', () => {
    const key =
      prodTemplate.toJSON().Resources[logicalId(prod, prod.keys.signingKey)];

    expect(key.Properties).toMatchObject({
      KeySpec: 'ECC_NIST_P256',
      KeyUsage: 'SIGN_VERIFY',
    });
  });

  it('are retained outside dev and scheduled for deletion in dev', () => {
    for (const key of [prod.keys.dataKey, prod.keys.signingKey]) {
      const resource = prodTemplate.toJSON().Resources[logicalId(prod, key)];
      expect(resource.DeletionPolicy).toBe('Retain');
    }
    for (const key of [dev.keys.dataKey, dev.keys.signingKey]) {
      const resource = devTemplate.toJSON().Resources[logicalId(dev, key)];
      expect(resource.DeletionPolicy).toBe('Delete');
      expect(resource.Properties.PendingWindowInDays).toBe(7);
    }
  });

  it("let CloudWatch Logs use the data key for the account's logs", () => {
    const key =
      prodTemplate.toJSON().Resources[logicalId(prod, prod.keys.dataKey)];

    expect(key.Properties.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Principal: { Service: `logs.${prodConfig.awsRegion}.amazonaws.com` },
        Condition: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': {
              'Fn::Join': [
                '',
                [
                  `arn:aws:logs:${prodConfig.awsRegion}:`,
                  { Ref: 'AWS::AccountId' },
                  ':log-group:*',
                ],
              ],
            },
          },
        },
      }),
    );
  });
});

describe('the log groups', () => {
  it('are all encrypted with the data key and keep logs for a set time', () => {
    const groups = Object.values(
      prodTemplate.findResources('AWS::Logs::LogGroup'),
    );

    expect(groups.length).toBeGreaterThan(0);
    for (const group of groups) {
      expect(group.Properties.KmsKeyId).toEqual(dataKeyArn());
      expect(group.Properties.RetentionInDays).toBeGreaterThan(0);
      expect(group.DeletionPolicy).toBe('Retain');
    }
  });
});

describe('the staff user pool', () => {
  it('signs in by e-mail address in any case, with no self sign-up', () => {
    prodTemplate.hasResourceProperties('AWS::Cognito::UserPool', {
      UsernameAttributes: ['email'],
      UsernameConfiguration: { CaseSensitive: false },
      AdminCreateUserConfig: Match.objectLike({
        AllowAdminCreateUserOnly: true,
      }),
    });
  });

  it('sends invitations through SES from the configured address', () => {
    prodTemplate.hasResourceProperties('AWS::Cognito::UserPool', {
      EmailConfiguration: Match.objectLike({
        EmailSendingAccount: 'DEVELOPER',
        From: Match.stringLikeRegexp(`<${prodConfig.invitationsFrom}>$`),
        SourceArn: {
          'Fn::Join': [
            '',
            [
              `arn:aws:ses:${prodConfig.awsRegion}:`,
              { Ref: 'AWS::AccountId' },
              `:identity/${prodConfig.invitationsFrom}`,
            ],
          ],
        },
      }),
    });
  });

  it('requires MFA by authenticator app, never by SMS', () => {
    prodTemplate.hasResourceProperties('AWS::Cognito::UserPool', {
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
    });
  });

  it('asks for long passwords of every character class', () => {
    prodTemplate.hasResourceProperties('AWS::Cognito::UserPool', {
      Policies: {
        PasswordPolicy: Match.objectLike({
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        }),
      },
    });
  });

  it('enforces threat protection on the Plus plan', () => {
    prodTemplate.hasResourceProperties('AWS::Cognito::UserPool', {
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
    });
  });

  it('is protected from deletion outside dev only', () => {
    prodTemplate.hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtection: 'ACTIVE' }),
    });
    devTemplate.hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtection: 'INACTIVE' }),
    });
  });

  it('has a public client for SRP and refresh, access for an hour', () => {
    prodTemplate.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      AccessTokenValidity: 60,
      TokenValidityUnits: Match.objectLike({ AccessToken: 'minutes' }),
    });
  });

  it('has the operator and helpdesk groups', () => {
    const names = Object.values(
      prodTemplate.findResources('AWS::Cognito::UserPoolGroup'),
    ).map((group) => group.Properties.GroupName);

    expect(names.sort()).toEqual([...staffGroups].sort());
    expect(staffGroups).toEqual(['operator', 'helpdesk']);
  });
});

describe('the offer expiry state machine', () => {
  it('is a Standard state machine, traced, with encrypted logs', () => {
    prodTemplate.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({
        Level: 'ALL',
        IncludeExecutionData: false,
      }),
    });
  });
});

describe('the alarms', () => {
  it('e-mail every configured address through an encrypted topic', () => {
    prodTemplate.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: dataKeyArn(),
    });
    const endpoints = Object.values(
      prodTemplate.findResources('AWS::SNS::Subscription'),
    ).map((subscription) => subscription.Properties.Endpoint);

    expect(endpoints.sort()).toEqual([...prodConfig.alarmEmails].sort());
  });

  it('watch every function, the API and the state machine', () => {
    const alarms = Object.values(
      prodTemplate.findResources('AWS::CloudWatch::Alarm'),
    );
    const watched = alarms.map((alarm) => alarm.Properties.MetricName);

    expect(watched).toEqual(
      expect.arrayContaining(['Errors', '5XXError', 'ExecutionsFailed']),
    );
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([
        { Ref: logicalId(prod, prod.alarms.topic) },
      ]);
    }
  });
});

describe('the alarms, one by one', () => {
  const resources: Record<string, Json> = prodTemplate.toJSON().Resources;
  const alarms = Object.values(
    prodTemplate.findResources('AWS::CloudWatch::Alarm'),
  );
  const refOf = (construct: { node: { defaultChild?: unknown } }) => ({
    Ref: logicalId(prod, construct),
  });
  const watching = (metricName: string, dimension: Json) =>
    alarms.filter(
      (a) =>
        a.Properties.MetricName === metricName &&
        JSON.stringify(a.Properties.Dimensions ?? []).includes(
          JSON.stringify(dimension),
        ),
    );

  it('watch the failed, timed-out and aborted runs of every state machine', () => {
    const machines = Object.keys(
      prodTemplate.findResources('AWS::StepFunctions::StateMachine'),
    );

    expect(machines.length).toBeGreaterThan(0);
    expect(Object.keys(prod.stateMachines).length).toBe(machines.length);
    for (const id of machines) {
      for (const metric of [
        'ExecutionsFailed',
        'ExecutionsTimedOut',
        'ExecutionsAborted',
      ]) {
        expect(
          watching(metric, { Ref: id }),
          `${metric} of ${id}`,
        ).toHaveLength(1);
      }
    }
  });

  it('watch the throttles of every function', () => {
    // Not the CDK's BucketDeployment function: it runs only at deploy
    // time, and a failed deployment fails the CloudFormation update.
    const functions = Object.keys(
      prodTemplate.findResources('AWS::Lambda::Function'),
    ).filter((id) => !id.startsWith('CustomCDKBucketDeployment'));

    for (const id of functions) {
      expect(watching('Throttles', { Ref: id }), id).toHaveLength(1);
    }
  });

  it("watch the API's 5xx rate, over enough requests to mean something", () => {
    const rate = alarms.find((a) =>
      (a.Properties.Metrics ?? []).some((m: Json) =>
        String(m.Expression ?? '').includes('100 * errors / requests'),
      ),
    );

    expect(rate?.Properties.Threshold).toBe(5);
    expect(rate?.Properties.ComparisonOperator).toBe(
      'GreaterThanOrEqualToThreshold',
    );
  });

  it('watch throttled requests to the table', () => {
    const throttles = alarms.filter((a) =>
      (a.Properties.Metrics ?? []).some(
        (m: Json) => m.MetricStat?.Metric.MetricName === 'ThrottledRequests',
      ),
    );

    expect(throttles).toHaveLength(1);
  });

  it('keep failed executions in an encrypted queue and alarm on its depth', () => {
    const queueId = logicalId(prod, prod.deadLetters);
    const rule: Json = Object.values(
      prodTemplate.findResources('AWS::Events::Rule'),
    )[0];

    expect(resources[queueId].Properties.KmsMasterKeyId).toEqual(dataKeyArn());
    expect(rule.Properties.EventPattern.detail.status).toEqual([
      'FAILED',
      'TIMED_OUT',
      'ABORTED',
    ]);
    expect(rule.Properties.EventPattern.detail.stateMachineArn).toEqual(
      Object.values(prod.stateMachines).map(refOf),
    );
    expect(rule.Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      }),
    ]);
    expect(
      watching('ApproximateNumberOfMessagesVisible', {
        Name: 'QueueName',
        Value: { 'Fn::GetAtt': [queueId, 'QueueName'] },
      }),
    ).toHaveLength(1);
  });

  it("count expired offers from the expiry workflow's own log group", () => {
    prodTemplate.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: refOf(prod.offerExpiry.logGroup),
      MetricTransformations: [
        {
          MetricName: 'OffersExpired',
          MetricNamespace: 'EducationRecords/york',
          MetricValue: '1',
        },
      ],
    });
  });
});

describe('the vouching velocity alarm', () => {
  it('fires on the first flag counted in five minutes', () => {
    prodTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'EducationRecords',
      MetricName: 'VouchingVelocityFlagged',
      Dimensions: [
        { Name: 'region', Value: 'york' },
        { Name: 'service', Value: 'education-records' },
      ],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: logicalId(prod, prod.alarms.topic) }],
    });
  });
});

describe('the dashboard', () => {
  const dashboards = Object.values(
    prodTemplate.findResources('AWS::CloudWatch::Dashboard'),
  );
  const body = JSON.stringify(
    prod.resolve(dashboards[0]?.Properties.DashboardBody),
  );

  it('is one a region', () => {
    expect(dashboards).toHaveLength(1);
  });

  it('shows every business count', () => {
    for (const name of metricNames) {
      // The body is JSON inside a string, so its quotes are escaped.
      expect(body, name).toContain(`\\"${name}\\"`);
    }
  });

  it('shows every alarm of the stack', () => {
    const alarmIds = Object.keys(
      prodTemplate.findResources('AWS::CloudWatch::Alarm'),
    );

    for (const id of alarmIds) expect(body, id).toContain(id);
  });
});

describe('the dev stack', () => {
  it('keeps its logs a week rather than three months', () => {
    const retention = (template: typeof prodTemplate) =>
      new Set(
        Object.values(template.findResources('AWS::Logs::LogGroup')).map(
          (group) => group.Properties.RetentionInDays,
        ),
      );

    expect(retention(devTemplate)).toEqual(new Set([7]));
    expect(retention(prodTemplate)).toEqual(new Set([90]));
  });
});
