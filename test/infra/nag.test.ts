import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { dev, devTemplate, type Json, prod, prodTemplate } from './synth.js';

const stacks = [
  { stage: 'prod', stack: prod, template: prodTemplate },
  { stage: 'dev', stack: dev, template: devTemplate },
];
const awsSolutions = Match.stringLikeRegexp('AwsSolutions-.*');

describe('cdk-nag AWS Solutions checks', () => {
  it.each(stacks)('find no unsuppressed error in $stage', ({ stack }) => {
    const errors = Annotations.fromStack(stack).findError('*', awsSolutions);

    expect(errors.map((e) => `${e.id}: ${e.entry.data}`)).toEqual([]);
  });

  it.each(stacks)('find no unsuppressed warning in $stage', ({ stack }) => {
    const warnings = Annotations.fromStack(stack).findWarning(
      '*',
      awsSolutions,
    );

    expect(warnings.map((w) => `${w.id}: ${w.entry.data}`)).toEqual([]);
  });

  it.each(stacks)(
    'give every suppression in $stage a reason',
    ({ template }) => {
      const suppressions = Object.values(
        template.toJSON().Resources as Record<string, Json>,
      ).flatMap(
        (resource) => resource.Metadata?.cdk_nag?.rules_to_suppress ?? [],
      );

      expect(suppressions.length).toBeGreaterThan(0);
      for (const suppression of suppressions) {
        expect(
          suppression.reason.length,
          suppression.id,
        ).toBeGreaterThanOrEqual(80);
      }
    },
  );

  it('suppress only the rules whose reasons are known', () => {
    const ids = new Set(
      Object.values(prodTemplate.toJSON().Resources as Record<string, Json>)
        .flatMap(
          (resource) => resource.Metadata?.cdk_nag?.rules_to_suppress ?? [],
        )
        .map((suppression: Json) => suppression.id),
    );

    expect([...ids].sort()).toEqual([
      'AwsSolutions-APIG2',
      'AwsSolutions-APIG4',
      'AwsSolutions-APIG6',
      // The console's asset distribution and bucket (lib/console-assets.ts)
      'AwsSolutions-CFR1',
      'AwsSolutions-CFR2',
      'AwsSolutions-CFR3',
      'AwsSolutions-CFR4',
      'AwsSolutions-COG4',
      // The CDK's deploy-time BucketDeployment function
      'AwsSolutions-IAM4',
      'AwsSolutions-IAM5',
      'AwsSolutions-L1',
      'AwsSolutions-S1',
      'AwsSolutions-SQS3',
    ]);
  });
});
