/**
 * The staff console: each request's session, CSRF check and page. Pages
 * are rendered on the server from what the API answers to the staff
 * member's own token, so the console decides nothing the API would not.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../lib/clock.js';
import { keys, table as tableKeys } from '../lib/keys.js';
import { queryAll } from '../lib/table.js';
import { apiFor, type ConsoleApi, segment } from './api-client.js';
import type { Section, Viewer } from './layout.js';
import { adminRoutes } from './pages/admin.js';
import { authPages } from './pages/auth.js';
import { offerRoutes } from './pages/offers.js';
import { reportRoutes } from './pages/reports.js';
import { studentRoutes } from './pages/students.js';
import {
  clearCookie,
  csrfMatches,
  pageHeaders,
  readCookies,
  sessionCookie,
} from './security.js';
import {
  deleteSession,
  loadSession,
  type Session,
  type SessionStore,
  saveSession,
  sessionStateAt,
} from './session.js';
import { assetOrigin, type ConsoleSettings } from './settings.js';

export interface ConsoleRequest {
  method: string;
  /** The whole path, beginning `/console`. */
  path: string;
  query: URLSearchParams;
  form: URLSearchParams;
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
}

export interface ConsoleReply {
  status: number;
  headers: Record<string, string>;
  cookies: string[];
  body: string;
}

export interface ConsoleDeps {
  settings: ConsoleSettings;
  store: SessionStore;
  db: DynamoDBDocumentClient;
  tableName: string;
  clientId: string;
  /** Where InitiateAuth goes: cognito-local, or Cognito's endpoint. */
  cognitoEndpoint: string;
  clock: Clock;
  /** The API with one staff member's token; tests give their own. */
  api?: (accessToken: string) => ConsoleApi;
}

/** The staff member, as the API describes them at their centre. */
export interface Me {
  staffId: string;
  givenName: string;
  familyName: string;
  roles: string[];
  dataIssuer: boolean;
  centre: { urn: string; name: string; status: string };
  groups: { groupId: string; name: string; kind: string }[];
}

/** Everything a signed-in page has to hand. */
export interface Signed {
  req: ConsoleRequest;
  deps: ConsoleDeps;
  session: Session;
  api: ConsoleApi;
  me: Me;
  urn: string;
  viewer: Viewer;
  /** The session changed (an offer's secrets): write it back. */
  save(): Promise<void>;
}

export type PageResult = ConsoleReply | string;

/** A route of the console below `/console`, with `:name` parameters. */
export interface ConsoleRoute {
  method: 'GET' | 'POST';
  pattern: string;
  handle(ctx: Signed, params: Record<string, string>): Promise<PageResult>;
}

export function reply(
  deps: ConsoleDeps,
  status: number,
  body: string,
  cookies: string[] = [],
): ConsoleReply {
  return {
    status,
    headers: pageHeaders(assetOrigin(deps.settings)),
    cookies,
    body,
  };
}

export function redirect(
  deps: ConsoleDeps,
  location: string,
  cookies: string[] = [],
): ConsoleReply {
  return {
    status: 303,
    headers: { ...pageHeaders(assetOrigin(deps.settings)), Location: location },
    cookies,
    body: '',
  };
}

const signedRoutes: ConsoleRoute[] = [
  ...studentRoutes,
  ...offerRoutes,
  ...reportRoutes,
  ...adminRoutes,
];

