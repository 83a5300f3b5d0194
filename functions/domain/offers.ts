import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import {
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Caller } from '../lib/auth.js';
import { addMinutes } from '../lib/clock.js';
import type { Deps } from '../lib/deps.js';
import { conflict, forbidden, notFound } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import { keys, table } from '../lib/keys.js';
import { count } from '../lib/metrics.js';
import { sfnOf } from '../lib/sfn.js';
import {
  batchGet,
  cancellationCodes,
  entity,
  getEntity,
  ignoreConditionFailure,
  queryAll,
} from '../lib/table.js';
import { hasRole } from './access.js';
import { newOfferSecrets } from './offer-secrets.js';
import type {
  Centre,
  Offer,
  OfferStatus,
  RevocationReason,
  Staff,
  Student,
  Vouch,
} from './types.js';
import { checkInStudentGroups, checkMayIssue } from './vouches.js';

type TransactItem = NonNullable<
  TransactWriteCommandInput['TransactItems']
>[number];

/** Statuses in which an offer can still be redeemed. */
export const liveStatuses: readonly OfferStatus[] = ['issued', 'scanned'];

/**
 * An offer's status at a moment: an unredeemed offer past its expiry is
 * expired by its own clock, whether or not the expiry workflow has run.
 */
export function offerStatusAt(offer: Offer, now: Date): OfferStatus {
  if (liveStatuses.includes(offer.status) && new Date(offer.expiresAt) <= now) {
    return 'expired';
  }
  return offer.status;
}

export function isLive(offer: Offer, now: Date): boolean {
  return liveStatuses.includes(offerStatusAt(offer, now));
}

/** The execution name of an offer's expiry: one per offer, ever. */
export const expiryExecutionName = (offerId: string) => `offer-${offerId}`;

export interface CreatedOffer {
  offer: Offer;
  ref: string;
  code: string;
  txCode: string;
}

/**
 * Turns a fresh vouch into an offer. In one transaction: the vouch is used
 * up, the offer written, the student's latest offer moved on and their
 * earlier unredeemed offer revoked. The expiry workflow is started first:
 * if that fails, nothing is written and the vouch can be used again; if the
 * transaction then fails, the workflow finds no offer and ends.
 */
export async function createOffer(
  deps: Deps,
  caller: Caller,
  urn: string,
  vouchId: string,
): Promise<CreatedOffer> {
  const TableName = deps.config.TABLE_NAME;
  const items = await batchGet(deps.db, TableName, [
    keys.centre(urn),
    keys.staff(urn, caller.sub),
    keys.vouch(urn, vouchId),
  ]);
  const find = (type: string) => items.find((i) => i.type === type);
  const centreItem = find('centre');
  const staffItem = find('staff');
  const vouchItem = find('vouch');
  if (!centreItem || !staffItem) throw notFound();

  const centre = entity<Centre>(centreItem);
  const staff = checkMayIssue(deps, centre, entity<Staff>(staffItem));
  if (!vouchItem) throw notFound();
  const vouch = entity<Vouch>(vouchItem);
  const now = deps.clock.now();
  checkVouchUsable(vouch, staff, now);

  for (let attempt = 1; ; attempt++) {
    const student = await getEntity<Student>(
      deps.db,
      TableName,
      keys.student(urn, vouch.studentId),
    );
    if (student?.status !== 'on-roll') throw notFound();
    // The student may have moved group since the vouch: check again.
    checkInStudentGroups(staff, student);
    const previous = student.latestOfferId
      ? await getEntity<Offer>(
          deps.db,
          TableName,
          keys.offer(student.latestOfferId),
        )
      : undefined;

    const offerId = newId();
    const secrets = newOfferSecrets(offerId, {
      urn,
      studentId: student.studentId,
    });
    const lifetime =
      centre.policy.offerLifetimeMinutes / deps.config.LIFETIME_DIVISOR;
    const offer: Offer = {
      offerId,
      urn,
      studentId: student.studentId,
      staffId: staff.staffId,
      vouchId,
      status: 'issued',
      createdAt: now.toISOString(),
      expiresAt: addMinutes(now, lifetime).toISOString(),
      refHash: secrets.refHash,
      codeHash: secrets.codeHash,
      txCodeHash: secrets.txCodeHash,
      failedTxCodes: 0,
    };

    await sfnOf(deps).send(
      new StartExecutionCommand({
        stateMachineArn: deps.config.EXPIRY_STATE_MACHINE_ARN,
        name: expiryExecutionName(offerId),
        input: JSON.stringify({ offerId, expiresAt: offer.expiresAt }),
      }),
    );

    try {
      await deps.db.send(
        new TransactWriteCommand({
          TransactItems: offerItems(deps, offer, student, previous, now),
        }),
      );
      count('OffersCreated');
      if (previous && liveStatuses.includes(previous.status)) {
        count('OffersRevoked');
      }
      return { offer, ...secrets };
    } catch (error) {
      const codes = cancellationCodes(error);
      if (codes.length === 0) throw error;
      // The vouch was used or went stale meanwhile: say which.
      if (codes[0] === 'ConditionalCheckFailed') {
        const fresh = await getEntity<Vouch>(
          deps.db,
          TableName,
          keys.vouch(urn, vouchId),
        );
        if (fresh) checkVouchUsable(fresh, staff, deps.clock.now());
      }
      // Throttled, not beaten: the caller should retry later (503).
      if (codes.includes('ThrottlingError')) throw error;
      // Another offer for the student landed first: try again on top of it.
      if (attempt >= 3) {
        throw conflict(
          'OFFER_CONFLICT',
          'Another QR code was being made for this student at the same ' +
            'moment. Try again.',
          { cause: error },
        );
      }
    }
  }
}

