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

const extraActions: Record<RouteGroup, string[]> = {
  centres: signInAdmin,
  staff: signInAdmin,
  students: [],
  groups: [],
  issuance: ['states:StartExecution'],
  results: [],
  wallet: ['kms:GetPublicKey', 'kms:Sign'],
  'subject-access': [],
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
  const fn = prod.functions[group].function;
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
    const functions = Object.values(resources).filter(
      (resource) => resource.Type === 'AWS::Lambda::Function',
    );

    expect(functions).toHaveLength(routeGroups.length);
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

    expect(variables).toEqual({
      REGION_NAME: 'york',
      TABLE_NAME: ref(prod.records.table),
      ISSUER_URL: `https://${prodConfig.domainName}`,
      USER_POOL_ID: ref(prod.staff.userPool),
      USER_POOL_CLIENT_ID: ref(prod.staff.client),
      EXPIRY_STATE_MACHINE_ARN: ref(prod.offerExpiry.stateMachine),
      SIGNING_KEY_ID: ref(prod.keys.signingKey),
      POWERTOOLS_SERVICE_NAME: `education-records-${group}`,
      POWERTOOLS_METRICS_NAMESPACE: 'EducationRecords',
      NODE_OPTIONS: '--enable-source-maps',
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
        expect(asList(statement.Action).sort()).toEqual(tracing);
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
