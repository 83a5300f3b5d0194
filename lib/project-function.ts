import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import {
  ApplicationLogLevel,
  Architecture,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import {
  type BundlingOptions,
  NodejsFunction,
  OutputFormat,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import type { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { RouteGroup } from '../functions/routes.js';
import { encryptedLogGroup } from './encrypted-log-group.js';
import { suppressRuntimeFinding } from './nag-suppressions.js';
import type { Lifecycle } from './removal.js';

/** A route group's function, or the report routing workflow's task. */
export type FunctionName = RouteGroup | 'report-routing';

export interface ProjectFunctionProps {
  group: FunctionName;
  environment: Record<string, string>;
  dataKey: IKey;
  lifecycle: Lifecycle;
}

/**
 * How every route group's handler is bundled. Exported so that the cold
 * start benchmark (scripts/bench/cold-start.ts) builds exactly what CDK
 * deploys.
 */
export const projectBundling = {
  forceDockerBundling: false,
  format: OutputFormat.ESM,
  target: 'node24',
  minify: true,
  // Stack traces name our files and lines; the sources themselves
  // would triple the size of the package.
  sourceMap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  // The SDK goes into the bundle so AWS runs the versions the tests
  // ran, not whichever the runtime carries.
  bundleAwsSDK: true,
  // CommonJS dependencies inside an ES module bundle still call
  // require() for Node built-ins.
  banner:
    "import { createRequire } from 'node:module';" +
    'const require = createRequire(import.meta.url);',
} as const satisfies BundlingOptions;

/** The memory every route group's function gets (MB). */
export const projectMemoryMB = 1024;

/** Environment every function gets on top of its settings. */
export const projectNodeOptions = '--enable-source-maps';

/** Where a function's handler lives: functions/handlers/<group>.ts. */
export function handlerEntry(group: FunctionName): string {
  return fileURLToPath(
    new URL(`../functions/handlers/${group}.ts`, import.meta.url),
  );
}

/**
 * One route group's Lambda function, with every choice the project makes
 * for all of them made here once.
 */
export class ProjectFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: LogGroup;
  readonly role: Role;

  constructor(scope: Construct, id: string, props: ProjectFunctionProps) {
    super(scope, id);

    this.logGroup = encryptedLogGroup(this, 'Logs', props);
    // An own role rather than the default one, whose AWS managed policy
    // would let the function write to every log group of the account.
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description:
        props.group === 'report-routing'
          ? 'Runs the report routing workflow task'
          : `Runs the ${props.group} route group`,
    });
    this.logGroup.grantWrite(role);
    this.role = role;

    this.function = new NodejsFunction(this, 'Function', {
      entry: handlerEntry(props.group),
      handler: 'handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      // Below API Gateway's 29-second integration timeout, so a slow
      // import ends in the function's own error, not a gateway 504.
      timeout: Duration.seconds(25),
      memorySize: projectMemoryMB,
      role,
      tracing: Tracing.ACTIVE,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel.INFO,
      systemLogLevelV2: SystemLogLevel.WARN,
      environment: {
        ...props.environment,
        NODE_OPTIONS: projectNodeOptions,
      },
      bundling: projectBundling,
    });
    suppressRuntimeFinding(this.function);
  }
}
