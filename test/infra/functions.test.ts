import { describe, expect, it } from 'vitest';
import { type RouteGroup, routeGroups } from '../../functions/routes.js';
import {
  type Json,
  logicalId,
  prod,
  prodConfig,
  prodTemplate,
} from './synth.js';

const resources: Record<string, Json> = prodTemplate.toJSON().Resources;

/** What a typed read/write grant on the table allows. */
const tableReadWrite = [
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DeleteItem',
  'dynamodb:DescribeTable',
  'dynamodb:GetItem',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:UpdateItem',
];
/** The table is encrypted with the data key, so its grant includes these. */
const dataKeyUse = [
  'kms:Decrypt',
  'kms:DescribeKey',
  'kms:Encrypt',
  'kms:GenerateDataKey*',
  'kms:ReEncrypt*',
];
const ownLogs = ['logs:CreateLogStream', 'logs:PutLogEvents'];
const tracing = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
const signInAdmin = [
  'cognito-idp:AdminAddUserToGroup',
  'cognito-idp:AdminCreateUser',
  'cognito-idp:AdminDisableUser',
  'cognito-idp:AdminGetUser',
  'cognito-idp:AdminListGroupsForUser',
];

const helpdeskAdmin = [
  'cognito-idp:AdminAddUserToGroup',
  'cognito-idp:AdminCreateUser',
  'cognito-idp:AdminDisableUser',
  'cognito-idp:AdminEnableUser',
  'cognito-idp:AdminGetUser',
  'cognito-idp:AdminListGroupsForUser',
  'cognito-idp:AdminRemoveUserFromGroup',
  'cognito-idp:ListUsers',
];
/** Reads that support no resource-level permission. */
const unscopedReads = ['cloudwatch:GetMetricData', 'logs:GetQueryResults'];

const extraActions: Record<RouteGroup, string[]> = {
  admin: [...helpdeskAdmin, ...unscopedReads, 'logs:StartQuery'],
  centres: signInAdmin,
  staff: signInAdmin,
  students: [],
  groups: [],
  issuance: ['states:StartExecution'],
  results: [],
  wallet: ['kms:GetPublicKey', 'kms:Sign'],
  reports: ['kms:GetPublicKey', 'ses:SendEmail', 'states:StartExecution'],
  enquiries: ['ses:SendEmail'],
  'subject-access': [],
  console: [],
};

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: Json;
}

/** Every statement of every policy attached to a role. */
function statementsOf(roleId: string): Statement[] {
  const inline = (resources[roleId]?.Properties.Policies ?? []).flatMap(
    (policy: Json) => policy.PolicyDocument.Statement,
  );
  const attached = Object.values(resources)
    .filter(
      (resource) =>
        resource.Type === 'AWS::IAM::Policy' &&
        resource.Properties.Roles.some((role: Json) => role.Ref === roleId),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);

  return [...inline, ...attached];
}

const asList = <T>(value: T | T[]): T[] =>
  Array.isArray(value) ? value : [value];

function functionOf(group: RouteGroup) {
  return roleOfFunction(prod.functions[group].function);
}

function roleOfFunction(fn: (typeof prod.functions)[RouteGroup]['function']) {
  const resource = resources[logicalId(prod, fn)];
  const roleId = resource.Properties.Role['Fn::GetAtt'][0];
  return { resource, roleId, statements: statementsOf(roleId) };
}

function actionsOf(statements: Statement[]): string[] {
  return [...new Set(statements.flatMap((s) => asList(s.Action)))].sort();
}

function resourcesOf(statements: Statement[], action: string): Json[] {
  return statements
    .filter((s) => asList(s.Action).includes(action))
    .flatMap((s) => asList(s.Resource));
}

