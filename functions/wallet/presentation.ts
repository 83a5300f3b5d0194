/**
 * A holder's presentation of their education record: the SD-JWT VC the
 * region issued, followed by a key-binding JWT (RFC 9901 section 4.3)
 * signed with the key in its `cnf.jwk`. It proves the caller holds the
 * record now, for this audience and this nonce, with no student account.
 */
import { createHash, type JsonWebKey } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader } from 'jose';
import { EDUCATION_RECORD_VCT } from './constants.js';
import { publicP256Jwk, verifiedPayload } from './embedded-key.js';
import { STATUS_LIST_SIZE } from './status-list.js';

/**
 * Why a presentation was refused, for the log only: the caller learns
 * only that it was, so that no answer tells a forger what to fix.
 */
export const presentationFailures = [
  'malformed',
  'issuer-signature',
  'not-a-record',
  'expired',
  'no-key-binding',
  'key-binding-signature',
  'audience',
  'nonce',
  'stale',
  'sd-hash',
  'stray-disclosure',
  'unknown-credential',
  'revoked',
] as const;
export type PresentationFailure = (typeof presentationFailures)[number];

export class PresentationError extends Error {
  override readonly name = 'PresentationError';

  constructor(
    readonly reason: PresentationFailure,
    options?: ErrorOptions,
  ) {
    super(`The presentation was refused: ${reason}`, options);
  }
}

export interface PresentationExpectations {
  /** The region's public signing key. */
  issuerJwk: JsonWebKey;
  /** `iss` of the credential and `aud` of the key binding. */
  issuer: string;
  now: Date;
}

export interface VerifiedPresentation {
  /** The nonce the key binding carries; the caller must use it up. */
  nonce: string;
  /** The credential's place in the region's status lists, as one number. */
  statusIndex: number;
  /** RFC 7638 thumbprint of the holder key. */
  holderJkt: string;
}

/** A key-binding JWT older or newer than this is refused. */
export const keyBindingMaxAgeSeconds = 300;

const KB_JWT_TYP = 'kb+jwt';
const algorithms = ['ES256'] as const;

const fail =
  (reason: PresentationFailure) => (_message: string, cause?: unknown) =>
    new PresentationError(reason, { cause });

/**
 * Checks the issuer's signature, that it is an education record of this
 * issuer, the key binding's signature by the record's own holder key, its
 * audience, age and `sd_hash`. The nonce is only read here: using it up
 * is the caller's, in the table.
 */
export async function verifyPresentation(
  presentation: string,
  expect: PresentationExpectations,
): Promise<VerifiedPresentation> {
  if (presentation.length > 65_536 || !presentation.includes('~')) {
    throw new PresentationError('malformed');
  }
  const parts = presentation.split('~');
  const issuerJwt = parts[0] ?? '';
  const keyBinding = parts.at(-1) ?? '';
  if (keyBinding === '') throw new PresentationError('no-key-binding');
  const signedPart = presentation.slice(0, presentation.lastIndexOf('~') + 1);

  const header = safeHeader(issuerJwt);
  if (header?.typ !== 'dc+sd-jwt' || header.alg !== 'ES256') {
    throw new PresentationError('malformed');
  }
  const payload = await verifiedPayload(
    issuerJwt,
    expect.issuerJwk,
    'ES256',
    algorithms,
    { what: 'The credential', fail: fail('issuer-signature') },
  );
  if (payload.iss !== expect.issuer || payload.vct !== EDUCATION_RECORD_VCT) {
    throw new PresentationError('not-a-record');
  }
  const nowSeconds = Math.floor(expect.now.getTime() / 1000);
  if (typeof payload.exp === 'number' && payload.exp <= nowSeconds) {
    throw new PresentationError('expired');
  }
  const statusIndex = statusIndexOf(payload, expect.issuer);
  const holderJwk = publicP256Jwk(
    (payload.cnf as { jwk?: unknown } | undefined)?.jwk,
    { what: 'The credential', fail: fail('not-a-record') },
  );

  const kbHeader = safeHeader(keyBinding);
  if (kbHeader?.typ !== KB_JWT_TYP || kbHeader.alg !== 'ES256') {
    throw new PresentationError('no-key-binding');
  }
  const binding = await verifiedPayload(
    keyBinding,
    holderJwk,
    'ES256',
    algorithms,
    { what: 'The key binding', fail: fail('key-binding-signature') },
  );
  if (binding.aud !== expect.issuer) {
    throw new PresentationError('audience');
  }
  if (
    typeof binding.nonce !== 'string' ||
    binding.nonce.length === 0 ||
    binding.nonce.length > 200
  ) {
    throw new PresentationError('nonce');
  }
  if (
    typeof binding.iat !== 'number' ||
    Math.abs(binding.iat - nowSeconds) > keyBindingMaxAgeSeconds
  ) {
    throw new PresentationError('stale');
  }
  const sdHash = createHash('sha256').update(signedPart).digest('base64url');
  if (binding.sd_hash !== sdHash) throw new PresentationError('sd-hash');
  checkDisclosures(payload, parts.slice(1, -1));

  return {
    nonce: binding.nonce,
    statusIndex,
    holderJkt: await calculateJwkThumbprint(
      holderJwk as Parameters<typeof calculateJwkThumbprint>[0],
    ),
  };
}

