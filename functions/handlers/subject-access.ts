import { eraseStudent, exportStudent } from '../domain/subject-access.js';
import type { Caller } from '../lib/auth.js';
import { createApiHandler, ok } from '../lib/http.js';
import { idPath } from '../lib/request.js';

/** The operator's subject access routes: export and erasure, audited. */
export const handler = createApiHandler('subject-access', {
  'GET /admin/students/{studentId}/export': async (request) =>
    ok(
      await exportStudent(
        request.deps,
        request.caller as Caller,
        idPath(request, 'studentId'),
      ),
    ),

  'DELETE /admin/students/{studentId}': async (request) =>
    ok(
      await eraseStudent(
        request.deps,
        request.caller as Caller,
        idPath(request, 'studentId'),
      ),
    ),
});
