/**
 * The local stack's description, which `npm start` writes to
 * `.local/stack.json`: where the API and Cognito answer, the app client to
 * sign in with, and the operator's sign-in.
 */
import { readFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { z } from 'zod';
import { StackFileError } from './errors.js';

export const defaultStackFile = resolve(
  import.meta.dirname,
  '../../.local/stack.json',
);

const stackFile = z.object({
  apiUrl: z.url({ protocol: /^https?$/ }),
  cognitoEndpoint: z.url({ protocol: /^https?$/ }),
  userPoolId: z.string().min(1),
  clientId: z.string().min(1),
  operator: z.object({
    username: z.string().min(1),
    password: z.string().min(1),
  }),
});

export type StackFile = z.infer<typeof stackFile>;

const shown = (file: string) => relative(process.cwd(), file) || file;

/** Reads and checks the stack file; says what to do when it cannot. */
export async function readStackFile(
  file: string = defaultStackFile,
): Promise<StackFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    const missing = (cause as { code?: string }).code === 'ENOENT';
    throw new StackFileError(
      missing
        ? `There is no ${shown(file)}: start the local stack with ` +
            '`npm start`, or give --api and --token.'
        : `${shown(file)} cannot be read.`,
      { cause },
    );
  }

  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new StackFileError(`${shown(file)} is not JSON.`, { cause });
  }
  const parsed = stackFile.safeParse(value);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join('.') || '(file)');
    throw new StackFileError(
      `${shown(file)} is not what \`npm start\` writes (check ` +
        `${[...new Set(fields)].join(', ')}); restart the local stack to ` +
        'write it again.',
      { cause: parsed.error },
    );
  }

  return parsed.data;
}
