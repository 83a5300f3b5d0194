import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import {
  Certificate,
  CertificateValidation,
  type ICertificate,
} from 'aws-cdk-lib/aws-certificatemanager';
import { ARecord, HostedZone, RecordTarget } from 'aws-cdk-lib/aws-route53';
import { ApiGatewayDomain } from 'aws-cdk-lib/aws-route53-targets';
import type { Construct } from 'constructs';
import { type RouteGroup, routeGroups } from '../functions/routes.js';
import { Alarms, fiveMinutes, vouchingVelocityAlarm } from './alarms.js';
import { Firewall } from './firewall.js';
import {
  suppressFunctionFindings,
  suppressStateMachineFindings,
} from './nag-suppressions.js';
import { OfferExpiry } from './offer-expiry.js';
import { ProjectFunction } from './project-function.js';
import { RecordsApi } from './records-api.js';
import { RecordsTable } from './records-table.js';
import type { RegionConfig } from './region-config.js';
import { RegionKeys } from './region-keys.js';
import { lifecycleOf } from './removal.js';
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

/** Everything one region of the service runs on. */
export class RegionStack extends Stack {
  readonly keys: RegionKeys;
  readonly records: RecordsTable;
  readonly staff: StaffPool;
  readonly offerExpiry: OfferExpiry;
  readonly functions: Record<RouteGroup, ProjectFunction>;
  readonly api: RecordsApi;
  readonly firewall: Firewall;
  readonly alarms: Alarms;

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
    });
    this.offerExpiry = new OfferExpiry(this, 'OfferExpiry', {
      table,
      dataKey,
      lifecycle,
    });
    const stateMachine = this.offerExpiry.stateMachine;
    suppressStateMachineFindings(stateMachine.role);

    const environment = {
      REGION_NAME: props.regionName,
      TABLE_NAME: table.tableName,
      ISSUER_URL: `https://${config.domainName}`,
      USER_POOL_ID: this.staff.userPool.userPoolId,
      USER_POOL_CLIENT_ID: this.staff.client.userPoolClientId,
      EXPIRY_STATE_MACHINE_ARN: stateMachine.stateMachineArn,
      // Every function reads its settings whole; only wallet may use it.
      SIGNING_KEY_ID: signingKey.keyId,
      POWERTOOLS_METRICS_NAMESPACE: 'EducationRecords',
    };
    const functions = Object.fromEntries(
      routeGroups.map((group) => {
        const fn = new ProjectFunction(this, `${pascalCase(group)}Function`, {
          group,
          environment: {
            ...environment,
            POWERTOOLS_SERVICE_NAME: `education-records-${group}`,
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
    signingKey.grant(functions.wallet.function, ...signingActions);

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

    this.alarms = new Alarms(this, 'Alarms', {
      emails: config.alarmEmails,
      dataKey,
    });
    this.addAlarms();
    vouchingVelocityAlarm(this.alarms, props.regionName);
    this.addOutputs(config);
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

  private addAlarms(): void {
    for (const [group, fn] of Object.entries(this.functions)) {
      const name = pascalCase(group);
      this.alarms.whenAtLeast(
        `${name}Errors`,
        fn.function.metricErrors(fiveMinutes),
        1,
      );
      this.alarms.whenAtLeast(
        `${name}Throttles`,
        fn.function.metricThrottles(fiveMinutes),
        1,
      );
    }
    this.alarms.whenAtLeast(
      'ApiServerErrors',
      this.api.api.metricServerError(fiveMinutes),
      5,
    );
    const stateMachine = this.offerExpiry.stateMachine;
    this.alarms.whenAtLeast(
      'OfferExpiryFailures',
      stateMachine.metricFailed(fiveMinutes),
      1,
    );
    this.alarms.whenAtLeast(
      'OfferExpiryTimeouts',
      stateMachine.metricTimedOut(fiveMinutes),
      1,
    );
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
