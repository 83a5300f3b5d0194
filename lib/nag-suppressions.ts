import { NagSuppressions } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * Each suppression the stack needs, with the reason it is safe. They are
 * applied to the narrowest construct, and wildcard findings only for the
 * exact wildcard named (`appliesTo`).
 */

/** Functions that read and write the table and trace with X-Ray. */
export function suppressFunctionFindings(role: IConstruct): void {
  NagSuppressions.addResourceSuppressions(
    role,
    [
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'Typed table grant: the queries need every global secondary ' +
          'index of this one table (table ARN followed by /index/*).',
        appliesTo: [
          { regex: '/^Resource::<RecordsTable.+\\.Arn>/index/\\*$/' },
        ],
      },
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'Typed table grant: DynamoDB needs these KMS actions on the ' +
          'data key, which is named as the only resource.',
        appliesTo: ['Action::kms:GenerateDataKey*', 'Action::kms:ReEncrypt*'],
      },
      xrayFinding,
    ],
    true,
  );
}

/** The state machine's role: it traces and delivers its own logs. */
export function suppressStateMachineFindings(role: IConstruct): void {
  NagSuppressions.addResourceSuppressions(
    role,
    [
      {
        ...xrayFinding,
        reason:
          `${xrayFinding.reason} CloudWatch Logs delivery actions ` +
          '(logs:CreateLogDelivery and the rest) take no resource either: ' +
          'https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html',
      },
    ],
    true,
  );
}

/**
 * The report routing machine's role: the Lambda task's typed grant names
 * the function and its versions (`<arn>:*`), as Step Functions invokes a
 * function by ARN or qualified ARN.
 */
export function suppressInvokeFindings(role: IConstruct): void {
  NagSuppressions.addResourceSuppressions(
    role,
    [
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'Typed invoke grant on the one routing function: the wildcard ' +
          'covers only its versions and aliases (function ARN then :*).',
        appliesTo: [
          { regex: '/^Resource::<ReportRoutingFunction.+\\.Arn>:\\*$/' },
        ],
      },
    ],
    true,
  );
}

const xrayFinding = {
  id: 'AwsSolutions-IAM5',
  reason:
    'X-Ray PutTraceSegments and PutTelemetryRecords support no ' +
    'resource-level permissions, so their resource is *: ' +
    'https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html',
  appliesTo: ['Resource::*'],
};

/** Wallet-facing and metadata routes, public by the protocol. */
export function suppressPublicMethodFindings(method: IConstruct): void {
  const reason =
    'Public by OpenID4VCI: wallets call metadata, the token endpoint ' +
    '(pre-authorized code with tx_code) and the credential endpoint ' +
    "(the issuer's own access token, which the handler checks) " +
    'with no Cognito sign-in; record-error reports carry the record ' +
    'with a key-binding JWT, which the handler checks. WAF rate-limits ' +
    'the token, nonce, credential and record-error paths per address.';
  NagSuppressions.addResourceSuppressions(method, [
    { id: 'AwsSolutions-APIG4', reason },
    { id: 'AwsSolutions-COG4', reason },
  ]);
}

/** The stage logs every request to its access log instead. */
export function suppressExecutionLoggingFinding(stage: IConstruct): void {
  NagSuppressions.addResourceSuppressions(stage, [
    {
      id: 'AwsSolutions-APIG6',
      reason:
        'The stage writes a JSON access log line for every request ' +
        '(resource template, status, latencies, WAF status). Execution ' +
        'logging needs the account-wide API Gateway CloudWatch role, which ' +
        'two regional stacks in one AWS region would fight over, and at ' +
        'INFO it logs request paths that carry offer references.',
    },
  ]);
}

/** Bodies are checked by the handlers, which know their content types. */
export function suppressRequestBodyValidationFinding(api: IConstruct): void {
  NagSuppressions.addResourceSuppressions(api, [
    {
      id: 'AwsSolutions-APIG2',
      reason:
        'Every method has a request validator that requires its path ' +
        'parameters. Bodies (JSON, CSV, form) are parsed and validated ' +
        'with zod in the handler; a body validator without JSON Schema ' +
        'models would check nothing and suggest otherwise.',
    },
  ]);
}

