import { centreAccess, requireStaffRole } from '../domain/access.js';
import { staffSelf } from '../domain/me.js';
import {
  authoriseStaffCreation,
  createStaff,
  listStaff,
  staffView,
  updateStaff,
} from '../domain/staff.js';
import { importStaff } from '../domain/staff-import.js';
import type { Caller } from '../lib/auth.js';
import { createApiHandler, ok } from '../lib/http.js';
import { centrePath, csvText, idPath, parseFile } from '../lib/request.js';
import { validate } from '../lib/validate.js';
import { createStaffBody, listQuery, patchStaffBody } from '../schemas.js';

/** A staff list is small; a megabyte holds thousands of rows. */
const maxStaffFileBytes = 1_048_576;

export const handler = createApiHandler('staff', {
  'GET /centres/{urn}/staff/me': async (request) => {
    const { urn } = centrePath(request);
    return ok(await staffSelf(request.deps, request.caller as Caller, urn));
  },

  'POST /centres/{urn}/staff': async (request) => {
    const { urn } = centrePath(request);
    const input = validate(createStaffBody, request.body);
    const access = await centreAccess(
      request.deps,
      urn,
      request.caller as Caller,
    );
    authoriseStaffCreation(access, input);
    return ok(staffView(await createStaff(request.deps, urn, input)), 201);
  },

  'GET /centres/{urn}/staff': async (request) => {
    const { urn } = centrePath(request);
    const query = validate(listQuery, request.query, 'query');
    const access = await centreAccess(
      request.deps,
      urn,
      request.caller as Caller,
    );
    requireStaffRole(access, 'centre-admin', 'head-of-year');
    return ok(await listStaff(request.deps, urn, query));
  },

  'POST /centres/{urn}/staff/import': async (request) => {
    const { urn } = centrePath(request);
    const text = csvText(request, maxStaffFileBytes);
    const access = await centreAccess(
      request.deps,
      urn,
      request.caller as Caller,
    );
    if (access.staff) requireStaffRole(access, 'centre-admin');
    return ok(await parseFile(() => importStaff(request.deps, access, text)));
  },

  'PATCH /centres/{urn}/staff/{staffId}': async (request) => {
    const { urn } = centrePath(request);
    const staffId = idPath(request, 'staffId');
    const change = validate(patchStaffBody, request.body);
    const access = await centreAccess(
      request.deps,
      urn,
      request.caller as Caller,
    );
    const staff = await updateStaff(request.deps, access, staffId, change);
    return ok(staffView(staff));
  },
});
