import type { z } from 'zod';
import { badRequest } from './errors.js';

/**
 * Checks a value against a schema and turns the first problem into a 400
 * naming the field. The rejected value is never echoed back: it may be
 * personal data.
 */
export function validate<T extends z.ZodType>(
  schema: T,
  value: unknown,
  where: 'body' | 'query' | 'path' = 'body',
): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;

  const issue = result.error.issues[0];
  if (!issue)
    throw badRequest('VALIDATION_FAILED', 'The request is not valid.');

  if (issue.code === 'unrecognized_keys') {
    const name = issue.keys[0] ?? '';
    const field = [...issue.path, name].join('.');
    throw badRequest(
      'UNKNOWN_FIELD',
      `The ${where} has a field this service does not know: ${field}. ` +
        'Remove it and try again.',
      { field },
    );
  }

  const field = issue.path.join('.') || undefined;
  const subject = field ? `The field ${field}` : `The ${where}`;
  const missing = issue.code === 'invalid_type' && issue.input === undefined;
  throw badRequest(
    missing ? 'MISSING_FIELD' : 'INVALID_FIELD',
    missing
      ? `${subject} is required.`
      : `${subject} is not valid: ${issue.message}.`,
    field ? { field } : undefined,
  );
}
