import { centreAccess, requireStaffRole } from '../domain/access.js';
import { importRoster } from '../domain/roster-import.js';
import { listStudents } from '../domain/students.js';
import type { Caller } from '../lib/auth.js';
import { createApiHandler, ok } from '../lib/http.js';
import { centrePath, csvText, parseFile } from '../lib/request.js';
import { validate } from '../lib/validate.js';
import { importQuery, studentListQuery } from '../schemas.js';

/** A roster export of a large centre is well under this. */
const maxRosterBytes = 5_242_880;

export const handler = createApiHandler('students', {
  'POST /centres/{urn}/students/import': async (request) => {
    const { urn } = centrePath(request);
    const query = validate(importQuery, request.query, 'query');
    const text = csvText(request, maxRosterBytes);
    const access = await centreAccess(
      request.deps,
      urn,
      request.caller as Caller,
    );
    requireStaffRole(access, 'centre-admin', 'head-of-year');
    const report = await parseFile(() =>
      importRoster(request.deps, access.centre, text, {
        fullRoll: query.roll === 'full',
      }),
    );
    return ok(report);
  },

  'GET /centres/{urn}/students': async (request) => {
    const { urn } = centrePath(request);
    const query = validate(studentListQuery, request.query, 'query');
    const access = await centreAccess(
      request.deps,
      urn,
      request.caller as Caller,
    );
    return ok(await listStudents(request.deps, access, query));
  },
});
