import {
  createHelpdeskStaffBody,
  parseStudentSearch,
  trailQuery,
} from '../admin-schemas.js';
import { findOffer, searchStudents, studentTrail } from '../domain/helpdesk.js';
import {
  createHelpdeskStaff,
  removeHelpdeskStaff,
} from '../domain/helpdesk-accounts.js';
import type { Caller } from '../lib/auth.js';
import { createApiHandler, ok } from '../lib/http.js';
import { idPath } from '../lib/request.js';
import { validate } from '../lib/validate.js';
import {
  parseActivityQuery,
  parseMetricsQuery,
} from '../observability/params.js';
import {
  type ObservabilitySources,
  observabilitySources,
} from '../observability/sources.js';

let sources: ObservabilitySources | undefined;

/** CloudWatch (or the local log files), chosen once per process. */
const observability = (config: Parameters<typeof observabilitySources>[0]) => {
  sources ??= observabilitySources(config);
  return sources;
};

export const handler = createApiHandler('admin', {
  'POST /admin/helpdesk-staff': async (request) => {
    const input = validate(createHelpdeskStaffBody, request.body);
    const { account, created } = await createHelpdeskStaff(
      request.deps,
      request.caller as Caller,
      input,
    );
    return ok(account, created ? 201 : 200);
  },

  'DELETE /admin/helpdesk-staff/{staffId}': async (request) => {
    const staffId = idPath(request, 'staffId');
    return ok(
      await removeHelpdeskStaff(
        request.deps,
        request.caller as Caller,
        staffId,
      ),
    );
  },

  'GET /admin/offers/{offerId}': async (request) => {
    const offerId = idPath(request, 'offerId');
    return ok(await findOffer(request.deps, offerId));
  },

  'POST /admin/students/search': async (request) => {
    const search = parseStudentSearch(request.body);
    return ok(await searchStudents(request.deps, search));
  },

  'GET /admin/students/{studentId}/trail': async (request) => {
    const studentId = idPath(request, 'studentId');
    const query = validate(trailQuery, request.query, 'query');
    return ok(await studentTrail(request.deps, studentId, query));
  },

  'GET /admin/activity': async (request) => {
    const deps = request.deps;
    const query = parseActivityQuery(request.query, deps.clock.now());
    const items = await observability(deps.config).activity.requests(query);
    return ok({
      centre: query.centre,
      from: query.from.toISOString(),
      to: query.to.toISOString(),
      items,
    });
  },

  'GET /admin/metrics': async (request) => {
    const deps = request.deps;
    const query = parseMetricsQuery(request.query, deps.clock.now());
    const series = await observability(deps.config).metrics.series(query);
    return ok({
      from: query.from.toISOString(),
      to: query.to.toISOString(),
      period: query.period,
      series,
    });
  },
});