/**
 * Every disclosure presented must be one the issuer signed for: its digest
 * is in the payload's `_sd` or an array's `{"...": digest}`, or in those of
 * another disclosure presented, and none is presented twice.
 */
function checkDisclosures(
  payload: Record<string, unknown>,
  disclosures: readonly string[],
): void {
  if (payload._sd_alg !== undefined && payload._sd_alg !== 'sha-256') {
    throw new PresentationError('malformed');
  }
  const presented = new Map<string, unknown>();
  for (const disclosure of disclosures) {
    if (disclosure === '') continue;
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(disclosure, 'base64url').toString());
    } catch (cause) {
      throw new PresentationError('malformed', { cause });
    }
    if (!Array.isArray(decoded)) throw new PresentationError('malformed');
    const digest = createHash('sha256').update(disclosure).digest('base64url');
    if (presented.has(digest)) throw new PresentationError('stray-disclosure');
    presented.set(digest, decoded.at(-1));
  }
  // What the payload names, then what those disclosures name, and so on:
  // a disclosure counts only if a chain of them leads back to the payload.
  const reached = new Set<string>();
  let named = digestsIn(payload);
  while (named.length > 0) {
    const next: string[] = [];
    for (const digest of named) {
      if (reached.has(digest) || !presented.has(digest)) continue;
      reached.add(digest);
      next.push(...digestsIn(presented.get(digest)));
    }
    named = next;
  }
  if (reached.size !== presented.size) {
    throw new PresentationError('stray-disclosure');
  }
}

/** The disclosure digests a value names, at any depth. */
function digestsIn(value: unknown): string[] {
  if (Array.isArray(value)) {
    return value.flatMap((item) =>
      item &&
      typeof item === 'object' &&
      !Array.isArray(item) &&
      typeof (item as Record<string, unknown>)['...'] === 'string'
        ? [String((item as Record<string, unknown>)['...'])]
        : digestsIn(item),
    );
  }
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const own = Array.isArray(record._sd)
      ? record._sd.filter((d): d is string => typeof d === 'string')
      : [];
    return [
      ...own,
      ...Object.entries(record)
        .filter(([key]) => key !== '_sd')
        .flatMap(([, inner]) => digestsIn(inner)),
    ];
  }
  return [];
}

function safeHeader(jwt: string) {
  try {
    return decodeProtectedHeader(jwt);
  } catch {
    return undefined;
  }
}

/** `status.status_list` as one index over the region's lists. */
function statusIndexOf(payload: Record<string, unknown>, issuer: string) {
  const entry = (payload.status as { status_list?: unknown } | undefined)
    ?.status_list as { idx?: unknown; uri?: unknown } | undefined;
  const prefix = `${issuer}/status-lists/`;
  const { idx, uri } = entry ?? {};
  if (
    typeof idx !== 'number' ||
    !Number.isInteger(idx) ||
    idx < 0 ||
    idx >= STATUS_LIST_SIZE ||
    typeof uri !== 'string' ||
    !uri.startsWith(prefix) ||
    !/^\d{1,9}$/.test(uri.slice(prefix.length))
  ) {
    throw new PresentationError('not-a-record');
  }
  return Number(uri.slice(prefix.length)) * STATUS_LIST_SIZE + idx;
}
