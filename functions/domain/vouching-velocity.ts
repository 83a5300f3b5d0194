import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type Actor, recordAudit } from '../lib/audit.js';
import type { Deps } from '../lib/deps.js';
import { keys } from '../lib/keys.js';
import { logger } from '../lib/logger.js';
import { count } from '../lib/metrics.js';
import { counterTtl, windowAt } from '../lib/rate-windows.js';
import { isConditionFailure } from '../lib/table.js';

export const velocityAudit = 'vouching-velocity-flagged';

/** The window's item: the students a member of staff vouched for in it. */
export function velocityKey(deps: Deps, urn: string, staffId: string) {
  const window = windowAt(
    deps.clock.now(),
    deps.config.VOUCH_VELOCITY_WINDOW_MINUTES * 60,
  );
  return {
    window,
    key: keys.rateWindow('vouches', `${urn}#${staffId}`, window.start),
  };
}

/**
 * The write that notes a vouch for a student in the window, made in the
 * vouch's own transaction so that noting it costs no round trip. The set
 * of students means vouching for one student twice counts once.
 */
export function velocityWrite(
  deps: Deps,
  urn: string,
  staffId: string,
  studentId: string,
) {
  const { window, key } = velocityKey(deps, urn, staffId);
  return {
    Update: {
      TableName: deps.config.TABLE_NAME,
      Key: key,
      UpdateExpression: 'ADD studentIds :student SET #ttl = :ttl',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: {
        ':student': new Set([studentId]),
        ':ttl': counterTtl(window),
      },
    },
  };
}

/**
 * Tells the helpdesk (a metric, which an alarm watches, and an audit
 * entry) when a member of staff has vouched for more students in the
 * window than the setting allows, counting from the set read before the
 * vouch and this student. Nobody is blocked: a tutor with a full class
 * carries on. A conditional write marks the window flagged, so the
 * helpdesk hears of it once a window however many follow. A failure here
 * is logged and never fails the vouch. Returns whether this vouch raised
 * the flag.
 */
export async function flagIfTooFast(
  deps: Deps,
  actor: Actor,
  urn: string,
  staffId: string,
  studentId: string,
  before: Iterable<string> | undefined,
): Promise<boolean> {
  const students = new Set([...(before ?? []), studentId]).size;
  if (students <= deps.config.VOUCH_VELOCITY_LIMIT) return false;
  try {
    return await flag(deps, actor, urn, staffId, students);
  } catch (error) {
    logger.warn('vouching velocity not noted', {
      errorName: (error as Error).name,
    });
    return false;
  }
}

async function flag(
  deps: Deps,
  actor: Actor,
  urn: string,
  staffId: string,
  students: number,
): Promise<boolean> {
  const settings = deps.config;
  const now = deps.clock.now();
  const { key } = velocityKey(deps, urn, staffId);
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: settings.TABLE_NAME,
        Key: key,
        UpdateExpression: 'SET flaggedAt = :now',
        ConditionExpression: 'attribute_not_exists(flaggedAt)',
        ExpressionAttributeValues: { ':now': now.toISOString() },
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }

  count('VouchingVelocityFlagged');
  logger.warn('vouching velocity flagged', { centre: urn, staffId });
  await recordAudit(
    deps,
    velocityAudit,
    actor,
    { urn, staffId },
    {
      students,
      limit: settings.VOUCH_VELOCITY_LIMIT,
      windowMinutes: settings.VOUCH_VELOCITY_WINDOW_MINUTES,
    },
  );
  return true;
}
