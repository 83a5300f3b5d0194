import { importResults } from '../domain/results-import.js';
import { createApiHandler, ok } from '../lib/http.js';
import { csvText, parseFile } from '../lib/request.js';

/**
 * At most 5 MB a request; the import CLI sends a region's file in chunks
 * under that.
 */
export const maxResultsBytes = 5 * 1024 * 1024;

export const handler = createApiHandler('results', {
  'POST /results/import': async (request) => {
    const text = csvText(request, maxResultsBytes);
    return ok(await parseFile(() => importResults(request.deps, text)));
  },
});
