import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { Lifecycle } from './removal.js';

/**
 * The region's two KMS keys: the data key encrypts the table, the log
 * groups and the alarm topic; the signing key signs the records issued.
 */
export class RegionKeys extends Construct {
  readonly dataKey: Key;
  readonly signingKey: Key;

  constructor(scope: Construct, id: string, props: { lifecycle: Lifecycle }) {
    super(scope, id);
    const { removalPolicy } = props.lifecycle;
    // KMS deletes a key only after a waiting period; 7 days is the least.
    const pendingWindow =
      removalPolicy === RemovalPolicy.DESTROY ? Duration.days(7) : undefined;

    this.dataKey = new Key(this, 'DataKey', {
      description: 'Encrypts education records data and logs at rest',
      enableKeyRotation: true,
      removalPolicy,
      pendingWindow,
    });
    this.allowLogsService();
    this.allowAlarmsToPublish();

    this.signingKey = new Key(this, 'SigningKey', {
      description: 'Signs the education records the region issues',
      keySpec: KeySpec.ECC_NIST_P256,
      keyUsage: KeyUsage.SIGN_VERIFY,
      removalPolicy,
      pendingWindow,
    });
  }

  /**
   * CloudWatch Logs encrypts with the key itself, so it needs it in the
   * key policy, limited to this account's log groups in this region:
   * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
   */
  private allowLogsService(): void {
    const { region, account, partition } = Stack.of(this);
    const logGroups = `arn:${partition}:logs:${region}:${account}:log-group:*`;
    this.dataKey.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal(`logs.${region}.amazonaws.com`)],
        actions: [
          'kms:Encrypt*',
          'kms:Decrypt*',
          'kms:ReEncrypt*',
          'kms:GenerateDataKey*',
          'kms:Describe*',
        ],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': logGroups,
          },
        },
      }),
    );
  }

  /**
   * Alarms publish to a topic encrypted with this key, and CloudWatch has
   * to encrypt the message for it:
   * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
   */
  private allowAlarmsToPublish(): void {
    this.dataKey.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
        },
      }),
    );
  }
}
