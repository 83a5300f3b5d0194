import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { Lifecycle } from './removal.js';

/** Every log group of the stack: encrypted with the data key, retained. */
export function encryptedLogGroup(
  scope: Construct,
  id: string,
  props: { dataKey: IKey; lifecycle: Lifecycle },
): LogGroup {
  return new LogGroup(scope, id, {
    encryptionKey: props.dataKey,
    retention: props.lifecycle.logRetention,
    removalPolicy: props.lifecycle.removalPolicy,
  });
}
