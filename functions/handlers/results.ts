import { importResults } from '../domain/results-import.js';
import { listSeries, putSeries } from '../domain/series.js';
import { createApiHandler, ok } from '../lib/http.js';
import { csvText, parseFile } from '../lib/request.js';
import { validate } from '../lib/validate.js';
import {
  putSeriesBody,
  resultsImportQuery,
  seriesIdParam,
} from '../schemas.js';

/**
 * At most 5 MB a request; the import CLI sends a region's file in chunks
 * under that.
 */
export const maxResultsBytes = 5 * 1024 * 1024;

export const handler = createApiHandler('results', {
  'POST /results/import': async (request) => {
    const query = validate(resultsImportQuery, request.query, 'query');
    const text = csvText(request, maxResultsBytes);
    const options = query.series ? { seriesId: query.series } : {};

    return ok(
      await parseFile(() => importResults(request.deps, text, options)),
    );
  },

  'PUT /series/{seriesId}': async (request) => {
    const seriesId = validate(seriesIdParam, request.params.seriesId, 'path');
    const input = validate(putSeriesBody, request.body);
    const { series, created } = await putSeries(request.deps, seriesId, input);

    return ok(series, created ? 201 : 200);
  },

  // Wallets learn from this only when to ask again: issuing reads the
  // catalogue itself, so a minute's caching may delay a question but can
  // never release a result early.
  'GET /series': async ({ deps }) => ({
    status: 200,
    body: { items: await listSeries(deps), cursor: null },
    headers: { 'Cache-Control': 'public, max-age=60' },
  }),
});
