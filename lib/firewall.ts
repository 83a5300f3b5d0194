import { CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

/**
 * Path prefixes wallets call without a token. `/credential` also covers
 * `/credential-offers/{ref}`, where a guessed reference would be tried.
 */
export const walletPathPrefixes = [
  '/token',
  '/nonce',
  '/credential',
  '/record-errors',
] as const;

/**
 * Requests one address may make to the wallet paths in five minutes. High
 * on purpose: at 11:00 on results day thousands of students behind one
 * school's or mobile network's address refresh at once, three requests
 * each. This rule only stops floods; the application limits failed
 * exchanges and refreshes per chain, never good requests from an address.
 */
export const walletRateLimit = 60_000;

export const rateLimitedBody = JSON.stringify({
  error: 'rate_limited',
  error_description: 'Too many requests from this address; try again later.',
});

/** The region's web ACL, in front of the REST API's stage. */
export class Firewall extends Construct {
  readonly webAcl: CfnWebACL;

  constructor(scope: Construct, id: string, props: { stageArn: string }) {
    super(scope, id);

    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('EducationRecords'),
      customResponseBodies: {
        RateLimited: {
          contentType: 'APPLICATION_JSON',
          content: rateLimitedBody,
        },
      },
      rules: [
        {
          name: 'WalletRateLimit',
          priority: 0,
          statement: {
            rateBasedStatement: {
              limit: walletRateLimit,
              evaluationWindowSec: 300,
              aggregateKeyType: 'IP',
              scopeDownStatement: {
                orStatement: {
                  statements: walletPathPrefixes.map(startsWith),
                },
              },
            },
          },
          action: {
            block: {
              customResponse: {
                responseCode: 429,
                customResponseBodyKey: 'RateLimited',
                responseHeaders: [{ name: 'Retry-After', value: '300' }],
              },
            },
          },
          visibilityConfig: visibility('WalletRateLimit'),
        },
        managedRuleGroup(1, 'AWSManagedRulesCommonRuleSet', [
          // Its 8 KB body limit would block roster and results CSVs;
          // API Gateway's own 10 MB limit still applies.
          'SizeRestrictions_BODY',
        ]),
        managedRuleGroup(2, 'AWSManagedRulesKnownBadInputsRuleSet', []),
      ],
    });

    new CfnWebACLAssociation(this, 'StageAssociation', {
      resourceArn: props.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
  }
}

function startsWith(prefix: string): CfnWebACL.StatementProperty {
  return {
    byteMatchStatement: {
      fieldToMatch: { uriPath: {} },
      positionalConstraint: 'STARTS_WITH',
      searchString: prefix,
      textTransformations: [{ priority: 0, type: 'NONE' }],
    },
  };
}

function managedRuleGroup(
  priority: number,
  name: string,
  countOnly: readonly string[],
): CfnWebACL.RuleProperty {
  return {
    name,
    priority,
    overrideAction: { none: {} },
    statement: {
      managedRuleGroupStatement: {
        vendorName: 'AWS',
        name,
        ruleActionOverrides: countOnly.length
          ? countOnly.map((rule) => ({
              name: rule,
              actionToUse: { count: {} },
            }))
          : undefined,
      },
    },
    visibilityConfig: visibility(name),
  };
}

/**
 * Metrics, but no sampled requests: a sample keeps the full path and the
 * headers, which carry offer references and bearer tokens.
 */
function visibility(metricName: string): CfnWebACL.VisibilityConfigProperty {
  return {
    cloudWatchMetricsEnabled: true,
    metricName,
    sampledRequestsEnabled: false,
  };
}
