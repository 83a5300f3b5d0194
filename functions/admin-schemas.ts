import * as z from 'zod/mini';
import { isValidUln, isValidUpn, parseDate } from './imports/identifiers.js';
import { badRequest } from './lib/errors.js';
import { validate } from './lib/validate.js';
import { email, pageLimit, trimmedText } from './schemas.js';

/**
 * Request schemas of the helpdesk routes (`/admin/...`). Personal data
 * goes in bodies only, never in paths or query strings, which reach the
 * access logs.
 */

export const createHelpdeskStaffBody = z.strictObject({
  email,
  givenName: trimmedText(100),
  familyName: trimmedText(100),
});

const uln = z
  .string()
  .check(
    z.trim(),
    z.refine(isValidUln, 'a ULN is 10 digits with a valid check digit'),
  );
const upn = z
  .string()
  .check(
    z.trim(),
    z.toUpperCase(),
    z.refine(isValidUpn, 'a UPN is 13 letters and digits with a check letter'),
  );
const dateOfBirth = z.pipe(
  z.string().check(z.maxLength(20)),
  z.transform((s: string, context) => {
    const parsed = parseDate(s);
    if (parsed.ok) return parsed.date;
    context.issues.push({
      code: 'custom',
      message: 'a date as DD/MM/YYYY or YYYY-MM-DD',
      input: s,
    });
    return z.NEVER;
  }),
);

const searchShapes = {
  uln: z.strictObject({ uln }),
  upn: z.strictObject({ upn }),
  person: z.strictObject({ familyName: trimmedText(100), dateOfBirth }),
} as const;

export type StudentSearch =
  | { by: 'uln'; uln: string }
  | { by: 'upn'; upn: string }
  | { by: 'person'; familyName: string; dateOfBirth: string };

const sameKeys = (value: object, wanted: readonly string[]) => {
  const names = Object.keys(value).sort();
  return (
    names.length === wanted.length && names.every((n, i) => n === wanted[i])
  );
};

/**
 * A search body: exactly one of `{uln}`, `{upn}` or `{familyName,
 * dateOfBirth}`. Another mix of fields is refused as a whole with
 * SEARCH_SHAPE; a field of the right shape but a wrong value with the
 * usual INVALID_FIELD naming it.
 */
export function parseStudentSearch(body: unknown): StudentSearch {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('INVALID_BODY', 'Send a JSON object as the body.');
  }
  if (sameKeys(body, ['uln'])) {
    return { by: 'uln', ...validate(searchShapes.uln, body) };
  }
  if (sameKeys(body, ['upn'])) {
    return { by: 'upn', ...validate(searchShapes.upn, body) };
  }
  if (sameKeys(body, ['dateOfBirth', 'familyName'])) {
    return { by: 'person', ...validate(searchShapes.person, body) };
  }
  throw badRequest(
    'SEARCH_SHAPE',
    'Search by one of: {"uln"}, {"upn"}, or {"familyName", ' +
      '"dateOfBirth"}, with no other field.',
  );
}

export const trailQuery = z.strictObject({
  cursor: z.optional(z.string().check(z.maxLength(4096))),
  limit: pageLimit(),
});
