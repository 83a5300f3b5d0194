import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { addSeconds } from '../lib/clock.js';
import type { Deps } from '../lib/deps.js';
import { OAuthError } from '../lib/errors.js';
import { sha256 } from '../lib/ids.js';
import { keys } from '../lib/keys.js';
import { count } from '../lib/metrics.js';
import {
  entity,
  ignoreConditionFailure,
  isConditionFailure,
  itemOfFailedCondition,
} from '../lib/table.js';
import { DpopError, verifyDpopProof } from '../wallet/dpop.js';
import {
  type Chain,
  newChainId,
  newTokenSecret,
  refreshExpiry,
  rotatedSecrets,
  splitToken,
  tokenFor,
} from './chains.js';
import { sameHash, splitCode, txCodeHash } from './offer-secrets.js';
import { isLive } from './offers.js';
import type { Offer } from './types.js';

export const preAuthorizedGrant =
  'urn:ietf:params:oauth:grant-type:pre-authorized_code';
export const refreshGrant = 'refresh_token';

/** Wrong tx_codes an offer survives; the fifth revokes it. */
export const maxWrongTxCodes = 5;
/** Access tokens live at most five minutes. */
export const accessTokenSeconds = 300;
/** How long a replaced refresh token still answers, for the same key. */
export const refreshGraceSeconds = 60;

export interface TokenGrant {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

const badGrant = (description: string) =>
  new OAuthError(400, 'invalid_grant', description);

/** The DPoP key of a token request, checked against the token URL. */
export async function tokenRequestKey(
  deps: Deps,
  proof: string | undefined,
): Promise<string> {
  try {
    const { jkt } = await verifyDpopProof(proof, {
      method: 'POST',
      url: `${deps.config.ISSUER_URL}/token`,
      now: deps.clock.now(),
    });
    return jkt;
  } catch (error) {
    if (error instanceof DpopError) {
      throw new OAuthError(400, error.code, error.message);
    }
    throw error;
  }
}

/**
 * Exchanges a pre-authorized code and its tx_code for DPoP-bound tokens.
 * The attempt is counted first; then one transaction redeems the offer and
 * begins its refresh chain, so exactly one exchange of an offer ever
 * succeeds. A wrong tx_code does not use the offer up; the fifth revokes it.
 */
export async function exchangeCode(
  deps: Deps,
  form: URLSearchParams,
  dpopJkt: string,
): Promise<TokenGrant> {
  const code = form.get('pre-authorized_code') ?? '';
  const txCode = form.get('tx_code') ?? '';
  if (!code) {
    throw new OAuthError(
      400,
      'invalid_request',
      'pre-authorized_code is missing.',
    );
  }
  if (!/^\d{6}$/.test(txCode)) {
    throw new OAuthError(
      400,
      'invalid_request',
      'tx_code must be the six digits the member of staff read out.',
    );
  }
  const pair = splitCode(code);
  if (!pair) throw badGrant('The code is not valid.');

  const TableName = deps.config.TABLE_NAME;
  const now = deps.clock.now();
  const codeHash = sha256(code);
  const offerRef = pair;
  const chainId = newChainId(offerRef.urn, offerRef.studentId);
  const refreshSecret = newTokenSecret();
  const accessSecret = newTokenSecret();
  const at = now.toISOString();
  const chain: Chain = {
    chainId,
    offerId: pair.offerId,
    urn: offerRef.urn,
    studentId: offerRef.studentId,
    status: 'active',
    dpopJkt,
    refreshHash: sha256(refreshSecret),
    refreshExpiresAt: refreshExpiry(
      now,
      [],
      deps.config.ACADEMIC_YEAR_ENDS,
    ).toISOString(),
    accessHash: sha256(accessSecret),
    accessExpiresAt: addSeconds(now, accessTokenSeconds).toISOString(),
    nextIndex: 0,
    blockEnd: 0,
    credentials: 0,
    createdAt: at,
    updatedAt: at,
  };

  await reserveAttempt(deps, pair.offerId, codeHash, at);
  try {
    await deps.db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName,
              Key: keys.offer(pair.offerId),
              UpdateExpression:
                'SET #status = :redeemed, redeemedAt = :now, chainId = :chain',
              ConditionExpression:
                'codeHash = :code AND txCodeHash = :tx AND ' +
                '#status IN (:issued, :scanned) AND expiresAt > :now',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: {
                ':redeemed': 'redeemed',
                ':now': at,
                ':chain': chainId,
                ':code': codeHash,
                ':tx': txCodeHash(code, txCode),
                ':issued': 'issued',
                ':scanned': 'scanned',
              },
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          },
          {
            Put: {
              TableName,
              Item: {
                ...keys.chain(chainId),
                ...keys.studentChains(chain.studentId, chain.createdAt),
                type: 'chain',
                ...chain,
              },
              ConditionExpression: 'attribute_not_exists(PK)',
            },
          },
        ],
      }),
    );
  } catch (error) {
    const reason = cancellationReason(error, 0);
    if (!reason) throw error;
    const offer = reason.item ? entity<Offer>(reason.item) : undefined;
    if (!offer || !sameHash(offer.codeHash, codeHash) || !isLive(offer, now)) {
      throw badGrant('The code is not valid, or has been used or expired.');
    }
    await countWrongTxCode(deps, offer, codeHash);
    throw badGrant('The tx_code is wrong. Check the digits and try again.');
  }
  count('OffersRedeemed');

  return {
    accessToken: tokenFor(chainId, accessSecret),
    refreshToken: tokenFor(chainId, refreshSecret),
    expiresIn: accessTokenSeconds,
  };
}

