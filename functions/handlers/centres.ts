import {
  centreAccess,
  inactiveStaff,
  requireStaffRole,
} from '../domain/access.js';
import {
  centreView,
  createCentre,
  listCentres,
  setCentreStatus,
  setPolicy,
} from '../domain/centres.js';
import type { Caller } from '../lib/auth.js';
import { createApiHandler, ok } from '../lib/http.js';
import { centrePath } from '../lib/request.js';
import { validate } from '../lib/validate.js';
import { openApiDocument } from '../openapi.js';
import {
  createCentreBody,
  listQuery,
  patchCentreBody,
  policyBody,
} from '../schemas.js';

export const handler = createApiHandler('centres', {
  'POST /centres': async ({ deps, body }) => {
    const input = validate(createCentreBody, body);
    const { centre, created } = await createCentre(deps, input);
    return ok(centreView(centre), created ? 201 : 200);
  },

  'GET /centres': async ({ deps, query }) => {
    const page = await listCentres(deps, validate(listQuery, query, 'query'));
    return ok({ items: page.items.map(centreView), cursor: page.cursor });
  },

  'GET /centres/{urn}': async (request) => {
    const { urn } = centrePath(request);
    const access = await centreAccess(
      request.deps,
      urn,
      request.caller as Caller,
    );
    if (access.staff && !access.staff.active) throw inactiveStaff();
    return ok(centreView(access.centre));
  },

  'PATCH /centres/{urn}': async (request) => {
    const { urn } = centrePath(request);
    const input = validate(patchCentreBody, request.body);
    return ok(centreView(await setCentreStatus(request.deps, urn, input)));
  },

  'GET /openapi.json': async ({ deps }) => ({
    status: 200,
    body: openApiDocument(deps.config.ISSUER_URL),
    headers: { 'Cache-Control': 'public, max-age=300' },
  }),

  'PUT /centres/{urn}/policy': async (request) => {
    const { urn } = centrePath(request);
    const input = validate(policyBody, request.body);
    const access = await centreAccess(
      request.deps,
      urn,
      request.caller as Caller,
    );
    requireStaffRole(access, 'centre-admin');
    return ok(await setPolicy(request.deps, access, input));
  },
});
