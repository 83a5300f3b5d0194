import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  isConsoleRoute,
  type Route,
  routeKey,
  routes,
} from '../../functions/routes.js';
import { apiClient, type CallOptions } from '../support/api.js';
import { type IssuingCentre, issuingCentre } from '../support/issuing.js';
import { useLocalStack } from '../support/local-stack.js';
import { operatorToken } from '../support/scenario.js';

const stack = useLocalStack();
const call = apiClient(stack.apiUrl);

/**
 * Property-based tests of every route in the route table: hostile paths,
 * queries and bodies, sent over HTTP to the local stack by the caller the
 * route is for, so that validation, not authentication, answers. Runs are
 * bounded so the file takes well under a minute.
 */
const runsPerRoute = 12;

/**
 * Every generated value starts with a marker, so that finding it in an
 * answer means it was echoed, not that it happened to be a common word.
 */
const marker = 'Qz7';
const hostile = fc
  .oneof(
    fc.string({ minLength: 5, maxLength: 40, unit: 'binary' }),
    fc.string({ minLength: 5, maxLength: 40 }),
    fc.constantFrom(
      '../../../../etc/passwd',
      "' OR '1'='1",
      '<script>alert(1)</script>',
      '%00%0a%0d',
      '\u202e\u0000\uffff',
      '2009-02-30',
      '9'.repeat(30),
    ),
  )
  .map((s) => `${marker}${s}`);

/** Names the schemas use, so some bodies get past "unknown field". */
const fieldNames = [
  'urn',
  'centreNumber',
  'name',
  'status',
  'email',
  'givenName',
  'familyName',
  'roles',
  'dataIssuer',
  'active',
  'kind',
  'studentIds',
  'method',
  'dateOfBirth',
  'lookAlikeAcknowledged',
  'reason',
  'releaseAt',
  'examsOfficerMayVouch',
  'offerLifetimeMinutes',
  'credential_configuration_id',
  'proofs',
  'proof',
];

const scalar = fc.oneof(
  hostile,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }));
const jsonBody = fc.oneof(
  fc.dictionary(fc.constantFrom(...fieldNames), value, { maxKeys: 6 }),
  fc.dictionary(hostile, value, { maxKeys: 3 }),
  fc.jsonValue({ maxDepth: 3 }),
);
const formBody = fc.dictionary(
  fc.constantFrom(
    'grant_type',
    'pre-authorized_code',
    'tx_code',
    'refresh_token',
  ),
  hostile,
  { maxKeys: 4 },
);
const csvBody = fc
  .array(fc.array(hostile, { minLength: 1, maxLength: 6 }), { maxLength: 4 })
  .map((rows) => rows.map((r) => r.join(',')).join('\n'));
const query = fc.dictionary(
  fc.constantFrom('cursor', 'limit', 'roll', 'status', 'group', 'q'),
  hostile,
  { maxKeys: 3 },
);

interface Input {
  params: Record<string, string>;
  query: Record<string, string>;
  body: CallOptions;
  /** Every generated string, to look for in the answer. */
  sent: string[];
}

function inputFor(route: Route, real: Record<string, string>) {
  const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '');
  const param = (name: string) =>
    real[name] ? fc.oneof(fc.constant(real[name]), hostile) : hostile;
  const params = fc.record(
    Object.fromEntries(names.map((n) => [n, param(n)])),
  ) as fc.Arbitrary<Record<string, string>>;
  const body: fc.Arbitrary<CallOptions> = route.accepts?.includes(
    'application/json',
  )
    ? fc.oneof(
        jsonBody.map((json) => ({ json })),
        hostile.map((raw) => ({
          raw,
          headers: { 'Content-Type': 'application/json' },
        })),
      )
    : route.accepts?.includes('text/csv')
      ? csvBody.map((csv) => ({ csv }))
      : route.accepts?.includes('form')
        ? formBody.map((form) => ({ form }))
        : fc.constant({});

  return fc.record({ params, query, body }).map(
    (input): Input => ({
      ...input,
      sent: strings([input.params, input.query, input.body]),
    }),
  );
}

/** Every string in a value, keys included. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return value.startsWith(marker) ? [value] : [];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => [
      ...strings(k),
      ...strings(v),
    ]);
  }
  return [];
}

function pathOf(route: Route, input: Input): string {
  const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(input.params[name] ?? ''),
  );
  const search = new URLSearchParams(input.query).toString();

  return search ? `${path}?${search}` : path;
}

/** An answer's error is one of the two stable shapes. */
function stableError(body: unknown): boolean {
  const error = (body as { error?: unknown })?.error;
  if (typeof error === 'string') return /^[a-z_]+$/.test(error);
  const code = (error as { code?: unknown })?.code;

  return typeof code === 'string' && /^[A-Z][A-Z0-9_]*$/.test(code);
}

/** The ways a value could appear in an answer's text. */
const spellings = (s: string) => [s, JSON.stringify(s).slice(1, -1)];

describe('hostile input on every route', () => {
  let centre: IssuingCentre;
  let operator: string;

  beforeAll(async () => {
    [centre, operator] = await Promise.all([
      issuingCentre(stack),
      operatorToken(stack),
    ]);
  });

  for (const route of routes) {
    it(`${routeKey(route)}: no 5xx, a stable code, nothing echoed`, async () => {
      const token =
        route.access === 'operator'
          ? operator
          : route.access === 'public'
            ? undefined
            : centre.admin.token;
      const real = {
        urn: centre.urn,
        studentId: centre.form11a[0]?.studentId ?? '',
      };

      await fc.assert(
        fc.asyncProperty(inputFor(route, real), async (input) => {
          const answer = await call(route.method, pathOf(route, input), {
            ...input.body,
            token,
          });

          expect(answer.status, answer.text).toBeLessThan(500);
          // The console answers pages, not the API's error shapes: a
          // page, with its CSP, and nothing sent back unescaped.
          if (isConsoleRoute(route)) {
            expect(answer.headers.get('content-type')).toContain('text/html');
            expect(answer.headers.get('content-security-policy')).toContain(
              "default-src 'self'",
            );
            for (const sent of input.sent.filter((s) => /[<>"]/.test(s))) {
              expect(answer.text).not.toContain(sent);
            }
            return;
          }
          if (answer.status >= 400) {
            expect(stableError(answer.body), answer.text).toBe(true);
            for (const sent of input.sent) {
              for (const spelling of spellings(sent)) {
                expect(answer.text).not.toContain(spelling);
              }
            }
          }
        }),
        { numRuns: runsPerRoute },
      );
    }, 60_000);
  }
});
