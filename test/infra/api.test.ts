import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { routeKey, routes } from '../../functions/routes.js';
import {
  rateLimitedBody,
  walletPathPrefixes,
  walletRateLimit,
} from '../../lib/firewall.js';
import {
  type Json,
  logicalId,
  prod,
  prodConfig,
  prodTemplate,
} from './synth.js';

const resources: Record<string, Json> = prodTemplate.toJSON().Resources;
const apiId = logicalId(prod, prod.api.api);

/** Every API Gateway resource's full path, by logical id. */
function resourcePaths(): Map<string, string> {
  const paths = new Map<string, string>();
  const pathOf = (id: string): string => {
    const known = paths.get(id);
    if (known) return known;
    const { ParentId, PathPart } = resources[id]?.Properties ?? {};
    const parent = ParentId?.Ref ? pathOf(ParentId.Ref) : '';
    const path = `${parent}/${PathPart}`;
    paths.set(id, path);
    return path;
  };
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type === 'AWS::ApiGateway::Resource') pathOf(id);
  }
  return paths;
}

/** Each method of the template, as `METHOD /path`. */
function templateMethods() {
  const paths = resourcePaths();
  const methods = new Map<string, Json>();
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::ApiGateway::Method') continue;
    const { HttpMethod, ResourceId } = resource.Properties;
    const path = ResourceId.Ref ? paths.get(ResourceId.Ref) : '/';
    methods.set(`${HttpMethod} ${path}`, resource.Properties);
  }
  return methods;
}

/** The function a Lambda proxy integration invokes. */
function integratedFunction(method: Json): string | undefined {
  const uri = JSON.stringify(method.Integration?.Uri ?? {});
  return Object.entries(prod.functions).find(([, fn]) =>
    uri.includes(`"${logicalId(prod, fn.function)}"`),
  )?.[0];
}

describe('the REST API', () => {
  it("serves every route of the route table with its group's function", () => {
    const methods = templateMethods();

    for (const route of routes) {
      const method = methods.get(routeKey(route));
      expect(method, routeKey(route)).toBeDefined();
      expect(method?.Integration.Type).toBe('AWS_PROXY');
      expect(integratedFunction(method ?? {}), routeKey(route)).toBe(
        route.group,
      );
    }
  });

  it('serves nothing the route table does not name', () => {
    const methods = [...templateMethods().keys()].sort();

    expect(methods).toEqual(routes.map(routeKey).sort());
  });

  it('asks a Cognito access token on staff and operator routes only', () => {
    const methods = templateMethods();
    const [authorizer] = Object.keys(
      prodTemplate.findResources('AWS::ApiGateway::Authorizer'),
    );

    for (const route of routes) {
      const method = methods.get(routeKey(route));
      if (route.access === 'public') {
        expect(method?.AuthorizationType, routeKey(route)).toBe('NONE');
      } else {
        expect(method, routeKey(route)).toMatchObject({
          AuthorizationType: 'COGNITO_USER_POOLS',
          AuthorizationScopes: ['aws.cognito.signin.user.admin'],
        });
        expect(method?.AuthorizerId).toEqual({ Ref: authorizer });
      }
    }
    prodTemplate.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'COGNITO_USER_POOLS',
      ProviderARNs: [
        { 'Fn::GetAtt': [logicalId(prod, prod.staff.userPool), 'Arn'] },
      ],
    });
  });

  it('requires the path parameters of every route', () => {
    const methods = templateMethods();

    for (const route of routes) {
      const names = [...route.path.matchAll(/\{(\w+)\+?\}/g)].map((m) => m[1]);
      const method = methods.get(routeKey(route));
      expect(method?.RequestValidatorId, routeKey(route)).toBeDefined();
      expect(method?.RequestParameters ?? {}, routeKey(route)).toEqual(
        Object.fromEntries(
          names.map((name) => [`method.request.path.${name}`, true]),
        ),
      );
    }
  });

  it('takes CSV bodies as binary, so they arrive byte for byte', () => {
    expect(resources[apiId]?.Properties).toMatchObject({
      BinaryMediaTypes: ['text/csv'],
      EndpointConfiguration: { Types: ['REGIONAL'] },
      DisableExecuteApiEndpoint: true,
    });
  });

  it('logs the resource template of each request, never its path', () => {
    const [stage] = Object.values(
      prodTemplate.findResources('AWS::ApiGateway::Stage'),
    );
    const format = stage?.Properties.AccessLogSetting.Format;

    expect(JSON.parse(format)).toMatchObject({
      resourcePath: '$context.resourcePath',
    });
    expect(format).not.toContain('$context.path');
    expect(stage?.Properties.AccessLogSetting.DestinationArn).toBeDefined();
  });

  it('throttles the stage and offers a usage plan for centre systems', () => {
    prodTemplate.hasResourceProperties('AWS::ApiGateway::Stage', {
      TracingEnabled: false,
      MethodSettings: [
        Match.objectLike({
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: Match.anyValue(),
          ThrottlingBurstLimit: Match.anyValue(),
        }),
      ],
    });
    prodTemplate.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      ApiStages: [Match.objectLike({ ApiId: { Ref: apiId } })],
      Throttle: Match.objectLike({ RateLimit: Match.anyValue() }),
      Quota: Match.objectLike({ Period: 'DAY' }),
    });
  });

  it("answers on the region's domain with TLS 1.2, mapped at the root", () => {
    prodTemplate.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: prodConfig.domainName,
      EndpointConfiguration: { Types: ['REGIONAL'] },
      SecurityPolicy: 'TLS_1_2',
    });
    prodTemplate.hasResourceProperties('AWS::ApiGateway::BasePathMapping', {
      RestApiId: { Ref: apiId },
      BasePath: Match.absent(),
    });
  });

  it('validates its certificate by DNS and points the domain at it', () => {
    const zone = prodConfig.certificate;
    if (!('hostedZoneId' in zone)) throw new Error('fixture has a zone');

    prodTemplate.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: prodConfig.domainName,
      ValidationMethod: 'DNS',
      DomainValidationOptions: [
        { DomainName: prodConfig.domainName, HostedZoneId: zone.hostedZoneId },
      ],
    });
    prodTemplate.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: `${prodConfig.domainName}.`,
      Type: 'A',
      HostedZoneId: zone.hostedZoneId,
    });
  });

  it('gives the functions ISSUER_URL as the https origin of the domain', () => {
    for (const fn of Object.values(prod.functions)) {
      const resource = resources[logicalId(prod, fn.function)];
      expect(resource?.Properties.Environment.Variables.ISSUER_URL).toBe(
        `https://${prodConfig.domainName}`,
      );
    }
  });
});

