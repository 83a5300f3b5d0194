/**
 * The route table: every path the API serves, which Lambda (route group)
 * answers it and who may call it. The CDK stack builds API Gateway resources
 * from it, the local stack's HTTP server dispatches with it, and the tests
 * check every route against it. It imports no handler code, so the CDK app
 * can read it without pulling in the SDK.
 */

/** One Lambda function per route group. */
export const routeGroups = [
  'centres',
  'staff',
  'students',
  'groups',
  'issuance',
  'results',
  'wallet',
  'admin',
  'reports',
  'enquiries',
  'subject-access',
  'console',
] as const;

export type RouteGroup = (typeof routeGroups)[number];

/**
 * - `public`: no token (wallet routes, metadata, the OpenAPI document).
 * - `staff`: a Cognito access token; the domain decides from the table what
 *   the caller's roles allow.
 * - `operator`: a Cognito access token in the `operator` group.
 * - `helpdesk`: a Cognito access token in the `helpdesk` group; every call
 *   is audited.
 */
export type Access = 'public' | 'staff' | 'operator' | 'helpdesk';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Route {
  method: Method;
  /** API Gateway resource path, with `{name}` path parameters. */
  path: string;
  group: RouteGroup;
  access: Access;
  /** Content types the body may have; none means the route takes no body. */
  accepts?: readonly ('application/json' | 'text/csv' | 'form')[];
}

const json = ['application/json'] as const;
const csv = ['text/csv'] as const;
const form = ['form'] as const;

