/**
 * Check characters and normal forms of the identifiers and values that
 * centres upload. The algorithms follow the sample data README: UPN (DfE),
 * ULN (Learning Records Service) and UCI (JCQ).
 *
 * The validators take the canonical form (upper-case, trimmed); call the
 * matching `normalise…` function on raw input first.
 */

/** Why an identifier failed: its shape, or only its check character. */
export type IdentifierProblem = 'format' | 'check';

const UPN_ALPHABET = 'ABCDEFGHJKLMNPQRTUVWXYZ';
const UCI_ALPHABET = 'ABCDEFGHKLMRTVWXY';

/** The conventional placeholder for "no ULN yet"; it fails the check. */
export const NO_ULN = '9999999999';

const ZERO = 48;

const isDigitCode = (code: number) => code >= ZERO && code <= ZERO + 9;

/** Upper-cased and trimmed: MIS exports and people both vary the case. */
export const normaliseUpn = (s: string): string => s.trim().toUpperCase();

/**
 * The check letter for the twelve characters after it, or undefined when
 * they are not eleven digits and a digit or an alphabet letter.
 */
export function upnCheckLetter(rest: string): string | undefined {
  if (rest.length !== 12) return undefined;

  let sum = 0;
  for (let i = 0; i < 11; i++) {
    const code = rest.charCodeAt(i);
    if (!isDigitCode(code)) return undefined;
    sum += (code - ZERO) * (i + 2);
  }

  // A temporary UPN carries a letter last; it counts as its alphabet index.
  const last = rest.charCodeAt(11);
  const lastValue = isDigitCode(last)
    ? last - ZERO
    : UPN_ALPHABET.indexOf(rest[11] ?? '');
  if (lastValue < 0) return undefined;
  sum += lastValue * 13;

  return UPN_ALPHABET[sum % 23];
}

export function upnProblem(upn: string): IdentifierProblem | undefined {
  if (upn.length !== 13) return 'format';
  const expected = upnCheckLetter(upn.slice(1));
  if (expected === undefined || !UPN_ALPHABET.includes(upn[0] ?? '')) {
    return 'format';
  }

  return upn[0] === expected ? undefined : 'check';
}

export const isValidUpn = (upn: string): boolean =>
  upnProblem(upn) === undefined;

/**
 * The tenth digit for the nine before it, or undefined when those are not
 * nine digits or their remainder is 0 (no ULN has that stem).
 */
export function ulnCheckDigit(stem: string): number | undefined {
  if (stem.length !== 9) return undefined;

  let sum = 0;
  for (let i = 0; i < 9; i++) {
    const code = stem.charCodeAt(i);
    if (!isDigitCode(code)) return undefined;
    sum += (code - ZERO) * (10 - i);
  }
  const remainder = sum % 11;

  return remainder === 0 ? undefined : 10 - remainder;
}

export function ulnProblem(uln: string): IdentifierProblem | undefined {
  if (uln.length !== 10) return 'format';
  for (let i = 0; i < 10; i++) {
    if (!isDigitCode(uln.charCodeAt(i))) return 'format';
  }

  const expected = ulnCheckDigit(uln.slice(0, 9));

  return expected === uln.charCodeAt(9) - ZERO ? undefined : 'check';
}

/** False for NO_ULN too: the placeholder is not a learner's number. */
export const isValidUln = (uln: string): boolean =>
  ulnProblem(uln) === undefined;

/** Trimmed; undefined for an empty cell or the NO_ULN placeholder. */
export function normaliseUln(s: string): string | undefined {
  const uln = s.trim();

  return uln === '' || uln === NO_ULN ? undefined : uln;
}

export const normaliseUci = (s: string): string => s.trim().toUpperCase();

/**
 * The check letter for a UCI's first twelve characters (centre number,
 * board, year and candidate number, all digits), or undefined when they
 * are not twelve digits.
 */
export function uciCheckLetter(stem: string): string | undefined {
  if (stem.length !== 12) return undefined;

  let sum = 0;
  for (let i = 0; i < 12; i++) {
    const code = stem.charCodeAt(i);
    if (!isDigitCode(code)) return undefined;
    sum += (code - ZERO) * (16 - i);
  }

  return UCI_ALPHABET[sum % 17];
}