/**
 * Counts a tx_code attempt before it is checked, so that at most five are
 * ever checked for an offer, also when many arrive at once: checking first
 * and counting after would let a burst of parallel guesses through.
 */
async function reserveAttempt(
  deps: Deps,
  offerId: string,
  codeHash: string,
  at: string,
): Promise<void> {
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.config.TABLE_NAME,
        Key: keys.offer(offerId),
        UpdateExpression: 'ADD txAttempts :one',
        ConditionExpression:
          'codeHash = :code AND #status IN (:issued, :scanned) AND ' +
          'expiresAt > :now AND ' +
          '(attribute_not_exists(txAttempts) OR txAttempts < :max)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':one': 1,
          ':code': codeHash,
          ':issued': 'issued',
          ':scanned': 'scanned',
          ':now': at,
          ':max': maxWrongTxCodes,
        },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) {
      throw error;
    }
    throw badGrant('The code is not valid, or has been used or expired.');
  }
}

/** The reason a transaction item failed, with the item it saw. */
export function cancellationReason(
  error: unknown,
  index: number,
): { code: string; item?: Record<string, unknown> } | undefined {
  if ((error as Error).name !== 'TransactionCanceledException') {
    return undefined;
  }
  const reasons = (
    error as {
      CancellationReasons?: { Code?: string; Item?: Record<string, never> }[];
    }
  ).CancellationReasons;
  const reason = reasons?.[index];
  if (reason?.Code !== 'ConditionalCheckFailed') return undefined;
  return {
    code: reason.Code,
    item: reason.Item ? unmarshall(reason.Item) : undefined,
  };
}

async function countWrongTxCode(
  deps: Deps,
  offer: Offer,
  codeHash: string,
): Promise<void> {
  const now = deps.clock.now().toISOString();
  const live = {
    ConditionExpression: 'codeHash = :code AND #status IN (:issued, :scanned)',
    ExpressionAttributeNames: { '#status': 'status' },
  };
  const out = await deps.db
    .send(
      new UpdateCommand({
        TableName: deps.config.TABLE_NAME,
        Key: keys.offer(offer.offerId),
        UpdateExpression: 'ADD failedTxCodes :one',
        ...live,
        ExpressionAttributeValues: {
          ':one': 1,
          ':code': codeHash,
          ':issued': 'issued',
          ':scanned': 'scanned',
        },
        ReturnValues: 'UPDATED_NEW',
      }),
    )
    .catch(ignoreConditionFailure);
  const failed = Number(out?.Attributes?.failedTxCodes ?? 0);
  if (failed < maxWrongTxCodes) return;

  const revoked = await deps.db
    .send(
      new UpdateCommand({
        TableName: deps.config.TABLE_NAME,
        Key: keys.offer(offer.offerId),
        UpdateExpression:
          'SET #status = :revoked, revokedReason = :reason, revokedAt = :now',
        ...live,
        ExpressionAttributeValues: {
          ':revoked': 'revoked',
          ':reason': 'too-many-wrong-codes',
          ':now': now,
          ':code': codeHash,
          ':issued': 'issued',
          ':scanned': 'scanned',
        },
      }),
    )
    .catch(ignoreConditionFailure);
  if (revoked) count('OffersRevoked');
}

/**
 * Rotates a refresh token in one conditional write. The token it replaced
 * still answers for a short grace, for the same DPoP key only, with the
 * same new tokens, so a wallet that lost an answer can retry. Used again
 * after that, or with another key, it revokes the whole chain: one of two
 * holders stole it, and the student needs a new vouch.
 */
