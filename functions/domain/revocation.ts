import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Caller } from '../lib/auth.js';
import type { Deps } from '../lib/deps.js';
import { conflict, forbidden, notFound } from '../lib/errors.js';
import { keys, table } from '../lib/keys.js';
import { count } from '../lib/metrics.js';
import {
  batchWrite,
  entity,
  getEntity,
  isConditionFailure,
  queryAll,
} from '../lib/table.js';
import { statusValues } from '../wallet/status-list.js';
import { hasRole } from './access.js';
import type { Chain } from './chains.js';
import { isLive } from './offers.js';
import { statusBlockSize, statusEntryItem } from './status-lists.js';
import type { Offer, Staff } from './types.js';

/** Every status list index a chain's credentials have used. */
export function chainIndexes(chain: Chain): number[] {
  const out: number[] = [];
  for (const start of chain.blocks ?? []) {
    const end = Math.min(start + statusBlockSize, chain.nextIndex);
    for (let i = start; i < end; i++) out.push(i);
  }
  return out;
}

export interface RevokeOutcome {
  offerId: string;
  status: 'revoked';
  /** Credentials now marked invalid in the status list. */
  credentialsRevoked: number;
}

/**
 * Undoes an offer: a record that reached the wrong student, or was issued
 * in error. A live offer stops working; a redeemed one has its chain
 * revoked (its refresh token dies) and every credential the chain
 * delivered marked invalid in the status list, so any verifier sees it.
 * The voucher, the centre's heads of year and its admins may do this.
 */
export async function revokeOffer(
  deps: Deps,
  caller: Caller,
  urn: string,
  offerId: string,
  reason: string,
): Promise<RevokeOutcome> {
  const TableName = deps.config.TABLE_NAME;
  const [offer, staff] = await Promise.all([
    getEntity<Offer & { chainId?: string }>(
      deps.db,
      TableName,
      keys.offer(offerId),
    ),
    getEntity<Staff>(deps.db, TableName, keys.staff(urn, caller.sub)),
  ]);
  if (!offer || !staff || offer.urn !== urn) throw notFound();
  const mayRevoke =
    staff.active &&
    (offer.staffId === staff.staffId ||
      hasRole(staff, 'head-of-year', 'centre-admin'));
  if (!mayRevoke) {
    throw forbidden(
      'NOT_YOUR_OFFER',
      'Only the member of staff who vouched, a head of year or a centre ' +
        'admin can revoke this record.',
    );
  }

  const now = deps.clock.now();
  const at = now.toISOString();
  if (offer.status === 'revoked' && !offer.chainId) {
    throw conflict('OFFER_ALREADY_REVOKED', 'This offer is already revoked.');
  }
  if (!offer.chainId && !isLive(offer, now)) {
    throw conflict(
      'OFFER_NOT_REVOCABLE',
      'This offer expired unscanned: no record was issued from it.',
    );
  }

  await deps.db.send(
    new UpdateCommand({
      TableName,
      Key: keys.offer(offerId),
      UpdateExpression:
        'SET #status = :revoked, revokedReason = :why, revokedAt = :now, ' +
        'revokedBy = :by, revocationNote = :note',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':revoked': 'revoked',
        ':why': 'revoked-by-staff',
        ':now': at,
        ':by': staff.staffId,
        ':note': reason,
      },
    }),
  );

  // A live offer stopped before use; a delivered one is a revoked record.
  if (offer.status !== 'revoked') count('OffersRevoked');
  const credentialsRevoked = offer.chainId
    ? await revokeChainCredentials(deps, offer.chainId, 'revoked-by-staff')
    : 0;
  return { offerId, status: 'revoked', credentialsRevoked };
}

/**
 * Revokes a chain and marks every credential it delivered invalid. The
 * indexes come from the chain as the revoking write left it, so a
 * credential issued a moment before is not missed; none can follow.
 */
export async function revokeChainCredentials(
  deps: Deps,
  chainId: string,
  reason: string,
): Promise<number> {
  const TableName = deps.config.TABLE_NAME;
  const at = deps.clock.now().toISOString();
  const out = await deps.db
    .send(
      new UpdateCommand({
        TableName,
        Key: keys.chain(chainId),
        UpdateExpression:
          'SET #status = :revoked, revokedReason = :why, revokedAt = :now',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':revoked': 'revoked',
          ':why': reason,
          ':now': at,
        },
        ReturnValues: 'ALL_NEW',
      }),
    )
    .catch((error: Error) => {
      if (isConditionFailure(error)) return undefined;
      throw error;
    });
  if (!out?.Attributes) return 0;
  const indexes = chainIndexes(entity<Chain>(out.Attributes));
  await batchWrite(
    deps.db,
    TableName,
    indexes.map((index) => ({
      PutRequest: {
        Item: statusEntryItem(index, statusValues.invalid, chainId, at),
      },
    })),
  );
  return indexes.length;
}

/**
 * Stops every chain of a student: used when the roster says the student
 * is another person now (a new date of birth or ULN), so no wallet linked
 * to the old details keeps receiving the new ones.
 */
export async function revokeStudentChains(
  deps: Deps,
  studentId: string,
  reason: string,
): Promise<number> {
  const index = table.indexes.gsi1;
  const chains = await queryAll(deps.db, {
    TableName: deps.config.TABLE_NAME,
    IndexName: index.name,
    KeyConditionExpression: `${index.partitionKey} = :pk AND begins_with(${index.sortKey}, :chain)`,
    ExpressionAttributeValues: {
      ':pk': `STUDENT#${studentId}`,
      ':chain': 'CHAIN#',
    },
  });
  let revoked = 0;
  for (const item of chains) {
    if (item.status !== 'active') continue;
    await revokeChainCredentials(deps, String(item.chainId), reason);
    revoked++;
  }
  return revoked;
}
