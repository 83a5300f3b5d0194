import { z } from 'zod';

/**
 * The settings of one region's stack, read from cdk.json's `regions`
 * context. Every region is checked at once, and each problem names the
 * setting and what a good value looks like.
 */

export const stages = ['prod', 'dev'] as const;
export type Stage = (typeof stages)[number];

const hostname = z
  .string()
  .regex(
    /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
    'a lower-case DNS name such as records.london.example.org',
  );

const awsRegion = z
  .string()
  .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'an AWS region code such as eu-west-2');

/** A public hosted zone in which the stack validates its certificate. */
const hostedZoneCertificate = z.strictObject({
  hostedZoneId: z
    .string()
    .regex(/^Z[A-Z0-9]{1,31}$/, 'a Route 53 hosted zone id such as Z0EXAMPLE'),
  hostedZoneName: hostname,
});

/** A certificate issued outside the stack, in the stack's own region. */
const importedCertificate = z.strictObject({
  certificateArn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/,
      'an ACM certificate ARN',
    ),
});

const regionSchema = z
  .strictObject({
    awsRegion,
    stage: z.enum(stages),
    domainName: hostname,
    certificate: z.union([hostedZoneCertificate, importedCertificate], {
      error:
        'either { "hostedZoneId": "Z0...", "hostedZoneName": "example.org" } ' +
        'or { "certificateArn": "arn:aws:acm:<region>:..." }',
    }),
    invitationsFrom: z.email(),
    alarmEmails: z.array(z.email()).min(1),
  })
  .superRefine((region, context) => {
    const certificate = region.certificate;
    if ('hostedZoneName' in certificate) {
      const zone = certificate.hostedZoneName;
      if (
        region.domainName !== zone &&
        !region.domainName.endsWith(`.${zone}`)
      ) {
        context.addIssue({
          code: 'custom',
          path: ['domainName'],
          message: `must be ${zone} or a name under it (the hosted zone)`,
        });
      }
    } else if (!certificate.certificateArn.includes(`:${region.awsRegion}:`)) {
      // A regional API Gateway domain takes a certificate from its region.
      context.addIssue({
        code: 'custom',
        path: ['certificate', 'certificateArn'],
        message: `must be a certificate in ${region.awsRegion}`,
      });
    }
  });

export type RegionConfig = z.infer<typeof regionSchema>;

/** Region names name the stacks: `EducationRecords-<name>`. */
const regionName = /^[a-z][a-z0-9-]{0,30}$/;

const regionsSchema = z.record(z.string(), regionSchema);

export class RegionConfigError extends Error {
  override readonly name = 'RegionConfigError';
}

/** Validates the `regions` context, naming every problem at once. */
export function parseRegions(value: unknown): Record<string, RegionConfig> {
  if (value === undefined) {
    throw new RegionConfigError(
      'cdk.json has no "regions" context: add one entry per region, e.g. ' +
        '"regions": { "london": { "awsRegion": "eu-west-2", ... } }.',
    );
  }
  // The CLI passes context given with --context as a string.
  const parsed = typeof value === 'string' ? parseJson(value) : value;

  const problems: string[] = [];
  if (typeof parsed === 'object' && parsed !== null) {
    const names = Object.keys(parsed);
    if (names.length === 0) problems.push('regions: name at least one region');
    for (const name of names.filter((name) => !regionName.test(name))) {
      problems.push(
        `regions.${name}: use a short lower-case name such as london ` +
          '(it names the stack)',
      );
    }
  }
  const result = regionsSchema.safeParse(parsed);
  for (const issue of result.error?.issues ?? []) {
    problems.push(`regions.${issue.path.join('.')}: ${issue.message}`);
  }
  if (problems.length > 0 || !result.success) {
    throw new RegionConfigError(
      'The "regions" context in cdk.json is not valid ' +
        `(${problems.join('; ')}).`,
    );
  }

  return result.data;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new RegionConfigError('The "regions" context is not JSON.', {
      cause: error,
    });
  }
}

export function stackName(region: string): string {
  return `EducationRecords-${region}`;
}
