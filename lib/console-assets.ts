import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import {
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import {
  govukDist,
  ownStaticDir,
  rewriteCss,
} from '../functions/console/assets.js';
import { contentSecurityPolicy } from '../functions/console/security.js';
import { encryptedLogGroup } from './encrypted-log-group.js';
import {
  suppressAssetDeploymentFindings,
  suppressAssetFindings,
} from './nag-suppressions.js';
import type { Lifecycle } from './removal.js';

export interface ConsoleAssetsProps {
  lifecycle: Lifecycle;
  /** The deployment's log group is encrypted like every other. */
  dataKey: IKey;
  /** The pages' origin: module scripts and fonts are fetched with CORS. */
  consoleOrigin: string;
}

/**
 * The staff console's static files (govuk-frontend's stylesheet, script,
 * fonts and images, and the console's own script) in a private bucket,
 * served by CloudFront with the console's content security policy. The
 * pages themselves come from the console's Lambda, on the API's domain.
 */
export class ConsoleAssets extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  readonly headers: ResponseHeadersPolicy;
  /** `https://<distribution domain>`: the pages' CONSOLE_ASSETS_URL. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: ConsoleAssetsProps) {
    super(scope, id);

    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: false,
      removalPolicy: props.lifecycle.removalPolicy,
      autoDeleteObjects: false,
    });

    this.headers = new ResponseHeadersPolicy(this, 'Headers', {
      comment: 'The staff console: CSP and security headers on every asset',
      // The pages are on the region's domain, the files here: a module
      // script and a font from another origin load only with CORS.
      corsBehavior: {
        accessControlAllowOrigins: [props.consoleOrigin],
        accessControlAllowMethods: ['GET', 'HEAD'],
        accessControlAllowHeaders: ['*'],
        accessControlAllowCredentials: false,
        originOverride: true,
      },
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: contentSecurityPolicy(),
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: {
          referrerPolicy: HeadersReferrerPolicy.NO_REFERRER,
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          override: true,
        },
      },
    });

    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Staff console assets',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        responseHeadersPolicy: this.headers,
      },
      minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
    });
    this.url = `https://${this.distribution.distributionDomainName}`;
    suppressAssetFindings(this.bucket, this.distribution);

    const dist = govukDist();
    const logGroup = encryptedLogGroup(this, 'DeploymentLogs', props);
    const root = new BucketDeployment(this, 'Files', {
      destinationBucket: this.bucket,
      sources: [
        Source.data(
          'govuk-frontend.min.css',
          rewriteCss(
            readFileSync(join(dist, 'govuk-frontend.min.css'), 'utf8'),
          ),
        ),
        Source.data(
          'govuk-frontend.min.js',
          readFileSync(join(dist, 'govuk-frontend.min.js'), 'utf8'),
        ),
        Source.asset(ownStaticDir),
      ],
      // Two deployments share the bucket: neither deletes the other's.
      prune: false,
      logGroup,
    });
    const fonts = new BucketDeployment(this, 'FontsAndImages', {
      destinationBucket: this.bucket,
      destinationKeyPrefix: 'assets/',
      sources: [Source.asset(join(dist, 'assets'))],
      prune: false,
      logGroup,
    });
    suppressAssetDeploymentFindings(this, [root, fonts]);
  }
}
