import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { epochSeconds } from './clock.js';
import type { Deps } from './deps.js';
import { keys } from './keys.js';
import { isConditionFailure } from './table.js';

/** A fixed window of time, in epoch seconds. */
export interface Window {
  start: number;
  end: number;
}

/** The fixed window of `seconds` that `now` falls in. */
export function windowAt(now: Date, seconds: number): Window {
  const epoch = epochSeconds(now);
  const start = epoch - (epoch % seconds);

  return { start, end: start + seconds };
}

/** Whole seconds until a window ends, at least one. */
export function secondsLeft(window: Window, now: Date): number {
  return Math.max(1, window.end - epochSeconds(now));
}

/**
 * A window's counter item goes a minute after the window: DynamoDB's TTL
 * deletes it within days, and a later window never reads it anyway.
 */
export const counterTtl = (window: Window) => window.end + 60;

export interface Take {
  allowed: boolean;
  /** Seconds until the window ends: the `Retry-After` of a refusal. */
  retryAfter: number;
}

/**
 * Takes one from a fixed-window allowance of `limit`, in one conditional
 * UpdateItem: the count goes up only while it is below the limit, so a
 * refused request leaves it as it was and many at once cannot overshoot.
 */
export async function takeFromWindow(
  deps: Deps,
  kind: string,
  subject: string,
  limit: number,
  windowSeconds: number,
): Promise<Take> {
  const now = deps.clock.now();
  const window = windowAt(now, windowSeconds);
  const retryAfter = secondsLeft(window, now);
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.config.TABLE_NAME,
        Key: keys.rateWindow(kind, subject, window.start),
        UpdateExpression: 'ADD hits :one SET #ttl = :ttl',
        ConditionExpression: 'attribute_not_exists(hits) OR hits < :limit',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: {
          ':one': 1,
          ':limit': limit,
          ':ttl': counterTtl(window),
        },
      }),
    );
    return { allowed: true, retryAfter };
  } catch (error) {
    if (isConditionFailure(error)) return { allowed: false, retryAfter };
    throw error;
  }
}
