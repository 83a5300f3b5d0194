import {
  closeEnquiry,
  getEnquiry,
  listEnquiries,
  replyToEnquiry,
} from '../domain/enquiries.js';
import type { Caller } from '../lib/auth.js';
import { createApiHandler, ok } from '../lib/http.js';
import { idPath } from '../lib/request.js';
import { validate } from '../lib/validate.js';
import { enquiryListQuery, replyBody } from '../report-schemas.js';

/** The helpdesk's enquiries; http.ts keeps every route to its group. */
export const handler = createApiHandler('enquiries', {
  'GET /admin/enquiries': async (request) => {
    const query = validate(enquiryListQuery, request.query, 'query');
    return ok(await listEnquiries(request.deps, query));
  },

  'GET /admin/enquiries/{enquiryId}': async (request) => {
    const enquiryId = idPath(request, 'enquiryId');
    return ok(await getEnquiry(request.deps, enquiryId));
  },

  'POST /admin/enquiries/{enquiryId}/reply': async (request) => {
    const enquiryId = idPath(request, 'enquiryId');
    const input = validate(replyBody, request.body);
    return ok(
      await replyToEnquiry(
        request.deps,
        request.caller as Caller,
        enquiryId,
        input,
      ),
    );
  },

  'POST /admin/enquiries/{enquiryId}/close': async (request) => {
    const enquiryId = idPath(request, 'enquiryId');
    return ok(
      await closeEnquiry(request.deps, request.caller as Caller, enquiryId),
    );
  },
});
