import { issueCredential } from '../domain/credentials.js';
import { createNonce, resolveOffer } from '../domain/redemption.js';
import { statusListToken } from '../domain/status-lists.js';
import { answerTokenRequest } from '../domain/token-requests.js';
import { OAuthError } from '../lib/errors.js';
import { createApiHandler, ok } from '../lib/http.js';
import {
  authorizationServerMetadata,
  credentialIssuerMetadata,
  jwtVcIssuerMetadata,
} from '../wallet/metadata.js';
import { regionSigner } from '../wallet/region-signer.js';

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

  'GET /status-lists/{listId}': async ({ deps, params }) => {
    const listId = Number(params.listId);
    if (!/^\d{1,9}$/.test(params.listId ?? '')) {
      throw new OAuthError(404, 'invalid_request', 'No such status list.');
    }
    return {
      status: 200,
      body: await statusListToken(deps, regionSigner(), listId),
      headers: {
        'Content-Type': 'application/statuslist+jwt',
        'Cache-Control': 'public, max-age=60',
      },
    };
  },

  'POST /token': async ({ deps, body, headers, sourceIp }) => {
    const grant = await answerTokenRequest(
      deps,
      body as URLSearchParams,
      headers.dpop,
      sourceIp,
    );
    return {
      status: 200,
      body: {
        access_token: grant.accessToken,
        token_type: 'DPoP',
        expires_in: grant.expiresIn,
        refresh_token: grant.refreshToken,
      },
      headers: { Pragma: 'no-cache' },
    };
  },

  'POST /nonce': async ({ deps }) => ok({ c_nonce: await createNonce(deps) }),

  'POST /credential': async ({ deps, headers, body }) => {
    const credential = await issueCredential(
      deps,
      regionSigner(),
      headers,
      body,
    );
    return ok({ credentials: [{ credential }] });
  },
});
