import { JwtVerifier } from 'aws-jwt-verify';
import type { Fetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { Config } from './config.js';
import { unauthorized } from './errors.js';

/** Who is calling: the sign-in behind a verified Cognito access token. */
export interface Caller {
  /** The Cognito `sub`; a staff record's `staffId` is this value. */
  sub: string;
  username: string;
  /** Pool groups: `operator`, `helpdesk`. Centre roles are in the table. */
  groups: readonly string[];
}

export type PoolGroup = 'operator' | 'helpdesk';

export interface TokenVerifier {
  verify(token: string): Promise<Caller>;
}

/**
 * Plain-http JWKS fetching for cognito-local, whose JWKS is served over
 * http on loopback. The library's own fetcher speaks https only, which is
 * what AWS needs, so this is used only when the local stack says so.
 */
const httpFetcher: Fetcher = {
  async fetch(uri) {
    const response = await fetch(uri, { signal: AbortSignal.timeout(3000) });
    if (!response.ok) {
      throw new Error(`JWKS request failed with ${response.status}`);
    }
    return response.arrayBuffer();
  },
};

export function cognitoIssuer(settings: Config): string {
  if (settings.COGNITO_ISSUER) return settings.COGNITO_ISSUER;
  const awsRegion = settings.USER_POOL_ID.split('_')[0];
  return `https://cognito-idp.${awsRegion}.amazonaws.com/${settings.USER_POOL_ID}`;
}

/**
 * A verifier of staff access tokens that fails closed: issuer, client id and
 * `token_use` are all checked. Cognito access tokens have no `aud`, so the
 * audience check is switched off on purpose and `client_id` checked instead.
 */
export function createTokenVerifier(settings: Config): TokenVerifier {
  const issuer = cognitoIssuer(settings);
  const jwksUri =
    settings.COGNITO_JWKS_URI ?? `${issuer}/.well-known/jwks.json`;
  const jwksCache =
    settings.ALLOW_HTTP_JWKS === 'true'
      ? new SimpleJwksCache({ fetcher: httpFetcher })
      : new SimpleJwksCache();
  const verifier = JwtVerifier.create(
    {
      issuer,
      audience: null,
      jwksUri,
      customJwtCheck: ({ payload }) => {
        if (payload.token_use !== 'access') {
          throw new Error('not an access token');
        }
        if (payload.client_id !== settings.USER_POOL_CLIENT_ID) {
          throw new Error('token of another app client');
        }
      },
    },
    { jwksCache },
  );

  return {
    async verify(token) {
      const payload = await verifier.verify(token);
      const groups = payload['cognito:groups'];
      const username = payload.username ?? payload['cognito:username'];

      return {
        sub: String(payload.sub),
        username: typeof username === 'string' ? username : '',
        groups: Array.isArray(groups) ? groups.map(String) : [],
      };
    },
  };
}

/**
 * The token from an `Authorization` header. The scheme name is compared
 * without regard to case (RFC 9110 section 11.1).
 */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^bearer[ ]+([A-Za-z0-9._~+/=-]+)[ ]*$/i.exec(header);
  return match?.[1];
}

/** Verifies the request's token; every failure is the same bare 401. */
export async function authenticate(
  verifier: TokenVerifier,
  authorization: string | undefined,
): Promise<Caller> {
  const token = bearerToken(authorization);
  if (!token) throw unauthorized();
  try {
    return await verifier.verify(token);
  } catch (cause) {
    const error = unauthorized();
    (error as { cause?: unknown }).cause = cause;
    throw error;
  }
}

export function inGroup(caller: Caller, group: PoolGroup): boolean {
  return caller.groups.includes(group);
}
