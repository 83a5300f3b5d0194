import { getClosures, putClosures } from '../domain/closures.js';
import {
  acknowledgeReport,
  listReports,
  reassignReport,
  referReport,
  reportDetail,
  reportStatus,
  resolveReport,
  submitReport,
  visibleReport,
} from '../domain/reports.js';
import type { Caller } from '../lib/auth.js';
import { createApiHandler, ok } from '../lib/http.js';
import { centrePath, idPath } from '../lib/request.js';
import { validate } from '../lib/validate.js';
import {
  closuresBody,
  reassignBody,
  referBody,
  reportBody,
  reportListQuery,
  reportStatusBody,
  resolveBody,
} from '../report-schemas.js';
import { regionSigner } from '../wallet/region-signer.js';

export const handler = createApiHandler('reports', {
  'POST /record-errors': async (request) => {
    const input = validate(reportBody, request.body);
    const accepted = await submitReport(request.deps, regionSigner(), input);
    return ok(
      { reportId: accepted.reportId, status: accepted.status },
      accepted.created ? 202 : 200,
    );
  },

  'POST /record-errors/{reportId}/status': async (request) => {
    const reportId = idPath(request, 'reportId');
    const input = validate(reportStatusBody, request.body);
    return ok(
      await reportStatus(
        request.deps,
        regionSigner(),
        reportId,
        input.presentation,
      ),
    );
  },

  'GET /centres/{urn}/error-reports': async (request) => {
    const { urn } = centrePath(request);
    const query = validate(reportListQuery, request.query, 'query');
    return ok(
      await listReports(request.deps, request.caller as Caller, urn, query),
    );
  },

  'GET /centres/{urn}/error-reports/{reportId}': async (request) => {
    const { urn } = centrePath(request);
    const reportId = idPath(request, 'reportId');
    const { report } = await visibleReport(
      request.deps,
      request.caller as Caller,
      urn,
      reportId,
    );
    return ok(reportDetail(report));
  },

  'POST /centres/{urn}/error-reports/{reportId}/acknowledge': async (
    request,
  ) => {
    const { urn } = centrePath(request);
    const reportId = idPath(request, 'reportId');
    return ok(
      await acknowledgeReport(
        request.deps,
        request.caller as Caller,
        urn,
        reportId,
      ),
    );
  },

  'POST /centres/{urn}/error-reports/{reportId}/resolve': async (request) => {
    const { urn } = centrePath(request);
    const reportId = idPath(request, 'reportId');
    const input = validate(resolveBody, request.body);
    return ok(
      await resolveReport(
        request.deps,
        request.caller as Caller,
        urn,
        reportId,
        input,
      ),
    );
  },

  'POST /centres/{urn}/error-reports/{reportId}/refer': async (request) => {
    const { urn } = centrePath(request);
    const reportId = idPath(request, 'reportId');
    const input = validate(referBody, request.body);
    return ok(
      await referReport(
        request.deps,
        request.caller as Caller,
        urn,
        reportId,
        input,
      ),
    );
  },

  'POST /centres/{urn}/error-reports/{reportId}/reassign': async (request) => {
    const { urn } = centrePath(request);
    const reportId = idPath(request, 'reportId');
    const input = validate(reassignBody, request.body);
    return ok(
      await reassignReport(
        request.deps,
        request.caller as Caller,
        urn,
        reportId,
        input,
      ),
    );
  },

  'GET /centres/{urn}/closures': async (request) => {
    const { urn } = centrePath(request);
    return ok(await getClosures(request.deps, request.caller as Caller, urn));
  },

  'PUT /centres/{urn}/closures': async (request) => {
    const { urn } = centrePath(request);
    const input = validate(closuresBody, request.body);
    return ok(
      await putClosures(
        request.deps,
        request.caller as Caller,
        urn,
        input.dates,
      ),
    );
  },
});
