import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** A tiny HTTP client for the integration tier: the API as callers see it. */
export interface Answer {
  status: number;
  headers: Headers;
  // Tests read answers field by field; the shape is what is under test.
  // biome-ignore lint/suspicious/noExplicitAny: see above
  body: any;
  text: string;
}

export interface CallOptions {
  token?: string;
  json?: unknown;
  csv?: Uint8Array | string;
  form?: Record<string, string>;
  headers?: Record<string, string>;
  /** A raw body with whatever content type `headers` gives. */
  raw?: string;
}

export function apiClient(apiUrl: string) {
  return async function call(
    method: string,
    path: string,
    options: CallOptions = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    let body: BodyInit | undefined;
    if (options.token) headers.Authorization = `Bearer ${options.token}`;
    if (options.json !== undefined) {
      headers['Content-Type'] ??= 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.csv !== undefined) {
      headers['Content-Type'] ??= 'text/csv';
      body =
        typeof options.csv === 'string'
          ? options.csv
          : Buffer.from(options.csv);
    } else if (options.form) {
      headers['Content-Type'] ??= 'application/x-www-form-urlencoded';
      body = new URLSearchParams(options.form).toString();
    } else if (options.raw !== undefined) {
      body = options.raw;
    }
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers,
      body,
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON: the test sees the text.
    }
    return {
      status: response.status,
      headers: response.headers,
      body: parsed,
      text,
    };
  };
}

export type Call = ReturnType<typeof apiClient>;

const dataRoot = resolve(import.meta.dirname, '../../samples');

/** A file of the shipped sample data, as the bytes a centre would send. */
export function sampleFile(centre: 'oakfield' | 'riverside', name: string) {
  return readFileSync(resolve(dataRoot, centre, name));
}

let counter = 0;

/**
 * A fresh URN and centre number for one test's centre, so tests sharing
 * the stack never see each other's data. Centre numbers from 9xxxx are
 * never the sample files' own (47113, 38521).
 */
export function uniqueCentre(): { urn: string; centreNumber: string } {
  counter++;
  const seed = (Date.now() % 90_000) + counter * 7 + process.pid;
  const n = seed % 90_000;
  return {
    urn: String(100_000 + ((n * 13 + counter) % 900_000)).padStart(6, '0'),
    centreNumber: String(90_000 + (n % 10_000)).padStart(5, '0'),
  };
}

/** Every student id of a centre by UPN, read page by page from the API. */
export async function studentIdsByUpn(
  call: Call,
  urn: string,
  token: string,
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  let cursor: string | null = null;
  do {
    const suffix: string = cursor ? `&cursor=${cursor}` : '';
    const page = await call(
      'GET',
      `/centres/${urn}/students?limit=200${suffix}`,
      {
        token,
      },
    );
    for (const s of page.body.items) ids.set(s.upn, s.studentId);
    cursor = page.body.cursor;
  } while (cursor);
  return ids;
}
