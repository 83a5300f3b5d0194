import { createHmac } from 'node:crypto';
import { newId, newSecret } from '../lib/ids.js';

/**
 * A refresh chain is what one redeemed offer grows into: the DPoP key the
 * wallet proved, the current refresh and access tokens (as hashes), the
 * holder key its credentials are bound to and the status list indexes they
 * use. Every credential of a chain traces back to the offer that began it.
 */
export interface Chain {
  chainId: string;
  offerId: string;
  urn: string;
  studentId: string;
  status: 'active' | 'revoked';
  revokedReason?: string;
  revokedAt?: string;
  /** RFC 7638 thumbprint of the wallet's DPoP key; tokens are bound to it. */
  dpopJkt: string;
  /** Thumbprint of the key the credentials are bound to (`cnf.jwk`). */
  holderJkt?: string;
  refreshHash: string;
  refreshExpiresAt: string;
  /** The refresh token this one replaced, answered again until graceUntil. */
  previousRefreshHash?: string;
  graceUntil?: string;
  accessHash: string;
  accessExpiresAt: string;
  /** Status list indexes: the next to use, and where the block ends. */
  nextIndex: number;
  blockEnd: number;
  /** Where each block of indexes the chain has used begins. */
  blocks?: number[];
  /** The index of the latest credential, superseded by the next. */
  currentIndex?: number;
  credentials: number;
  createdAt: string;
  updatedAt: string;
}

/** URNs are 6 digits; this service's ids are 22 base64url characters. */
const urnWidth = 6;
const idWidth = 22;

/** A chain id names its centre and student: `<urn><studentId><random>`. */
export function newChainId(urn: string, studentId: string): string {
  return `${urn}${studentId}${newId()}`;
}

export function chainParts(
  chainId: string,
): { urn: string; studentId: string } | undefined {
  if (chainId.length !== urnWidth + 2 * idWidth) return undefined;
  const urn = chainId.slice(0, urnWidth);
  if (!/^\d{6}$/.test(urn)) return undefined;
  return { urn, studentId: chainId.slice(urnWidth, urnWidth + idWidth) };
}

/** A token is `<chainId>.<secret>`. */
export function tokenFor(chainId: string, secret: string): string {
  return `${chainId}.${secret}`;
}

export function splitToken(
  token: string,
): { chainId: string; secret: string } | undefined {
  const match = /^([A-Za-z0-9_-]{50})\.([A-Za-z0-9_-]{20,100})$/.exec(token);
  if (!match?.[1] || !match[2] || !chainParts(match[1])) return undefined;
  return { chainId: match[1], secret: match[2] };
}

export const newTokenSecret = () => newSecret(32);

/**
 * The tokens that replace a refresh token follow from its secret, so a
 * wallet that lost the answer and asks again with the same token gets the
 * same new tokens, without the table holding any token in clear.
 */
export function rotatedSecrets(refreshSecret: string): {
  refresh: string;
  access: string;
} {
  const derive = (purpose: string) =>
    createHmac('sha256', refreshSecret).update(purpose).digest('base64url');
  return { refresh: derive('refresh'), access: derive('access') };
}

/**
 * The end of the academic year after the one `date` falls in. Academic
 * years end on the configured month and day (31 August in England).
 */
export function endOfFollowingAcademicYear(date: Date, yearEnds: string): Date {
  const [month, day] = yearEnds.split('-').map(Number) as [number, number];
  const year = date.getUTCFullYear();
  const endThisYear = Date.UTC(year, month - 1, day, 23, 59, 59);
  const currentYearEnd = date.getTime() <= endThisYear ? year : year + 1;
  return new Date(Date.UTC(currentYearEnd + 1, month - 1, day, 23, 59, 59));
}

/**
 * How long a chain's refresh token lives: until the end of the academic
 * year after the student's last pending series, and never less than the
 * end of the academic year after today.
 */
export function refreshExpiry(
  now: Date,
  pendingReleases: readonly string[],
  yearEnds: string,
): Date {
  const last = Math.max(
    now.getTime(),
    ...pendingReleases.map((r) => new Date(r).getTime()),
  );
  return endOfFollowingAcademicYear(new Date(last), yearEnds);
}