describe('the functions', () => {
  it('are one per route group', () => {
    // The CDK's BucketDeployment function runs only at deploy time, under
    // CloudFormation, to copy the console's assets: not a service function.
    const functions = Object.entries(resources)
      .filter(([id]) => !id.startsWith('CustomCDKBucketDeployment'))
      .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function');

    // And the report routing workflow's task.
    expect(functions).toHaveLength(routeGroups.length + 1);
    expect(Object.keys(prod.functions).sort()).toEqual([...routeGroups].sort());
  });

  it.each(routeGroups)('run %s on nodejs24.x, arm64, traced', (group) => {
    const { resource } = functionOf(group);

    expect(resource.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      Handler: 'index.handler',
    });
  });

  it.each(routeGroups)('log %s as JSON to its own encrypted group', (group) => {
    const { resource } = functionOf(group);
    const logGroupId = logicalId(prod, prod.functions[group].logGroup);

    expect(resource.Properties.LoggingConfig).toMatchObject({
      LogFormat: 'JSON',
      LogGroup: { Ref: logGroupId },
    });
    expect(resources[logGroupId].Properties.KmsKeyId).toEqual({
      'Fn::GetAtt': [logicalId(prod, prod.keys.dataKey), 'Arn'],
    });
  });

  it.each(routeGroups)('give %s every setting config.ts reads', (group) => {
    const { resource } = functionOf(group);
    const variables = resource.Properties.Environment.Variables;
    const ref = (construct: { node: { defaultChild?: unknown } }) => ({
      Ref: logicalId(prod, construct),
    });

    const activityGroups = ['centres', 'staff', 'students', 'groups']
      .concat(['issuance', 'reports'])
      .map((g) => ref(prod.functions[g as RouteGroup].logGroup));

    expect(variables).toEqual({
      ...(group === 'admin'
        ? { ACTIVITY_LOG_GROUPS: { 'Fn::Join': [',', activityGroups] } }
        : {}),
      REGION_NAME: 'york',
      TABLE_NAME: ref(prod.records.table),
      ISSUER_URL: `https://${prodConfig.domainName}`,
      USER_POOL_ID: ref(prod.staff.userPool),
      USER_POOL_CLIENT_ID: ref(prod.staff.client),
      EXPIRY_STATE_MACHINE_ARN: ref(prod.offerExpiry.stateMachine),
      SIGNING_KEY_ID: ref(prod.keys.signingKey),
      MAIL_FROM: prodConfig.invitationsFrom,
      CONSOLE_URL: `https://${prodConfig.domainName}`,
      REPORT_ROUTING_STATE_MACHINE_ARN: ref(prod.reportRouting.stateMachine),
      POWERTOOLS_SERVICE_NAME: `education-records-${group}`,
      POWERTOOLS_METRICS_NAMESPACE: 'EducationRecords',
      NODE_OPTIONS: '--enable-source-maps',
      ...(group === 'console'
        ? {
            API_URL: `https://${prodConfig.domainName}`,
            CONSOLE_ORIGIN: `https://${prodConfig.domainName}`,
            CONSOLE_SIGN_IN: 'hosted-ui',
            COGNITO_DOMAIN: expect.anything(),
            CONSOLE_ASSETS_URL: expect.anything(),
          }
        : {}),
    });
  });
});

describe('the function permissions', () => {
  it.each(routeGroups)('allow %s only the actions it needs', (group) => {
    const { statements } = functionOf(group);

    expect(actionsOf(statements)).toEqual(
      [
        ...tableReadWrite,
        ...dataKeyUse,
        ...ownLogs,
        ...tracing,
        ...extraActions[group],
      ].sort(),
    );
    expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
  });

  it.each(routeGroups)(
    'name a resource for every %s action but tracing',
    (group) => {
      const { statements } = functionOf(group);

      for (const statement of statements) {
        if (!asList(statement.Resource).includes('*')) continue;
        const allowed =
          group === 'admin' ? [...tracing, ...unscopedReads] : tracing;
        for (const action of asList(statement.Action)) {
          expect(allowed).toContain(action);
        }
      }
    },
  );

  it('let functions use the table and its indexes, nothing more', () => {
    const tableArn = {
      'Fn::GetAtt': [logicalId(prod, prod.records.table), 'Arn'],
    };

    for (const group of routeGroups) {
      const { statements } = functionOf(group);
      expect(resourcesOf(statements, 'dynamodb:PutItem')).toEqual([
        tableArn,
        { 'Fn::Join': ['', [tableArn, '/index/*']] },
      ]);
    }
  });

  it('let only staff and centres manage sign-ins, on the pool alone', () => {
    const poolArn = {
      'Fn::GetAtt': [logicalId(prod, prod.staff.userPool), 'Arn'],
    };

    for (const group of ['staff', 'centres'] as const) {
      const { statements } = functionOf(group);
      for (const action of signInAdmin) {
        expect(resourcesOf(statements, action)).toEqual([poolArn]);
      }
    }
  });

  it('let only issuance start the expiry state machine, and only it', () => {
    const { statements } = functionOf('issuance');

    expect(resourcesOf(statements, 'states:StartExecution')).toEqual([
      { Ref: logicalId(prod, prod.offerExpiry.stateMachine) },
    ]);
  });

  it('let only wallet sign, with the signing key alone', () => {
    const { statements } = functionOf('wallet');
    const signingKeyArn = {
      'Fn::GetAtt': [logicalId(prod, prod.keys.signingKey), 'Arn'],
    };

    expect(resourcesOf(statements, 'kms:Sign')).toEqual([signingKeyArn]);
    expect(resourcesOf(statements, 'kms:GetPublicKey')).toEqual([
      signingKeyArn,
    ]);
  });
});

