import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { addSeconds, epochSeconds } from '../lib/clock.js';
import type { Deps } from '../lib/deps.js';
import { OAuthError } from '../lib/errors.js';
import { newSecret, sha256 } from '../lib/ids.js';
import { keys } from '../lib/keys.js';
import { getEntity, ignoreConditionFailure } from '../lib/table.js';
import { credentialOffer } from '../wallet/metadata.js';
import {
  preAuthorizedCode,
  sameHash,
  splitSecretPair,
} from './offer-secrets.js';
import { isLive } from './offers.js';
import type { Offer } from './types.js';

/** A `c_nonce` is good for one proof within this many seconds. */
export const nonceSeconds = 300;

const noSuchOffer = () =>
  new OAuthError(404, 'invalid_request', 'This offer is not available.');

/**
 * The credential offer behind a QR code. Fetching it marks the offer as
 * scanned, which the staff member's screen shows. A reference that is
 * wrong, expired, used or revoked is simply not available.
 */
export async function resolveOffer(deps: Deps, ref: string) {
  const pair = splitSecretPair(ref);
  if (!pair) throw noSuchOffer();
  const offer = await getEntity<Offer>(
    deps.db,
    deps.config.TABLE_NAME,
    keys.offer(pair.offerId),
  );
  const now = deps.clock.now();
  if (!offer || !sameHash(offer.refHash, sha256(pair.secret))) {
    throw noSuchOffer();
  }
  if (!isLive(offer, now)) throw noSuchOffer();

  if (offer.status === 'issued') {
    await deps.db
      .send(
        new UpdateCommand({
          TableName: deps.config.TABLE_NAME,
          Key: keys.offer(offer.offerId),
          UpdateExpression: 'SET #status = :scanned, scannedAt = :now',
          ConditionExpression: '#status = :issued',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':scanned': 'scanned',
            ':issued': 'issued',
            ':now': now.toISOString(),
          },
        }),
      )
      // Scanned twice at once, or redeemed meanwhile: nothing to mark.
      .catch(ignoreConditionFailure);
  }

  return credentialOffer({
    issuer: deps.config.ISSUER_URL,
    preAuthorizedCode: preAuthorizedCode(pair.offerId, pair.secret, offer),
    txCodeLength: 6,
  });
}

/** A `c_nonce`, good for one proof within a few minutes. */
export async function createNonce(deps: Deps): Promise<string> {
  const nonce = newSecret(24);
  const expires = addSeconds(deps.clock.now(), nonceSeconds);
  await deps.db.send(
    new PutCommand({
      TableName: deps.config.TABLE_NAME,
      Item: {
        ...keys.nonce(nonce),
        type: 'nonce',
        expiresAt: expires.toISOString(),
        ttl: epochSeconds(expires),
      },
    }),
  );
  return nonce;
}
