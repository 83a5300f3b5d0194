import { buildApp } from '../lib/app.js';
import { RegionConfigError } from '../lib/region-config.js';

try {
  buildApp({ nag: true }).app.synth();
} catch (error) {
  if (!(error instanceof RegionConfigError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
