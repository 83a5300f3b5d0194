import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../functions/lib/errors.js';
import { decodeCursor, encodeCursor } from '../../../functions/lib/table.js';

const forge = (value: unknown) =>
  Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

/** The ApiError `fn` throws; fails the test when it throws none. */
function refusalOf(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected an ApiError');
}

const staffKey = { PK: 'CENTRE#141234', SK: 'STAFF#abc' };
const staffList = { PK: 'CENTRE#141234' };
const staffOnly = { SK: 'STAFF#' };

const centreKey = {
  PK: 'CENTRE#141234',
  SK: 'PROFILE',
  GSI1PK: 'CENTRES',
  GSI1SK: '141234',
};

const expectInvalidCursor = (fn: () => unknown) =>
  expect(refusalOf(fn)).toMatchObject({
    status: 400,
    code: 'INVALID_CURSOR',
    field: 'cursor',
    message: 'The cursor is not one this list gave out. Start the list again.',
  });

describe('decodeCursor', () => {
  it('gives back the key that encodeCursor wrote', () => {
    const cursor = encodeCursor(staffKey) ?? '';

    expect(decodeCursor(cursor, staffList, staffOnly)).toEqual(staffKey);
  });

  it('gives back an index key with the table keys it carries', () => {
    const cursor = encodeCursor(centreKey) ?? '';

    expect(decodeCursor(cursor, { GSI1PK: 'CENTRES' })).toEqual(centreKey);
  });

  it('starts at the beginning without a cursor', () => {
    expect(decodeCursor(undefined, staffList)).toBeUndefined();
    expect(decodeCursor('', staffList)).toBeUndefined();
  });

  it('refuses a cursor that is not base64url JSON of an object', () => {
    const cursors = [
      'not a cursor!',
      Buffer.from('{"PK":').toString('base64url'),
      forge([staffKey]),
      forge('CENTRE#141234'),
      forge(null),
      Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url'),
    ];

    for (const cursor of cursors) {
      expectInvalidCursor(() => decodeCursor(cursor, staffList));
    }
  });

  it("refuses a key in another centre's partition", () => {
    const cursor = forge({ PK: 'CENTRE#999999', SK: 'STAFF#abc' });

    expectInvalidCursor(() => decodeCursor(cursor, staffList, staffOnly));
  });

  it('refuses a key outside the sort-key range the list reads', () => {
    const cursor = forge({ PK: 'CENTRE#141234', SK: 'GROUP#0' });

    expectInvalidCursor(() => decodeCursor(cursor, staffList, staffOnly));
  });

  it('refuses attributes that are not the keys the query returns', () => {
    const keys = [
      { ...staffKey, name: 'x' },
      { ...staffKey, GSI1PK: 'CENTRES' },
      { PK: 'CENTRE#141234' },
      { PK: 'CENTRE#141234', SK: 'PROFILE', GSI1PK: 'CENTRES' },
      JSON.parse('{"__proto__":{"SK":"STAFF#a"},"PK":"CENTRE#141234"}'),
    ];

    for (const key of keys) {
      expectInvalidCursor(() => decodeCursor(forge(key), staffList));
    }
    expectInvalidCursor(() =>
      decodeCursor(forge(staffKey), { GSI1PK: 'CENTRES' }),
    );
  });

  it('refuses key values that are not short strings', () => {
    const values = [1, true, null, { S: 'STAFF#a' }, ['STAFF#a'], ''];

    for (const SK of [...values, `STAFF#${'a'.repeat(1100)}`]) {
      const cursor = forge({ PK: 'CENTRE#141234', SK });

      expectInvalidCursor(() => decodeCursor(cursor, staffList));
    }
  });

  it('hands DynamoDB nothing but a key in the expected partition', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json().map((text) => Buffer.from(text).toString('base64url')),
          fc
            .dictionary(
              fc.constantFrom('PK', 'SK', 'GSI1PK', 'x'),
              fc.oneof(fc.string(), fc.constant('CENTRE#141234')),
            )
            .map(forge),
        ),
        (cursor) => {
          let key: Record<string, string> | undefined;
          try {
            key = decodeCursor(cursor, staffList, staffOnly);
          } catch (error) {
            expect(error).toBeInstanceOf(ApiError);
            expect((error as ApiError).code).toBe('INVALID_CURSOR');
            return;
          }
          if (key === undefined) {
            expect(cursor).toBe('');
            return;
          }
          expect(Object.keys(key).sort()).toEqual(['PK', 'SK']);
          expect(key.PK).toBe('CENTRE#141234');
          expect(key.SK?.startsWith('STAFF#')).toBe(true);
        },
      ),
    );
  });

  it('will not decode without the partition the query reads', () => {
    expect(() => decodeCursor(forge(staffKey), {})).toThrow(/partition/);
    expect(() => decodeCursor(forge(staffKey), { SK: 'STAFF#a' })).toThrow(
      /partition/,
    );
  });
});
