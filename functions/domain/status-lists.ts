import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Deps } from '../lib/deps.js';
import { OAuthError } from '../lib/errors.js';
import { keys } from '../lib/keys.js';
import { getEntity, queryAll } from '../lib/table.js';
import type { Signer } from '../wallet/signer.js';
import {
  encodeStatusList,
  STATUS_LIST_SIZE,
  signStatusListToken,
} from '../wallet/status-list.js';

/**
 * Status list indexes go to chains in blocks, so that issuing a credential
 * rarely costs a round trip of its own: a wallet refreshing daily for a
 * school year uses a few blocks. A block never spans two lists.
 */
export const statusBlockSize = 64;

export interface StatusBlock {
  nextIndex: number;
  blockEnd: number;
}

/** A fresh block of indexes from the region's counter. */
export async function allocateBlock(deps: Deps): Promise<StatusBlock> {
  const out = await deps.db.send(
    new UpdateCommand({
      TableName: deps.config.TABLE_NAME,
      Key: keys.statusCounter(),
      UpdateExpression: 'ADD allocated :block',
      ExpressionAttributeValues: { ':block': statusBlockSize },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  const end = Number(out.Attributes?.allocated ?? statusBlockSize);
  return { nextIndex: end - statusBlockSize, blockEnd: end };
}

/** Which list an index is in, and its place there. */
export function listPosition(index: number): { listId: number; idx: number } {
  return {
    listId: Math.floor(index / STATUS_LIST_SIZE),
    idx: index % STATUS_LIST_SIZE,
  };
}

export function statusListUri(issuer: string, listId: number): string {
  return `${issuer}/status-lists/${listId}`;
}

/** The item that records a credential's status other than valid. */
export function statusEntryItem(
  index: number,
  status: number,
  chainId: string,
  at: string,
) {
  const { listId, idx } = listPosition(index);
  return {
    ...keys.statusEntry(listId, idx),
    type: 'statusEntry',
    listId,
    idx,
    status,
    chainId,
    updatedAt: at,
  };
}

/** How long verifiers may keep a list before fetching it again. */
export const statusListTtlSeconds = 300;

/**
 * The signed status list token for one list, built from the entries that
 * are not valid. Public: verifiers fetch it to check a credential.
 */
export async function statusListToken(
  deps: Deps,
  signer: Signer,
  listId: number,
): Promise<string> {
  const counter = await getEntity<{ allocated?: number }>(
    deps.db,
    deps.config.TABLE_NAME,
    keys.statusCounter(),
    false,
  );
  const allocated = Number(counter?.allocated ?? 0);
  if (listId * STATUS_LIST_SIZE >= Math.max(allocated, 1)) {
    throw new OAuthError(404, 'invalid_request', 'No such status list.');
  }
  const entries = await queryAll(deps.db, {
    TableName: deps.config.TABLE_NAME,
    KeyConditionExpression: 'PK = :pk',
    ExpressionAttributeValues: { ':pk': keys.statusListPartition(listId) },
  });
  const lst = encodeStatusList(
    entries.map((e) => [Number(e.idx), Number(e.status)] as [number, number]),
  );
  const now = deps.clock.now();
  return signStatusListToken({
    signer,
    issuer: deps.config.ISSUER_URL,
    uri: statusListUri(deps.config.ISSUER_URL, listId),
    lst,
    issuedAt: now,
    ttlSeconds: statusListTtlSeconds,
  });
}