function checkVouchUsable(vouch: Vouch, staff: Staff, now: Date): void {
  if (vouch.staffId !== staff.staffId) {
    throw forbidden(
      'VOUCH_NOT_YOURS',
      'Only the member of staff who vouched can create the QR code from ' +
        'this vouch. Vouch for the student yourself.',
    );
  }
  if (vouch.offerId) {
    throw conflict(
      'VOUCH_USED',
      'This vouch has already been used for a QR code. Vouch again to ' +
        'make a new one.',
    );
  }
  if (new Date(vouch.expiresAt) <= now) {
    throw conflict(
      'VOUCH_STALE',
      'This vouch is more than five minutes old. Vouch for the student ' +
        'again.',
    );
  }
}

function offerItems(
  deps: Deps,
  offer: Offer,
  student: Student,
  previous: Offer | undefined,
  now: Date,
): TransactItem[] {
  const TableName = deps.config.TABLE_NAME;
  const at = now.toISOString();
  const items: TransactItem[] = [
    {
      Update: {
        TableName,
        Key: keys.vouch(offer.urn, offer.vouchId),
        UpdateExpression: 'SET offerId = :offer',
        ConditionExpression:
          'attribute_not_exists(offerId) AND staffId = :staff AND expiresAt > :now',
        ExpressionAttributeValues: {
          ':offer': offer.offerId,
          ':staff': offer.staffId,
          ':now': at,
        },
      },
    },
    {
      Put: {
        TableName,
        Item: {
          ...keys.offer(offer.offerId),
          ...keys.studentOffers(offer.studentId, offer.createdAt),
          ...keys.staffOffers(offer.urn, offer.staffId, offer.createdAt),
          type: 'offer',
          ...offer,
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      },
    },
    {
      // One live offer per student: the latest offer moves on only from
      // the one this request saw, so two at once cannot both win.
      Update: {
        TableName,
        Key: keys.student(offer.urn, offer.studentId),
        UpdateExpression: 'SET latestOfferId = :offer',
        ConditionExpression: student.latestOfferId
          ? '#status = :onRoll AND latestOfferId = :previous'
          : '#status = :onRoll AND attribute_not_exists(latestOfferId)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':offer': offer.offerId,
          ':onRoll': 'on-roll',
          ...(student.latestOfferId
            ? { ':previous': student.latestOfferId }
            : {}),
        },
      },
    },
  ];
  if (previous && liveStatuses.includes(previous.status)) {
    items.push({
      Update: {
        TableName,
        Key: keys.offer(previous.offerId),
        UpdateExpression:
          'SET #status = :revoked, revokedReason = :reason, revokedAt = :now',
        ConditionExpression: '#status = :seen',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':revoked': 'revoked',
          ':reason': 'replaced',
          ':now': at,
          ':seen': previous.status,
        },
      },
    });
  }
  return items;
}

