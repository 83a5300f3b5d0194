/**
 * `npm run import -- ...`: see scripts/lib/import-args.ts for the usage,
 * or run it with --help.
 */
import { runImport } from './lib/import-command.js';

// The sign-in gives the SDK its endpoint, region and credentials; this
// makes sure it could never ask an instance metadata service instead.
process.env.AWS_EC2_METADATA_DISABLED = 'true';

process.exitCode = await runImport(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
