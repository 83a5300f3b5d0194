import { describe, expect, it } from 'vitest';
import {
  newOfferSecrets,
  preAuthorizedCode,
  sameHash,
  splitCode,
  splitSecretPair,
  txCodeHash,
} from '../../../functions/domain/offer-secrets.js';
import { offerStatusAt } from '../../../functions/domain/offers.js';
import { sha256 } from '../../../functions/lib/ids.js';
import { anOffer } from '../../support/builders.js';

describe('offerStatusAt', () => {
  const expiry = new Date('2026-03-10T09:10:00.000Z');

  it('keeps an issued offer issued before its expiry', () => {
    const before = new Date(expiry.getTime() - 1000);

    expect(offerStatusAt(anOffer(), before)).toBe('issued');
  });

  it('calls an unredeemed offer expired from its expiry on', () => {
    expect(offerStatusAt(anOffer(), expiry)).toBe('expired');
    expect(offerStatusAt(anOffer({ status: 'scanned' }), expiry)).toBe(
      'expired',
    );
  });

  it('leaves a redeemed or revoked offer as it was after expiry', () => {
    const later = new Date(expiry.getTime() + 60_000);

    expect(offerStatusAt(anOffer({ status: 'delivered' }), later)).toBe(
      'delivered',
    );
    expect(offerStatusAt(anOffer({ status: 'revoked' }), later)).toBe(
      'revoked',
    );
  });
});

const owner = { urn: '141234', studentId: 'SSSSSSSSSSSSSSSSSSSSSS' };

describe('newOfferSecrets', () => {
  it('keeps only hashes that the secrets reproduce', () => {
    const s = newOfferSecrets('AAAAAAAAAAAAAAAAAAAAAA', owner);
    const pair = splitSecretPair(s.ref);

    expect(pair?.offerId).toBe('AAAAAAAAAAAAAAAAAAAAAA');
    expect(sha256(pair?.secret ?? '')).toBe(s.refHash);
    expect(
      preAuthorizedCode('AAAAAAAAAAAAAAAAAAAAAA', pair?.secret ?? '', owner),
    ).toBe(s.code);
    expect(sha256(s.code)).toBe(s.codeHash);
    expect(txCodeHash(s.code, s.txCode)).toBe(s.txCodeHash);
  });

  it('draws a six-digit tx_code that is not part of the reference', () => {
    const s = newOfferSecrets('AAAAAAAAAAAAAAAAAAAAAA', owner);

    expect(s.txCode).toMatch(/^\d{6}$/);
    expect(s.ref).not.toContain(s.txCode);
  });

  it('keys the tx_code hash by the code, so the same digits differ', () => {
    const a = newOfferSecrets('AAAAAAAAAAAAAAAAAAAAAA', owner);
    const b = newOfferSecrets('BBBBBBBBBBBBBBBBBBBBBB', owner);

    expect(txCodeHash(a.code, '123456')).not.toBe(txCodeHash(b.code, '123456'));
  });
});

describe('splitCode', () => {
  it('reads the centre, student and offer a code names', () => {
    const s = newOfferSecrets('AAAAAAAAAAAAAAAAAAAAAA', owner);

    expect(splitCode(s.code)).toEqual({
      ...owner,
      offerId: 'AAAAAAAAAAAAAAAAAAAAAA',
    });
  });

  it('refuses a code whose parts have the wrong widths', () => {
    expect(splitCode('141234abc.def')).toBeUndefined();
    expect(
      splitCode(`14123${'S'.repeat(45)}.${'x'.repeat(43)}`),
    ).toBeUndefined();
  });
});

describe('splitSecretPair', () => {
  it('refuses values that are not an id and a secret', () => {
    expect(splitSecretPair('nodot')).toBeUndefined();
    expect(splitSecretPair('short.secret')).toBeUndefined();
    expect(splitSecretPair('AAAAAAAAAAAAAAAAAAAAAA.has space in it')).toBe(
      undefined,
    );
  });
});

describe('sameHash', () => {
  it('tells equal and unequal hashes apart, whatever their length', () => {
    expect(sameHash('abc', 'abc')).toBe(true);
    expect(sameHash('abc', 'abd')).toBe(false);
    expect(sameHash('abc', 'abcd')).toBe(false);
  });
});
