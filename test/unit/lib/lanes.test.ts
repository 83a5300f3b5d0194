import { describe, expect, it } from 'vitest';
import { inLanes } from '../../../functions/lib/lanes.js';

const tick = () => new Promise((done) => setTimeout(done, 1));

describe('inLanes', () => {
  it('runs every task, never more than the lanes at once', async () => {
    let running = 0;
    let most = 0;
    const done: number[] = [];

    await inLanes([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      running++;
      most = Math.max(most, running);
      await tick();
      done.push(n);
      running--;
    });

    expect(done.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(3);
  });

  it('starts no task once one has failed, and rejects with that failure', async () => {
    const started: number[] = [];

    const run = inLanes([1, 2, 3, 4, 5], 1, async (n) => {
      started.push(n);
      if (n === 2) throw new Error('task 2 failed');
    });

    await expect(run).rejects.toThrow('task 2 failed');
    expect(started).toEqual([1, 2]);
  });
});
