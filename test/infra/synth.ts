import { Template } from 'aws-cdk-lib/assertions';
import { buildApp, cdkJsonContext, skipBundling } from '../../lib/app.js';
import type { RegionConfig } from '../../lib/region-config.js';
import type { RegionStack } from '../../lib/region-stack.js';

/** A region's settings as cdk.json would hold them. */
export function regionConfig(
  overrides: Partial<RegionConfig> = {},
): RegionConfig {
  return {
    awsRegion: 'eu-west-2',
    stage: 'prod',
    domainName: 'records.york.example.org',
    certificate: {
      hostedZoneId: 'Z0EXAMPLEYORK',
      hostedZoneName: 'example.org',
    },
    invitationsFrom: 'no-reply@york.example.org',
    alarmEmails: ['operations@example.org', 'on-call@example.org'],
    ...overrides,
  };
}

export const prodConfig = regionConfig();
export const devConfig = regionConfig({
  stage: 'dev',
  domainName: 'records.leeds.example.org',
  invitationsFrom: 'no-reply@leeds.example.org',
});

/**
 * The app with cdk.json's feature flags, two regions of its own (one of
 * each stage), cdk-nag on and bundling skipped.
 */
export const { app, stacks } = buildApp({
  context: {
    ...cdkJsonContext(),
    ...skipBundling,
    regions: { york: prodConfig, leeds: devConfig },
  },
  nag: true,
});

function stackOf(regionName: string): RegionStack {
  const stack = stacks.get(regionName);
  if (!stack) throw new Error(`no stack for ${regionName}`);
  return stack;
}

export const prod = stackOf('york');
export const dev = stackOf('leeds');
export const prodTemplate = Template.fromStack(prod);
export const devTemplate = Template.fromStack(dev);

/** The logical id of a construct's CloudFormation resource. */
export function logicalId(
  stack: RegionStack,
  construct: { node: { defaultChild?: unknown } },
): string {
  const resource = construct.node.defaultChild ?? construct;
  return stack.resolve(stack.getLogicalId(resource as never));
}

/** One resource's template entry, by the construct that made it. */
export function resourceOf(
  template: Template,
  stack: RegionStack,
  construct: { node: { defaultChild?: unknown } },
) {
  const id = logicalId(stack, construct);
  const resource = template.toJSON().Resources[id];
  if (!resource) throw new Error(`no resource ${id}`);
  return resource;
}

/**
 * Template JSON, read loosely: a shape other than the one expected makes
 * the assertion reading it fail.
 */
// biome-ignore lint/suspicious/noExplicitAny: the assertions are the check
export type Json = any;
