import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../functions/lib/errors.js';
import { validate } from '../../../functions/lib/validate.js';
import {
  createCentreBody,
  createGroupBody,
  listQuery,
  policyBody,
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

const centre = (overrides: Record<string, unknown> = {}) => ({
  urn: '141234',
  centreNumber: '47113',
  name: 'Oakfield Academy',
  ...overrides,
});

describe('validate', () => {
  it('returns the parsed value of a valid input', () => {
    expect(validate(listQuery, { limit: '20' }, 'query')).toEqual({
      limit: 20,
    });
  });

  it('reports an absent field as MISSING_FIELD naming it', () => {
    const refusal = refusalOf(() => validate(policyBody, {}));

    expect(refusal).toMatchObject({
      status: 400,
      code: 'MISSING_FIELD',
      field: 'examsOfficerMayVouch',
      message: 'The field examsOfficerMayVouch is required.',
    });
  });

  it('reports a value of the wrong type as INVALID_FIELD, not missing', () => {
    const tooBig = JSON.parse(
      '{"examsOfficerMayVouch":true,"offerLifetimeMinutes":1e400}',
    );
    const cases: [string, () => unknown][] = [
      ['limit', () => validate(listQuery, { limit: 'abc' }, 'query')],
      [
        'offerLifetimeMinutes',
        () =>
          validate(policyBody, {
            examsOfficerMayVouch: true,
            offerLifetimeMinutes: 2.5,
          }),
      ],
      ['offerLifetimeMinutes', () => validate(policyBody, tooBig)],
      [
        'examsOfficerMayVouch',
        () => validate(policyBody, { examsOfficerMayVouch: 'true' }),
      ],
      [
        'examsOfficerMayVouch',
        () => validate(policyBody, { examsOfficerMayVouch: null }),
      ],
      ['name', () => validate(createCentreBody, centre({ name: 123 }))],
    ];

    for (const [field, call] of cases) {
      const refusal = refusalOf(call);

      expect(refusal).toMatchObject({ code: 'INVALID_FIELD', field });
      expect(refusal.message).not.toContain('required');
    }
  });

  it('says what type a wrong-typed field should have', () => {
    const refusal = refusalOf(() =>
      validate(policyBody, { examsOfficerMayVouch: 'true' }),
    );

    expect(refusal.message).toBe(
      'The field examsOfficerMayVouch is not valid: expected true or false.',
    );
  });

  it('keeps a schema message of its own for a wrong value', () => {
    const refusal = refusalOf(() =>
      validate(policyBody, {
        examsOfficerMayVouch: true,
        offerLifetimeMinutes: 2.5,
      }),
    );

    expect(refusal.message).toContain('a whole number of minutes');
  });

  it('refuses a body that is not a JSON object with INVALID_BODY', () => {
    for (const body of [[], null, 'str', 5, true, undefined]) {
      const refusal = refusalOf(() => validate(createGroupBody, body));

      expect(refusal).toMatchObject({
        status: 400,
        code: 'INVALID_BODY',
        message: 'Send a JSON object as the body.',
      });
      expect(refusal.field).toBeUndefined();
    }
  });

  it('never repeats a rejected value in its message', () => {
    const marker = 'QQ7marker';
    const wrongAnywhere = fc.oneof(
      fc.constant(`${marker}${'x'.repeat(300)}`),
      fc.constant([marker]),
      fc.constant({ [marker]: marker }),
      fc.constant(`${marker}\u202e`),
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.tuple(fc.constantFrom('urn', 'centreNumber'), fc.string()),
          fc.tuple(
            fc.constantFrom('urn', 'centreNumber', 'name'),
            wrongAnywhere,
          ),
        ),
        ([field, value]) => {
          const sent =
            typeof value === 'string' && field !== 'name'
              ? `${marker}${value}`
              : value;

          const refusal = refusalOf(() =>
            validate(createCentreBody, centre({ [field]: sent })),
          );

          expect(refusal.message).not.toContain(marker);
        },
      ),
    );
  });

  it('names an unknown field that is short and plain', () => {
    const refusal = refusalOf(() =>
      validate(createCentreBody, centre({ colour: 'blue' })),
    );

    expect(refusal).toMatchObject({ code: 'UNKNOWN_FIELD', field: 'colour' });
    expect(refusal.message).toContain(': colour.');
  });

  it('does not repeat an unknown field name that is long or not plain', () => {
    const names = [
      `<img src=x onerror=alert(1)>${'K'.repeat(5000)}`,
      '<script>',
      'a'.repeat(42),
      '1abc',
      'na me',
      'name\u202e',
    ];

    for (const name of names) {
      const body = centre({ [name]: 1 });
      const query = { [name]: 'x' };

      for (const refusal of [
        refusalOf(() => validate(createCentreBody, body)),
        refusalOf(() => validate(listQuery, query, 'query')),
      ]) {
        expect(refusal.code).toBe('UNKNOWN_FIELD');
        expect(refusal.field).toBeUndefined();
        expect(refusal.message).toMatch(
          /^The (body|query) has a field this service does not know\. /,
        );
        expect(refusal.message).not.toContain('<');
        expect(refusal.message).not.toContain(name);
      }
    }
  });
});
