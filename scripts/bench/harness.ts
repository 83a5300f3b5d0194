/**
 * What the benchmarks share: the local stack in its own process (with its
 * counters), the floor server, and how big each run is.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { openSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { LocalStackDescription } from '../../test/support/local-stack.js';
import type { Counts } from './counting.js';
import { type LoadResult, runForDuration } from './load.js';

export interface Sizes {
  coldStartRuns: number;
  /** Seconds each floor and offer-creation level runs. */
  levelSeconds: number;
  connections: number[];
  /** Students on the load benchmark's centre, per connection level. */
  loadStudents: Record<number, number>;
  rosterRows: number;
  centres: number;
  studentsPerCentre: number;
  /** Share of the results-day students who redeem. */
  redeemShare: number;
  lanes: number;
}

export const fullSizes: Sizes = {
  coldStartRuns: 15,
  levelSeconds: 15,
  connections: [1, 10, 50],
  loadStudents: { 1: 400, 10: 1000, 50: 1200 },
  rosterRows: 2000,
  centres: 50,
  studentsPerCentre: 100,
  redeemShare: 0.8,
  lanes: 50,
};

export const quickSizes: Sizes = {
  coldStartRuns: 5,
  levelSeconds: 4,
  connections: [1, 10, 50],
  loadStudents: { 1: 60, 10: 150, 50: 200 },
  rosterRows: 500,
  centres: 4,
  studentsPerCentre: 50,
  redeemShare: 0.8,
  lanes: 50,
};

const here = import.meta.dirname;

/** Divides offer lifetimes: a 2-minute offer lives 20 s, 30 minutes 300 s. */
export const lifetimeDivisor = 6;

export interface Injected {
  cancelledTransactions: number;
  unprocessedItems: number;
}

export interface BenchStack {
  stack: LocalStackDescription;
  pid: number;
  logDir: string;
  snapshot(): Promise<Counts>;
  reset(): Promise<void>;
  /** Turns faults on (every n-th transaction) or off; says how many. */
  faults(every: number | undefined): Promise<Injected>;
  /** Floor writes per second at this many connections (measured once). */
  floor(connections: number): Promise<LoadResult>;
  /** Peak resident memory of the stack's processes, in MB. */
  peakRssMb(): { stack: number; children: number };
  stop(): Promise<void>;
}

function forkTs(
  file: string,
  args: string[],
  logFile: string,
): Promise<{ child: ChildProcess; ready: Record<string, unknown> }> {
  const out = openSync(logFile, 'a');
  const child = fork(join(here, file), args, {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', out, out, 'ipc'],
    env: { ...process.env, LIFETIME_DIVISOR: String(lifetimeDivisor) },
  });
  return new Promise((done, fail) => {
    child.once('exit', (code) =>
      fail(new Error(`${file} exited (${code}); see ${logFile}`)),
    );
    child.once('message', (ready) =>
      done({ child, ready: ready as Record<string, unknown> }),
    );
  });
}

export async function startBenchStack(dataDir: string): Promise<BenchStack> {
  const logDir = join(resolve(dataDir), 'logs');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(logDir, { recursive: true });
  const { child, ready } = await forkTs(
    'stack-process.ts',
    [resolve(dataDir), String(lifetimeDivisor)],
    join(logDir, 'handlers.log'),
  );
  child.removeAllListeners('exit');
  const stack = ready.description as LocalStackDescription;
  const floorProcess = await forkTs(
    'floor-server.ts',
    [stack.dynamodbEndpoint, stack.tableName],
    join(logDir, 'floor.log'),
  );
  floorProcess.child.removeAllListeners('exit');
  const floorUrl = floorProcess.ready.url as string;

  let nextId = 0;
  const ask = <T>(type: string, extra: object = {}): Promise<T> =>
    new Promise((done) => {
      const id = nextId++;
      const listen = (message: { type: string; id?: number }) => {
        if (message.id !== id) return;
        child.off('message', listen);
        done(message as T);
      };
      child.on('message', listen);
      child.send({ type, id, ...extra });
    });

  const floors = new Map<number, Promise<LoadResult>>();
  const floorSeconds = Number(process.env.BENCH_FLOOR_SECONDS ?? 10);
  return {
    stack,
    pid: child.pid ?? 0,
    logDir,
    snapshot: async () => (await ask<{ counts: Counts }>('snapshot')).counts,
    reset: async () => {
      await ask('reset');
    },
    faults: async (every) =>
      (await ask<{ injected: Injected }>('faults', { every })).injected,
    floor(connections) {
      let result = floors.get(connections);
      if (!result) {
        result = runForDuration(connections, floorSeconds, async (time) => {
          await time('write', () =>
            fetch(`${floorUrl}/write`, { method: 'POST' }),
          );
        });
        floors.set(connections, result);
      }
      return result;
    },
    peakRssMb: () => peakRss(child.pid ?? 0),
    stop: async () => {
      floorProcess.child.disconnect();
      const exited = new Promise((done) => child.once('exit', done));
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** VmHWM of a process and, summed, of its descendants (Linux /proc). */
export function peakRss(pid: number): { stack: number; children: number } {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
    } catch {
      // Gone meanwhile.
    }
  }
  const descendants: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const current = queue.shift() as number;
    for (const [child, parent] of parents) {
      if (parent === current) {
        descendants.push(child);
        queue.push(child);
      }
    }
  }
  const hwm = (p: number) => {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    } catch {
      return 0;
    }
  };
  return {
    stack: hwm(pid),
    children: descendants.reduce((n, p) => n + hwm(p), 0),
  };
}