export function uciProblem(uci: string): IdentifierProblem | undefined {
  if (uci.length !== 13) return 'format';
  const expected = uciCheckLetter(uci.slice(0, 12));
  if (expected === undefined || !UCI_ALPHABET.includes(uci[12] ?? '')) {
    return 'format';
  }

  return uci[12] === expected ? undefined : 'check';
}

export const isValidUci = (uci: string): boolean =>
  uciProblem(uci) === undefined;

/**
 * Trimmed and composed (NFC), so that an accent typed as one character and
 * one exported as letter plus combining mark compare equal. Case and inner
 * characters are the person's own and stay as given.
 */
export const normaliseName = (s: string): string => s.trim().normalize('NFC');

// C0 and C1 controls (tabs and line breaks among them), and the bidi
// embeddings, overrides and isolates, which make text show in an order
// other than the one stored ("Trojan Source", CVE-2021-42574). Names and
// titles end up in signed credentials, so they must read as they are.
const UNSAFE_CHARACTERS =
  '\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069';

const UNSAFE_TEXT = new RegExp(`[${UNSAFE_CHARACTERS}]`);

/** Holds a character that no name or other text we keep may hold. */
export const hasUnsafeText = (s: string): boolean => UNSAFE_TEXT.test(s);

/**
 * Matches text free of those characters. Written without the `u` flag so
 * that it can stand as a JSON Schema `pattern` in the OpenAPI document.
 */
export const SAFE_TEXT = new RegExp(`^[^${UNSAFE_CHARACTERS}]*$`);

export const normaliseEmail = (s: string): string => s.trim().toLowerCase();

// Deliberately loose: one @, no spaces, a dotted domain. Delivery is the
// real test; this only catches cells that cannot be an address at all.
const EMAIL = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/;

/** RFC 5321 section 4.5.3.1.3 allows a 256-octet path, brackets included. */
const MAX_EMAIL_LENGTH = 254;

/** Takes a normalised address. */
export const isValidEmail = (email: string): boolean =>
  email.length <= MAX_EMAIL_LENGTH && EMAIL.test(email);

export type DateResult =
  | { ok: true; date: string }
  | { ok: false; code: 'DATE_AS_NUMBER' | 'INVALID_DATE' };

const UK_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// Excel writes a date cell it was not told to format as its serial number.
const BARE_NUMBER = /^\d+(?:\.\d+)?$/;

// Years outside this range are typing slips in the records we take.
const MIN_YEAR = 1900;
const MAX_YEAR = 2099;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const isLeapYear = (year: number) =>
  (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

function daysInMonth(year: number, month: number): number {
  if (month === 2 && isLeapYear(year)) return 29;

  return DAYS_IN_MONTH[month - 1] ?? 0;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/**
 * A calendar date written as DD/MM/YYYY (day and month may be one digit)
 * or YYYY-MM-DD, returned as YYYY-MM-DD. Day-first is the only slashed
 * order accepted: these are UK exports.
 */
export function parseDate(s: string): DateResult {
  const text = s.trim();
  let year: number;
  let month: number;
  let day: number;

  const uk = UK_DATE.exec(text);
  const iso = uk ? null : ISO_DATE.exec(text);
  if (uk) {
    day = Number(uk[1]);
    month = Number(uk[2]);
    year = Number(uk[3]);
  } else if (iso) {
    year = Number(iso[1]);
    month = Number(iso[2]);
    day = Number(iso[3]);
  } else if (BARE_NUMBER.test(text)) {
    return { ok: false, code: 'DATE_AS_NUMBER' };
  } else {
    return { ok: false, code: 'INVALID_DATE' };
  }

  if (
    year < MIN_YEAR ||
    year > MAX_YEAR ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month)
  ) {
    return { ok: false, code: 'INVALID_DATE' };
  }

  return { ok: true, date: `${year}-${pad2(month)}-${pad2(day)}` };
}
