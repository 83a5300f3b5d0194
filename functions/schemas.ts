import { z } from 'zod';
import { groupKinds, roles, vouchMethods } from './domain/types.js';
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
    .trim()
    .normalize('NFC')
    .min(1)
    .max(max)
    .regex(
      SAFE_TEXT,
      'it may not hold line breaks, control characters or ' +
        'text-direction marks',
    );
const trimmed = trimmedText;

export const urnParam = z.string().regex(/^\d{6}$/, 'a URN is 6 digits');
export const idParam = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'not an identifier this service issued');

export const email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email('not an e-mail address'))
  .transform((s) => s.toLowerCase());

export const createCentreBody = z.strictObject({
  urn: urnParam,
  centreNumber: z.string().regex(/^\d{5}$/, 'a centre number is 5 digits'),
  name: trimmed(200),
});

export const patchCentreBody = z.strictObject({
  status: z.enum(['active', 'suspended']),
});

export const policyBody = z.strictObject({
  examsOfficerMayVouch: z.boolean(),
  offerLifetimeMinutes: z
    .number()
    .int('a whole number of minutes')
    .min(2, 'at least 2 minutes')
    .max(30, 'at most 30 minutes')
    .default(10),
});

export const roleList = z
  .array(z.enum(roles))
  .min(1, 'give at least one role')
  .max(roles.length)
  .transform((list) => [...new Set(list)]);

export const createStaffBody = z.strictObject({
  email,
  givenName: trimmed(100),
  familyName: trimmed(100),
  roles: roleList,
  dataIssuer: z.boolean().default(false),
});

export const patchStaffBody = z
  .strictObject({
    roles: roleList.optional(),
    dataIssuer: z.boolean().optional(),
    active: z.boolean().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'give a field to change');

export const listQuery = z.strictObject({
  cursor: z.string().max(2048).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});

export const studentListQuery = z.strictObject({
  group: idParam.optional(),
  q: z.string().trim().max(100).optional(),
  cursor: z.string().max(2048).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});

export const importQuery = z.strictObject({
  roll: z.enum(['full']).optional(),
});

export const createGroupBody = z.strictObject({
  name: trimmed(100),
  kind: z.enum(groupKinds),
});

const idList = z.array(idParam).min(1).max(500);
const upnList = z
  .array(
    z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z0-9]{13}$/, 'a UPN'),
  )
  .min(1)
  .max(500);

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
    .trim()
    .regex(
      /^(\d{2}\/\d{2}\/\d{4}|\d{4}-\d{2}-\d{2})$/,
      'a date as DD/MM/YYYY or YYYY-MM-DD',
    ),
  lookAlikeAcknowledged: z.boolean().default(false),
});

export const seriesIdParam = z
  .string()
  .regex(
    /^[a-z0-9-]{3,40}$/,
    'a series id is 3 to 40 lower-case letters, digits and hyphens',
  );

/**
 * An instant in UTC, to the millisecond at most, kept in the form
 * `toISOString` writes so that stored times compare as text too. GCSE
 * results day's 11:00 in British Summer Time is 10:00Z.
 */
export const utcInstant = z.iso
  .datetime({ message: 'a time in UTC such as 2026-08-20T10:00:00Z' })
  .refine(
    (s) => !/\.\d{4,}Z$/.test(s),
    'give the time to the millisecond at most',
  )
  .transform((s) => new Date(s).toISOString());

const CONTROL = /\p{Cc}/u;

export const putSeriesBody = z.strictObject({
  name: trimmed(100)
    .refine(
      (s) => !CONTROL.test(s),
      'a name has no line breaks or other control characters',
    )
    .refine(
      (s) => !/\p{Default_Ignorable_Code_Point}/u.test(s),
      'a name has no invisible characters',
    ),
  releaseAt: utcInstant,
});

export const resultsImportQuery = z.strictObject({
  series: seriesIdParam.optional(),
});

export const revokeBody = z.strictObject({
  reason: trimmed(500),
});
