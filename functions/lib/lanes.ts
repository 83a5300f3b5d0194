/**
 * Runs `work` over `tasks` with at most `lanes` in flight, in the order
 * given, and settles when all are done. The first failure rejects; tasks
 * already started run on, and none not yet started begins.
 */
export async function inLanes<T>(
  tasks: readonly T[],
  lanes: number,
  work: (task: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && next < tasks.length) {
      const task = tasks[next++] as T;
      try {
        await work(task);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(lanes, tasks.length) }, lane),
  );
}