describe('the web ACL', () => {
  const [acl] = Object.values(prodTemplate.findResources('AWS::WAFv2::WebACL'));
  const rules = (acl?.Properties.Rules ?? []) as Json[];

  it('guards the stage of the API', () => {
    prodTemplate.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: Match.objectLike({
        'Fn::Join': ['', Match.arrayWith([{ Ref: apiId }])],
      }),
      WebACLArn: {
        'Fn::GetAtt': [logicalId(prod, prod.firewall.webAcl), 'Arn'],
      },
    });
    expect(acl?.Properties.Scope).toBe('REGIONAL');
  });

  it('applies the AWS managed common rule set', () => {
    const groups = rules.map(
      (rule) => rule.Statement.ManagedRuleGroupStatement?.Name,
    );

    expect(groups).toContain('AWSManagedRulesCommonRuleSet');
  });

  it('limits each address on the wallet paths, answering 429 in JSON', () => {
    const rule = rules.find((r) => r.Statement.RateBasedStatement);
    const statement = rule?.Statement.RateBasedStatement;

    expect(statement).toMatchObject({
      Limit: walletRateLimit,
      EvaluationWindowSec: 300,
      AggregateKeyType: 'IP',
    });
    expect(walletRateLimit).toBeGreaterThanOrEqual(1000);
    expect(rule?.Action.Block.CustomResponse.ResponseCode).toBe(429);
    const key = rule?.Action.Block.CustomResponse.CustomResponseBodyKey;
    const body = acl?.Properties.CustomResponseBodies[key];
    expect(body.ContentType).toBe('APPLICATION_JSON');
    expect(JSON.parse(body.Content)).toMatchObject({ error: 'rate_limited' });
    expect(body.Content).toBe(rateLimitedBody);
  });

  it('scopes the limit to every wallet path a wallet calls unasked', () => {
    const rule = rules.find((r) => r.Statement.RateBasedStatement);
    const scopeDown = rule?.Statement.RateBasedStatement.ScopeDownStatement;
    const prefixes = (scopeDown.OrStatement.Statements as Json[]).map(
      (s) => s.ByteMatchStatement.SearchString,
    );
    const limited = (path: string) =>
      prefixes.some((prefix) => path.startsWith(prefix));

    for (const path of ['/token', '/nonce', '/credential', '/record-errors']) {
      expect(limited(path), path).toBe(true);
    }
    expect(limited('/credential-offers/{ref}')).toBe(true);
    expect(limited('/.well-known/openid-credential-issuer')).toBe(false);
    expect(limited('/centres')).toBe(false);
    for (const prefix of walletPathPrefixes) {
      const served = routes.filter((route) => route.path.startsWith(prefix));
      expect(served.length, prefix).toBeGreaterThan(0);
      // Wallets call these unasked: OpenID4VCI's and record-error reports.
      expect(
        served.every((route) => ['wallet', 'reports'].includes(route.group)),
      ).toBe(true);
      expect(served.every((route) => route.access === 'public')).toBe(true);
    }
  });
});
