import * as z from 'zod/mini';
import type {
  $ZodIssueUnrecognizedKeys,
  $ZodRawIssue,
  $ZodType,
  output,
} from 'zod/v4/core';
import { badRequest } from './errors.js';
import './zod-messages.js';

type Where = 'body' | 'query' | 'path';

/**
 * Checks a value against a schema and turns the first problem into a 400
 * naming the field. The rejected value is never echoed back: it may be
 * personal data.
 */
export function validate<T extends $ZodType>(
  schema: T,
  value: unknown,
  where: Where = 'body',
): output<T> {
  // Every body schema is an object; a union of objects would otherwise
  // answer an array or a string with a vague "Invalid input".
  if (where === 'body' && !isPlainObject(value)) {
    throw badRequest('INVALID_BODY', 'Send a JSON object as the body.');
  }

  const result = z.safeParse(schema, value, { error: wrongTypeMessage });
  if (result.success) return result.data;

  const issue = result.error.issues[0];
  if (!issue)
    throw badRequest('VALIDATION_FAILED', 'The request is not valid.');

  if (issue.code === 'unrecognized_keys') throw unknownField(issue, where);

  const field = issue.path.map(String).join('.') || undefined;
  const subject = field ? `The field ${field}` : `The ${where}`;
  // zod 4 leaves `issue.input` unset unless asked, so absence is read from
  // the value itself: a field sent as null or "" is present but wrong.
  const missing =
    issue.code === 'invalid_type' && valueAt(value, issue.path) === undefined;
  throw badRequest(
    missing ? 'MISSING_FIELD' : 'INVALID_FIELD',
    missing
      ? `${subject} is required.`
      : `${subject} is not valid: ${issue.message}.`,
    field ? { field } : undefined,
  );
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The value at a path of the original input, or undefined where absent. */
function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let here = value;
  for (const step of path) {
    if (typeof here !== 'object' || here === null) return undefined;
    if (!Object.hasOwn(here, step)) return undefined;
    here = (here as Record<PropertyKey, unknown>)[step];
  }

  return here;
}

const expectedWords: Record<string, string> = {
  string: 'expected text',
  number: 'expected a number',
  int: 'expected a whole number',
  boolean: 'expected true or false',
  array: 'expected a list',
  object: 'expected an object',
};

/**
 * Wording for a value of the wrong type, used where a schema gives none of
 * its own. zod's default names the type it received, and for 1e400 that
 * is "Infinity": near enough the value to keep out of a message.
 */
function wrongTypeMessage(issue: $ZodRawIssue): string | undefined {
  if (issue.code !== 'invalid_type') return undefined;
  const { expected, input } = issue;
  if (
    expected === 'number' &&
    typeof input === 'number' &&
    !Number.isNaN(input)
  ) {
    return 'expected a finite number';
  }

  return expectedWords[expected] ?? 'not of the right type';
}

// Only a short, plain name is repeated back: any other key could be markup
// or a whole document, and the caller's own copy names it anyway.
const PLAIN_FIELD = /^[A-Za-z][A-Za-z0-9_.]{0,40}$/;

function unknownField(issue: $ZodIssueUnrecognizedKeys, where: Where) {
  const field = [...issue.path, issue.keys[0] ?? ''].map(String).join('.');
  if (!PLAIN_FIELD.test(field)) {
    return badRequest(
      'UNKNOWN_FIELD',
      `The ${where} has a field this service does not know. Remove it ` +
        'and try again.',
    );
  }

  return badRequest(
    'UNKNOWN_FIELD',
    `The ${where} has a field this service does not know: ${field}. ` +
      'Remove it and try again.',
    { field },
  );
}
