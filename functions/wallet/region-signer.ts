import { readFileSync } from 'node:fs';
import { KMSClient } from '@aws-sdk/client-kms';
import { config } from '../lib/config.js';
import { createKmsSigner, createLocalSigner, type Signer } from './signer.js';

let signer: Signer | undefined;

/**
 * The region's signing key: KMS in AWS; locally a key file the local stack
 * made, since there is no KMS on the laptop. Created once a process.
 */
export function regionSigner(): Signer {
  if (signer) return signer;
  const settings = config();
  if (settings.SIGNING_KEY_FILE) {
    const jwk = JSON.parse(readFileSync(settings.SIGNING_KEY_FILE, 'utf8'));
    signer = createLocalSigner(jwk);
  } else {
    signer = createKmsSigner(new KMSClient({}), settings.SIGNING_KEY_ID ?? '');
  }
  return signer;
}
