/**
 * The console's own settings, validated once and all together on first
 * use (zod/mini keeps the console's bundle small). The rest (table, pool
 * client, endpoints) are the region's settings in lib/config.ts.
 */
import * as z from 'zod/mini';

const noSlash = (u: string) => !u.endsWith('/');

const schema = z.object({
  /**
   * The API the console calls with the staff member's access token: the
   * region's own domain in AWS, the local API's URL locally.
   */
  API_URL: z.url().check(z.refine(noSlash, 'no trailing slash')),
  /**
   * The console's origin as a browser sees it (for the hosted UI's
   * callback); the API's origin unless set.
   */
  CONSOLE_ORIGIN: z.optional(
    z.url().check(z.refine(noSlash, 'no trailing slash')),
  ),
  /**
   * `password`: the console's own sign-in form, exchanged with
   * USER_PASSWORD_AUTH (the local stack, against cognito-local).
   * `hosted-ui`: Cognito's hosted UI, authorization code with PKCE (AWS).
   */
  CONSOLE_SIGN_IN: z._default(z.enum(['password', 'hosted-ui']), 'hosted-ui'),
  /** The pool's hosted UI, e.g. `https://NAME.auth.REGION.amazoncognito.com`. */
  COGNITO_DOMAIN: z.optional(
    z.url().check(z.refine(noSlash, 'no trailing slash')),
  ),
  /**
   * Where the stylesheets, scripts and fonts are: CloudFront in AWS, the
   * local API server's `/console/assets` locally.
   */
  CONSOLE_ASSETS_URL: z._default(z.string(), '/console/assets'),
});

export type ConsoleSettings = z.infer<typeof schema>;

export class ConsoleSettingsError extends Error {
  override readonly name = 'ConsoleSettingsError';
}

export function parseConsoleSettings(env: NodeJS.ProcessEnv): ConsoleSettings {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
      .join('; ');
    throw new ConsoleSettingsError(
      `The console's settings are not valid (${problems}). Set them in ` +
        'the stack or the local stack.',
    );
  }
  const settings = result.data;
  if (settings.CONSOLE_SIGN_IN === 'hosted-ui' && !settings.COGNITO_DOMAIN) {
    throw new ConsoleSettingsError(
      'Set COGNITO_DOMAIN (the hosted UI) or CONSOLE_SIGN_IN=password.',
    );
  }

  return settings;
}

/** The origin the assets come from when it is not the page's own. */
export function assetOrigin(settings: ConsoleSettings): string | undefined {
  const base = settings.CONSOLE_ASSETS_URL;

  return /^https?:\/\//.test(base) ? new URL(base).origin : undefined;
}

let cached: ConsoleSettings | undefined;

export function consoleSettings(): ConsoleSettings {
  cached ??= parseConsoleSettings(process.env);
  return cached;
}
