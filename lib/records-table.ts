import {
  AttributeType,
  BillingMode,
  ProjectionType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { table as scheme } from '../functions/lib/keys.js';
import type { Lifecycle } from './removal.js';

/** The region's single table, with the keys and indexes keys.ts names. */
export class RecordsTable extends Construct {
  readonly table: Table;

  constructor(
    scope: Construct,
    id: string,
    props: { dataKey: IKey; lifecycle: Lifecycle },
  ) {
    super(scope, id);
    const string = (name: string) => ({ name, type: AttributeType.STRING });

    this.table = new Table(this, 'Table', {
      partitionKey: string(scheme.partitionKey),
      sortKey: string(scheme.sortKey),
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: scheme.ttlAttribute,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.dataKey,
      deletionProtection: props.lifecycle.deletionProtection,
      removalPolicy: props.lifecycle.removalPolicy,
    });

    for (const index of Object.values(scheme.indexes)) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: string(index.partitionKey),
        sortKey: string(index.sortKey),
        projectionType: ProjectionType.ALL,
      });
    }
  }
}
