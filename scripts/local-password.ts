/**
 * `npm run local:password -- EMAIL`: gives a sign-in of the local stack a
 * new password and prints it. In AWS the invitation e-mail does this; the
 * local stack sends no e-mail, so this is how a person signs in locally as
 * a member of staff the API created.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';

const repoRoot = resolve(import.meta.dirname, '..');

async function main(): Promise<void> {
  const email = process.argv[2]?.trim().toLowerCase();
  if (!email?.includes('@')) {
    process.stderr.write('Usage: npm run local:password -- EMAIL\n');
    process.exit(2);
  }
  const file = join(repoRoot, '.local', 'stack.json');
  if (!existsSync(file)) {
    process.stderr.write('Start the local stack first: npm start\n');
    process.exit(1);
  }
  const stack = JSON.parse(readFileSync(file, 'utf8'));
  if (email === stack.operator?.username?.toLowerCase()) {
    // The stack keeps the operator's password in .local/stack.json, which
    // the import CLI and the demo sign in with; a new one would lock them
    // out until the next start.
    process.stderr.write(
      `${email} is the operator: its password is in .local/stack.json.\n`,
    );
    process.exit(2);
  }
  const password = `${randomBytes(12).toString('base64url')}-Aa1`;
  const cognito = new CognitoIdentityProviderClient({
    endpoint: stack.cognitoEndpoint,
    region: 'eu-west-2',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    await cognito.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: stack.userPoolId,
        Username: email,
        Password: password,
        Permanent: true,
      }),
    );
  } catch (error) {
    const name = (error as Error).name;
    process.stderr.write(
      name === 'UserNotFoundException'
        ? `No sign-in ${email}: create the staff member through the API.\n`
        : `The local Cognito refused: ${name}\n`,
    );
    process.exit(1);
  }
  process.stdout.write(`${password}\n`);
}

await main();
