/**
 * Token Status List (draft-ietf-oauth-status-list): the packed, compressed
 * list of credential statuses and the signed `statuslist+jwt` that carries
 * it. Each credential's `status.status_list` names a list's URL and its
 * index there.
 */
import { constants, deflateSync, inflateSync } from 'node:zlib';
import type { Signer } from './signer.js';

/**
 * 0 to 2 are the draft's registered types; 3 is one it reserves for the
 * application, used here for a record replaced by a refreshed one.
 */
export const statusValues = {
  valid: 0,
  invalid: 1,
  suspended: 2,
  superseded: 3,
} as const;

export type StatusValue = (typeof statusValues)[keyof typeof statusValues];

/** Two bits a credential: the fewest that hold `superseded`. */
export const STATUS_BITS = 2;

/**
 * Entries in one list: 2^17, so 32 KiB before compression. A list is one
 * herd (the draft's privacy considerations: a verifier's fetch tells the
 * issuer only that the record is one of these), so bigger is better until
 * the download hurts: compressed, a list with 1 % of entries set is about
 * 3 KB of `lst`, and even all-random statuses are 44 KB. A power of two,
 * so that fixed blocks of indexes never straddle two lists.
 */
export const STATUS_LIST_SIZE = 131_072;

export const STATUS_LIST_JWT_TYP = 'statuslist+jwt';

export class StatusListError extends Error {
  override readonly name = 'StatusListError';
}

/** The `bits` values the draft allows, so that no status spans bytes. */
const ALLOWED_BITS: readonly number[] = [1, 2, 4, 8];

/**
 * The most a list may inflate to: the draft's largest test vector (2^20
 * entries of 8 bits). It stops a small `lst` inflating without bound.
 */
const MAX_INFLATED_BYTES = 1 << 20;

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * The `lst` of a list of `size` entries, all valid but those given. Each
 * entry's bits sit in its byte from the least significant end (entry 0 in
 * bits 0 and 1), then zlib DEFLATE at the highest level, then base64url.
 */
export function encodeStatusList(
  entries: Iterable<[index: number, status: number]>,
  size: number = STATUS_LIST_SIZE,
): string {
  const perByte = 8 / STATUS_BITS;
  if (!Number.isSafeInteger(size) || size <= 0 || size % perByte !== 0) {
    throw new StatusListError(
      `A status list's size must be a positive multiple of ${perByte}, ` +
        'so that it fills whole bytes.',
    );
  }
  const bytes = new Uint8Array(size / perByte);
  const seen = new Set<number>();
  const highest = (1 << STATUS_BITS) - 1;

  for (const [index, status] of entries) {
    if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
      throw new StatusListError(
        `Status index ${index} is outside the list (0 to ${size - 1}).`,
      );
    }
    if (!Number.isInteger(status) || status < 0 || status > highest) {
      throw new StatusListError(
        `Status ${status} at index ${index} does not fit in ${STATUS_BITS} ` +
          'bits.',
      );
    }
    // One credential, one index: two entries for one index is a bug in
    // whatever listed them, and which should win is not ours to guess.
    if (seen.has(index)) {
      throw new StatusListError(`Status index ${index} is given twice.`);
    }
    seen.add(index);
    const byte = Math.floor(index / perByte);
    const shift = (index % perByte) * STATUS_BITS;
    bytes[byte] = (bytes[byte] ?? 0) | (status << shift);
  }

  return deflateSync(bytes, { level: constants.Z_BEST_COMPRESSION }).toString(
    'base64url',
  );
}

/**
 * Reads an `lst` of `bits` bits an entry. The returned function throws for
 * an index outside the list, as the draft's validation rules ask.
 */
export function decodeStatusList(
  lst: string,
  bits: number,
): (index: number) => number {
  if (!ALLOWED_BITS.includes(bits)) {
    throw new StatusListError(
      `A status list's bits must be 1, 2, 4 or 8, not ${bits}.`,
    );
  }
  if (typeof lst !== 'string' || !BASE64URL.test(lst)) {
    throw new StatusListError('The status list lst is not base64url.');
  }
  let bytes: Buffer;
  try {
    bytes = inflateSync(Buffer.from(lst, 'base64url'), {
      maxOutputLength: MAX_INFLATED_BYTES,
    });
  } catch (error) {
    throw new StatusListError(
      'The status list lst is not zlib data, or inflates past 1 MiB.',
      { cause: error },
    );
  }
  const perByte = 8 / bits;
  const size = bytes.length * perByte;
  const mask = (1 << bits) - 1;

  return (index) => {
    if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
      throw new StatusListError(
        `Status index ${index} is outside the list (0 to ${size - 1}).`,
      );
    }
    const byte = bytes[Math.floor(index / perByte)] ?? 0;

    return (byte >> ((index % perByte) * bits)) & mask;
  };
}

export interface StatusListTokenInput {
  signer: Signer;
  /** The issuer identifier; becomes `iss`. */
  issuer: string;
  /** The list's own URL, as credentials name it; becomes `sub`. */
  uri: string;
  /** From `encodeStatusList`. */
  lst: string;
  issuedAt: Date;
  /** How long a verifier may cache the token before fetching it again. */
  ttlSeconds: number;
  expiresAt?: Date;
}

/** The compact `statuslist+jwt`, signed by `signer`. */
export async function signStatusListToken(
  input: StatusListTokenInput,
): Promise<string> {
  const { signer } = input;
  if (!Number.isSafeInteger(input.ttlSeconds) || input.ttlSeconds <= 0) {
    throw new StatusListError('ttl must be a positive number of seconds.');
  }
  if (input.expiresAt && input.expiresAt <= input.issuedAt) {
    throw new StatusListError('A status list must expire after its iat.');
  }
  const { kid } = await signer.publicJwk();

  const header = { typ: STATUS_LIST_JWT_TYP, alg: signer.alg, kid };
  const payload = {
    iss: input.issuer,
    sub: input.uri,
    iat: toSeconds(input.issuedAt),
    ...(input.expiresAt && { exp: toSeconds(input.expiresAt) }),
    ttl: input.ttlSeconds,
    status_list: { bits: STATUS_BITS, lst: input.lst },
  };
  const signingInput = `${base64urlJson(header)}.${base64urlJson(payload)}`;
  const signature = await signer.sign(new TextEncoder().encode(signingInput));

  return `${signingInput}.${Buffer.from(signature).toString('base64url')}`;
}

function base64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function toSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
