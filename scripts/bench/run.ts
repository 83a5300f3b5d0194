/**
 * `npm run bench`: every benchmark of the product on a local stack of its own
 * (an ephemeral folder under .local/bench/), one table on stdout and the
 * same rows in .local/bench.json.
 *
 *   npm run bench                      everything, full sizes
 *   npm run bench -- --quick           everything, small sizes
 *   npm run bench -- cold-start ...    only the benchmarks named
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { coldStartBenchmark } from './cold-start.js';
import { costBenchmark } from './cost.js';
import { dynamoDbWorkBenchmark, type WorkResult } from './dynamodb-work.js';
import {
  type BenchStack,
  fullSizes,
  quickSizes,
  type Sizes,
  startBenchStack,
} from './harness.js';
import { redemptionBenchmark } from './redemption.js';
import { resultsDayBenchmark } from './results-day.js';
import { rosterImportBenchmark } from './roster-import.js';
import { formatTable, type Row, writeRows } from './table.js';
import { transitionsBenchmark } from './transitions.js';

const repoRoot = resolve(import.meta.dirname, '../..');

export interface Context {
  sizes: Sizes;
  workDir: string;
  stack(): Promise<BenchStack>;
  /** The per-operation work, measured once and shared with the cost. */
  work(): Promise<WorkResult>;
}

interface Benchmark {
  name: string;
  run(context: Context): Promise<Row[]>;
}

export const benchmarks: Benchmark[] = [
  {
    name: 'cold-start',
    run: (c) =>
      coldStartBenchmark({
        runs: c.sizes.coldStartRuns,
        workDir: join(c.workDir, 'cold-start'),
      }),
  },
  { name: 'transitions', run: () => transitionsBenchmark() },
  {
    name: 'dynamodb',
    run: async (c) => (await c.work()).rows,
  },
  {
    name: 'redemption',
    run: async (c) => redemptionBenchmark(await c.stack(), c.sizes),
  },
  {
    name: 'roster-import',
    run: async (c) => rosterImportBenchmark(await c.stack(), c.sizes),
  },
  {
    name: 'results-day',
    run: async (c) => resultsDayBenchmark(await c.stack(), c.sizes),
  },
  { name: 'cost', run: async (c) => costBenchmark(await c.work()) },
];

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { quick: { type: 'boolean', default: false } },
    allowPositionals: true,
  });
  const unknown = positionals.filter(
    (p) => !benchmarks.some((b) => b.name === p),
  );
  if (unknown.length) {
    console.error(
      `No benchmark ${unknown.join(', ')}; there are ` +
        `${benchmarks.map((b) => b.name).join(', ')}.`,
    );
    process.exit(2);
  }
  const chosen = positionals.length
    ? benchmarks.filter((b) => positionals.includes(b.name))
    : benchmarks;
  const sizes = values.quick ? quickSizes : fullSizes;

  // Nothing here may reach AWS: every client gets a loopback endpoint.
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  process.env.AWS_REGION = 'eu-west-2';
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';

  const benchDir = join(repoRoot, '.local', 'bench');
  mkdirSync(benchDir, { recursive: true });
  const workDir = mkdtempSync(join(benchDir, 'run-'));
  let started: Promise<BenchStack> | undefined;
  let work: Promise<WorkResult> | undefined;
  const context: Context = {
    sizes,
    workDir,
    stack() {
      started ??= startBenchStack(join(workDir, 'stack'));
      return started;
    },
    async work() {
      work ??= dynamoDbWorkBenchmark(await context.stack());
      return work;
    },
  };

  const rows: Row[] = [];
  const failures: string[] = [];
  try {
    for (const benchmark of chosen) {
      const began = Date.now();
      console.log(`${benchmark.name}...`);
      try {
        rows.push(...(await benchmark.run(context)));
      } catch (error) {
        failures.push(benchmark.name);
        console.error(`${benchmark.name} failed:`, error);
      }
      console.log(`${benchmark.name}: ${(Date.now() - began) / 1000} s`);
    }
  } finally {
    if (started) await (await started).stop();
  }

  console.log(
    `\n${values.quick ? 'Quick' : 'Full'} run, Node ${process.version}, ` +
      `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ` +
      `${Math.round(totalmem() / 2 ** 30)} GiB\n`,
  );
  console.log(formatTable(rows));
  const file = join(repoRoot, '.local', 'bench.json');
  writeRows(file, rows);
  const missed = rows.filter((r) => r.met === false).length;
  console.log(
    `\n${rows.length} rows, ${missed} targets missed; written to ` +
      '.local/bench.json',
  );
  if (!process.env.BENCH_KEEP) {
    rmSync(workDir, { recursive: true, force: true });
  }
  if (failures.length) {
    console.error(`Failed: ${failures.join(', ')}`);
    process.exitCode = 1;
  }
}

await main();
