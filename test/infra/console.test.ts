import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../../functions/console/security.js';
import { type Json, prod, prodConfig, prodTemplate } from './synth.js';

const origin = `https://${prodConfig.domainName}`;

describe('the staff console in AWS', () => {
  it('keeps its assets in an encrypted bucket with no public access, TLS only', () => {
    prodTemplate.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    const policies = Object.values(
      prodTemplate.findResources('AWS::S3::BucketPolicy'),
    ) as Json[];
    const statements = policies.flatMap(
      (p) => p.Properties.PolicyDocument.Statement as Json[],
    );

    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Action: 's3:GetObject',
      }),
    );
  });

  it('serves them through CloudFront, https only, with the CSP', () => {
    prodTemplate.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultCacheBehavior: Match.objectLike({
          ViewerProtocolPolicy: 'https-only',
          ResponseHeadersPolicyId: Match.anyValue(),
        }),
      }),
    });
    prodTemplate.hasResourceProperties(
      'AWS::CloudFront::ResponseHeadersPolicy',
      {
        ResponseHeadersPolicyConfig: Match.objectLike({
          CorsConfig: Match.objectLike({
            AccessControlAllowOrigins: { Items: [origin] },
          }),
          SecurityHeadersConfig: Match.objectLike({
            ContentSecurityPolicy: {
              ContentSecurityPolicy: contentSecurityPolicy(),
              Override: true,
            },
            ContentTypeOptions: { Override: true },
            ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
          }),
        }),
      },
    );
    expect(contentSecurityPolicy()).toContain("frame-ancestors 'none'");
  });

  it("deploys govuk-frontend's files and the console's own", () => {
    const deployments = prodTemplate.findResources(
      'Custom::CDKBucketDeployment',
    );

    expect(Object.keys(deployments)).toHaveLength(2);
  });

  it('gives the console function the API, the hosted UI and the assets URL', () => {
    const fn = prod.functions.console.function;
    const resolved = prod.resolve(
      (fn.node.defaultChild as { environment?: unknown }).environment,
    ) as { variables: Record<string, unknown> };

    expect(resolved.variables).toMatchObject({
      API_URL: origin,
      CONSOLE_ORIGIN: origin,
      CONSOLE_SIGN_IN: 'hosted-ui',
      COGNITO_DOMAIN: expect.anything(),
      CONSOLE_ASSETS_URL: expect.anything(),
    });
  });

  it('signs staff in with the hosted UI, code flow with the admin scope, back to the console only', () => {
    prodTemplate.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
      Domain: Match.stringLikeRegexp('^education-records-york-prod$'),
    });
    prodTemplate.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: Match.arrayWith([
        'openid',
        'aws.cognito.signin.user.admin',
      ]),
      CallbackURLs: [`${origin}/console/auth/callback`],
      LogoutURLs: [`${origin}/console/signed-out`],
      GenerateSecret: false,
    });
  });
});
