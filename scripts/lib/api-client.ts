/**
 * The one kind of request the import command makes: a CSV file posted to
 * an import route, answered with a JSON report or an error.
 */
import { ApiRequestError, ApiUnreachableError } from './errors.js';

export interface CsvUpload {
  /** The API's base address; a stage path in it is kept. */
  apiUrl: string;
  /** The route, e.g. `/results/import`. */
  path: string;
  query?: Record<string, string>;
  token: string;
  body: Uint8Array<ArrayBuffer>;
  /** How often to try again when the API says it is busy (503). */
  retries?: number;
  fetch?: typeof fetch;
}

/** The route's address under the API's, stage path and all. */
export function routeUrl(
  apiUrl: string,
  path: string,
  query: Record<string, string> = {},
): URL {
  const base = apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`;
  const url = new URL(path.replace(/^\/+/, ''), base);
  for (const [name, value] of Object.entries(query)) {
    url.searchParams.set(name, value);
  }

  return url;
}

/** The longest the command waits before trying a busy API again. */
const maxRetryDelayMs = 30_000;

/** Posts the bytes as they are and returns the parsed report. */
export async function postCsv(upload: CsvUpload): Promise<unknown> {
  const url = routeUrl(upload.apiUrl, upload.path, upload.query);
  const send = upload.fetch ?? fetch;
  const retries = upload.retries ?? 3;

  for (let attempt = 0; ; attempt++) {
    let response: Response;
    try {
      response = await send(url, {
        method: 'POST',
        headers: {
          Accept: 'application/json',
          Authorization: `Bearer ${upload.token}`,
          'Content-Type': 'text/csv',
        },
        body: upload.body,
      });
    } catch (cause) {
      throw new ApiUnreachableError(
        `No answer from the API at ${url.origin} (${reason(cause)}). Is it ` +
          'running, and is that its address?',
        { cause },
      );
    }

    if (response.status === 503 && attempt < retries) {
      await response.body?.cancel();
      await pause(retryDelayMs(response.headers.get('retry-after')));
      continue;
    }

    return readAnswer(response);
  }
}

async function readAnswer(response: Response): Promise<unknown> {
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }

  if (response.ok) {
    if (body === undefined) {
      throw new ApiRequestError(
        response.status,
        'INVALID_RESPONSE',
        'The API answered without a JSON report.',
      );
    }
    return body;
  }

  // Our API's errors are `{error: {code, message}}`; API Gateway's own
  // (a body too large for it, say) are `{message}`.
  const error = (body as { error?: { code?: unknown; message?: unknown } })
    ?.error;
  const gatewayMessage = (body as { message?: unknown })?.message;
  const code =
    typeof error?.code === 'string' ? error.code : `HTTP_${response.status}`;
  const message =
    typeof error?.message === 'string'
      ? error.message
      : typeof gatewayMessage === 'string'
        ? gatewayMessage
        : response.statusText || 'The API gave no reason.';

  throw new ApiRequestError(response.status, code, message);
}

function retryDelayMs(header: string | null): number {
  const seconds = Number(header ?? '1');
  if (!Number.isFinite(seconds) || seconds < 0) return 1000;

  return Math.min(seconds * 1000, maxRetryDelayMs);
}

const pause = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

function reason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })
    .cause;

  return cause?.code ?? cause?.message ?? String(error);
}