export const routes: readonly Route[] = [
  // Centres
  {
    method: 'POST',
    path: '/centres',
    group: 'centres',
    access: 'operator',
    accepts: json,
  },
  { method: 'GET', path: '/centres', group: 'centres', access: 'operator' },
  { method: 'GET', path: '/centres/{urn}', group: 'centres', access: 'staff' },
  {
    method: 'PATCH',
    path: '/centres/{urn}',
    group: 'centres',
    access: 'operator',
    accepts: json,
  },
  {
    method: 'PUT',
    path: '/centres/{urn}/policy',
    group: 'centres',
    access: 'staff',
    accepts: json,
  },

  // Staff
  {
    method: 'POST',
    path: '/centres/{urn}/staff',
    group: 'staff',
    access: 'staff',
    accepts: json,
  },
  {
    method: 'GET',
    path: '/centres/{urn}/staff',
    group: 'staff',
    access: 'staff',
  },
  {
    method: 'GET',
    path: '/centres/{urn}/staff/me',
    group: 'staff',
    access: 'staff',
  },
  {
    method: 'POST',
    path: '/centres/{urn}/staff/import',
    group: 'staff',
    access: 'staff',
    accepts: csv,
  },
  {
    method: 'PATCH',
    path: '/centres/{urn}/staff/{staffId}',
    group: 'staff',
    access: 'staff',
    accepts: json,
  },

  // Students
  {
    method: 'POST',
    path: '/centres/{urn}/students/import',
    group: 'students',
    access: 'staff',
    accepts: csv,
  },
  {
    method: 'GET',
    path: '/centres/{urn}/students',
    group: 'students',
    access: 'staff',
  },

  // Groups
  {
    method: 'POST',
    path: '/centres/{urn}/groups',
    group: 'groups',
    access: 'staff',
    accepts: json,
  },
  {
    method: 'GET',
    path: '/centres/{urn}/groups',
    group: 'groups',
    access: 'staff',
  },
  {
    method: 'PUT',
    path: '/centres/{urn}/groups/{groupId}/staff/{staffId}',
    group: 'groups',
    access: 'staff',
  },
  {
    method: 'DELETE',
    path: '/centres/{urn}/groups/{groupId}/staff/{staffId}',
    group: 'groups',
    access: 'staff',
  },
  {
    method: 'PUT',
    path: '/centres/{urn}/groups/{groupId}/students/{studentId}',
    group: 'groups',
    access: 'staff',
  },
  {
    method: 'DELETE',
    path: '/centres/{urn}/groups/{groupId}/students/{studentId}',
    group: 'groups',
    access: 'staff',
  },
  {
    method: 'POST',
    path: '/centres/{urn}/groups/{groupId}/students',
    group: 'groups',
    access: 'staff',
    accepts: json,
  },
  {
    method: 'POST',
    path: '/centres/{urn}/groups/import',
    group: 'groups',
    access: 'staff',
    accepts: csv,
  },

  // Vouches and offers
  {
    method: 'POST',
    path: '/centres/{urn}/students/{studentId}/vouches',
    group: 'issuance',
    access: 'staff',
    accepts: json,
  },
  {
    method: 'POST',
    path: '/centres/{urn}/vouches/{vouchId}/offers',
    group: 'issuance',
    access: 'staff',
  },
  {
    method: 'POST',
    path: '/centres/{urn}/offers/{offerId}/revoke',
    group: 'issuance',
    access: 'staff',
    accepts: json,
  },
  {
    method: 'GET',
    path: '/centres/{urn}/offers/{offerId}',
    group: 'issuance',
    access: 'staff',
  },

  // Results
  {
    method: 'POST',
    path: '/results/import',
    group: 'results',
    access: 'operator',
    accepts: csv,
  },
  {
    method: 'PUT',
    path: '/series/{seriesId}',
    group: 'results',
    access: 'operator',
    accepts: json,
  },
  { method: 'GET', path: '/series', group: 'results', access: 'public' },

  // Wallet-facing (OpenID for Verifiable Credential Issuance 1.0)
  {
    method: 'GET',
    path: '/credential-offer/{ref}',
    group: 'wallet',
    access: 'public',
  },
  {
    method: 'GET',
    path: '/.well-known/openid-credential-issuer',
    group: 'wallet',
    access: 'public',
  },
  {
    method: 'GET',
    path: '/.well-known/oauth-authorization-server',
    group: 'wallet',
    access: 'public',
  },
  {
    method: 'GET',
    path: '/.well-known/jwt-vc-issuer',
    group: 'wallet',
    access: 'public',
  },
  { method: 'GET', path: '/jwks.json', group: 'wallet', access: 'public' },
  {
    method: 'POST',
    path: '/token',
    group: 'wallet',
    access: 'public',
    accepts: form,
  },
  { method: 'POST', path: '/nonce', group: 'wallet', access: 'public' },
  {
    method: 'GET',
    path: '/status-lists/{listId}',
    group: 'wallet',
    access: 'public',
  },
  {
    method: 'POST',
    path: '/credential',
    group: 'wallet',
    access: 'public',
    accepts: json,
  },
  { method: 'GET', path: '/openapi.json', group: 'centres', access: 'public' },

  // Helpdesk accounts (the operator) and the helpdesk's own routes. No
  // path here carries personal data: paths reach the access logs.
  {
    method: 'POST',
    path: '/admin/helpdesk-staff',
    group: 'admin',
    access: 'operator',
    accepts: json,
  },
  {
    method: 'DELETE',
    path: '/admin/helpdesk-staff/{staffId}',
    group: 'admin',
    access: 'operator',
  },
  {
    method: 'GET',
    path: '/admin/offers/{offerId}',
    group: 'admin',
    access: 'helpdesk',
  },
  {
    method: 'POST',
    path: '/admin/students/search',
    group: 'admin',
    access: 'helpdesk',
    accepts: json,
  },
  {
    method: 'GET',
    path: '/admin/students/{studentId}/trail',
    group: 'admin',
    access: 'helpdesk',
  },
  {
    method: 'GET',
    path: '/admin/activity',
    group: 'admin',
    access: 'helpdesk',
  },
  {
    method: 'GET',
    path: '/admin/metrics',
    group: 'admin',
    access: 'helpdesk',
  },

  // Record-error reports: the wallet presents its record (public, but the
  // staff-facing error shape), staff act on them, centre admins set the
  // closure dates the waits skip.
  {
    method: 'POST',
    path: '/record-errors',
    group: 'reports',
    access: 'public',
    accepts: json,
  },
  {
    method: 'POST',
    path: '/record-errors/{reportId}/status',
    group: 'reports',
    access: 'public',
    accepts: json,
  },
  {
    method: 'GET',
    path: '/centres/{urn}/error-reports',
    group: 'reports',
    access: 'staff',
  },
  {
    method: 'GET',
    path: '/centres/{urn}/error-reports/{reportId}',
    group: 'reports',
    access: 'staff',
  },
  {
    method: 'POST',
    path: '/centres/{urn}/error-reports/{reportId}/acknowledge',
    group: 'reports',
    access: 'staff',
  },
  {
    method: 'POST',
    path: '/centres/{urn}/error-reports/{reportId}/resolve',
    group: 'reports',
    access: 'staff',
    accepts: json,
  },
  {
    method: 'POST',
    path: '/centres/{urn}/error-reports/{reportId}/refer',
    group: 'reports',
    access: 'staff',
    accepts: json,
  },
  {
    method: 'POST',
    path: '/centres/{urn}/error-reports/{reportId}/reassign',
    group: 'reports',
    access: 'staff',
    accepts: json,
  },
  {
    method: 'GET',
    path: '/centres/{urn}/closures',
    group: 'reports',
    access: 'staff',
  },
  {
    method: 'PUT',
    path: '/centres/{urn}/closures',
    group: 'reports',
    access: 'staff',
    accepts: json,
  },

  // Helpdesk enquiries (every helpdesk call is audited)
  {
    method: 'GET',
    path: '/admin/enquiries',
    group: 'enquiries',
    access: 'helpdesk',
  },
  {
    method: 'GET',
    path: '/admin/enquiries/{enquiryId}',
    group: 'enquiries',
    access: 'helpdesk',
  },
  {
    method: 'POST',
    path: '/admin/enquiries/{enquiryId}/reply',
    group: 'enquiries',
    access: 'helpdesk',
    accepts: json,
  },
  {
    method: 'POST',
    path: '/admin/enquiries/{enquiryId}/close',
    group: 'enquiries',
    access: 'helpdesk',
  },

  // Subject access: the operator's export and erasure of one student
  {
    method: 'GET',
    path: '/admin/students/{studentId}/export',
    group: 'subject-access',
    access: 'operator',
  },
  {
    method: 'DELETE',
    path: '/admin/students/{studentId}',
    group: 'subject-access',
    access: 'operator',
  },

  // The staff console: HTML pages over the API above. Public at the
  // gateway: the console checks its own session cookie, then calls the
  // API with the staff member's token, so every access rule stays there.
  // `{proxy+}` is every deeper path (API Gateway's greedy parameter).
  { method: 'GET', path: '/console', group: 'console', access: 'public' },
  {
    method: 'GET',
    path: '/console/{proxy+}',
    group: 'console',
    access: 'public',
  },
  {
    method: 'POST',
    path: '/console/{proxy+}',
    group: 'console',
    access: 'public',
    accepts: form,
  },
];

/** Routes that answer HTML pages, not the API's JSON. */
export const isConsoleRoute = (route: Pick<Route, 'group'>) =>
  route.group === 'console';

/** The key a handler uses to find its implementation: `METHOD /path`. */
export function routeKey(route: Pick<Route, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}
