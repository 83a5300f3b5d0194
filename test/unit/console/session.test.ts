import { describe, expect, it } from 'vitest';
import { randomToken } from '../../../functions/console/security.js';
import {
  keptOffers,
  maxSessionSeconds,
  rememberOffer,
  type SessionData,
  seal,
  sessionExpiry,
  sessionStateAt,
  unseal,
} from '../../../functions/console/session.js';

const data = (): SessionData => ({
  sub: 'sub-1',
  username: 'tutor@example.org',
  accessToken: 'token',
  csrfToken: randomToken(),
  offers: [],
});

const offer = (offerId: string) => ({
  offerId,
  studentId: 's',
  studentName: 'Ann Archer',
  txCode: '123456',
  credentialOffer: 'openid-credential-offer://?x',
  expiresAt: '2026-01-01T10:00:00Z',
});

describe('sessionStateAt', () => {
  const session = {
    id: randomToken(),
    expiresAt: '2026-03-10T10:00:00.000Z',
    data: data(),
  };

  it('is live before its end', () => {
    expect(
      sessionStateAt(session, new Date('2026-03-10T09:59:59Z')).state,
    ).toBe('live');
  });

  it('has ended at its end and after', () => {
    expect(sessionStateAt(session, new Date(session.expiresAt)).state).toBe(
      'ended',
    );
    expect(
      sessionStateAt(session, new Date('2026-03-11T00:00:00Z')).state,
    ).toBe('ended');
  });

  it('is none without a stored session', () => {
    expect(sessionStateAt(undefined, new Date()).state).toBe('none');
  });
});

describe('sessionExpiry', () => {
  const now = new Date('2026-03-10T09:00:00Z');

  it('ends with the access token', () => {
    const token = new Date('2026-03-10T10:00:00Z');

    expect(sessionExpiry(now, token)).toEqual(token);
  });

  it('never lasts longer than the longest session', () => {
    const longest = new Date(now.getTime() + maxSessionSeconds * 1000);

    expect(sessionExpiry(now, new Date('2026-03-12T00:00:00Z'))).toEqual(
      longest,
    );
    expect(sessionExpiry(now)).toEqual(longest);
  });
});

describe('seal', () => {
  it('opens only with the session id it was sealed under', () => {
    const id = randomToken();
    const sealed = seal(id, data());

    expect(unseal(id, sealed)?.sub).toBe('sub-1');
    expect(unseal(randomToken(), sealed)).toBeUndefined();
    expect(sealed).not.toContain('tutor@example.org');
  });

  it('refuses a sealed value that was changed', () => {
    const id = randomToken();
    const bytes = Buffer.from(seal(id, data()), 'base64');
    bytes[bytes.length - 1] = (bytes.at(-1) ?? 0) ^ 1;

    expect(unseal(id, bytes.toString('base64'))).toBeUndefined();
  });
});

describe('rememberOffer', () => {
  it('keeps the newest offers first and forgets the oldest', () => {
    const held = data();
    for (let i = 0; i < keptOffers + 2; i++)
      rememberOffer(held, offer(`o${i}`));

    expect(held.offers.map((o) => o.offerId)).toEqual(
      Array.from({ length: keptOffers }, (_, i) => `o${keptOffers + 1 - i}`),
    );
  });
});
