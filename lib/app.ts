import { readFileSync } from 'node:fs';
import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseRegions, stackName } from './region-config.js';
import { RegionStack } from './region-stack.js';

export interface BuildOptions {
  /**
   * Context for an app built in-process (tests, the local stack); the CLI
   * passes cdk.json's own context to `bin/app.ts` instead.
   */
  context?: Record<string, unknown>;
  /** Runs the cdk-nag AWS Solutions checks at synthesis. */
  nag?: boolean;
  /** Where an in-process synthesis writes the cloud assembly. */
  outdir?: string;
}

/** The CDK app: one stack per region of cdk.json's `regions` context. */
export function buildApp(options: BuildOptions = {}): {
  app: App;
  stacks: Map<string, RegionStack>;
} {
  const app = new App({ context: options.context, outdir: options.outdir });
  const regions = parseRegions(app.node.tryGetContext('regions'));
  const stacks = new Map<string, RegionStack>();

  for (const [regionName, config] of Object.entries(regions)) {
    const stack = new RegionStack(app, stackName(regionName), {
      regionName,
      config,
      env: {
        account: process.env.CDK_DEFAULT_ACCOUNT,
        region: config.awsRegion,
      },
      description: `Education records for ${regionName} (${config.stage})`,
    });
    stacks.set(regionName, stack);
  }
  if (options.nag) Aspects.of(app).add(new AwsSolutionsChecks());

  return { app, stacks };
}

/** cdk.json's context, for apps built outside the CLI. */
export function cdkJsonContext(): Record<string, unknown> {
  const file = new URL('../cdk.json', import.meta.url);
  const cdkJson = JSON.parse(readFileSync(file, 'utf8')) as {
    context?: Record<string, unknown>;
  };

  return cdkJson.context ?? {};
}

/** Context that makes synthesis skip esbuild: templates only. */
export const skipBundling = { 'aws:cdk:bundling-stacks': [] } as const;
