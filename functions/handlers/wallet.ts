import { readFileSync } from 'node:fs';
import { KMSClient } from '@aws-sdk/client-kms';
import {
  createNonce,
  exchangeCode,
  issueCredential,
  resolveOffer,
} from '../domain/redemption.js';
import { config } from '../lib/config.js';
import { createApiHandler, ok } from '../lib/http.js';
import {
  authorizationServerMetadata,
  credentialIssuerMetadata,
  jwtVcIssuerMetadata,
} from '../wallet/metadata.js';
import {
  createKmsSigner,
  createLocalSigner,
  type Signer,
} from '../wallet/signer.js';

let signer: Signer | undefined;

/**
 * The region's signing key: KMS in AWS; locally a key file the local stack
 * made, since there is no KMS on the laptop.
 */
function regionSigner(): Signer {
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

/** Public metadata may be cached briefly; nothing else may. */
const cacheable = { 'Cache-Control': 'public, max-age=300' };

export const handler = createApiHandler('wallet', {
  'GET /credential-offer/{ref}': async ({ deps, params }) =>
    ok(await resolveOffer(deps, params.ref ?? '')),

  'GET /.well-known/openid-credential-issuer': async ({ deps }) => ({
    status: 200,
    body: credentialIssuerMetadata(deps.config.ISSUER_URL),
    headers: cacheable,
  }),

  'GET /.well-known/oauth-authorization-server': async ({ deps }) => ({
    status: 200,
    body: authorizationServerMetadata(deps.config.ISSUER_URL),
    headers: cacheable,
  }),

  'GET /.well-known/jwt-vc-issuer': async ({ deps }) => ({
    status: 200,
    body: jwtVcIssuerMetadata(deps.config.ISSUER_URL, {
      keys: [await regionSigner().publicJwk()],
    }),
    headers: cacheable,
  }),

  'GET /jwks.json': async () => ({
    status: 200,
    body: { keys: [await regionSigner().publicJwk()] },
    headers: cacheable,
  }),

  'POST /token': async ({ deps, body }) => {
    const grant = await exchangeCode(deps, body as URLSearchParams);
    return {
      status: 200,
      body: {
        access_token: grant.accessToken,
        token_type: 'Bearer',
        expires_in: grant.expiresIn,
      },
      headers: { Pragma: 'no-cache' },
    };
  },

  'POST /nonce': async ({ deps }) => ok({ c_nonce: await createNonce(deps) }),

  'POST /credential': async ({ deps, headers, body }) => {
    const credential = await issueCredential(
      deps,
      regionSigner(),
      headers.authorization,
      body,
    );
    return ok({ credentials: [{ credential }] });
  },
});
