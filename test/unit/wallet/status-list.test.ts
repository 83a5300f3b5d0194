import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';
import fc from 'fast-check';
import { importJWK, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { createLocalSigner } from '../../../functions/wallet/signer.js';
import {
  decodeStatusList,
  encodeStatusList,
  STATUS_BITS,
  STATUS_LIST_SIZE,
  StatusListError,
  signStatusListToken,
  statusValues,
} from '../../../functions/wallet/status-list.js';

/**
 * The draft's worked examples (section 4.1 and its 2-bit figure) and its
 * 2-bit test vector of 2^20 entries (appendix "Test vectors for Status
 * List encoding"), each with the `lst` the draft gives.
 */
const DRAFT_1_BIT = {
  statuses: [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1],
  bytes: [0xb9, 0xa3],
  lst: 'eNrbuRgAAhcBXQ',
};

const DRAFT_2_BITS = {
  statuses: [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3],
  bytes: [0xc9, 0x44, 0xf9],
  lst: 'eNo76fITAAPfAgc',
};

const DRAFT_2_BITS_LONG = {
  size: 2 ** 20,
  entries: [
    [0, 1],
    [1993, 2],
    [25460, 1],
    [159495, 3],
    [495669, 1],
    [554353, 1],
    [645645, 2],
    [723232, 1],
    [854545, 1],
    [934534, 2],
    [1000345, 3],
  ] as [number, number][],
  lst:
    'eNrt2zENACEQAEEuoaBABP5VIO01fCjIHTMStt9ovGVIAAAAAABAbiEBAAAAAAAAAAAA' +
    'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAEB5WwIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' +
    'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' +
    'AAAAAID0ugQAAAAAAAAAAAAAAAAAQG12SgAAAAAAAAAAAAAAAAAAAAAAAAAAAOCSIQEA' +
    'AAAAAAAAAAAAAAAAAAAAAAD8ExIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' +
    'wJEuAQAAAAAAAAAAAAAAAAAAAAAAAMB9SwIAAAAAAAAAAAAAAAAAAACoYUoAAAAAAAAA' +
    'AAAAAEBqH81gAQw',
};

const ISSUER = 'https://records.example.org';
const LIST_URI = `${ISSUER}/status-lists/0`;
const ISSUED_AT = new Date('2026-08-13T08:00:00Z');

function inflated(lst: string): Buffer {
  return inflateSync(Buffer.from(lst, 'base64url'));
}

function newSigner() {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

  return createLocalSigner(privateKey.export({ format: 'jwk' }) as JsonWebKey);
}

function errorOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('Nothing was thrown.');
}

describe('statusValues', () => {
  it('keeps the registered values and puts superseded at 3', () => {
    expect(statusValues).toEqual({
      valid: 0,
      invalid: 1,
      suspended: 2,
      superseded: 3,
    });
    expect(2 ** STATUS_BITS).toBeGreaterThan(statusValues.superseded);
  });
});

