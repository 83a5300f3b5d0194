import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../functions/lib/errors.js';
import { validate } from '../../../functions/lib/validate.js';
import { resolveBody } from '../../../functions/report-schemas.js';
import {
  createCentreBody,
  createGroupBody,
  createStaffBody,
} from '../../../functions/schemas.js';

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

const centre = (name: string) => ({
  urn: '141234',
  centreNumber: '47113',
  name,
});

const staff = (names: { givenName?: string; familyName?: string }) => ({
  email: 'ann@oakfield.example.org',
  givenName: 'Ann',
  familyName: 'Archer',
  roles: ['form-tutor'],
  ...names,
});

const group = (name: string) => ({ name, kind: 'subject' });

/** Each free-text field of the JSON routes, with a body that sets it. */
const textFields: [string, string, (text: string) => () => unknown][] = [
  ['centre', 'name', (t) => () => validate(createCentreBody, centre(t))],
  [
    'staff',
    'givenName',
    (t) => () => validate(createStaffBody, staff({ givenName: t })),
  ],
  [
    'staff',
    'familyName',
    (t) => () => validate(createStaffBody, staff({ familyName: t })),
  ],
  ['group', 'name', (t) => () => validate(createGroupBody, group(t))],
];

const hidden = {
  NUL: '\u0000',
  'line feed': '\n',
  'C1 next line': '\u0085',
  'left-to-right embedding': '\u202a',
  'right-to-left override': '\u202e',
  'left-to-right isolate': '\u2066',
  'pop directional isolate': '\u2069',
};

describe('free-text fields of the request schemas', () => {
  for (const [route, field, call] of textFields) {
    it(`refuse control and bidi characters in a ${route} ${field}`, () => {
      for (const [what, mark] of Object.entries(hidden)) {
        const refusal = refusalOf(call(`Oak${mark}field`));

        expect(refusal, what).toMatchObject({
          status: 400,
          code: 'INVALID_FIELD',
          field,
        });
        expect(refusal.message).not.toContain('Oak');
      }
    });
  }

  it('compose a name to NFC, as the CSV imports do', () => {
    const body = validate(createCentreBody, centre(' Zoe\u0308 Academy '));

    expect(body.name).toBe('Zo\u00eb Academy');
  });

  it('keep names in any script', () => {
    for (const name of ['محمد', '李小龍', 'Nguyễn', 'O’Brien-Ōno']) {
      expect(validate(createGroupBody, group(name)).name).toBe(name);
    }
  });

  it('keep the staff names to 100 characters', () => {
    expect(
      validate(createStaffBody, staff({ givenName: 'A'.repeat(100) }))
        .givenName,
    ).toHaveLength(100);
    expect(
      refusalOf(() =>
        validate(createStaffBody, staff({ givenName: 'A'.repeat(101) })),
      ),
    ).toMatchObject({ code: 'INVALID_FIELD', field: 'givenName' });
  });
});

describe('a note a member of staff writes for the student', () => {
  const resolve = (note: string) =>
    validate(resolveBody, { outcome: 'corrected', note });

  it('is kept as written when it shows something', () => {
    expect(resolve('Your surname is corrected. ✓').note).toBe(
      'Your surname is corrected. ✓',
    );
  });

  it.each([
    ['zero-width spaces', '\u200b\u200b'],
    ['a soft hyphen', '\u00ad'],
    ['a variation selector', '\ufe0f'],
    ['tag characters', '\u{e0041}\u{e0042}'],
  ])('is refused when it holds only %s', (_, note) => {
    expect(refusalOf(() => resolve(note)).code).toBe('INVALID_FIELD');
  });

  it.each([
    ['left-to-right', '\u200e'],
    ['right-to-left', '\u200f'],
    ['Arabic letter', '\u061c'],
  ])('is refused when it holds a %s mark', (_, mark) => {
    expect(refusalOf(() => resolve(`Corrected${mark}.`)).code).toBe(
      'INVALID_FIELD',
    );
  });
});
