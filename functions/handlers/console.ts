/**
 * The staff console's Lambda: every `/console` page. It parses the
 * request itself (the API's JSON middleware would answer JSON errors) and
 * always answers a page with the console's headers, a 500 included.
 */
import type {
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  Context,
} from 'aws-lambda';
import {
  type ConsoleDeps,
  type ConsoleReply,
  handleConsole,
} from '../console/app.js';
import { html } from '../console/html.js';
import { heading, page } from '../console/layout.js';
import { pageHeaders } from '../console/security.js';
import { assetOrigin, consoleSettings } from '../console/settings.js';
import { deps as processDeps } from '../lib/deps.js';
import { logger } from '../lib/logger.js';

let shared: ConsoleDeps | undefined;

function consoleDeps(): ConsoleDeps {
  if (shared) return shared;
  const d = processDeps();
  const made: ConsoleDeps = {
    settings: consoleSettings(),
    store: { db: d.db, tableName: d.config.TABLE_NAME },
    db: d.db,
    tableName: d.config.TABLE_NAME,
    clientId: d.config.USER_POOL_CLIENT_ID,
    cognitoEndpoint:
      d.config.COGNITO_ENDPOINT ??
      `https://cognito-idp.${process.env.AWS_REGION ?? 'eu-west-2'}.amazonaws.com/`,
    clock: d.clock,
  };
  shared = made;
  return made;
}

function headersOf(event: APIGatewayProxyEvent) {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    out[name.toLowerCase()] = value;
  }
  return out;
}

/** A form body, or none: the console takes nothing else. */
function formOf(
  event: APIGatewayProxyEvent,
  headers: Record<string, string | undefined>,
): URLSearchParams {
  const type = (headers['content-type'] ?? '').split(';')[0]?.trim();
  if (type !== 'application/x-www-form-urlencoded' || !event.body) {
    return new URLSearchParams();
  }
  const text = event.isBase64Encoded
    ? Buffer.from(event.body, 'base64').toString('utf8')
    : event.body;

  return new URLSearchParams(text);
}

function failurePage(): ConsoleReply {
  const settings = (() => {
    try {
      return consoleSettings();
    } catch {
      return undefined;
    }
  })();
  return {
    status: 500,
    headers: pageHeaders(settings ? assetOrigin(settings) : undefined),
    cookies: [],
    body: page({
      title: 'Sorry, there is a problem with the service',
      assetsUrl: settings?.CONSOLE_ASSETS_URL ?? '/console/assets',
      content: html`${heading('Sorry, there is a problem with the service')}
      <p class="govuk-body">Try again later. Nothing you had finished is lost.</p>`,
    }),
  };
}

export async function handler(
  event: APIGatewayProxyEvent,
  context?: Context,
): Promise<APIGatewayProxyResult> {
  logger.addContext(context ?? ({} as Context));
  const headers = headersOf(event);
  const method = event.httpMethod;
  let answer: ConsoleReply;
  try {
    answer = await handleConsole(
      {
        method,
        path: event.path,
        query: new URLSearchParams(
          Object.entries(event.queryStringParameters ?? {}).flatMap(([k, v]) =>
            v === undefined ? [] : [[k, v]],
          ),
        ),
        form:
          method === 'POST' ? formOf(event, headers) : new URLSearchParams(),
        headers,
      },
      consoleDeps(),
    );
  } catch (error) {
    logger.error('console page failed', error as Error);
    answer = failurePage();
  }
  // Identifiers only: the resource template, never the path.
  logger.info('request completed', {
    status: answer.status,
    route: event.resource,
    method,
    requestId: event.requestContext?.requestId ?? null,
  });

  return {
    statusCode: answer.status,
    headers: answer.headers,
    multiValueHeaders: answer.cookies.length
      ? { 'Set-Cookie': answer.cookies }
      : undefined,
    body: answer.body,
  };
}
