/**
 * The console's client of the region's API: the same routes, over HTTP,
 * with the staff member's own access token, so that every access check
 * happens where it happens for any other caller.
 */

export interface ApiAnswer {
  status: number;
  // The answers are the API's documented shapes; pages read them by name.
  // biome-ignore lint/suspicious/noExplicitAny: see above
  body: any;
}

export interface ApiCall {
  json?: unknown;
  csv?: string;
  query?: Record<string, string | undefined>;
}

export type ConsoleApi = (
  method: string,
  path: string,
  call?: ApiCall,
) => Promise<ApiAnswer>;

/** Longer than API Gateway's own limit, so its 504 is what we see. */
const timeoutMs = 30_000;

export function apiFor(apiUrl: string, accessToken: string): ConsoleApi {
  return async (method, path, call = {}) => {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${accessToken}`,
      Accept: 'application/json',
    };
    let body: string | undefined;
    if (call.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(call.json);
    } else if (call.csv !== undefined) {
      headers['Content-Type'] = 'text/csv';
      body = call.csv;
    }
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(call.query ?? {})) {
      if (value !== undefined && value !== '') search.set(name, value);
    }
    const query = search.size ? `?${search}` : '';
    const response = await fetch(`${apiUrl}${path}${query}`, {
      method,
      headers,
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }

    return { status: response.status, body: parsed };
  };
}

/** A path segment from a value, encoded. */
export const segment = (value: string) => encodeURIComponent(value);
