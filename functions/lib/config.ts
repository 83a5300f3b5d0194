import * as z from 'zod/mini';
import './zod-messages.js';

/** A whole number of at least one, read from the environment's text. */
const positiveInt = (fallback: number) =>
  z._default(z.coerce.number().check(z.int(), z.minimum(1)), fallback);

const text = () => z.string().check(z.minLength(1));
/** Set to one of a few words, or left to its default. */
const oneOf = <const T extends readonly [string, ...string[]]>(
  words: T,
  fallback: T[number],
) => z._default(z.enum(words), fallback);
/** A whole number within bounds, from the environment's text. */
const intIn = (min: number, max: number, fallback: number) =>
  z._default(
    z.coerce.number().check(z.int(), z.minimum(min), z.maximum(max)),
    fallback,
  );

/**
 * Every setting a handler reads, validated once and all together at cold
 * start. The CDK stack sets these on each function; the local stack sets
 * them on its own process. A wrong value is reported with what to do.
 */
const schema = z.object({
  /** The region's name as in cdk.json, e.g. `london`. */
  REGION_NAME: text(),
  TABLE_NAME: text(),
  /**
   * The credential issuer identifier: the region's custom domain as an
   * https origin (locally the API's loopback URL). No trailing slash.
   */
  ISSUER_URL: z
    .url()
    .check(z.refine((u) => !u.endsWith('/'), 'no trailing slash')),
  USER_POOL_ID: text(),
  USER_POOL_CLIENT_ID: text(),
  /** Issuer of the staff access tokens; derived from the pool in AWS. */
  COGNITO_ISSUER: z.optional(z.url()),
  /** The JWKS of the staff tokens; derived from the issuer in AWS. */
  COGNITO_JWKS_URI: z.optional(z.url()),
  /** Only the local stack sets this: it lets the JWKS come over http. */
  ALLOW_HTTP_JWKS: oneOf(['true', 'false'], 'false'),
  EXPIRY_STATE_MACHINE_ARN: text(),
  /**
   * The report routing state machine. Only the functions that start it
   * need it: the routing function itself is invoked by the state machine
   * and cannot name it without a cycle in the stack.
   */
  REPORT_ROUTING_STATE_MACHINE_ARN: z.optional(text()),
  /** School days a report waits for acknowledgement at each level. */
  REPORT_ACKNOWLEDGE_SCHOOL_DAYS: intIn(1, 30, 3),
  /** School days an acknowledged report waits for resolution. */
  REPORT_RESOLVE_SCHOOL_DAYS: intIn(1, 60, 10),
  /** The address notifications come from (SES in AWS). */
  MAIL_FROM: z._default(z.email(), 'no-reply@education-records.invalid'),
  /** Locally, where the outbox's e-mails go (JSON lines); unset in AWS. */
  OUTBOX_FILE: z.optional(text()),
  /** Locally, whether each outbox e-mail is announced on stdout. */
  OUTBOX_PRINT: oneOf(['true', 'false'], 'true'),
  /** The staff console, linked from notifications. */
  CONSOLE_URL: z.optional(z.url()),
  /** KMS key id of the region's signing key (AWS). */
  SIGNING_KEY_ID: z.optional(text()),
  /** A P-256 private JWK file standing in for the signing key (local). */
  SIGNING_KEY_FILE: z.optional(text()),
  /** Local endpoints; unset in AWS. */
  DYNAMODB_ENDPOINT: z.optional(z.url()),
  COGNITO_ENDPOINT: z.optional(z.url()),
  SFN_ENDPOINT: z.optional(z.url()),
  /** Where invitations come from (SES in AWS, set on the pool). */
  INVITE_MESSAGE_ACTION: oneOf(['SEND', 'SUPPRESS'], 'SEND'),
  /**
   * Divides every offer lifetime, so a local demo can watch an offer
   * expire without waiting ten minutes. Always 1 in AWS.
   */
  LIFETIME_DIVISOR: intIn(1, 600, 1),
  /** Largest number of students a centre may have on roll and still let
   * its exams officer vouch. */
  SMALL_CENTRE_MAX_STUDENTS: positiveInt(50),
  /**
   * The month and day an academic year ends (`MM-DD`). A refresh token
   * lasts until the end of the academic year after the student's last
   * pending series.
   */
  ACADEMIC_YEAR_ENDS: z._default(
    z
      .string()
      .check(z.regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'MM-DD')),
    '08-31',
  ),
  /** The namespace of the business counts (see lib/metrics.ts). */
  POWERTOOLS_METRICS_NAMESPACE: z._default(text(), 'EducationRecords'),
  /**
   * The log groups the helpdesk's activity view queries, comma-separated
   * (AWS: the admin function only; the stack sets it).
   */
  ACTIVITY_LOG_GROUPS: z.pipe(
    z.optional(z.string()),
    z.transform((s: string | undefined) =>
      s ? s.split(',').filter((g) => g !== '') : [],
    ),
  ),
  /**
   * Local stack only: the file its functions' log lines (Powertools JSON
   * and EMF) go to. When set, the activity and metrics views read it
   * instead of CloudWatch.
   */
  LOCAL_LOG_FILE: z.optional(text()),
  /** Local stack only: the Step Functions stand-in's event log. */
  LOCAL_WORKFLOW_LOG_FILE: z.optional(text()),
  /**
   * Failed token exchanges one client address may make in a window before
   * it is answered 429. A success never counts. Tests of concurrency raise
   * it; WAF's per-address rule stops floods before it.
   */
  FAILED_EXCHANGE_LIMIT: positiveInt(20),
  FAILED_EXCHANGE_WINDOW_SECONDS: positiveInt(10),
  /**
   * Refreshes one chain may make in a window. A wallet refreshes at each
   * release and when the app opens: ten a minute is far above that.
   */
  REFRESH_LIMIT: positiveInt(10),
  REFRESH_WINDOW_SECONDS: positiveInt(60),
  /**
   * Reports one chain (one student's linked app) may open in a window.
   * Each e-mails a member of staff and starts a workflow, so a flood from
   * one app is refused; a real student reports a handful in a season.
   */
  REPORT_LIMIT: positiveInt(10),
  REPORT_WINDOW_SECONDS: positiveInt(86_400),
  /**
   * Students one member of staff may vouch for in a window before the
   * helpdesk is told (metric, alarm, audit entry). Nobody is blocked.
   */
  VOUCH_VELOCITY_LIMIT: positiveInt(30),
  VOUCH_VELOCITY_WINDOW_MINUTES: positiveInt(10),
  /**
   * Dates of birth for one student that may fail to match in a window
   * before vouching for them pauses for the rest of it: enough for a
   * mistyped date or two, too few to find a date by trying them all.
   */
  DOB_MISMATCH_LIMIT: positiveInt(5),
  DOB_MISMATCH_WINDOW_SECONDS: positiveInt(3600),
  /**
   * Months a student's data is kept after the roster marks them as left;
   * then DynamoDB's TTL deletes it. Returning to roll keeps it again.
   */
  RETENTION_MONTHS: positiveInt(24),
});

export type Config = z.infer<typeof schema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function parseConfig(env: NodeJS.ProcessEnv): Config {
  const result = z.safeParse(schema, env);
  if (!result.success) {
    const problems = result.error.issues
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
      .join('; ');
    throw new ConfigError(
      `The function's settings are not valid (${problems}). ` +
        'Set them in the stack or in the local stack configuration.',
    );
  }
  const config = result.data;
  if (!config.SIGNING_KEY_ID && !config.SIGNING_KEY_FILE) {
    throw new ConfigError(
      'Set SIGNING_KEY_ID (a KMS key) or SIGNING_KEY_FILE (local only).',
    );
  }
  return config;
}

let cached: Config | undefined;

/** The settings of this process, read on first use. */
export function config(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}

/** For tests that change the environment between cases. */
export function resetConfig(): void {
  cached = undefined;
}
