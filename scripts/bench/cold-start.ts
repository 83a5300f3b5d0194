/**
 * Cold start: every route group's handler bundled as CDK bundles it, next
 * to its floor, a bundle that only creates the SDK clients the function's
 * grants let it use. Each is sized, then loaded and initialised in fresh
 * Node processes, handler and floor taking turns.
 *
 * Handlers create their clients on first use, so "initialised" means: the
 * module imported and its handler called once with a trivial event that
 * gets as far as creating the dependencies (a request without a token, or
 * a metadata route for the wallet), and nothing that needs the network.
 * The floor's handler is called the same way.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import {
  type Route,
  type RouteGroup,
  routeGroups,
  routes,
} from '../../functions/routes.js';
import {
  handlerEntry,
  projectBundling,
  projectNodeOptions,
} from '../../lib/project-function.js';
import { clientsForActions, floorSource } from './sdk-clients.js';
import { atMost, median, type Row, row } from './table.js';
import { synthesize } from './template.js';

export interface ColdStartOptions {
  runs: number;
  workDir: string;
  only?: RouteGroup[];
}

export interface Bundle {
  file: string;
  bytes: number;
  /** Bytes in the output by package (`zod`, `@aws-sdk/client-sfn`, ...). */
  packages: Record<string, number>;
}

/** esbuild's options for what CDK's NodejsFunction does with ours. */
export function esbuildOptions(entry: string, outfile: string) {
  const b = projectBundling;
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node' as const,
    format: b.format === 'esm' ? ('esm' as const) : ('cjs' as const),
    target: b.target,
    minify: b.minify,
    sourcemap: b.sourceMap,
    sourcesContent: b.sourcesContent,
    mainFields: [...b.mainFields],
    // bundleAwsSDK: nothing is external.
    external: b.bundleAwsSDK ? [] : ['@aws-sdk/*'],
    banner: { js: b.banner },
    metafile: true,
    logLevel: 'warning' as const,
  };
}

export async function bundle(entry: string, outDir: string): Promise<Bundle> {
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, 'index.mjs');
  const result = await build(esbuildOptions(entry, file));
  return {
    file,
    bytes: statSync(file).size,
    packages: result.metafile ? packageBytes(result.metafile) : {},
  };
}

function packageBytes(metafile: Metafile): Record<string, number> {
  const out: Record<string, number> = {};
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, input] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
      const name = match?.[1] ?? '(ours)';
      out[name] = (out[name] ?? 0) + input.bytesInOutput;
    }
  }
  return out;
}

/** The route a trivial event asks for: one that needs no network. */
export function trivialRoute(group: RouteGroup): Route {
  const own = routes.filter((r) => r.group === group);
  const guarded = own.find((r) => r.access !== 'public');
  const metadata = own.find(
    (r) => r.method === 'GET' && r.path.startsWith('/.well-known/'),
  );
  // The console's own entry page: with no session cookie it answers the
  // way to sign in, reading nothing.
  const page = own.find((r) => r.method === 'GET' && r.path === '/console');
  const chosen = guarded ?? metadata ?? page;
  if (!chosen) throw new Error(`No trivial route for the ${group} group`);
  return chosen;
}

const bodies = {
  'application/json': ['application/json', '{}'],
  'text/csv': ['text/csv', 'a'],
  form: ['application/x-www-form-urlencoded', ''],
} as const;

export function trivialEvent(route: Route) {
  const [contentType, body] = route.accepts
    ? bodies[route.accepts[0] as keyof typeof bodies]
    : [undefined, null];
  const params = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
  return {
    resource: route.path,
    path: route.path,
    httpMethod: route.method,
    headers: contentType ? { 'content-type': contentType } : {},
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: params.length
      ? Object.fromEntries(params.map((p) => [p, '123456']))
      : null,
    stageVariables: null,
    body,
    isBase64Encoded: false,
    requestContext: {
      requestId: 'bench',
      identity: { sourceIp: '127.0.0.1' },
    },
  };
}

/** Settings as a deployed function has them, every endpoint unreachable. */
function lambdaEnvironment(): NodeJS.ProcessEnv {
  const nowhere = 'http://127.0.0.1:9';
  return {
    PATH: process.env.PATH,
    NODE_OPTIONS: projectNodeOptions,
    AWS_REGION: 'eu-west-2',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_EC2_METADATA_DISABLED: 'true',
    REGION_NAME: 'bench',
    TABLE_NAME: 'bench',
    ISSUER_URL: 'https://records.example.org',
    USER_POOL_ID: 'eu-west-2_bench',
    USER_POOL_CLIENT_ID: 'bench',
    COGNITO_ISSUER: `${nowhere}/eu-west-2_bench`,
    EXPIRY_STATE_MACHINE_ARN:
      'arn:aws:states:eu-west-2:000000000000:stateMachine:bench',
    SIGNING_KEY_ID: 'bench',
    DYNAMODB_ENDPOINT: nowhere,
    COGNITO_ENDPOINT: nowhere,
    SFN_ENDPOINT: nowhere,
    POWERTOOLS_SERVICE_NAME: 'bench',
    POWERTOOLS_METRICS_NAMESPACE: 'bench',
    POWERTOOLS_LOG_LEVEL: 'WARN',
  };
}

