/**
 * The JSON documents a wallet reads before and during issuance, as pure
 * functions of the issuer identifier. Names follow OpenID4VCI 1.0 (issuer
 * metadata, section 12.2; credential offer, section 4.1), RFC 8414 and the
 * SD-JWT VC draft (JWT VC Issuer Metadata).
 */
import type { JsonWebKey } from 'node:crypto';
import {
  CREDENTIAL_CONFIGURATION_ID,
  CREDENTIAL_FORMAT,
  EDUCATION_RECORD_VCT,
  PRE_AUTHORIZED_CODE_GRANT,
  PROOF_SIGNING_ALGS,
} from './constants.js';
import { DPOP_SIGNING_ALGS } from './dpop.js';

export {
  CREDENTIAL_CONFIGURATION_ID,
  CREDENTIAL_FORMAT,
  PRE_AUTHORIZED_CODE_GRANT,
};

export const REFRESH_TOKEN_GRANT = 'refresh_token';

const LOCALE = 'en-GB';

interface Display {
  name: string;
  locale: string;
}

interface ClaimDescription {
  path: (string | number | null)[];
  mandatory?: boolean;
  display: Display[];
}

export interface CredentialIssuerMetadata {
  credential_issuer: string;
  credential_endpoint: string;
  nonce_endpoint: string;
  display: Display[];
  credential_configurations_supported: Record<
    string,
    {
      format: typeof CREDENTIAL_FORMAT;
      vct: string;
      cryptographic_binding_methods_supported: string[];
      credential_signing_alg_values_supported: string[];
      proof_types_supported: {
        jwt: { proof_signing_alg_values_supported: string[] };
      };
      credential_metadata: {
        display: (Display & {
          description: string;
          background_color: string;
          text_color: string;
        })[];
        claims: ClaimDescription[];
      };
    }
  >;
}

/**
 * Served at `/.well-known/openid-credential-issuer` on the issuer's origin.
 * No `authorization_servers`: the issuer is its own authorization server.
 */
export function credentialIssuerMetadata(
  issuer: string,
): CredentialIssuerMetadata {
  return {
    credential_issuer: issuer,
    credential_endpoint: `${issuer}/credential`,
    nonce_endpoint: `${issuer}/nonce`,
    display: [{ name: 'Education Record', locale: LOCALE }],
    credential_configurations_supported: {
      [CREDENTIAL_CONFIGURATION_ID]: {
        format: CREDENTIAL_FORMAT,
        vct: EDUCATION_RECORD_VCT,
        cryptographic_binding_methods_supported: ['jwk'],
        credential_signing_alg_values_supported: ['ES256'],
        proof_types_supported: {
          jwt: { proof_signing_alg_values_supported: [...PROOF_SIGNING_ALGS] },
        },
        credential_metadata: {
          display: [
            {
              name: 'Education record',
              locale: LOCALE,
              description:
                'Qualifications awarded to you, as recorded by your centre.',
              background_color: '#1d70b8',
              text_color: '#ffffff',
            },
          ],
          claims: educationRecordClaims(),
        },
      },
    },
  };
}

/** The order here is the order a wallet shows the claims in. */
function educationRecordClaims(): ClaimDescription[] {
  const claim = (
    path: ClaimDescription['path'],
    name: string,
    mandatory?: boolean,
  ): ClaimDescription => ({
    path,
    ...(mandatory !== undefined && { mandatory }),
    display: [{ name, locale: LOCALE }],
  });
  const qualification = (member: string, name: string) =>
    claim(['qualifications', null, member], name, true);

  return [
    claim(['given_name'], 'Given name', true),
    claim(['family_name'], 'Family name', true),
    claim(['birthdate'], 'Date of birth', true),
    claim(['uln'], 'Unique Learner Number', false),
    claim(['centre'], 'Centre', true),
    claim(['centre', 'name'], 'Centre name', true),
    claim(['centre', 'urn'], 'Centre URN', true),
    claim(['qualifications'], 'Qualifications', true),
    qualification('title', 'Qualification'),
    qualification('subject', 'Subject'),
    qualification('level', 'Level'),
    qualification('grade', 'Grade'),
    qualification('awardDate', 'Date awarded'),
    qualification('awardingBody', 'Awarding body'),
    qualification('qan', 'Qualification number (QAN)'),
  ];
}