describe('the report routing permissions', () => {
  const routingArn = { Ref: logicalId(prod, prod.reportRouting.stateMachine) };
  const task = roleOfFunction(prod.routingFunction.function);

  it('let only reports start the routing state machine', () => {
    for (const group of routeGroups) {
      const starts = resourcesOf(
        functionOf(group).statements,
        'states:StartExecution',
      );
      expect(
        starts.some((r) => JSON.stringify(r).includes(routingArn.Ref)),
      ).toBe(group === 'reports');
    }
  });

  it('let reports read the public signing key but not sign', () => {
    const { statements } = functionOf('reports');

    expect(resourcesOf(statements, 'kms:GetPublicKey')).toEqual([
      { 'Fn::GetAtt': [logicalId(prod, prod.keys.signingKey), 'Arn'] },
    ]);
    expect(resourcesOf(statements, 'kms:Sign')).toEqual([]);
  });

  it('let the senders of notifications send only as the sender', () => {
    const senders = [functionOf('reports'), functionOf('enquiries'), task].map(
      (fn) => JSON.stringify(resourcesOf(fn.statements, 'ses:SendEmail')),
    );
    const domain = prodConfig.invitationsFrom.split('@')[1] ?? '';

    for (const resources of senders) {
      expect(resources).toContain(`identity/${prodConfig.invitationsFrom}`);
      expect(resources).toContain(`identity/${domain}`);
      expect(resources).not.toContain('identity/*');
    }
  });

  it('give the routing task the table and SES, and no state machine', () => {
    expect(actionsOf(task.statements)).toEqual(
      [
        ...tableReadWrite,
        ...dataKeyUse,
        ...ownLogs,
        ...tracing,
        'ses:SendEmail',
      ].sort(),
    );
    expect(task.resource.Properties.Environment.Variables).not.toHaveProperty(
      'REPORT_ROUTING_STATE_MACHINE_ARN',
    );
  });

  it('let the routing state machine invoke the routing task alone', () => {
    const roleId = logicalId(prod, prod.reportRouting.stateMachine.role);
    const statements = statementsOf(roleId);
    const taskArn = {
      'Fn::GetAtt': [logicalId(prod, prod.routingFunction.function), 'Arn'],
    };

    expect(
      actionsOf(statements).filter(
        (a) => !a.startsWith('logs:') && !a.startsWith('xray:'),
      ),
    ).toEqual(['lambda:InvokeFunction']);
    expect(resourcesOf(statements, 'lambda:InvokeFunction')).toEqual([
      taskArn,
      { 'Fn::Join': ['', [taskArn, ':*']] },
    ]);
  });
});

describe('the state machine permissions', () => {
  const roleId = logicalId(prod, prod.offerExpiry.stateMachine.role);
  const statements = statementsOf(roleId);

  it('allow UpdateItem on the table and no other table action', () => {
    const tableActions = actionsOf(statements).filter((action) =>
      action.startsWith('dynamodb:'),
    );

    expect(tableActions).toEqual(['dynamodb:UpdateItem']);
    expect(resourcesOf(statements, 'dynamodb:UpdateItem')).toEqual([
      {
        'Fn::Join': [
          '',
          [
            `arn:aws:dynamodb:${prodConfig.awsRegion}:`,
            { Ref: 'AWS::AccountId' },
            ':table/',
            { Ref: logicalId(prod, prod.records.table) },
          ],
        ],
      },
    ]);
  });

  it('allow nothing else but log delivery and tracing', () => {
    const others = actionsOf(statements).filter(
      (action) => action !== 'dynamodb:UpdateItem',
    );

    expect(
      others.every((a) => a.startsWith('logs:') || a.startsWith('xray:')),
    ).toBe(true);
  });
});

describe('the admin function', () => {
  const { statements } = functionOf('admin');

  it('manages helpdesk sign-ins on the pool alone', () => {
    const poolArn = {
      'Fn::GetAtt': [logicalId(prod, prod.staff.userPool), 'Arn'],
    };

    for (const action of helpdeskAdmin) {
      expect(resourcesOf(statements, action)).toEqual([poolArn]);
    }
  });

  it("starts Logs Insights queries on the centre routes' log groups alone", () => {
    const groups = ['centres', 'staff', 'students', 'groups']
      .concat(['issuance', 'reports'])
      .map((g) => ({
        'Fn::GetAtt': [
          logicalId(prod, prod.functions[g as RouteGroup].logGroup),
          'Arn',
        ],
      }));

    const byId = (a: Json, b: Json) =>
      JSON.stringify(a).localeCompare(JSON.stringify(b));

    expect(resourcesOf(statements, 'logs:StartQuery').sort(byId)).toEqual(
      groups.sort(byId),
    );
  });

  it('is the only function that reads CloudWatch', () => {
    for (const group of routeGroups.filter((g) => g !== 'admin')) {
      const actions = actionsOf(functionOf(group).statements);
      expect(actions.filter((a) => unscopedReads.includes(a))).toEqual([]);
      expect(actions).not.toContain('logs:StartQuery');
    }
  });
});