const runner = `
const started = performance.now();
const module = await import(process.argv[2]);
const event = JSON.parse(process.argv[3]);
const answer = await module.handler(event, {
  functionName: 'bench', awsRequestId: 'bench',
  getRemainingTimeInMillis: () => 25000,
});
const ms = performance.now() - started;
process.stdout.write(JSON.stringify({ ms, status: answer.statusCode }));
`;

interface Start {
  /** The fresh process, from spawn to exit. */
  wallMs: number;
  /** Inside it: import and first call. */
  initMs: number;
  status: number;
}

function startOnce(runnerFile: string, file: string, event: string): Start {
  const began = performance.now();
  const child = spawnSync(process.execPath, [runnerFile, file, event], {
    env: lambdaEnvironment(),
    encoding: 'utf8',
  });
  const wallMs = performance.now() - began;
  if (child.status !== 0) {
    throw new Error(`${file} did not start: ${child.stderr}`);
  }
  const out = JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}');
  return { wallMs, initMs: out.ms, status: out.status };
}

export interface ColdStartResult {
  group: string;
  clients: string[];
  bundle: Bundle;
  floor: Bundle;
  wallMs: number;
  floorWallMs: number;
  initMs: number;
  floorInitMs: number;
  status: number;
}

export async function measureColdStarts(
  options: ColdStartOptions,
): Promise<ColdStartResult[]> {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 24) throw new Error('Run the bench on Node 24 (npm run bench).');
  const { actions } = synthesize();
  const runnerFile = join(options.workDir, 'runner.mjs');
  mkdirSync(options.workDir, { recursive: true });
  writeFileSync(runnerFile, runner);

  const results: ColdStartResult[] = [];
  for (const group of options.only ?? routeGroups) {
    const clients = clientsForActions(actions[group]);
    const dir = join(options.workDir, group);
    const handlerBundle = await bundle(handlerEntry(group), join(dir, 'fn'));
    // Inside the repository, so the floor resolves the same packages.
    const floorEntry = join(dir, 'floor-entry.ts');
    mkdirSync(dir, { recursive: true });
    writeFileSync(floorEntry, floorSource(clients));
    const floorBundle = await bundle(floorEntry, join(dir, 'floor'));

    const event = JSON.stringify(trivialEvent(trivialRoute(group)));
    const fn: Start[] = [];
    const floor: Start[] = [];
    // One warm-up each, so the first run does not pay for a cold disk.
    startOnce(runnerFile, handlerBundle.file, event);
    startOnce(runnerFile, floorBundle.file, event);
    for (let i = 0; i < options.runs; i++) {
      fn.push(startOnce(runnerFile, handlerBundle.file, event));
      floor.push(startOnce(runnerFile, floorBundle.file, event));
    }
    results.push({
      group,
      clients,
      bundle: handlerBundle,
      floor: floorBundle,
      wallMs: median(fn.map((s) => s.wallMs)),
      floorWallMs: median(floor.map((s) => s.wallMs)),
      initMs: median(fn.map((s) => s.initMs)),
      floorInitMs: median(floor.map((s) => s.initMs)),
      status: fn[0]?.status ?? 0,
    });
  }
  return results;
}

const kb = (bytes: number) => bytes / 1024;

export async function coldStartBenchmark(
  options: ColdStartOptions,
): Promise<Row[]> {
  const results = await measureColdStarts(options);
  const rows: Row[] = [];
  for (const r of results) {
    const name = `cold start ${r.group} (${r.clients.join('+')})`;
    rows.push(
      row(
        `${name} size`,
        kb(r.bundle.bytes),
        'KB',
        kb(r.floor.bytes),
        atMost(1.3),
      ),
      row(`${name} start`, r.wallMs, 'ms', r.floorWallMs, atMost(1.2)),
    );
  }
  for (const r of results) {
    const top = Object.entries(r.bundle.packages)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([name, bytes]) => `${name} ${Math.round(kb(bytes))} KB`);
    console.log(
      `  ${r.group}: ${top.join(', ')}; import and first call ` +
        `${Math.round(r.initMs)} ms (floor ${Math.round(r.floorInitMs)} ms), ` +
        `trivial event answered ${r.status}`,
    );
  }
  return rows;
}
