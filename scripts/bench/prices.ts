/**
 * Published AWS prices the cost model uses, all in one place, for the
 * region's AWS region. On-demand list prices in USD, without free tiers.
 *
 * Source names are the AWS pricing pages below. This machine has no
 * internet access, so they were written down from those pages' eu-west-2
 * (London) figures as known to the author on the date given, not fetched
 * here: check them against the pages before relying on a total.
 */
export const prices = {
  region: 'eu-west-2',
  recordedOn: '2026-12-04',
  apiGateway: {
    source: 'Amazon API Gateway pricing, REST APIs',
    perMillionRequests: 3.7,
  },
  waf: {
    source: 'AWS WAF pricing, requests',
    perMillionRequests: 0.6,
  },
  lambda: {
    source: 'AWS Lambda pricing, Arm',
    perMillionRequests: 0.2,
    perGbSecond: 0.0000133334,
  },
  dynamodb: {
    source: 'Amazon DynamoDB pricing, on-demand capacity (standard table)',
    perMillionWriteUnits: 0.7423,
    perMillionReadUnits: 0.1485,
  },
  stepFunctions: {
    source: 'AWS Step Functions pricing, Standard workflows',
    perThousandTransitions: 0.025,
  },
  cloudWatchLogs: {
    source: 'Amazon CloudWatch pricing, Logs: collect (data ingestion)',
    perGbIngested: 0.5985,
  },
  kms: {
    source: 'AWS Key Management Service pricing, asymmetric ECC requests',
    perTenThousandRequests: 0.15,
  },
  xray: {
    source: 'AWS X-Ray pricing, traces recorded',
    perMillionTraces: 5,
  },
} as const;

export type Prices = typeof prices;