export async function refreshTokens(
  deps: Deps,
  form: URLSearchParams,
  dpopJkt: string,
): Promise<TokenGrant> {
  const presented = splitToken(form.get('refresh_token') ?? '');
  if (!presented) throw badGrant('The refresh token is not valid.');
  const { chainId, secret } = presented;
  const now = deps.clock.now();
  const hash = sha256(secret);
  const next = rotatedSecrets(secret);
  const grant: TokenGrant = {
    accessToken: tokenFor(chainId, next.access),
    refreshToken: tokenFor(chainId, next.refresh),
    expiresIn: accessTokenSeconds,
  };

  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.config.TABLE_NAME,
        Key: keys.chain(chainId),
        UpdateExpression:
          'SET refreshHash = :newRefresh, previousRefreshHash = :old, ' +
          'graceUntil = :grace, accessHash = :access, ' +
          'accessExpiresAt = :accessExpiry, updatedAt = :now',
        ConditionExpression:
          'refreshHash = :old AND dpopJkt = :jkt AND #status = :active ' +
          'AND refreshExpiresAt > :now',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':newRefresh': sha256(next.refresh),
          ':old': hash,
          ':grace': addSeconds(now, refreshGraceSeconds).toISOString(),
          ':access': sha256(next.access),
          ':accessExpiry': addSeconds(now, accessTokenSeconds).toISOString(),
          ':now': now.toISOString(),
          ':jkt': dpopJkt,
          ':active': 'active',
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return grant;
  } catch (error) {
    if (!isConditionFailure(error)) {
      throw error;
    }
    const old = itemOfFailedCondition(error);
    const chain = old ? entity<Chain>(old) : undefined;
    if (chain?.status !== 'active') {
      throw badGrant('The refresh token is not valid.');
    }
    const current = sameHash(chain.refreshHash, hash);
    const replaced = chain.previousRefreshHash
      ? sameHash(chain.previousRefreshHash, hash)
      : false;
    if (!current && !replaced) {
      throw badGrant('The refresh token is not valid.');
    }
    if (current && chain.dpopJkt === dpopJkt) {
      throw badGrant('The refresh token has expired. Ask for a new vouch.');
    }
    const withinGrace =
      replaced &&
      chain.dpopJkt === dpopJkt &&
      new Date(chain.graceUntil ?? 0) > now &&
      sameHash(chain.refreshHash, sha256(next.refresh));
    if (withinGrace) {
      await restoreAccess(deps, chain, grant, now);
      return grant;
    }
    await revokeChain(deps, chainId, 'refresh-token-replayed');
    throw badGrant(
      'This refresh token was used before. The record is blocked until ' +
        'a member of staff vouches for the student again.',
    );
  }
}

/** A retry in the grace makes its access token the current one again. */
async function restoreAccess(
  deps: Deps,
  chain: Chain,
  grant: TokenGrant,
  now: Date,
): Promise<void> {
  const secret = splitToken(grant.accessToken)?.secret ?? '';
  await deps.db
    .send(
      new UpdateCommand({
        TableName: deps.config.TABLE_NAME,
        Key: keys.chain(chain.chainId),
        UpdateExpression: 'SET accessHash = :access, accessExpiresAt = :expiry',
        ConditionExpression: 'refreshHash = :refresh AND #status = :active',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':access': sha256(secret),
          ':expiry': addSeconds(now, accessTokenSeconds).toISOString(),
          ':refresh': chain.refreshHash,
          ':active': 'active',
        },
      }),
    )
    .catch((error: Error) => {
      // The chain moved on or was revoked meanwhile: this retry is too late.
      if (isConditionFailure(error)) {
        throw badGrant('The refresh token is not valid.');
      }
      throw error;
    });
}

/** Ends a chain: its tokens stop working and it issues nothing more. */
export async function revokeChain(
  deps: Deps,
  chainId: string,
  reason: string,
): Promise<void> {
  await deps.db
    .send(
      new UpdateCommand({
        TableName: deps.config.TABLE_NAME,
        Key: keys.chain(chainId),
        UpdateExpression:
          'SET #status = :revoked, revokedReason = :reason, revokedAt = :now',
        ConditionExpression: '#status = :active',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':revoked': 'revoked',
          ':reason': reason,
          ':now': deps.clock.now().toISOString(),
          ':active': 'active',
        },
      }),
    )
    .catch(ignoreConditionFailure);
}
