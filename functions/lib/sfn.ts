import { SFNClient } from '@aws-sdk/client-sfn';
import { type Deps, sdkOptions } from './deps.js';

/**
 * The Step Functions client, made the first time a function starts a
 * workflow (offer expiry, report routing) and kept on `deps`.
 */
export function sfnOf(deps: Deps): SFNClient {
  deps.sfn ??= new SFNClient(sdkOptions(deps.config.SFN_ENDPOINT));
  return deps.sfn;
}
