import { describe, expect, it } from 'vitest';
import {
  chainParts,
  endOfFollowingAcademicYear,
  newChainId,
  refreshExpiry,
  rotatedSecrets,
  splitToken,
  tokenFor,
} from '../../../functions/domain/chains.js';

const studentId = 'SSSSSSSSSSSSSSSSSSSSSS';

describe('newChainId', () => {
  it('names the centre and student that chainParts reads back', () => {
    const chainId = newChainId('141234', studentId);

    expect(chainParts(chainId)).toEqual({ urn: '141234', studentId });
  });

  it('draws a new id each time for the same student', () => {
    expect(newChainId('141234', studentId)).not.toBe(
      newChainId('141234', studentId),
    );
  });
});

describe('splitToken', () => {
  it('reads a token made by tokenFor', () => {
    const chainId = newChainId('141234', studentId);
    const secret = 'x'.repeat(43);

    expect(splitToken(tokenFor(chainId, secret))).toEqual({ chainId, secret });
  });

  it('refuses a token whose chain id has the wrong shape', () => {
    expect(splitToken(`abc.${'x'.repeat(43)}`)).toBeUndefined();
    expect(splitToken(`X41234${studentId}${studentId}.${'x'.repeat(43)}`)).toBe(
      undefined,
    );
  });
});

describe('rotatedSecrets', () => {
  it('derives the same next tokens from the same refresh secret', () => {
    expect(rotatedSecrets('secret-one')).toEqual(rotatedSecrets('secret-one'));
  });

  it('derives different access and refresh secrets, and differs by input', () => {
    const next = rotatedSecrets('secret-one');

    expect(next.access).not.toBe(next.refresh);
    expect(rotatedSecrets('secret-two').refresh).not.toBe(next.refresh);
  });
});

describe('endOfFollowingAcademicYear', () => {
  it('ends the academic year after the one a spring date falls in', () => {
    const end = endOfFollowingAcademicYear(
      new Date('2026-03-10T09:00:00Z'),
      '08-31',
    );

    expect(end.toISOString()).toBe('2027-08-31T23:59:59.000Z');
  });

  it('counts a September date as the start of the next academic year', () => {
    const end = endOfFollowingAcademicYear(
      new Date('2026-09-01T00:00:00Z'),
      '08-31',
    );

    expect(end.toISOString()).toBe('2028-08-31T23:59:59.000Z');
  });
});

describe('refreshExpiry', () => {
  const march = new Date('2026-03-10T09:00:00Z');

  it('lasts to the end of the academic year after the last pending series', () => {
    const expiry = refreshExpiry(
      march,
      ['2026-08-20T10:00:00Z', '2027-01-15T10:00:00Z'],
      '08-31',
    );

    expect(expiry.toISOString()).toBe('2028-08-31T23:59:59.000Z');
  });

  it('lasts to the end of next academic year with nothing pending', () => {
    expect(refreshExpiry(march, [], '08-31').toISOString()).toBe(
      '2027-08-31T23:59:59.000Z',
    );
  });
});
