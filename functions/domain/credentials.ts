import type { JsonWebKey } from 'node:crypto';
import {
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { calculateJwkThumbprint } from 'jose';
import type { Deps } from '../lib/deps.js';
import { OAuthError } from '../lib/errors.js';
import { sha256 } from '../lib/ids.js';
import { keys } from '../lib/keys.js';
import { count } from '../lib/metrics.js';
import { batchGet, cancellationCodes, entity } from '../lib/table.js';
import {
  DpopError,
  dpopAuthorization,
  verifyDpopProof,
} from '../wallet/dpop.js';
import { ProofError, peekProofNonce, verifyProofJwt } from '../wallet/proof.js';
import { issueEducationRecord } from '../wallet/sd-jwt.js';
import type { Signer } from '../wallet/signer.js';
import { statusValues } from '../wallet/status-list.js';
import { type Chain, chainParts, refreshExpiry, splitToken } from './chains.js';
import { markChallenged } from './challenges.js';
import { sameHash } from './offer-secrets.js';
import {
  catalogueKey,
  type PreparedRecord,
  recordKey,
  releasedRecord,
  type SeriesCatalogue,
} from './records.js';
import {
  allocateBlock,
  listPosition,
  statusEntryItem,
  statusListUri,
} from './status-lists.js';
import type { Centre, Student } from './types.js';

type TransactItem = NonNullable<
  TransactWriteCommandInput['TransactItems']
>[number];

export const credentialConfigurationId = 'EducationRecord';

const invalidToken = (description = 'The access token is not valid.') =>
  new OAuthError(401, 'invalid_token', description, {
    headers: {
      'WWW-Authenticate': `DPoP error="invalid_token", algs="ES256"`,
    },
  });

interface CredentialRequest {
  proof: string;
  nonce: string;
}

function readRequest(body: unknown): CredentialRequest {
  const request = body as {
    credential_configuration_id?: unknown;
    proofs?: { jwt?: unknown };
  } | null;
  if (!request || typeof request !== 'object') {
    throw new OAuthError(
      400,
      'invalid_credential_request',
      'Send a JSON object.',
    );
  }
  if (request.credential_configuration_id !== credentialConfigurationId) {
    throw new OAuthError(
      400,
      'unknown_credential_configuration',
      `Ask for ${credentialConfigurationId}.`,
    );
  }
  const proofs = request.proofs?.jwt;
  if (
    !Array.isArray(proofs) ||
    proofs.length !== 1 ||
    typeof proofs[0] !== 'string'
  ) {
    throw new OAuthError(
      400,
      'invalid_proof',
      'Send exactly one proof in proofs.jwt.',
    );
  }
  const proof = proofs[0];
  const nonce = peekProofNonce(proof);
  if (typeof nonce !== 'string' || nonce.length === 0 || nonce.length > 200) {
    throw new OAuthError(400, 'invalid_nonce', 'Get a c_nonce from /nonce.');
  }
  return { proof, nonce };
}

/**
 * Issues the current record to a chain's wallet: the first credential after
 * redemption, and every refresh after. Reads everything it needs in one
 * BatchGetItem (chain, nonce, prepared record, student, centre, series
 * catalogue), signs once, and writes in one transaction: the nonce used
 * up, the chain moved on and the credential it replaces marked superseded.
 */
export async function issueCredential(
  deps: Deps,
  signer: Signer,
  headers: Record<string, string | undefined>,
  body: unknown,
): Promise<string> {
  const auth = dpopAuthorization(headers.authorization);
  if (!auth) throw invalidToken('Send the access token as DPoP.');
  if (auth.scheme !== 'DPoP') {
    throw invalidToken('This access token is bound to a key: send it as DPoP.');
  }
  const token = splitToken(auth.token);
  if (!token) throw invalidToken();
  const owner = chainParts(token.chainId);
  if (!owner) throw invalidToken();

  const now = deps.clock.now();
  const issuer = deps.config.ISSUER_URL;
  let dpopJkt: string;
  try {
    ({ jkt: dpopJkt } = await verifyDpopProof(headers.dpop, {
      method: 'POST',
      url: `${issuer}/credential`,
      now,
      accessToken: auth.token,
    }));
  } catch (error) {
    if (error instanceof DpopError) {
      throw new OAuthError(401, error.code, error.message, {
        headers: { 'WWW-Authenticate': `DPoP error="${error.code}"` },
      });
    }
    throw error;
  }

  const request = readRequest(body);
  const TableName = deps.config.TABLE_NAME;
  const items = await batchGet(deps.db, TableName, [
    keys.chain(token.chainId),
    keys.nonce(request.nonce),
    recordKey(owner.studentId),
    keys.student(owner.urn, owner.studentId),
    keys.centre(owner.urn),
    catalogueKey(),
  ]);
  const find = (key: { PK: string; SK: string }) =>
    items.find((i) => i.PK === key.PK && i.SK === key.SK);
  const chainItem = find(keys.chain(token.chainId));
  const chain = chainItem ? entity<Chain>(chainItem) : undefined;
  if (
    chain?.status !== 'active' ||
    !sameHash(chain.accessHash, sha256(token.secret)) ||
    new Date(chain.accessExpiresAt) <= now
  ) {
    throw invalidToken();
  }
  if (chain.dpopJkt !== dpopJkt) {
    throw new OAuthError(
      401,
      'invalid_dpop_proof',
      'The DPoP proof is not made with the key this token is bound to.',
    );
  }
  const nonceItem = find(keys.nonce(request.nonce));
  if (!nonceItem || new Date(String(nonceItem.expiresAt)) <= now) {
    throw new OAuthError(
      400,
      'invalid_nonce',
      'The c_nonce was used or has expired. Get a new one from /nonce.',
    );
  }

  let holderJwk: JsonWebKey;
  try {
    ({ holderJwk } = await verifyProofJwt(request.proof, {
      audience: issuer,
      nonce: request.nonce,
      now,
    }));
  } catch (error) {
    if (error instanceof ProofError) {
      throw new OAuthError(400, error.code, error.message);
    }
    throw error;
  }
  const holderJkt = await calculateJwkThumbprint(
    holderJwk as Parameters<typeof calculateJwkThumbprint>[0],
  );
  if (chain.holderJkt && chain.holderJkt !== holderJkt) {
    throw new OAuthError(
      400,
      'invalid_proof',
      'The proof is not made with the key this record is bound to.',
    );
  }

  const studentItem = find(keys.student(owner.urn, owner.studentId));
  const centreItem = find(keys.centre(owner.urn));
  if (!studentItem || !centreItem) {
    throw new OAuthError(
      400,
      'invalid_credential_request',
      'The record for this wallet is no longer available.',
    );
  }
  const student = entity<Student>(studentItem);
  const centre = entity<Centre>(centreItem);
  // A first record goes only to a student on the roll of an active centre.
  // A wallet already linked keeps refreshing: a student who left still
  // receives the results they sat.
  const first = chain.currentIndex === undefined;
  if (first && (centre.status !== 'active' || student.status !== 'on-roll')) {
    throw new OAuthError(
      400,
      'invalid_credential_request',
      'This offer can no longer issue a record. Ask the centre for a new ' +
        'QR code.',
    );
  }
  const recordItem = find(recordKey(owner.studentId));
  const catalogueItem = find(catalogueKey());
  const prepared = recordItem ? entity<PreparedRecord>(recordItem) : undefined;
  const released = releasedRecord(
    prepared,
    catalogueItem ? entity<SeriesCatalogue>(catalogueItem) : undefined,
    now,
  );

  let block = { nextIndex: chain.nextIndex, blockEnd: chain.blockEnd };
  let newBlock: number | undefined;
  if (block.nextIndex >= block.blockEnd) {
    block = await allocateBlock(deps);
    newBlock = block.nextIndex;
  }
  const index = block.nextIndex;
  const { listId, idx } = listPosition(index);

  const credential = await issueEducationRecord({
    signer,
    issuer,
    holderJwk,
    record: {
      givenName: student.legalForename,
      familyName: student.legalSurname,
      birthdate: student.dateOfBirth,
      ...(student.uln ? { uln: student.uln } : {}),
      centre: { urn: centre.urn, name: centre.name },
      qualifications: markChallenged(
        released.qualifications,
        prepared?.challenges,
      ),
      pendingSeries: released.pendingSeries,
    },
    issuedAt: now,
    status: { idx, uri: statusListUri(issuer, listId) },
  });

  await deps.db
    .send(
      new TransactWriteCommand({
        TransactItems: issuanceWrites(deps, {
          chain,
          nonce: request.nonce,
          index,
          blockEnd: block.blockEnd,
          newBlock,
          holderJkt,
          refreshExpiresAt: laterOf(
            chain.refreshExpiresAt,
            released.pendingSeries.length > 0
              ? refreshExpiry(
                  now,
                  released.pendingSeries.map((s) => s.releaseAt),
                  deps.config.ACADEMIC_YEAR_ENDS,
                ).toISOString()
              : undefined,
          ),
          now,
        }),
      }),
    )
    .catch((error: Error) => {
      const codes = cancellationCodes(error);
      if (codes[0] === 'ConditionalCheckFailed') {
        throw new OAuthError(
          400,
          'invalid_nonce',
          'The c_nonce was used or has expired. Get a new one from /nonce.',
        );
      }
      if (codes[1] === 'ConditionalCheckFailed') {
        throw new OAuthError(
          400,
          'invalid_credential_request',
          'Another request for this record is in progress. Try again.',
        );
      }
      if (codes[2] === 'ConditionalCheckFailed') {
        throw new OAuthError(
          400,
          'invalid_credential_request',
          'This offer was revoked and can no longer issue a record.',
        );
      }
      throw error;
    });
  // The first record of a chain is the offer's delivery; later ones are
  // refreshes.
  if (chain.currentIndex === undefined) count('RecordsDelivered');
  return credential;
}

/**
 * A chain lives as long as it was given, and longer only while a series is
 * pending for the student: refreshing does not keep it alive by itself.
 */
function laterOf(current: string, proposed: string | undefined): string {
  return proposed && proposed > current ? proposed : current;
}

function issuanceWrites(
  deps: Deps,
  input: {
    chain: Chain;
    nonce: string;
    index: number;
    blockEnd: number;
    /** The start of a block just allocated, kept so revoking finds it. */
    newBlock?: number;
    holderJkt: string;
    refreshExpiresAt: string;
    now: Date;
  },
): TransactItem[] {
  const TableName = deps.config.TABLE_NAME;
  const at = input.now.toISOString();
  const { chain } = input;
  const writes: TransactItem[] = [
    {
      Delete: {
        TableName,
        Key: keys.nonce(input.nonce),
        ConditionExpression: 'attribute_exists(PK) AND expiresAt > :now',
        ExpressionAttributeValues: { ':now': at },
      },
    },
    {
      // Two requests with one token cannot both move the chain on.
      Update: {
        TableName,
        Key: keys.chain(chain.chainId),
        UpdateExpression:
          'SET nextIndex = :next, blockEnd = :end, currentIndex = :index, ' +
          'holderJkt = :holder, refreshExpiresAt = :refreshExpiry, ' +
          'credentials = credentials + :one, updatedAt = :now' +
          (input.newBlock === undefined
            ? ''
            : ', blocks = list_append(if_not_exists(blocks, :none), :block)'),
        ConditionExpression:
          '#status = :active AND accessHash = :access AND nextIndex = :seen',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':next': input.index + 1,
          ':end': input.blockEnd,
          ':index': input.index,
          ':holder': input.holderJkt,
          ':refreshExpiry': input.refreshExpiresAt,
          ':one': 1,
          ':now': at,
          ':active': 'active',
          ':access': chain.accessHash,
          ':seen': chain.nextIndex,
          ...(input.newBlock === undefined
            ? {}
            : { ':none': [], ':block': [input.newBlock] }),
        },
      },
    },
  ];
  const tail: TransactItem[] = [];
  if (input.newBlock !== undefined) {
    // Last, so the cancellation reasons above keep their places.
    tail.push({
      Put: {
        TableName,
        Item: {
          ...keys.statusBlock(input.newBlock),
          type: 'statusBlock',
          blockStart: input.newBlock,
          chainId: chain.chainId,
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      },
    });
  }
  if (chain.currentIndex !== undefined) {
    writes.push({
      Put: {
        TableName,
        Item: statusEntryItem(
          chain.currentIndex,
          statusValues.superseded,
          chain.chainId,
          at,
        ),
      },
    });
  } else {
    writes.push({
      Update: {
        TableName,
        Key: keys.offer(chain.offerId),
        UpdateExpression:
          'SET #status = :delivered, deliveredAt = :now, ' +
          'holderKeyThumbprint = :holder',
        ConditionExpression: '#status = :redeemed',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':delivered': 'delivered',
          ':now': at,
          ':holder': input.holderJkt,
          ':redeemed': 'redeemed',
        },
      },
    });
  }
  return [...writes, ...tail];
}
