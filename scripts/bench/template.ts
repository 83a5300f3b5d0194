/**
 * The region's template as `cdk synth` writes it (templates only, no
 * bundling), and what the benchmarks read from it: each function's granted
 * actions and every state machine's definition.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { type RouteGroup, routeGroups } from '../../functions/routes.js';
import { buildApp, cdkJsonContext, skipBundling } from '../../lib/app.js';

interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
}

export interface Template {
  Resources: Record<string, Resource>;
}

export interface Synthesized {
  template: Template;
  /** Every IAM action granted to each route group's function. */
  actions: Record<RouteGroup, string[]>;
}

let cached: Synthesized | undefined;

export function synthesize(): Synthesized {
  if (cached) return cached;
  const outdir = mkdtempSync(join(tmpdir(), 'records-bench-synth-'));
  try {
    const { app, stacks } = buildApp({
      context: { ...cdkJsonContext(), ...skipBundling },
      outdir,
    });
    const stack = [...stacks.values()][0];
    if (!stack) throw new Error('cdk.json names no region');
    const template = app.synth().getStackArtifact(stack.artifactId)
      .template as Template;
    const logicalId = (construct: IConstruct): string =>
      stack.resolve(
        stack.getLogicalId(construct.node.defaultChild as CfnElement),
      );
    const actions = Object.fromEntries(
      routeGroups.map((group) => [
        group,
        grantedActions(template, logicalId(stack.functions[group].role)),
      ]),
    ) as Record<RouteGroup, string[]>;
    cached = { template, actions };
    return cached;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

interface Statement {
  Effect?: string;
  Action?: string | string[];
}

/** The actions of every policy attached to a role, sorted, once each. */
export function grantedActions(template: Template, roleId: string): string[] {
  const found = new Set<string>();
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::IAM::Policy') continue;
    const roles = (resource.Properties?.Roles ?? []) as { Ref?: string }[];
    if (!roles.some((r) => r.Ref === roleId)) continue;
    const document = resource.Properties?.PolicyDocument as {
      Statement?: Statement[];
    };
    for (const statement of document?.Statement ?? []) {
      if (statement.Effect !== 'Allow') continue;
      const list = statement.Action ?? [];
      for (const action of Array.isArray(list) ? list : [list]) {
        found.add(action);
      }
    }
  }
  return [...found].sort();
}

/**
 * Every state machine's definition, by logical id. A definition is an
 * `Fn::Join` of strings and references; only its shape matters here, so
 * each reference becomes a placeholder string.
 */
export function stateMachineDefinitions(
  template: Template,
): Record<string, StateMachineDefinition> {
  const out: Record<string, StateMachineDefinition> = {};
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::StepFunctions::StateMachine') continue;
    const text = flatten(resource.Properties?.DefinitionString);
    out[id] = JSON.parse(text) as StateMachineDefinition;
  }
  return out;
}

export interface StateDefinition {
  Type: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: { Next: string }[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
}

export interface StateMachineDefinition {
  StartAt: string;
  States: Record<string, StateDefinition>;
}

function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    const join = (value as Record<string, unknown>)['Fn::Join'];
    if (Array.isArray(join)) {
      const [separator, parts] = join as [string, unknown[]];
      return parts.map(flatten).join(separator);
    }
    return 'REFERENCE';
  }
  return String(value);
}
