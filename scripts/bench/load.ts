/**
 * Load with a fixed number of connections: each lane sends one request
 * after another, and every request's latency is kept by its kind.
 */
import { percentile } from './table.js';

export type Timer = <T>(kind: string, request: () => Promise<T>) => Promise<T>;

export interface LoadResult {
  connections: number;
  seconds: number;
  /** Units of work done (writes, redemptions, refreshes, offers). */
  done: number;
  errors: number;
  perSecond: number;
  latencies: Record<string, number[]>;
  /** The first failure's message, to say why. */
  firstError?: string;
}

export function latencyOf(result: LoadResult, kind: string) {
  const values = result.latencies[kind] ?? [];
  return { p50: percentile(values, 50), p99: percentile(values, 99) };
}

function recorder(latencies: Record<string, number[]>): Timer {
  return async (kind, request) => {
    const started = performance.now();
    const answer = await request();
    const ms = performance.now() - started;
    if (answer instanceof Response && !answer.ok) {
      throw new Error(`${kind} answered ${answer.status}`);
    }
    let list = latencies[kind];
    if (!list) {
      list = [];
      latencies[kind] = list;
    }
    list.push(ms);
    return answer;
  };
}

/** Runs `work` in lanes until `seconds` have passed. */
export async function runForDuration(
  connections: number,
  seconds: number,
  work: (time: Timer) => Promise<void>,
): Promise<LoadResult> {
  const latencies: Record<string, number[]> = {};
  const time = recorder(latencies);
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let done = 0;
  let errors = 0;
  let firstError: string | undefined;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) {
        try {
          await work(time);
          done++;
        } catch (error) {
          errors++;
          firstError ??= (error as Error).message;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  return {
    connections,
    seconds: elapsed,
    done,
    errors,
    perSecond: done / elapsed,
    latencies,
    ...(firstError ? { firstError } : {}),
  };
}

/** Runs `work` once for each item, `connections` at a time. */
export async function runOverItems<T>(
  connections: number,
  items: readonly T[],
  work: (item: T, time: Timer, index: number) => Promise<void>,
  options: { deadlineSeconds?: number } = {},
): Promise<LoadResult & { failed: number[] }> {
  const latencies: Record<string, number[]> = {};
  const time = recorder(latencies);
  const started = performance.now();
  const deadline = started + (options.deadlineSeconds ?? Infinity) * 1000;
  let next = 0;
  let done = 0;
  const failed: number[] = [];
  let firstError: string | undefined;
  await Promise.all(
    Array.from({ length: Math.min(connections, items.length) }, async () => {
      while (next < items.length && performance.now() < deadline) {
        const index = next++;
        try {
          await work(items[index] as T, time, index);
          done++;
        } catch (error) {
          failed.push(index);
          firstError ??= (error as Error).message;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  return {
    connections,
    seconds: elapsed,
    done,
    errors: failed.length,
    perSecond: done / elapsed,
    latencies,
    failed,
    ...(firstError ? { firstError } : {}),
  };
}

/** Maps items in lanes, for untimed set-up. */
export async function mapLanes<T, R>(
  lanes: number,
  items: readonly T[],
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(lanes, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        out[index] = await work(items[index] as T, index);
      }
    }),
  );
  return out;
}
