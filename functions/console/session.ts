/**
 * Console sessions, kept server-side in the table. The browser holds only
 * a random id; the item is keyed by the id's SHA-256, and what it holds
 * (the staff member's tokens, the CSRF token, the codes of the offers
 * they made) is sealed with AES-256-GCM under a key derived from the id.
 * Someone who can read the table, but not the cookie, learns neither the
 * tokens nor a tx_code.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  hkdfSync,
  randomBytes,
} from 'node:crypto';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import { epochSeconds } from '../lib/clock.js';
import { keys } from '../lib/keys.js';
import { isToken, randomToken } from './security.js';

/** An offer the staff member made in this session, with its secrets. */
export interface SessionOffer {
  offerId: string;
  studentId: string;
  studentName: string;
  txCode: string;
  credentialOffer: string;
  expiresAt: string;
}

export interface SessionData {
  sub: string;
  username: string;
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
  csrfToken: string;
  /** The centre the staff member is working at, once chosen. */
  urn?: string;
  /** The latest offers made, newest first; a handful at most. */
  offers: SessionOffer[];
}

export interface Session {
  id: string;
  expiresAt: string;
  data: SessionData;
}

/** How many offers a session keeps the secrets of. */
export const keptOffers = 5;

/** Longest a session lasts, whatever its tokens say. */
export const maxSessionSeconds = 8 * 3600;

export interface SessionStore {
  db: DynamoDBDocumentClient;
  tableName: string;
}

const hashOf = (id: string) =>
  createHash('sha256').update(id).digest('base64url');

function keyOf(id: string): Buffer {
  return Buffer.from(
    hkdfSync('sha256', id, 'education-records', 'console-session', 32),
  );
}

export function seal(id: string, data: SessionData): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(id), iv);
  const body = Buffer.concat([
    cipher.update(JSON.stringify(data), 'utf8'),
    cipher.final(),
  ]);

  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

export function unseal(id: string, sealed: string): SessionData | undefined {
  try {
    const bytes = Buffer.from(sealed, 'base64');
    const decipher = createDecipheriv(
      'aes-256-gcm',
      keyOf(id),
      bytes.subarray(0, 12),
    );
    decipher.setAuthTag(bytes.subarray(12, 28));
    const text = Buffer.concat([
      decipher.update(bytes.subarray(28)),
      decipher.final(),
    ]).toString('utf8');

    return JSON.parse(text) as SessionData;
  } catch {
    return undefined;
  }
}

/**
 * When a session made now ends: when its access token does, and never
 * after `maxSessionSeconds`.
 */
export function sessionExpiry(now: Date, tokenExpiresAt?: Date): Date {
  const longest = new Date(now.getTime() + maxSessionSeconds * 1000);
  if (!tokenExpiresAt || tokenExpiresAt > longest) return longest;

  return tokenExpiresAt;
}

export type SessionState =
  | { state: 'none' }
  | { state: 'ended' }
  | { state: 'live'; session: Session };

/** Whether a stored session is still good at `now`. */
export function sessionStateAt(
  session: Session | undefined,
  now: Date,
): SessionState {
  if (!session) return { state: 'none' };
  if (new Date(session.expiresAt) <= now) return { state: 'ended' };

  return { state: 'live', session };
}

export async function createSession(
  store: SessionStore,
  data: Omit<SessionData, 'csrfToken' | 'offers'>,
  expiresAt: Date,
): Promise<Session> {
  const session: Session = {
    id: randomToken(),
    expiresAt: expiresAt.toISOString(),
    data: { ...data, csrfToken: randomToken(), offers: [] },
  };
  await saveSession(store, session);

  return session;
}

export async function saveSession(
  store: SessionStore,
  session: Session,
): Promise<void> {
  const expiresAt = new Date(session.expiresAt);
  await store.db.send(
    new PutCommand({
      TableName: store.tableName,
      Item: {
        ...keys.session(hashOf(session.id)),
        type: 'session',
        expiresAt: session.expiresAt,
        // DynamoDB deletes the item some time after; reads check
        // `expiresAt` themselves.
        ttl: epochSeconds(expiresAt) + 3600,
        sealed: seal(session.id, session.data),
      },
    }),
  );
}

/**
 * The session a cookie names. A session past its end is still returned
 * (so the page can say it ended); one whose seal does not open is none.
 */
export async function loadSession(
  store: SessionStore,
  id: string | undefined,
): Promise<Session | undefined> {
  if (!isToken(id)) return undefined;
  const { Item } = await store.db.send(
    new GetCommand({
      TableName: store.tableName,
      Key: keys.session(hashOf(id)),
      ConsistentRead: true,
    }),
  );
  if (!Item || typeof Item.sealed !== 'string') return undefined;
  const data = unseal(id, Item.sealed);
  if (!data) return undefined;

  return { id, expiresAt: String(Item.expiresAt), data };
}

export async function deleteSession(
  store: SessionStore,
  id: string,
): Promise<void> {
  await store.db.send(
    new DeleteCommand({
      TableName: store.tableName,
      Key: keys.session(hashOf(id)),
    }),
  );
}

/** Keeps an offer's secrets, newest first, and forgets the oldest. */
export function rememberOffer(data: SessionData, offer: SessionOffer) {
  data.offers = [
    offer,
    ...data.offers.filter((o) => o.offerId !== offer.offerId),
  ].slice(0, keptOffers);
}