export interface AuthorizationServerMetadata {
  issuer: string;
  token_endpoint: string;
  grant_types_supported: string[];
  token_endpoint_auth_methods_supported: string[];
  'pre-authorized_grant_anonymous_access_supported': boolean;
  dpop_signing_alg_values_supported: string[];
}

/**
 * RFC 8414 metadata, served at `/.well-known/oauth-authorization-server`.
 * `response_types_supported` is left out, as OpenID4VCI 1.0 allows for an
 * authorization server with only the pre-authorized code grant. Every token
 * request needs a DPoP proof (RFC 9449), made with one of
 * `dpop_signing_alg_values_supported`; refreshing needs the key the refresh
 * token is bound to.
 */
export function authorizationServerMetadata(
  issuer: string,
): AuthorizationServerMetadata {
  return {
    issuer,
    token_endpoint: `${issuer}/token`,
    grant_types_supported: [PRE_AUTHORIZED_CODE_GRANT, REFRESH_TOKEN_GRANT],
    // Wallets are anonymous public clients; RFC 8414's default when this is
    // absent would be client_secret_basic.
    token_endpoint_auth_methods_supported: ['none'],
    'pre-authorized_grant_anonymous_access_supported': true,
    dpop_signing_alg_values_supported: [...DPOP_SIGNING_ALGS],
  };
}

export interface JwtVcIssuerMetadata {
  issuer: string;
  jwks: { keys: JsonWebKey[] };
}

/**
 * SD-JWT VC issuer metadata, served at `/.well-known/jwt-vc-issuer`: the
 * keys a verifier checks the credential's signature with. Takes the keys or
 * a JWK Set.
 */
export function jwtVcIssuerMetadata(
  issuer: string,
  jwks: readonly JsonWebKey[] | { keys: readonly JsonWebKey[] },
): JwtVcIssuerMetadata {
  const keys = Array.isArray(jwks)
    ? jwks
    : (jwks as { keys: JsonWebKey[] }).keys;

  return { issuer, jwks: { keys: keys.map((key) => ({ ...key })) } };
}

export interface CredentialOfferInput {
  issuer: string;
  preAuthorizedCode: string;
  txCodeLength: number;
  /** Shown beside the code entry box; at most 300 characters. */
  txCodeDescription?: string;
}

export interface CredentialOffer {
  credential_issuer: string;
  credential_configuration_ids: string[];
  grants: {
    [PRE_AUTHORIZED_CODE_GRANT]: {
      'pre-authorized_code': string;
      tx_code: { input_mode: 'numeric'; length: number; description: string };
    };
  };
}

/** The tx_code description limit of OpenID4VCI 1.0 section 4.1.1. */
const TX_CODE_DESCRIPTION_MAX = 300;

export function credentialOffer(input: CredentialOfferInput): CredentialOffer {
  const description =
    input.txCodeDescription ??
    `Enter the ${input.txCodeLength}-digit code you were given with this ` +
      'QR code.';
  if (description.length > TX_CODE_DESCRIPTION_MAX) {
    throw new RangeError(
      `The tx_code description is ${description.length} characters; ` +
        `wallets accept at most ${TX_CODE_DESCRIPTION_MAX}.`,
    );
  }

  return {
    credential_issuer: input.issuer,
    credential_configuration_ids: [CREDENTIAL_CONFIGURATION_ID],
    grants: {
      [PRE_AUTHORIZED_CODE_GRANT]: {
        'pre-authorized_code': input.preAuthorizedCode,
        tx_code: {
          input_mode: 'numeric',
          length: input.txCodeLength,
          description,
        },
      },
    },
  };
}

/** The offer by reference, as a wallet link or QR code payload. */
export function credentialOfferUri(offerUrl: string): string {
  return `openid-credential-offer://?credential_offer_uri=${encodeURIComponent(
    offerUrl,
  )}`;
}