function matchRoute(
  method: string,
  path: string,
): { route: ConsoleRoute; params: Record<string, string> } | undefined {
  const parts = path.split('/').filter(Boolean);
  for (const route of signedRoutes) {
    if (route.method !== method) continue;
    const wanted = route.pattern.split('/').filter(Boolean);
    if (wanted.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const fits = wanted.every((w, i) => {
      const part = parts[i] ?? '';
      if (w.startsWith(':')) {
        if (!/^[A-Za-z0-9_-]{1,64}$/.test(part)) return false;
        params[w.slice(1)] = part;
        return true;
      }
      return w === part;
    });
    if (fits) return { route, params };
  }

  return undefined;
}

/** The centres a sign-in holds a staff record at (GSI1 `USER#<sub>`). */
export async function centresOf(
  deps: ConsoleDeps,
  sub: string,
): Promise<string[]> {
  const gsi1 = tableKeys.indexes.gsi1;
  const items = await queryAll(deps.db, {
    TableName: deps.tableName,
    IndexName: gsi1.name,
    KeyConditionExpression: '#pk = :pk',
    ExpressionAttributeNames: { '#pk': gsi1.partitionKey },
    ExpressionAttributeValues: { ':pk': keys.signInPartition(sub) },
  });

  return items
    .map((i) => String(i[gsi1.sortKey] ?? ''))
    .filter((sk) => sk.startsWith('CENTRE#'))
    .map((sk) => sk.slice('CENTRE#'.length));
}

export function sectionsOf(me: Me): Section[] {
  const keeper = me.roles.some((r) =>
    ['centre-admin', 'head-of-year'].includes(r),
  );

  return ['students', 'reports', ...(keeper ? (['admin'] as const) : [])];
}

/** Answers one console request. */
export async function handleConsole(
  req: ConsoleRequest,
  deps: ConsoleDeps,
): Promise<ConsoleReply> {
  const sub = req.path.replace(/^\/console/, '') || '/';
  const auth = authPages(deps);
  const cookies = readCookies(req.headers.cookie);

  const open = await auth.open(req, sub, cookies);
  if (open) return open;

  const stored = await loadSession(deps.store, cookies[sessionCookie]);
  const state = sessionStateAt(stored, deps.clock.now());
  if (state.state !== 'live') {
    if (stored) await deleteSession(deps.store, stored.id);
    // A cookie that names no live session: it has ended. No cookie at
    // all: this person has not signed in.
    if (cookies[sessionCookie] !== undefined) {
      return auth.ended([clearCookie(sessionCookie)]);
    }
    if (req.method === 'GET') return redirect(deps, '/console/sign-in');
    return auth.ended([]);
  }
  const session = state.session;

  if (req.method === 'POST') {
    if (!csrfMatches(session.data.csrfToken, req.form.get('csrfToken'))) {
      return auth.csrfRefused();
    }
  }
  if (sub === '/sign-out' && req.method === 'POST') {
    return auth.signOut(session);
  }

  const api = (deps.api ?? ((t) => apiFor(deps.settings.API_URL, t)))(
    session.data.accessToken,
  );
  if (!session.data.urn) return auth.chooseCentre(req, session, api);

  const urn = session.data.urn;
  const meAnswer = await api('GET', `/centres/${segment(urn)}/staff/me`);
  if (meAnswer.status === 401) {
    await deleteSession(deps.store, session.id);
    return auth.ended([clearCookie(sessionCookie)]);
  }
  if (meAnswer.status !== 200) return auth.noAccess(meAnswer);
  const me = meAnswer.body as Me;
  const viewer: Viewer = {
    csrfToken: session.data.csrfToken,
    sections: sectionsOf(me),
    centreName: me.centre.name,
  };

  if (sub === '/' || sub === '') return redirect(deps, '/console/students');
  const found = matchRoute(req.method, sub);
  if (!found) return auth.notFound(viewer);
  // A page of a section the menu does not offer is refused before it is
  // drawn, so nobody fills in a form the API would then refuse.
  const section = sub.split('/')[1];
  if (section === 'admin' && !viewer.sections.includes('admin')) {
    return auth.noAccess({
      status: 403,
      body: {
        error: {
          code: 'ROLE_REQUIRED',
          message: 'Your role does not allow this.',
        },
      },
    });
  }

  const ctx: Signed = {
    req,
    deps,
    session,
    api,
    me,
    urn,
    viewer,
    save: () => saveSession(deps.store, session),
  };
  const result = await found.route.handle(ctx, found.params);

  return typeof result === 'string' ? reply(deps, 200, result) : result;
}
