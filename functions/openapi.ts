import * as z from 'zod/mini';
import type { $ZodType } from 'zod/v4/core';
import {
  closuresBody,
  enquiryListQuery,
  reassignBody,
  referBody,
  replyBody,
  reportBody,
  reportListQuery,
  reportStatusBody,
  resolveBody,
} from './report-schemas.js';
import { isConsoleRoute, type Route, routeKey, routes } from './routes.js';
import {
  bulkGroupStudentsBody,
  createCentreBody,
  createGroupBody,
  createStaffBody,
  importQuery,
  listQuery,
  patchCentreBody,
  patchStaffBody,
  policyBody,
  putSeriesBody,
  resultsImportQuery,
  revokeBody,
  studentListQuery,
  vouchBody,
} from './schemas.js';

/** The zod schema of each route's JSON body and query, by route key. */
const bodies: Record<string, $ZodType> = {
  'POST /centres': createCentreBody,
  'PATCH /centres/{urn}': patchCentreBody,
  'PUT /centres/{urn}/policy': policyBody,
  'POST /centres/{urn}/staff': createStaffBody,
  'PATCH /centres/{urn}/staff/{staffId}': patchStaffBody,
  'POST /centres/{urn}/groups': createGroupBody,
  'POST /centres/{urn}/groups/{groupId}/students': bulkGroupStudentsBody,
  'POST /centres/{urn}/students/{studentId}/vouches': vouchBody,
  'POST /centres/{urn}/offers/{offerId}/revoke': revokeBody,
  'PUT /series/{seriesId}': putSeriesBody,
  'POST /record-errors': reportBody,
  'POST /record-errors/{reportId}/status': reportStatusBody,
  'POST /centres/{urn}/error-reports/{reportId}/resolve': resolveBody,
  'POST /centres/{urn}/error-reports/{reportId}/refer': referBody,
  'POST /centres/{urn}/error-reports/{reportId}/reassign': reassignBody,
  'PUT /centres/{urn}/closures': closuresBody,
  'POST /admin/enquiries/{enquiryId}/reply': replyBody,
};

const queries: Record<string, z.ZodMiniObject> = {
  'GET /centres': listQuery,
  'GET /centres/{urn}/staff': listQuery,
  'GET /centres/{urn}/groups': listQuery,
  'GET /centres/{urn}/students': studentListQuery,
  'POST /centres/{urn}/students/import': importQuery,
  'POST /results/import': resultsImportQuery,
  'GET /centres/{urn}/error-reports': reportListQuery,
  'GET /admin/enquiries': enquiryListQuery,
};

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', pattern: '^[A-Z][A-Z0-9_]*$' },
        message: { type: 'string' },
        field: { type: 'string' },
      },
    },
  },
};

const oauthErrorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: { type: 'string' },
    error_description: { type: 'string' },
  },
};

const jsonSchema = (schema: $ZodType) =>
  z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' });

function operation(route: Route) {
  const key = routeKey(route);
  const params = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  const query = queries[key];
  const queryParams = query
    ? Object.keys(query.shape).map((name) => ({
        name,
        in: 'query',
        required: false,
        schema: jsonSchema(query.shape[name] as $ZodType),
      }))
    : [];
  const body = bodies[key];
  const content: Record<string, unknown> = {};
  if (body) content['application/json'] = { schema: jsonSchema(body) };
  if (route.accepts?.includes('text/csv')) {
    content['text/csv'] = { schema: { type: 'string' } };
  }
  if (route.accepts?.includes('form')) {
    content['application/x-www-form-urlencoded'] = {
      schema: { type: 'object' },
    };
  }
  const errorBody = route.group === 'wallet' ? oauthErrorSchema : errorSchema;
  return {
    operationId: key.replace(/[^A-Za-z0-9]+/g, '_'),
    tags: [route.group],
    ...(route.access === 'public' ? { security: [] } : {}),
    parameters: [...params, ...queryParams],
    ...(Object.keys(content).length > 0
      ? { requestBody: { required: true, content } }
      : {}),
    responses: {
      default: {
        description: 'An error',
        content: { 'application/json': { schema: errorBody } },
      },
    },
  };
}

/** The OpenAPI 3.1 document of the region's API. */
export function openApiDocument(serverUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  // The console's routes answer HTML pages for browsers, not the API's
  // JSON: they are not part of the API the document describes.
  for (const route of routes.filter((r) => !isConsoleRoute(r))) {
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, unknown>)[route.method.toLowerCase()] =
      operation(route);
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Issue Education Records', version: '1' },
    servers: [{ url: serverUrl }],
    components: {
      securitySchemes: {
        cognito: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      },
    },
    security: [{ cognito: [] }],
    paths,
  };
}
