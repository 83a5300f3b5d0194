import { createHmac, timingSafeEqual } from 'node:crypto';
import { newDigits, newSecret, sha256 } from '../lib/ids.js';

/**
 * The secrets of one offer and how they are kept. None is stored in clear:
 *
 * - the *offer reference* `<offerId>.<secret>` is the last part of the
 *   `credential_offer_uri` in the QR code; the table keeps the secret's
 *   SHA-256;
 * - the *pre-authorized code* is derived from the reference's secret, so
 *   the offer endpoint can hand it to the wallet without storing it; the
 *   table keeps its SHA-256;
 * - the *tx_code* (six digits) is kept as an HMAC keyed by the code, so the
 *   table alone cannot be searched for it.
 *
 * Both secrets carry 128 bits or more, so a plain hash cannot be reversed.
 */
export interface OfferSecrets {
  ref: string;
  code: string;
  txCode: string;
  refHash: string;
  codeHash: string;
  txCodeHash: string;
}

/** 16 bytes keep the offer URI short enough for a QR code at version 10. */
const refSecretBytes = 16;

/** Whose offer it is, written into the code (see `splitCode`). */
export interface OfferOwner {
  urn: string;
  studentId: string;
}

/**
 * `<urn><studentId><offerId>.<secret>`: the code names the offer and its
 * student, so the token endpoint can begin the refresh chain without first
 * reading the offer. Changing any part breaks the hash it is checked by.
 */
export function preAuthorizedCode(
  offerId: string,
  refSecret: string,
  owner: OfferOwner,
): string {
  const derived = createHmac('sha256', refSecret)
    .update('pre-authorized-code')
    .digest('base64url');
  return `${owner.urn}${owner.studentId}${offerId}.${derived}`;
}

export function splitCode(
  code: string,
): (OfferOwner & { offerId: string }) | undefined {
  const match =
    /^(\d{6})([A-Za-z0-9_-]{22})([A-Za-z0-9_-]{22})\.[A-Za-z0-9_-]{43}$/.exec(
      code,
    );
  if (!match?.[1] || !match[2] || !match[3]) return undefined;
  return { urn: match[1], studentId: match[2], offerId: match[3] };
}

export function txCodeHash(code: string, txCode: string): string {
  return createHmac('sha256', code).update(txCode).digest('base64url');
}

export function newOfferSecrets(
  offerId: string,
  owner: OfferOwner,
): OfferSecrets {
  const refSecret = newSecret(refSecretBytes);
  const code = preAuthorizedCode(offerId, refSecret, owner);
  const txCode = newDigits(6);
  return {
    ref: `${offerId}.${refSecret}`,
    code,
    txCode,
    refHash: sha256(refSecret),
    codeHash: sha256(code),
    txCodeHash: txCodeHash(code, txCode),
  };
}

/** `<offerId>.<secret>`: the offer id and the secret, or nothing. */
export function splitSecretPair(
  value: string,
): { offerId: string; secret: string } | undefined {
  const match = /^([A-Za-z0-9_-]{16,64})\.([A-Za-z0-9_-]{16,128})$/.exec(value);
  if (!match?.[1] || !match[2]) return undefined;
  return { offerId: match[1], secret: match[2] };
}

/** Compares two hashes in constant time. */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
