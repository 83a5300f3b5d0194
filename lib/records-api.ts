import {
  AccessLogFormat,
  AuthorizationType,
  BasePathMapping,
  CognitoUserPoolsAuthorizer,
  DomainName,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  type Method,
  type MethodOptions,
  Period,
  RestApi,
  SecurityPolicy,
} from 'aws-cdk-lib/aws-apigateway';
import type { ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import {
  type Route,
  type RouteGroup,
  routeKey,
  routes,
} from '../functions/routes.js';
import { encryptedLogGroup } from './encrypted-log-group.js';
import {
  suppressExecutionLoggingFinding,
  suppressPublicMethodFindings,
  suppressRequestBodyValidationFinding,
} from './nag-suppressions.js';
import type { Lifecycle } from './removal.js';

export interface RecordsApiProps {
  functions: Record<RouteGroup, IFunction>;
  userPool: IUserPool;
  domainName: string;
  certificate: ICertificate;
  dataKey: IKey;
  lifecycle: Lifecycle;
}

/**
 * The scope every Cognito access token carries, whatever the flow; with
 * it the authorizer takes access tokens rather than ID tokens:
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-integrate-with-cognito.html
 */
const accessTokenScope = 'aws.cognito.signin.user.admin';

/**
 * One JSON line per request. It logs the resource template
 * (`/credential-offers/{ref}`), never `$context.path`: some paths carry
 * secrets, such as the reference of a credential offer, which anyone
 * reading the logs could otherwise redeem.
 */
const accessLogFields = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTimeEpoch',
  sourceIp: '$context.identity.sourceIp',
  httpMethod: '$context.httpMethod',
  resourcePath: '$context.resourcePath',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationStatus: '$context.integration.status',
  errorType: '$context.error.responseType',
  wafStatus: '$context.waf.status',
  caller: '$context.authorizer.claims.sub',
};

/**
 * The region's REST API, built from the route table: every route becomes
 * a method on its route group's function. It answers only on the
 * region's domain, mapped at the root, so the issuer URL has no path.
 */
export class RecordsApi extends Construct {
  readonly api: RestApi;
  readonly domain: DomainName;
  /** Each route's method, by `METHOD /path`. */
  readonly methods = new Map<string, { route: Route; method: Method }>();

  constructor(scope: Construct, id: string, props: RecordsApiProps) {
    super(scope, id);

    const accessLogs = encryptedLogGroup(this, 'AccessLogs', props);
    this.api = new RestApi(this, 'Api', {
      description: 'Education records: centres, staff, students and wallets',
      endpointConfiguration: { types: [EndpointType.REGIONAL] },
      // CSV bodies arrive base64-encoded, byte for byte as sent.
      binaryMediaTypes: ['text/csv'],
      disableExecuteApiEndpoint: true,
      cloudWatchRole: false,
      deployOptions: {
        stageName: 'live',
        // No X-Ray on the stage: its segments record the request URL, and
        // some URLs (a credential offer's reference) are secrets. The
        // functions are traced.
        tracingEnabled: false,
        metricsEnabled: true,
        // Sized for 11:00 on results day, when every linked wallet of the
        // region refreshes (three requests each) within a minute or so;
        // the account's default API Gateway quota is 10,000 a second.
        throttlingRateLimit: 5000,
        throttlingBurstLimit: 5000,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.custom(
          JSON.stringify(accessLogFields),
        ),
      },
    });

    // The execute-api URL this output names is switched off above.
    this.api.node.tryRemoveChild('Endpoint');
    suppressRequestBodyValidationFinding(this.api);
    suppressExecutionLoggingFinding(this.api.deploymentStage);
    this.addRoutes(props);
    this.addUsagePlan();
    this.domain = this.addDomain(props);
  }

  private addRoutes(props: RecordsApiProps): void {
    const authorizer = new CognitoUserPoolsAuthorizer(this, 'Staff', {
      cognitoUserPools: [props.userPool],
    });
    // Bodies are validated by each handler (zod), which knows the
    // content types; the gateway checks the path parameters are there.
    const requestValidator = this.api.addRequestValidator('PathParameters', {
      validateRequestParameters: true,
      validateRequestBody: false,
    });
    const integrations = new Map<RouteGroup, LambdaIntegration>();
    const integrationOf = (group: RouteGroup) => {
      const integration =
        integrations.get(group) ??
        new LambdaIntegration(props.functions[group], {
          allowTestInvoke: false,
        });
      integrations.set(group, integration);
      return integration;
    };

    for (const route of routes) {
      const access: MethodOptions =
        route.access === 'public'
          ? { authorizationType: AuthorizationType.NONE }
          : {
              authorizer,
              authorizationType: AuthorizationType.COGNITO,
              authorizationScopes: [accessTokenScope],
            };
      const method = this.api.root
        .resourceForPath(route.path)
        .addMethod(route.method, integrationOf(route.group), {
          ...access,
          requestValidator,
          requestParameters: pathParameters(route.path),
        });
      this.methods.set(routeKey(route), { route, method });
      if (route.access === 'public') suppressPublicMethodFindings(method);
    }
  }

  /**
   * For centres' own systems (management information systems) calling
   * with API keys the operator issues per centre.
   */
  private addUsagePlan(): void {
    this.api.addUsagePlan('CentreSystems', {
      description: "Centres' own systems, one API key per centre",
      throttle: { rateLimit: 20, burstLimit: 40 },
      quota: { limit: 50_000, period: Period.DAY },
      apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
    });
  }

  private addDomain(props: RecordsApiProps): DomainName {
    const domain = new DomainName(this, 'Domain', {
      domainName: props.domainName,
      certificate: props.certificate,
      endpointType: EndpointType.REGIONAL,
      securityPolicy: SecurityPolicy.TLS_1_2,
    });
    // At the root: OpenID4VCI puts metadata at the origin followed by
    // /.well-known/..., which a stage or base path would move.
    new BasePathMapping(this, 'RootMapping', {
      domainName: domain,
      restApi: this.api,
      stage: this.api.deploymentStage,
    });

    return domain;
  }
}

/** `method.request.path.<name>` for every `{name}` in a resource path. */
export function pathParameters(path: string): Record<string, boolean> {
  // `{proxy+}` (greedy) is the parameter `proxy`.
  const names = [...path.matchAll(/\{([^}+]+)\+?\}/g)].map((m) => m[1]);
  return Object.fromEntries(
    names.map((name) => [`method.request.path.${name}`, true]),
  );
}
