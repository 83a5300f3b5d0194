import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Caller } from '../lib/auth.js';
import type { Deps } from '../lib/deps.js';
import { conflict, forbidden, notFound } from '../lib/errors.js';
import { keys } from '../lib/keys.js';
import { batchWrite, getEntity } from '../lib/table.js';
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

  let credentialsRevoked = 0;
  if (offer.chainId) {
    const chainId = offer.chainId;
    const chain = await getEntity<Chain>(
      deps.db,
      TableName,
      keys.chain(chainId),
    );
    if (chain) {
      await deps.db.send(
        new UpdateCommand({
          TableName,
          Key: keys.chain(chainId),
          UpdateExpression:
            'SET #status = :revoked, revokedReason = :why, revokedAt = :now',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':revoked': 'revoked',
            ':why': 'revoked-by-staff',
            ':now': at,
          },
        }),
      );
      const indexes = chainIndexes(chain);
      await batchWrite(
        deps.db,
        TableName,
        indexes.map((index) => ({
          PutRequest: {
            Item: statusEntryItem(index, statusValues.invalid, chainId, at),
          },
        })),
      );
      credentialsRevoked = indexes.length;
    }
  }
  return { offerId, status: 'revoked', credentialsRevoked };
}
