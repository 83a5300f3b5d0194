/**
 * The state machine definitions exactly as `cdk synth` writes them, with
 * their references to other resources filled in for the local stack.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { buildApp, cdkJsonContext, skipBundling } from '../../lib/app.js';

/**
 * The account in local ARNs: the all-zero placeholder, which no real
 * account has.
 */
export const localAccount = '000000000000';

export interface LocalDefinition {
  arn: string;
  /** Amazon States Language, as parsed from the template. */
  definition: object;
}

export interface LocalDefinitions {
  offerExpiry: LocalDefinition;
  reportRouting: LocalDefinition;
}

/**
 * Lambda functions the definitions invoke, by the local ARN their
 * `Fn::GetAtt` resolves to. The local stack runs each in its own process.
 */
export const localFunctions = {
  reportRouting: {
    name: 'ReportRouting',
    /** functions/handlers/<module>.ts */
    module: 'report-routing',
  },
} as const;

export const localFunctionArn = (region: string, name: string) =>
  `arn:aws:lambda:${region}:${localAccount}:function:${name}`;

export class DefinitionError extends Error {
  override readonly name = 'DefinitionError';
}

/**
 * Builds the CDK app in this process (templates only, no bundling), takes
 * the region's state machine from the synthesized template and resolves
 * its `Ref`s: the table to `tableName`, pseudo parameters to local values.
 */
export function synthesizeLocalDefinitions(input: {
  tableName: string;
  regionName?: string;
}): LocalDefinitions {
  const outdir = mkdtempSync(join(tmpdir(), 'records-synth-'));
  try {
    const { app, stacks } = buildApp({
      context: { ...cdkJsonContext(), ...skipBundling },
      outdir,
    });
    const regionName = input.regionName ?? [...stacks.keys()][0];
    const stack = regionName ? stacks.get(regionName) : undefined;
    if (!stack) {
      throw new DefinitionError(
        `cdk.json has no region "${regionName}"; it has ` +
          `${[...stacks.keys()].join(', ')}.`,
      );
    }
    const template = app.synth().getStackArtifact(stack.artifactId)
      .template as Template;

    const logicalId = (construct: IConstruct): string =>
      stack.resolve(
        stack.getLogicalId(construct.node.defaultChild as CfnElement),
      );
    const refs: Record<string, string> = {
      [logicalId(stack.records.table)]: input.tableName,
      'AWS::Partition': 'aws',
      'AWS::Region': stack.region,
      'AWS::AccountId': localAccount,
      'AWS::URLSuffix': 'amazonaws.com',
    };
    const attributes: Record<string, string> = {
      [`${logicalId(stack.routingFunction.function)}.Arn`]: localFunctionArn(
        stack.region,
        localFunctions.reportRouting.name,
      ),
    };
    const definitionOf = (id: string): object => {
      const resource = template.Resources[id];
      if (resource?.Type !== 'AWS::StepFunctions::StateMachine') {
        throw new DefinitionError(`No state machine ${id} in the template.`);
      }
      return JSON.parse(
        resolve(resource.Properties.DefinitionString, refs, attributes),
      );
    };
    const arnOf = (name: string) =>
      `arn:aws:states:${stack.region}:${localAccount}:stateMachine:${name}`;

    return {
      offerExpiry: {
        arn: arnOf('OfferExpiry'),
        definition: definitionOf(logicalId(stack.offerExpiry.stateMachine)),
      },
      reportRouting: {
        arn: arnOf('ReportRouting'),
        definition: definitionOf(logicalId(stack.reportRouting.stateMachine)),
      },
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

interface Template {
  Resources: Record<
    string,
    { Type: string; Properties: { DefinitionString: unknown } }
  >;
}

/**
 * A template value made of strings, `Fn::Join`, `Ref` and the
 * `Fn::GetAtt`s the local stack knows, as a string.
 */
function resolve(
  value: unknown,
  refs: Record<string, string>,
  attributes: Record<string, string> = {},
): string {
  if (typeof value === 'string') return value;
  if (isObject(value) && typeof value.Ref === 'string') {
    const resolved = refs[value.Ref];
    if (resolved === undefined) {
      throw new DefinitionError(
        `The definition refers to ${value.Ref}, which the local stack ` +
          'does not have.',
      );
    }
    return resolved;
  }
  if (isObject(value) && Array.isArray(value['Fn::GetAtt'])) {
    const name = (value['Fn::GetAtt'] as string[]).join('.');
    const resolved = attributes[name];
    if (resolved === undefined) {
      throw new DefinitionError(
        `The definition refers to ${name}, which the local stack does ` +
          'not have.',
      );
    }
    return resolved;
  }
  if (isObject(value) && Array.isArray(value['Fn::Join'])) {
    const [separator, parts] = value['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => resolve(part, refs, attributes)).join(separator);
  }
  throw new DefinitionError(
    `The definition holds ${JSON.stringify(value)}, which cannot be ` +
      'resolved locally.',
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
