/** Time as the domain sees it; tests inject a fixed or moving clock. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export function fixedClock(at: Date | string): Clock & { set(d: Date): void } {
  let current = new Date(at);
  return {
    now: () => new Date(current),
    set(d: Date) {
      current = new Date(d);
    },
  };
}

export function addMinutes(date: Date, minutes: number): Date {
  return new Date(date.getTime() + minutes * 60_000);
}

export function addSeconds(date: Date, seconds: number): Date {
  return new Date(date.getTime() + seconds * 1000);
}

/** Seconds since the epoch, as DynamoDB's TTL wants them. */
export function epochSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