/** The runtime the project is built and tested on. */
export function suppressRuntimeFinding(fn: IConstruct): void {
  NagSuppressions.addResourceSuppressions(fn, [
    {
      id: 'AwsSolutions-L1',
      reason:
        "nodejs24.x is the CDK's NODEJS_LATEST and the Node the project " +
        'pins (the `node` devDependency) and tests on. The newer ' +
        'nodejs26.x is a toolchain change made with the tests, not here.',
    },
  ]);
}

/** The queue of failed executions is itself the dead letter. */
export function suppressDeadLetterQueueFinding(queue: IConstruct): void {
  NagSuppressions.addResourceSuppressions(queue, [
    {
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is the dead letter: it keeps failed state machine ' +
        'executions for an operator, and nothing consumes it by program, ' +
        'so no message can fail a delivery and need a queue of its own.',
    },
  ]);
}

/**
 * The admin function's reads of CloudWatch, which name no resource.
 */
export function suppressObservabilityFindings(role: IConstruct): void {
  NagSuppressions.addResourceSuppressions(
    role,
    [
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'cloudwatch:GetMetricData and logs:GetQueryResults support no ' +
          'resource-level permissions, so their resource is *: ' +
          'https://docs.aws.amazon.com/service-authorization/latest/' +
          'reference/list_amazoncloudwatch.html. The function reads only ' +
          'the product namespace and its own query ids.',
        appliesTo: ['Resource::*'],
      },
    ],
    true,
  );
}

/**
 * The console's asset bucket and distribution: public static files (the
 * GOV.UK Frontend stylesheet, fonts, images and one script), nothing
 * personal, so access logs and WAF are not kept for them.
 */
export function suppressAssetFindings(
  bucket: IConstruct,
  distribution: IConstruct,
): void {
  NagSuppressions.addResourceSuppressions(bucket, [
    {
      id: 'AwsSolutions-S1',
      reason:
        'Static, public files of the console (no personal data); ' +
        'CloudFront is the only reader, through origin access control.',
    },
  ]);
  NagSuppressions.addResourceSuppressions(distribution, [
    {
      id: 'AwsSolutions-CFR1',
      reason:
        'Staff work from schools, homes and trips anywhere; the files are ' +
        'public GOV.UK Frontend assets, so no geography is kept out.',
    },
    {
      id: 'AwsSolutions-CFR2',
      reason:
        'Static files only; the pages and the API are behind the ' +
        'regional WAF on API Gateway.',
    },
    {
      id: 'AwsSolutions-CFR3',
      reason:
        'Static, public files with nothing personal in their paths or ' +
        'answers: an access log of them would record nothing worth keeping.',
    },
    {
      id: 'AwsSolutions-CFR4',
      reason:
        'The default CloudFront certificate is used; the distribution ' +
        'asks TLS 1.2 (TLSv1.2_2021), which CloudFront applies with a ' +
        'custom certificate only.',
    },
  ]);
}

/**
 * BucketDeployment's own function and role (made by the CDK, run only at
 * deploy time): its managed policy and wildcard grants on the bucket and
 * the CDK's asset bucket.
 */
export function suppressAssetDeploymentFindings(
  scope: IConstruct,
  deployments: IConstruct[],
): void {
  const stack = scope.node.scopes[0];
  const targets = [
    ...deployments,
    ...(stack?.node.findAll() ?? []).filter((c) =>
      c.node.id.startsWith('Custom::CDKBucketDeployment'),
    ),
  ];
  for (const target of targets) {
    NagSuppressions.addResourceSuppressions(
      target,
      [
        {
          id: 'AwsSolutions-IAM4',
          reason:
            "The CDK's BucketDeployment function uses the basic execution " +
            'role for its logs; it runs only at deploy time, never in service.',
        },
        {
          id: 'AwsSolutions-IAM5',
          reason:
            "BucketDeployment's typed grants: read the CDK asset bucket's " +
            "objects and write this bucket's (bucket/*).",
        },
        {
          id: 'AwsSolutions-L1',
          reason:
            "The CDK sets BucketDeployment's runtime, not this app; the " +
            'function runs only at deploy time, under CloudFormation.',
        },
      ],
      true,
    );
  }
}
