/**
 * Signing in and out, choosing a centre, and the pages for an ended
 * session, a refused form and an address with nothing at it.
 */

import type { ApiAnswer, ConsoleApi } from '../api-client.js';
import {
  type ConsoleDeps,
  type ConsoleReply,
  type ConsoleRequest,
  centresOf,
  redirect,
  reply,
} from '../app.js';
import { input, panel, refusalSummary } from '../components.js';
import { html } from '../html.js';
import { heading, page, type Viewer } from '../layout.js';
import { consoleRefusal, refusalFor } from '../messages.js';
import {
  clearCookie,
  csrfMatches,
  randomToken,
  sessionCookie,
  setCookie,
  signInCookie,
} from '../security.js';
import {
  createSession,
  deleteSession,
  type Session,
  saveSession,
  sessionExpiry,
} from '../session.js';
import {
  authorizeUrl,
  claimsOf,
  exchangeCode,
  type HostedUi,
  logoutUrl,
  passwordSignIn,
  pkcePair,
  SignInError,
  type Tokens,
} from '../tokens.js';

/** How long a sign-in form or hosted UI round trip may take. */
const signInSeconds = 600;

export function authPages(deps: ConsoleDeps) {
  const assetsUrl = deps.settings.CONSOLE_ASSETS_URL;
  const origin = deps.settings.CONSOLE_ORIGIN ?? deps.settings.API_URL;
  const hostedUi = (): HostedUi => ({
    domain: deps.settings.COGNITO_DOMAIN ?? '',
    clientId: deps.clientId,
    redirectUri: `${origin}/console/auth/callback`,
  });
  const render = (
    status: number,
    title: string,
    content: ReturnType<typeof html>,
    cookies: string[] = [],
    viewer?: Viewer,
  ) =>
    reply(deps, status, page({ title, assetsUrl, content, viewer }), cookies);

  function signInForm(
    csrfToken: string,
    cookies: string[],
    problem?: { summary: string; next: string },
    email = '',
  ): ConsoleReply {
    return reply(
      deps,
      problem ? 401 : 200,
      page({
        title: 'Sign in',
        assetsUrl,
        hasErrors: problem !== undefined,
        content: html`<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
  ${problem ? refusalSummary(problem, 'email') : ''}
  ${heading('Sign in')}
  <p class="govuk-body">Sign in with the e-mail address your centre gave us and your password.</p>
  <form method="post" action="/console/sign-in" novalidate>
    <input type="hidden" name="csrfToken" value="${csrfToken}">
    ${input({ id: 'email', label: 'E-mail address', type: 'email', autocomplete: 'username', spellcheck: false, value: email })}
    ${input({ id: 'password', label: 'Password', type: 'password', autocomplete: 'current-password' })}
    <button type="submit" class="govuk-button" data-module="govuk-button">Sign in</button>
  </form>
</div></div>`,
      }),
      cookies,
    );
  }

  /** Makes the session from Cognito's tokens and goes on. */
  async function signedIn(tokens: Tokens): Promise<ConsoleReply> {
    const claims = claimsOf(tokens.accessToken);
    const now = deps.clock.now();
    const urns = await centresOf(deps, claims.sub);
    if (urns.length === 0) {
      return render(
        403,
        'You are not on the staff of any centre',
        html`${refusalSummary(consoleRefusal('NO_CENTRE'))}
        ${heading('You are not on the staff of any centre')}
        <p class="govuk-body"><a class="govuk-link" href="/console/sign-in">Sign in as someone else</a></p>`,
        [clearCookie(signInCookie)],
      );
    }
    const expiresAt = sessionExpiry(now, claims.expiresAt);
    const session = await createSession(
      deps.store,
      {
        sub: claims.sub,
        username: claims.username,
        accessToken: tokens.accessToken,
        refreshToken: tokens.refreshToken,
        idToken: tokens.idToken,
        ...(urns.length === 1 ? { urn: urns[0] } : {}),
      },
      expiresAt,
    );
    const seconds = (expiresAt.getTime() - now.getTime()) / 1000;

    return redirect(deps, '/console', [
      setCookie(sessionCookie, session.id, seconds),
      clearCookie(signInCookie),
    ]);
  }

  return {
    /** Pages that need no session; undefined for every other path. */
    async open(
      req: ConsoleRequest,
      path: string,
      cookies: Record<string, string>,
    ): Promise<ConsoleReply | undefined> {
      const hosted = deps.settings.CONSOLE_SIGN_IN === 'hosted-ui';
      if (path === '/sign-in' && req.method === 'GET') {
        if (hosted) {
          const state = randomToken();
          const { verifier, challenge } = pkcePair();
          return {
            ...redirect(deps, authorizeUrl(hostedUi(), state, challenge), [
              setCookie(signInCookie, `${state}.${verifier}`, signInSeconds),
            ]),
            status: 302,
          };
        }
        const token = randomToken();
        return signInForm(token, [
          setCookie(signInCookie, token, signInSeconds),
        ]);
      }
      if (path === '/sign-in' && req.method === 'POST' && !hosted) {
        if (!csrfMatches(cookies[signInCookie], req.form.get('csrfToken'))) {
          return this.csrfRefused();
        }
        const email = (req.form.get('email') ?? '').trim().toLowerCase();
        const password = req.form.get('password') ?? '';
        const token = cookies[signInCookie] as string;
        if (!email || !password) {
          return signInForm(
            token,
            [],
            {
              summary: 'Enter your e-mail address and password.',
              next: 'Enter your e-mail address',
            },
            email,
          );
        }
        try {
          return await signedIn(
            await passwordSignIn(
              deps.cognitoEndpoint,
              deps.clientId,
              email,
              password,
            ),
          );
        } catch (error) {
          if (!(error instanceof SignInError)) throw error;
          const code =
            error.reason === 'challenge'
              ? 'SIGN_IN_NOT_FINISHED'
              : 'SIGN_IN_FAILED';
          return signInForm(token, [], consoleRefusal(code), email);
        }
      }
      if (path === '/auth/callback' && req.method === 'GET' && hosted) {
        const [state, verifier] = (cookies[signInCookie] ?? '').split('.');
        const code = req.query.get('code');
        if (!state || !verifier || !code) return this.ended([]);
        if (!csrfMatches(state, req.query.get('state'))) {
          return this.csrfRefused();
        }
        try {
          return await signedIn(await exchangeCode(hostedUi(), code, verifier));
        } catch (error) {
          if (!(error instanceof SignInError)) throw error;
          return this.ended([clearCookie(signInCookie)]);
        }
      }
      if (path === '/signed-out' && req.method === 'GET') {
        return render(
          200,
          'You have signed out',
          html`${panel('You have signed out')}
          <p class="govuk-body"><a class="govuk-link" href="/console/sign-in">Sign in again</a></p>`,
        );
      }
      if (path === '/session-ended' && req.method === 'GET') {
        return this.ended([]);
      }

      return undefined;
    },

    ended(cookies: string[]): ConsoleReply {
      return render(
        401,
        'Your session has ended',
        html`${heading('Your session has ended')}
        <p class="govuk-body">To keep students' details safe, the console signs you out after a while, and when you sign out elsewhere.</p>
        <p class="govuk-body">Nothing you had finished is lost. A code you were showing still works until it expires.</p>
        <a href="/console/sign-in" role="button" draggable="false" class="govuk-button" data-module="govuk-button">Sign in again</a>`,
        cookies,
      );
    },

    csrfRefused(): ConsoleReply {
      return render(
        403,
        'This form can no longer be sent',
        html`${heading('This form can no longer be sent')}
        <p class="govuk-body">The form was open for too long, or it did not come from this console, so nothing was done.</p>
        <p class="govuk-body"><a class="govuk-link" href="/console">Go back to the console</a> and try again.</p>`,
      );
    },

    notFound(viewer?: Viewer): ConsoleReply {
      return render(
        404,
        'Page not found',
        html`${heading('Page not found')}
        <p class="govuk-body">If you typed the address, check it is correct.</p>
        <p class="govuk-body"><a class="govuk-link" href="/console/students">Go to My students</a></p>`,
        [],
        viewer,
      );
    },

    noAccess(answer: ApiAnswer): ConsoleReply {
      const refusal = refusalFor(answer.status, answer.body);
      return render(
        answer.status >= 500 ? 503 : 403,
        refusal.summary,
        html`${heading(refusal.summary)}
        <p class="govuk-body">${refusal.next}</p>`,
      );
    },

    async chooseCentre(
      req: ConsoleRequest,
      session: Session,
      api: ConsoleApi,
    ): Promise<ConsoleReply> {
      const urns = await centresOf(deps, session.data.sub);
      const chosen = req.form.get('urn') ?? '';
      if (req.method === 'POST' && urns.includes(chosen)) {
        session.data.urn = chosen;
        await saveSession(deps.store, session);
        return redirect(deps, '/console/students');
      }
      const centres = await Promise.all(
        urns.map(async (urn) => {
          const seen = await api('GET', `/centres/${urn}`);
          return { urn, name: seen.status === 200 ? seen.body.name : urn };
        }),
      );
      const viewer: Viewer = {
        csrfToken: session.data.csrfToken,
        sections: [],
      };
      return render(
        200,
        'Choose your centre',
        html`<form method="post" action="/console/centre" novalidate>
  <input type="hidden" name="csrfToken" value="${session.data.csrfToken}">
  <div class="govuk-form-group">
    <fieldset class="govuk-fieldset">
      <legend class="govuk-fieldset__legend govuk-fieldset__legend--l"><h1 class="govuk-fieldset__heading">Choose your centre</h1></legend>
      <div class="govuk-radios" data-module="govuk-radios">
        ${centres.map(
          (c, i) => html`<div class="govuk-radios__item">
          <input class="govuk-radios__input" id="urn${i ? `-${i + 1}` : ''}" name="urn" type="radio" value="${c.urn}">
          <label class="govuk-label govuk-radios__label" for="urn${i ? `-${i + 1}` : ''}">${c.name}</label>
        </div>`,
        )}
      </div>
    </fieldset>
  </div>
  <button type="submit" class="govuk-button" data-module="govuk-button">Continue</button>
</form>`,
        [],
        viewer,
      );
    },

    async signOut(session: Session): Promise<ConsoleReply> {
      await deleteSession(deps.store, session.id);
      const cleared = [clearCookie(sessionCookie)];
      if (deps.settings.CONSOLE_SIGN_IN === 'hosted-ui') {
        return {
          ...redirect(
            deps,
            logoutUrl(hostedUi(), `${origin}/console/signed-out`),
            cleared,
          ),
          status: 302,
        };
      }
      return redirect(deps, '/console/signed-out', cleared);
    },
  };
}
