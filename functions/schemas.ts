import * as z from 'zod/mini';
import { groupKinds, type Role, roles, vouchMethods } from './domain/types.js';
import { SAFE_TEXT } from './imports/identifiers.js';

/**
 * Request schemas of the staff-facing routes. Handlers validate with these
 * and the OpenAPI document is generated from them, so the two cannot
 * disagree. Objects are strict: an unknown field is a 400.
 */

/**
 * Free text such as a name: trimmed and composed (NFC) as the CSV imports
 * do, and refused when it holds a control character or a text-direction
 * override, which the imports refuse too.
 */
export const trimmedText = (max: number) =>
  z
    .string()
    .check(
      z.trim(),
      z.normalize('NFC'),
      z.minLength(1),
      z.maxLength(max),
      z.regex(
        SAFE_TEXT,
        'it may not hold line breaks, control characters or ' +
          'text-direction marks',
      ),
    );
const trimmed = trimmedText;

export const urnParam = z
  .string()
  .check(z.regex(/^\d{6}$/, 'a URN is 6 digits'));
export const idParam = z
  .string()
  .check(
    z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'not an identifier this service issued'),
  );

export const email = z.pipe(
  z.pipe(
    z.string().check(z.trim(), z.maxLength(254)),
    z.email('not an e-mail address'),
  ),
  z.transform((s: string) => s.toLowerCase()),
);

export const createCentreBody = z.strictObject({
  urn: urnParam,
  centreNumber: z
    .string()
    .check(z.regex(/^\d{5}$/, 'a centre number is 5 digits')),
  name: trimmed(200),
});

export const patchCentreBody = z.strictObject({
  status: z.enum(['active', 'suspended']),
});

export const policyBody = z.strictObject({
  examsOfficerMayVouch: z.boolean(),
  offerLifetimeMinutes: z._default(
    z
      .number()
      .check(
        z.int('a whole number of minutes'),
        z.minimum(2, 'at least 2 minutes'),
        z.maximum(30, 'at most 30 minutes'),
      ),
    10,
  ),
});

export const roleList = z.pipe(
  z
    .array(z.enum(roles))
    .check(z.minLength(1, 'give at least one role'), z.maxLength(roles.length)),
  z.transform((list: Role[]) => [...new Set(list)]),
);

export const createStaffBody = z.strictObject({
  email,
  givenName: trimmed(100),
  familyName: trimmed(100),
  roles: roleList,
  dataIssuer: z._default(z.boolean(), false),
});

export const patchStaffBody = z
  .strictObject({
    roles: z.optional(roleList),
    dataIssuer: z.optional(z.boolean()),
    active: z.optional(z.boolean()),
  })
  .check(z.refine((b) => Object.keys(b).length > 0, 'give a field to change'));

/** A cursor as the list routes hand it out, or a longer one. */
const cursor = (max: number) => z.optional(z.string().check(z.maxLength(max)));

/** How many items a page holds, from the query string's text. */
export const pageLimit = () =>
  z.optional(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(200)));

export const listQuery = z.strictObject({
  cursor: cursor(2048),
  limit: pageLimit(),
});

export const studentListQuery = z.strictObject({
  group: z.optional(idParam),
  q: z.optional(z.string().check(z.trim(), z.maxLength(100))),
  cursor: cursor(2048),
  limit: pageLimit(),
});

export const importQuery = z.strictObject({
  roll: z.optional(z.enum(['full'])),
});

export const createGroupBody = z.strictObject({
  name: trimmed(100),
  kind: z.enum(groupKinds),
});

const idList = z.array(idParam).check(z.minLength(1), z.maxLength(500));
const upnList = z
  .array(
    z
      .string()
      .check(z.trim(), z.toUpperCase(), z.regex(/^[A-Z0-9]{13}$/, 'a UPN')),
  )
  .check(z.minLength(1), z.maxLength(500));

export const bulkGroupStudentsBody = z.union([
  z.strictObject({ studentIds: idList }),
  z.strictObject({ upns: upnList }),
]);

export const vouchBody = z.strictObject({
  method: z.enum(vouchMethods),
  /**
   * What the student says when asked: the member of staff types it in. No
   * screen shows it first. DD/MM/YYYY or YYYY-MM-DD.
   */
  dateOfBirth: z
    .string()
    .check(
      z.trim(),
      z.regex(
        /^(\d{2}\/\d{2}\/\d{4}|\d{4}-\d{2}-\d{2})$/,
        'a date as DD/MM/YYYY or YYYY-MM-DD',
      ),
    ),
  lookAlikeAcknowledged: z._default(z.boolean(), false),
});

export const seriesIdParam = z
  .string()
  .check(
    z.regex(
      /^[a-z0-9-]{3,40}$/,
      'a series id is 3 to 40 lower-case letters, digits and hyphens',
    ),
  );

/**
 * An instant in UTC, to the millisecond at most, kept in the form
 * `toISOString` writes so that stored times compare as text too. GCSE
 * results day's 11:00 in British Summer Time is 10:00Z.
 */
export const utcInstant = z.pipe(
  z.iso
    .datetime({ message: 'a time in UTC such as 2026-08-20T10:00:00Z' })
    .check(
      z.refine(
        (s) => !/\.\d{4,}Z$/.test(s),
        'give the time to the millisecond at most',
      ),
    ),
  z.transform((s: string) => new Date(s).toISOString()),
);

const CONTROL = /\p{Cc}/u;

export const putSeriesBody = z.strictObject({
  name: trimmed(100).check(
    z.refine(
      (s) => !CONTROL.test(s),
      'a name has no line breaks or other control characters',
    ),
    z.refine(
      (s) => !/\p{Default_Ignorable_Code_Point}/u.test(s),
      'a name has no invisible characters',
    ),
  ),
  releaseAt: utcInstant,
});

export const resultsImportQuery = z.strictObject({
  series: z.optional(seriesIdParam),
});

export const revokeBody = z.strictObject({
  reason: trimmed(500),
});