/** What the staff member sees of an offer: never its secrets. */
export function offerView(offer: Offer, now: Date) {
  return {
    offerId: offer.offerId,
    studentId: offer.studentId,
    createdBy: offer.staffId,
    status: offerStatusAt(offer, now),
    createdAt: offer.createdAt,
    expiresAt: offer.expiresAt,
    ...(offer.scannedAt ? { scannedAt: offer.scannedAt } : {}),
    ...(offer.redeemedAt ? { redeemedAt: offer.redeemedAt } : {}),
    ...(offer.deliveredAt ? { deliveredAt: offer.deliveredAt } : {}),
    ...(offer.expiredAt ? { expiredAt: offer.expiredAt } : {}),
    ...(offer.revokedAt
      ? { revokedAt: offer.revokedAt, revokedReason: offer.revokedReason }
      : {}),
  };
}

/** An offer, to its creator and the centre's heads of year and admins. */
export async function getOffer(
  deps: Deps,
  caller: Caller,
  urn: string,
  offerId: string,
): Promise<Offer> {
  const [offerItems, staffItems] = await Promise.all([
    batchGet(deps.db, deps.config.TABLE_NAME, [keys.offer(offerId)]),
    batchGet(deps.db, deps.config.TABLE_NAME, [keys.staff(urn, caller.sub)]),
  ]);
  const offerItem = offerItems[0];
  const staffItem = staffItems[0];
  if (!offerItem || !staffItem) throw notFound();
  const offer = entity<Offer>(offerItem);
  if (offer.urn !== urn) throw notFound();
  const staff = entity<Staff>(staffItem);
  if (!staff.active) {
    throw forbidden(
      'STAFF_INACTIVE',
      'Your account at this centre is deactivated. Ask your centre admin to ' +
        'reactivate it.',
    );
  }
  const mayView =
    offer.staffId === staff.staffId ||
    hasRole(staff, 'head-of-year', 'centre-admin');
  if (!mayView) {
    throw forbidden(
      'NOT_YOUR_OFFER',
      'Only the member of staff who made this QR code, a head of year or ' +
        'a centre admin can see it.',
    );
  }
  return offer;
}

/** The longest an offer can live: the policy's upper bound. */
const longestLifetimeMinutes = 30;

/**
 * Revokes the live offers a member of staff made, when they are
 * deactivated: a code they showed must not deliver after they have gone.
 * Only offers young enough to be live are read.
 */
export async function revokeLiveOffersOf(
  deps: Deps,
  urn: string,
  staffId: string,
): Promise<number> {
  const now = deps.clock.now();
  const since = addMinutes(now, -longestLifetimeMinutes - 1).toISOString();
  const index = table.indexes.gsi2;
  const items = await queryAll(deps.db, {
    TableName: deps.config.TABLE_NAME,
    IndexName: index.name,
    KeyConditionExpression: `${index.partitionKey} = :pk AND ${index.sortKey} >= :since`,
    ExpressionAttributeValues: {
      ':pk': keys.staffOffersPartition(urn, staffId),
      ':since': `OFFER#${since}`,
    },
  });
  let revoked = 0;
  for (const offer of items.map((i) => entity<Offer>(i))) {
    if (!isLive(offer, now)) continue;
    const at = now.toISOString();
    if (await revokeIfLive(deps, offer.offerId, 'staff-deactivated', at)) {
      revoked++;
    }
  }
  return revoked;
}

/**
 * Revokes an offer if it can still be redeemed; false if it was redeemed,
 * expired or revoked already, and so has nothing live to stop.
 */
export async function revokeIfLive(
  deps: Deps,
  offerId: string,
  reason: RevocationReason,
  at: string,
): Promise<boolean> {
  const out = await deps.db
    .send(
      new UpdateCommand({
        TableName: deps.config.TABLE_NAME,
        Key: keys.offer(offerId),
        UpdateExpression:
          'SET #status = :revoked, revokedReason = :why, revokedAt = :now',
        ConditionExpression: '#status IN (:issued, :scanned)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':revoked': 'revoked',
          ':why': reason,
          ':now': at,
          ':issued': 'issued',
          ':scanned': 'scanned',
        },
      }),
    )
    .catch(ignoreConditionFailure);
  if (out === undefined) return false;
  count('OffersRevoked');
  return true;
}
