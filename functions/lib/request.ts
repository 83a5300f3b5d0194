import * as z from 'zod/mini';
import { decodeCsvBytes, FileError } from '../imports/csv.js';
import { idParam, urnParam } from '../schemas.js';
import { badRequest, tooLarge } from './errors.js';
import type { Request } from './http.js';
import { validate } from './validate.js';

/** Path parameters every centre route has, checked. */
export function centrePath(request: Request): { urn: string } {
  return validate(z.object({ urn: urnParam }), request.params, 'path');
}

/** A path parameter that is one of this service's identifiers. */
export function idPath(request: Request, name: string): string {
  const value = request.params[name];
  return validate(idParam, value, 'path');
}

/**
 * A CSV body as text. Files come as centres save them: a byte-order mark
 * and Windows line endings are fine; bytes that are not UTF-8 refuse the
 * whole file, with what to do instead.
 */
export function csvText(request: Request, maxBytes?: number): string {
  const bytes = request.body as Uint8Array;
  if (maxBytes !== undefined && bytes.length > maxBytes) {
    throw tooLarge(
      `The file is larger than ${Math.round(maxBytes / 1_048_576)} MB. ` +
        'Split it and send the parts one after another.',
    );
  }
  try {
    return decodeCsvBytes(bytes);
  } catch (error) {
    if (error instanceof FileError) {
      throw badRequest(error.code, error.message, {
        ...(error.field ? { field: error.field } : {}),
        cause: error,
      });
    }
    throw error;
  }
}

/** Runs work on a file, turning whole-file problems into a 400. */
export async function parseFile<T>(work: () => Promise<T> | T): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof FileError) {
      throw badRequest(error.code, error.message, {
        ...(error.field ? { field: error.field } : {}),
        cause: error,
      });
    }
    throw error;
  }
}
