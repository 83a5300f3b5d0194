import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type Actor, recordAudit } from '../lib/audit.js';
import type { Deps } from '../lib/deps.js';
import { keys } from '../lib/keys.js';
import { logger } from '../lib/logger.js';
import { count } from '../lib/metrics.js';
import { counterTtl, windowAt } from '../lib/rate-windows.js';
import { isConditionFailure } from '../lib/table.js';

export const velocityAudit = 'vouching-velocity-flagged';

/**
 * Notes that a member of staff vouched for a student, and tells the
 * helpdesk (a metric, which an alarm watches, and an audit entry) when
 * they have vouched for more students in the window than the setting
 * allows. Nobody is blocked: a tutor with a full class carries on.
 *
 * The window's item holds the set of students, so vouching for one student
 * twice counts once; a second, conditional write marks the window flagged,
 * so the helpdesk hears of it once a window however many follow. A failure
 * here is logged and never fails the vouch. Returns whether this vouch
 * raised the flag.
 */
export async function noteVouch(
  deps: Deps,
  actor: Actor,
  urn: string,
  staffId: string,
  studentId: string,
): Promise<boolean> {
  try {
    return await note(deps, actor, urn, staffId, studentId);
  } catch (error) {
    logger.warn('vouching velocity not noted', {
      errorName: (error as Error).name,
    });
    return false;
  }
}

async function note(
  deps: Deps,
  actor: Actor,
  urn: string,
  staffId: string,
  studentId: string,
): Promise<boolean> {
  const settings = deps.config;
  const minutes = settings.VOUCH_VELOCITY_WINDOW_MINUTES;
  const now = deps.clock.now();
  const window = windowAt(now, minutes * 60);
  const Key = keys.rateWindow('vouches', `${urn}#${staffId}`, window.start);
  const TableName = settings.TABLE_NAME;

  const out = await deps.db.send(
    new UpdateCommand({
      TableName,
      Key,
      UpdateExpression: 'ADD studentIds :student SET #ttl = :ttl',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: {
        ':student': new Set([studentId]),
        ':ttl': counterTtl(window),
      },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  const students = (out.Attributes?.studentIds as Set<string> | undefined)
    ?.size;
  if (students === undefined || students <= settings.VOUCH_VELOCITY_LIMIT) {
    return false;
  }

  try {
    await deps.db.send(
      new UpdateCommand({
        TableName,
        Key,
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
      windowMinutes: minutes,
    },
  );
  return true;
}
