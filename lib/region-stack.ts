import { CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import {
  Certificate,
  CertificateValidation,
  type ICertificate,
} from 'aws-cdk-lib/aws-certificatemanager';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { ARecord, HostedZone, RecordTarget } from 'aws-cdk-lib/aws-route53';
import { ApiGatewayDomain } from 'aws-cdk-lib/aws-route53-targets';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { type RouteGroup, routeGroups, routes } from '../functions/routes.js';
import {
  Alarms,
  countExpiries,
  regionDashboard,
  vouchingVelocityAlarm,
} from './alarms.js';
import { ConsoleAssets } from './console-assets.js';
import { Firewall } from './firewall.js';
import {
  suppressFunctionFindings,
  suppressInvokeFindings,
  suppressObservabilityFindings,
  suppressStateMachineFindings,
} from './nag-suppressions.js';
import { OfferExpiry } from './offer-expiry.js';
import { ProjectFunction } from './project-function.js';
import { RecordsApi } from './records-api.js';
import { RecordsTable } from './records-table.js';
import type { RegionConfig } from './region-config.js';
import { RegionKeys } from './region-keys.js';
import { lifecycleOf } from './removal.js';
import { ReportRouting } from './report-routing.js';
import { StaffPool } from './staff-pool.js';

export interface RegionStackProps extends StackProps {
  /** The region's name in cdk.json, e.g. `london`. */
  regionName: string;
  config: RegionConfig;
}

/** What the staff and centres groups may do to sign-ins, and no more. */
export const signInAdminActions = [
  'cognito-idp:AdminCreateUser',
  'cognito-idp:AdminGetUser',
  'cognito-idp:AdminListGroupsForUser',
  'cognito-idp:AdminAddUserToGroup',
  'cognito-idp:AdminDisableUser',
] as const;

export const signingActions = ['kms:Sign', 'kms:GetPublicKey'] as const;

/** What the functions that notify staff may do with SES. */
export const mailActions = ['ses:SendEmail'];

/**
 * The SES identities a notification is sent as: the sender's address and
 * its domain, whichever the account verified.
 */
function senderIdentities(stack: Stack, from: string): string[] {
  const domain = from.slice(from.lastIndexOf('@') + 1);
  return [from, domain].map((identity) =>
    stack.formatArn({
      service: 'ses',
      resource: 'identity',
      resourceName: identity,
    }),
  );
}

/** Everything one region of the service runs on. */
/** What the admin function does to helpdesk sign-ins, and no more. */
export const helpdeskAdminActions = [
  'cognito-idp:AdminCreateUser',
  'cognito-idp:AdminGetUser',
  'cognito-idp:AdminListGroupsForUser',
  'cognito-idp:AdminAddUserToGroup',
  'cognito-idp:AdminRemoveUserFromGroup',
  'cognito-idp:AdminEnableUser',
  'cognito-idp:AdminDisableUser',
  'cognito-idp:ListUsers',
] as const;

/** The namespace of the business counts in every region. */
export const metricsNamespace = 'EducationRecords';

/** Route groups whose functions serve centre routes: activity reads them. */
const activityGroups = routeGroups.filter((g) =>
  routes.some((r) => r.group === g && r.path.startsWith('/centres/{urn}')),
);

/** Everything one region of the service runs on. */
export class RegionStack extends Stack {
  readonly keys: RegionKeys;
  readonly records: RecordsTable;
  readonly staff: StaffPool;
  readonly offerExpiry: OfferExpiry;
  /** Record-error report routing; alarms may watch it as offerExpiry. */
  readonly reportRouting: ReportRouting;
  /** The routing workflow's task. */
  readonly routingFunction: ProjectFunction;
  readonly functions: Record<RouteGroup, ProjectFunction>;
  readonly api: RecordsApi;
  /** The staff console's static files, behind CloudFront. */
  readonly consoleAssets: ConsoleAssets;
  readonly firewall: Firewall;
  readonly alarms: Alarms;
  /**
   * Every state machine of the stack: each is alarmed and its failed
   * executions kept. A machine added later goes in this list.
   */
  readonly stateMachines: Record<string, IStateMachine>;
  readonly deadLetters: Queue;

  constructor(scope: Construct, id: string, props: RegionStackProps) {
    super(scope, id, props);
    const { config } = props;
    const lifecycle = lifecycleOf(config.stage);

    this.keys = new RegionKeys(this, 'Keys', { lifecycle });
    const { dataKey, signingKey } = this.keys;
    this.records = new RecordsTable(this, 'RecordsTable', {
      dataKey,
      lifecycle,
    });
    const table = this.records.table;
    this.staff = new StaffPool(this, 'Staff', {
      awsRegion: config.awsRegion,
      invitationsFrom: config.invitationsFrom,
      lifecycle,
      consoleOrigin: `https://${config.domainName}`,
      hostedUiPrefix: `education-records-${props.regionName}-${config.stage}`,
    });
    this.consoleAssets = new ConsoleAssets(this, 'ConsoleAssets', {
      lifecycle,
      dataKey,
      consoleOrigin: `https://${config.domainName}`,
    });
    this.offerExpiry = new OfferExpiry(this, 'OfferExpiry', {
      table,
      dataKey,
      lifecycle,
    });
    const stateMachine = this.offerExpiry.stateMachine;
    suppressStateMachineFindings(stateMachine.role);

    const baseEnvironment = {
      REGION_NAME: props.regionName,
      TABLE_NAME: table.tableName,
      ISSUER_URL: `https://${config.domainName}`,
      USER_POOL_ID: this.staff.userPool.userPoolId,
      USER_POOL_CLIENT_ID: this.staff.client.userPoolClientId,
      EXPIRY_STATE_MACHINE_ARN: stateMachine.stateMachineArn,
      // Every function reads its settings whole; only wallet and reports
      // may use it (reports only to read the public key).
      SIGNING_KEY_ID: signingKey.keyId,
      MAIL_FROM: config.invitationsFrom,
      CONSOLE_URL: `https://${config.domainName}`,
      POWERTOOLS_METRICS_NAMESPACE: metricsNamespace,
    };

    // The routing task cannot name its own state machine (the machine
    // names the function), so it is made first, without that setting.
    this.routingFunction = new ProjectFunction(this, 'ReportRoutingFunction', {
      group: 'report-routing',
      environment: {
        ...baseEnvironment,
        POWERTOOLS_SERVICE_NAME: 'education-records-report-routing',
      },
      dataKey,
      lifecycle,
    });
    table.grantReadWriteData(this.routingFunction.function);
    suppressFunctionFindings(this.routingFunction.role);
    this.reportRouting = new ReportRouting(this, 'ReportRouting', {
      routingFunction: this.routingFunction.function,
      dataKey,
      lifecycle,
    });
    const routing = this.reportRouting.stateMachine;
    suppressStateMachineFindings(routing.role);
    suppressInvokeFindings(routing.role);

    const environment = {
      ...baseEnvironment,
      REPORT_ROUTING_STATE_MACHINE_ARN: routing.stateMachineArn,
    };

    const functions = Object.fromEntries(
      routeGroups.map((group) => {
        const fn = new ProjectFunction(this, `${pascalCase(group)}Function`, {
          group,
          environment: {
            ...environment,
            POWERTOOLS_SERVICE_NAME: `education-records-${group}`,
            ...(group === 'console' ? this.consoleEnvironment(config) : {}),
          },
          dataKey,
          lifecycle,
        });
        table.grantReadWriteData(fn.function);
        suppressFunctionFindings(fn.role);
        return [group, fn];
      }),
    ) as Record<RouteGroup, ProjectFunction>;
    this.functions = functions;

    for (const group of ['staff', 'centres'] as const) {
      this.staff.userPool.grant(
        functions[group].function,
        ...signInAdminActions,
      );
    }
    stateMachine.grantStartExecution(functions.issuance.function);
    this.grantObservability(functions);
    signingKey.grant(functions.wallet.function, ...signingActions);
    // Reports check the record a wallet presents against the public key.
    signingKey.grant(functions.reports.function, 'kms:GetPublicKey');
    routing.grantStartExecution(functions.reports.function);
    const sender = senderIdentities(this, config.invitationsFrom);
    for (const fn of [
      functions.reports.function,
      functions.enquiries.function,
      this.routingFunction.function,
    ]) {
      fn.addToRolePolicy(
        new PolicyStatement({ actions: mailActions, resources: sender }),
      );
    }

    const dns = this.certificateFor(config);
    this.api = new RecordsApi(this, 'Api', {
      functions: mapValues(functions, (fn) => fn.function),
      userPool: this.staff.userPool,
      domainName: config.domainName,
      certificate: dns.certificate,
      dataKey,
      lifecycle,
    });

    this.firewall = new Firewall(this, 'Firewall', {
      stageArn: this.api.api.deploymentStage.stageArn,
    });

    if (dns.zone) {
      new ARecord(this, 'ApiAlias', {
        zone: dns.zone,
        recordName: config.domainName,
        target: RecordTarget.fromAlias(new ApiGatewayDomain(this.api.domain)),
      });
    }

    this.stateMachines = {
      offerExpiry: stateMachine,
      reportRouting: routing,
    };
    countExpiries(this.offerExpiry, this.offerExpiry.logGroup, {
      namespace: metricsNamespace,
      region: props.regionName,
    });
    this.alarms = new Alarms(this, 'Alarms', {
      emails: config.alarmEmails,
      dataKey,
    });
    this.alarms.watchFunctions({
      ...mapValues(functions, (fn) => fn.function),
      'report-routing': this.routingFunction.function,
    });
    this.alarms.watchApi(this.api.api);
    this.alarms.watchStateMachines(this.stateMachines);
    this.alarms.watchTable(table);
    vouchingVelocityAlarm(this.alarms, {
      namespace: metricsNamespace,
      region: props.regionName,
    });
    this.deadLetters = this.alarms.deadLetters(this.stateMachines, dataKey);
    regionDashboard(this, {
      regionName: props.regionName,
      namespace: metricsNamespace,
      alarms: this.alarms.alarms,
    });
    this.addOutputs(config);
  }

  /**
   * The console's settings: it calls the API on the region's own domain,
   * signs staff in through the hosted UI and takes its static files from
   * CloudFront (see functions/console/settings.ts).
   */
  private consoleEnvironment(config: RegionConfig): Record<string, string> {
    return {
      API_URL: `https://${config.domainName}`,
      CONSOLE_ORIGIN: `https://${config.domainName}`,
      CONSOLE_SIGN_IN: 'hosted-ui',
      COGNITO_DOMAIN: this.staff.hostedUiUrl,
      CONSOLE_ASSETS_URL: this.consoleAssets.url,
    };
  }

  /**
   * The admin function: helpdesk sign-ins on the pool alone, Logs Insights
   * queries started on the centre routes' log groups alone, and the reads
   * that support no resource (query results, metric data).
   */
  private grantObservability(
    functions: Record<RouteGroup, ProjectFunction>,
  ): void {
    const admin = functions.admin;
    this.staff.userPool.grant(admin.function, ...helpdeskAdminActions);
    const groups = activityGroups.map((g) => functions[g].logGroup);
    admin.function.addEnvironment(
      'ACTIVITY_LOG_GROUPS',
      Fn.join(
        ',',
        groups.map((g) => g.logGroupName),
      ),
    );
    admin.role.addToPolicy(
      new PolicyStatement({
        actions: ['logs:StartQuery'],
        resources: groups.map((g) => g.logGroupArn),
      }),
    );
    admin.role.addToPolicy(
      new PolicyStatement({
        actions: ['logs:GetQueryResults', 'cloudwatch:GetMetricData'],
        resources: ['*'],
      }),
    );
    suppressObservabilityFindings(admin.role);
  }

  private certificateFor(config: RegionConfig): {
    certificate: ICertificate;
    zone?: ReturnType<typeof HostedZone.fromHostedZoneAttributes>;
  } {
    const given = config.certificate;
    if ('certificateArn' in given) {
      return {
        certificate: Certificate.fromCertificateArn(
          this,
          'Certificate',
          given.certificateArn,
        ),
      };
    }

    const zone = HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: given.hostedZoneId,
      zoneName: given.hostedZoneName,
    });
    const certificate = new Certificate(this, 'Certificate', {
      domainName: config.domainName,
      validation: CertificateValidation.fromDns(zone),
    });

    return { certificate, zone };
  }

  private addOutputs(config: RegionConfig): void {
    new CfnOutput(this, 'IssuerUrl', { value: `https://${config.domainName}` });
    new CfnOutput(this, 'UserPoolId', {
      value: this.staff.userPool.userPoolId,
    });
    new CfnOutput(this, 'UserPoolClientId', {
      value: this.staff.client.userPoolClientId,
    });
    // Where the domain's DNS record points when cdk.json names no zone.
    new CfnOutput(this, 'ApiDomainTarget', {
      value: this.api.domain.domainNameAliasDomainName,
    });
  }
}

/** `subject-access` to `SubjectAccess`, for construct ids. */
function pascalCase(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

function mapValues<K extends string, V, W>(
  record: Record<K, V>,
  map: (value: V) => W,
): Record<K, W> {
  return Object.fromEntries(
    Object.entries<V>(record).map(([key, value]) => [key, map(value)]),
  ) as Record<K, W>;
}
