import * as z from 'zod/mini';
import {
  enquiryStatuses,
  reportKinds,
  reportStatuses,
  resolveOutcomes,
} from './domain/report-types.js';
import { idParam, pageLimit } from './schemas.js';

/**
 * Request schemas of record-error reports and helpdesk enquiries, beside
 * schemas.ts and in its style: strict objects, no value echoed back.
 */

/**
 * Control characters (line breaks and tabs apart) and every text-direction
 * character: overrides, embeddings, isolates and the marks (U+200E,
 * U+200F, U+061C), which make text read other than it is stored.
 */
const CONTROL = /\p{Cc}/u;
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
const unsafe = (s: string) =>
  CONTROL.test(s.replace(/[\n\r\t]/g, '')) || BIDI.test(s);

/**
 * Whether text shows anything: letters, digits, punctuation or symbols,
 * not only spaces, joiners, soft hyphens, variation selectors or tags.
 */
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/u;

/** Text people write: kept as sent (NFC), shown as text, never markup. */
const prose = (max: number) =>
  z.string().check(
    z.trim(),
    z.normalize('NFC'),
    z.minLength(1),
    z.maxLength(max),
    z.refine(
      (s) => !unsafe(s),
      'it may not hold control characters or text-direction marks',
    ),
    z.refine((s) => VISIBLE.test(s), 'it must hold some visible text'),
  );

/** An SD-JWT VC with its key-binding JWT, compact. */
const presentation = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(65_536),
    z.regex(/^[A-Za-z0-9_\-.~]+$/, 'a compact SD-JWT with key binding'),
  );

export const reportBody = z.strictObject({
  presentation,
  kind: z.enum(reportKinds),
  qualification: z.optional(
    z.strictObject({
      qan: z
        .string()
        .check(
          z.trim(),
          z.regex(/^[A-Za-z0-9/]{1,20}$/, 'a QAN such as 601/8411/9'),
        ),
      subject: prose(100),
    }),
  ),
  details: prose(1000),
});

export const reportStatusBody = z.strictObject({ presentation });

export const reportListQuery = z.strictObject({
  assigned: z.optional(z.enum(['me'])),
  status: z.optional(z.enum([...reportStatuses, 'unresolved'])),
  cursor: z.optional(z.string().check(z.maxLength(2048))),
  limit: pageLimit(),
});

export const resolveBody = z.strictObject({
  outcome: z.enum(resolveOutcomes),
  note: prose(1000),
});

export const referBody = z.strictObject({ summary: prose(2000) });

export const reassignBody = z.strictObject({ staffId: idParam });

const calendarDate = z.iso
  .date('a date as YYYY-MM-DD')
  .check(
    z.refine(
      (d) => d >= '2000-01-01' && d <= '2100-12-31',
      'a date this century',
    ),
  );

export const closuresBody = z.strictObject({
  dates: z.array(calendarDate).check(z.maxLength(400, 'at most 400 dates')),
});

export const enquiryListQuery = z.strictObject({
  status: z.optional(z.enum(enquiryStatuses)),
  cursor: z.optional(z.string().check(z.maxLength(2048))),
  limit: pageLimit(),
});

export const replyBody = z.strictObject({ message: prose(4000) });