describe('encodeStatusList', () => {
  it("packs the draft's 2-bit example into its bytes", () => {
    const entries = DRAFT_2_BITS.statuses.map(
      (status, index) => [index, status] as [number, number],
    );

    const lst = encodeStatusList(entries, DRAFT_2_BITS.statuses.length);

    expect([...inflated(lst)]).toEqual(DRAFT_2_BITS.bytes);
    expect(inflated(lst)).toEqual(inflated(DRAFT_2_BITS.lst));
  });

  it("packs the draft's 2-bit test vector of 2^20 entries", () => {
    const lst = encodeStatusList(
      DRAFT_2_BITS_LONG.entries,
      DRAFT_2_BITS_LONG.size,
    );

    expect(inflated(lst)).toEqual(inflated(DRAFT_2_BITS_LONG.lst));
  });

  it('compresses with zlib at its highest level, as the draft asks', () => {
    const bytes = Buffer.from(encodeStatusList([[5, 1]], 64), 'base64url');

    // RFC 1950: CMF 0x78 is DEFLATE with a 32 KiB window; FLG 0xda says
    // the compressor used its slowest, best compression.
    expect([bytes[0], bytes[1]]).toEqual([0x78, 0xda]);
  });

  it('makes a list of STATUS_LIST_SIZE entries, all valid, by default', () => {
    const read = decodeStatusList(encodeStatusList([]), STATUS_BITS);

    expect(read(0)).toBe(statusValues.valid);
    expect(read(STATUS_LIST_SIZE - 1)).toBe(statusValues.valid);
    expect(() => read(STATUS_LIST_SIZE)).toThrow(StatusListError);
  });

  it('sets only the entries given, in any order', () => {
    const read = decodeStatusList(
      encodeStatusList(
        [
          [131_071, statusValues.superseded],
          [4, statusValues.invalid],
          [5, statusValues.suspended],
        ],
        STATUS_LIST_SIZE,
      ),
      STATUS_BITS,
    );

    expect([3, 4, 5, 6].map(read)).toEqual([0, 1, 2, 0]);
    expect(read(131_071)).toBe(statusValues.superseded);
    expect(read(131_070)).toBe(statusValues.valid);
  });

  it.each([
    ['an index below 0', [[-1, 1]]],
    ['an index past the end', [[64, 1]]],
    ['an index that is no integer', [[1.5, 1]]],
    ['a status too big for 2 bits', [[1, 4]]],
    ['a negative status', [[1, -1]]],
    ['a status that is no integer', [[1, 0.5]]],
    [
      'one index twice',
      [
        [7, 1],
        [7, 3],
      ],
    ],
  ] as [string, [number, number][]][])('refuses %s', (_, entries) => {
    expect(() => encodeStatusList(entries, 64)).toThrow(StatusListError);
  });

  it.each([0, -4, 6, 4.5])('refuses a size of %d entries', (size) => {
    expect(() => encodeStatusList([], size)).toThrow(/multiple of 4/);
  });

  it('reads back every entry it was given', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.tuple(
            fc.integer({ min: 0, max: 1023 }),
            fc.integer({ min: 0, max: 3 }),
          ),
          { selector: ([index]) => index, maxLength: 200 },
        ),
        (entries) => {
          const read = decodeStatusList(
            encodeStatusList(entries, 1024),
            STATUS_BITS,
          );
          const given = new Map(entries);

          for (let index = 0; index < 1024; index += 1) {
            expect(read(index)).toBe(given.get(index) ?? 0);
          }
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe('decodeStatusList', () => {
  it("reads the draft's 1-bit example", () => {
    const read = decodeStatusList(DRAFT_1_BIT.lst, 1);

    expect(DRAFT_1_BIT.statuses.map((_, index) => read(index))).toEqual(
      DRAFT_1_BIT.statuses,
    );
    expect([...inflated(DRAFT_1_BIT.lst)]).toEqual(DRAFT_1_BIT.bytes);
  });

  it("reads the draft's 2-bit example", () => {
    const read = decodeStatusList(DRAFT_2_BITS.lst, 2);

    expect(DRAFT_2_BITS.statuses.map((_, index) => read(index))).toEqual(
      DRAFT_2_BITS.statuses,
    );
  });

  it("reads the draft's 2-bit test vector, zero where it gives nothing", () => {
    const read = decodeStatusList(DRAFT_2_BITS_LONG.lst, 2);

    for (const [index, status] of DRAFT_2_BITS_LONG.entries) {
      expect(read(index)).toBe(status);
    }
    expect([1, 1992, 1994, 2 ** 20 - 1].map(read)).toEqual([0, 0, 0, 0]);
    expect(() => read(2 ** 20)).toThrow(/outside the list/);
  });

  it.each([0, 3, 16])('refuses %d bits an entry', (bits) => {
    expect(() => decodeStatusList(DRAFT_2_BITS.lst, bits)).toThrow(
      /1, 2, 4 or 8/,
    );
  });

  it.each([
    ['an empty lst', ''],
    ['padded base64', `${DRAFT_2_BITS.lst}=`],
    ['standard base64', 'eNo7+fITAAPfAgc'],
    ['base64url that is no zlib data', 'bm90IHpsaWI'],
  ])('refuses %s', (_, lst) => {
    expect(errorOf(() => decodeStatusList(lst, 2))).toBeInstanceOf(
      StatusListError,
    );
  });

  it('refuses a list that inflates past 1 MiB', () => {
    const bomb = deflateSync(Buffer.alloc(2 ** 20 + 1)).toString('base64url');

    expect(() => decodeStatusList(bomb, 8)).toThrow(/past 1 MiB/);
  });

  it.each([-1, 0.5, Number.NaN])('refuses to read index %d', (index) => {
    const read = decodeStatusList(DRAFT_2_BITS.lst, 2);

    expect(() => read(index)).toThrow(StatusListError);
  });
});

describe('signStatusListToken', () => {
  it('signs a statuslist+jwt that verifies with the public key', async () => {
    const signer = newSigner();
    const publicJwk = await signer.publicJwk();
    const lst = encodeStatusList([[3, statusValues.superseded]]);

    const jwt = await signStatusListToken({
      signer,
      issuer: ISSUER,
      uri: LIST_URI,
      lst,
      issuedAt: ISSUED_AT,
      ttlSeconds: 300,
      expiresAt: new Date('2026-08-14T08:00:00Z'),
    });

    const { protectedHeader, payload } = await jwtVerify(
      jwt,
      await importJWK(publicJwk as Parameters<typeof importJWK>[0], 'ES256'),
      { typ: 'statuslist+jwt', currentDate: ISSUED_AT },
    );
    expect(protectedHeader).toEqual({
      typ: 'statuslist+jwt',
      alg: 'ES256',
      kid: signer.kid,
    });
    expect(payload).toEqual({
      iss: ISSUER,
      sub: LIST_URI,
      iat: ISSUED_AT.getTime() / 1000,
      exp: ISSUED_AT.getTime() / 1000 + 86_400,
      ttl: 300,
      status_list: { bits: 2, lst },
    });
  });

  it('leaves exp out when no expiry is given', async () => {
    const jwt = await signStatusListToken({
      signer: newSigner(),
      issuer: ISSUER,
      uri: LIST_URI,
      lst: DRAFT_2_BITS.lst,
      issuedAt: ISSUED_AT,
      ttlSeconds: 60,
    });

    const payload = JSON.parse(
      Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString(),
    );
    expect(payload).not.toHaveProperty('exp');
    expect(payload.ttl).toBe(60);
  });

  it('does not verify with another key', async () => {
    const jwt = await signStatusListToken({
      signer: newSigner(),
      issuer: ISSUER,
      uri: LIST_URI,
      lst: DRAFT_2_BITS.lst,
      issuedAt: ISSUED_AT,
      ttlSeconds: 60,
    });
    const other = await newSigner().publicJwk();

    await expect(
      jwtVerify(
        jwt,
        await importJWK(other as Parameters<typeof importJWK>[0], 'ES256'),
        { currentDate: ISSUED_AT },
      ),
    ).rejects.toThrow(/signature verification failed/);
  });

  it.each([
    ['a ttl of 0', { ttlSeconds: 0 }],
    ['a ttl that is no whole number', { ttlSeconds: 1.5 }],
    ['an expiry at its issue time', { expiresAt: ISSUED_AT }],
  ])('refuses %s', async (_, options) => {
    await expect(
      signStatusListToken({
        signer: newSigner(),
        issuer: ISSUER,
        uri: LIST_URI,
        lst: DRAFT_2_BITS.lst,
        issuedAt: ISSUED_AT,
        ttlSeconds: 60,
        ...options,
      }),
    ).rejects.toThrow(StatusListError);
  });
});
