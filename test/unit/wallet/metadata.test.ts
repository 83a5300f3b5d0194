import { describe, expect, it } from 'vitest';
import { DPOP_SIGNING_ALGS } from '../../../functions/wallet/dpop.js';
import {
  authorizationServerMetadata,
  CREDENTIAL_CONFIGURATION_ID,
  credentialIssuerMetadata,
  credentialOffer,
  credentialOfferUri,
  jwtVcIssuerMetadata,
} from '../../../functions/wallet/metadata.js';
import { EDUCATION_RECORD_VCT } from '../../../functions/wallet/sd-jwt.js';

const ISSUER = 'https://records.london.education-record.example.org';
const PRE_AUTHORIZED = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';

describe('credentialIssuerMetadata', () => {
  it('names the endpoints under the issuer identifier', () => {
    const metadata = credentialIssuerMetadata(ISSUER);

    expect(metadata).toMatchObject({
      credential_issuer: ISSUER,
      credential_endpoint: `${ISSUER}/credential`,
      nonce_endpoint: `${ISSUER}/nonce`,
    });
    expect(metadata).not.toHaveProperty('authorization_servers');
  });

  it('offers the education record as a key-bound dc+sd-jwt', () => {
    const configuration =
      credentialIssuerMetadata(ISSUER).credential_configurations_supported[
        CREDENTIAL_CONFIGURATION_ID
      ];

    expect(configuration).toMatchObject({
      format: 'dc+sd-jwt',
      vct: EDUCATION_RECORD_VCT,
      cryptographic_binding_methods_supported: ['jwk'],
      credential_signing_alg_values_supported: ['ES256'],
      proof_types_supported: {
        jwt: { proof_signing_alg_values_supported: ['ES256'] },
      },
    });
  });

  it('puts display and claims under credential_metadata, as 1.0 does', () => {
    const configuration =
      credentialIssuerMetadata(ISSUER).credential_configurations_supported[
        CREDENTIAL_CONFIGURATION_ID
      ];

    expect(configuration).not.toHaveProperty('display');
    expect(configuration).not.toHaveProperty('claims');
    expect(configuration?.credential_metadata.display[0]?.name).toBe(
      'Education record',
    );
    expect(configuration?.credential_metadata.claims.length).toBeGreaterThan(0);
  });

  it('describes each claim once, with a display name', () => {
    const claims =
      credentialIssuerMetadata(ISSUER).credential_configurations_supported[
        CREDENTIAL_CONFIGURATION_ID
      ]?.credential_metadata.claims ?? [];

    const paths = claims.map((claim) => JSON.stringify(claim.path));

    expect(new Set(paths).size).toBe(paths.length);
    expect(paths).toEqual(
      expect.arrayContaining([
        '["given_name"]',
        '["family_name"]',
        '["birthdate"]',
        '["uln"]',
        '["centre"]',
        '["qualifications"]',
        '["qualifications",null,"grade"]',
      ]),
    );
    for (const claim of claims) {
      expect(claim.display[0]?.name).toEqual(expect.any(String));
    }
  });
});

describe('authorizationServerMetadata', () => {
  it('offers the anonymous pre-authorized code grant and refresh', () => {
    expect(authorizationServerMetadata(ISSUER)).toEqual({
      issuer: ISSUER,
      token_endpoint: `${ISSUER}/token`,
      grant_types_supported: [PRE_AUTHORIZED, 'refresh_token'],
      token_endpoint_auth_methods_supported: ['none'],
      'pre-authorized_grant_anonymous_access_supported': true,
      dpop_signing_alg_values_supported: ['ES256'],
    });
  });

  it('advertises exactly the DPoP algorithms the verifier accepts', () => {
    expect(
      authorizationServerMetadata(ISSUER).dpop_signing_alg_values_supported,
    ).toEqual([...DPOP_SIGNING_ALGS]);
  });
});

describe('jwtVcIssuerMetadata', () => {
  const key = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k1' };

  it('wraps a list of keys in a JWK Set', () => {
    expect(jwtVcIssuerMetadata(ISSUER, [key])).toEqual({
      issuer: ISSUER,
      jwks: { keys: [key] },
    });
  });

  it('takes a JWK Set as it is', () => {
    expect(jwtVcIssuerMetadata(ISSUER, { keys: [key] })).toEqual({
      issuer: ISSUER,
      jwks: { keys: [key] },
    });
  });
});

describe('credentialOffer', () => {
  it('offers the education record with a numeric transaction code', () => {
    const offer = credentialOffer({
      issuer: ISSUER,
      preAuthorizedCode: 'oaKazRN8I0IbtZ0C7JuMn5',
      txCodeLength: 6,
    });

    expect(offer).toEqual({
      credential_issuer: ISSUER,
      credential_configuration_ids: ['EducationRecord'],
      grants: {
        [PRE_AUTHORIZED]: {
          'pre-authorized_code': 'oaKazRN8I0IbtZ0C7JuMn5',
          tx_code: {
            input_mode: 'numeric',
            length: 6,
            description: expect.stringContaining('6-digit'),
          },
        },
      },
    });
  });

  it('refuses a transaction code description over 300 characters', () => {
    expect(() =>
      credentialOffer({
        issuer: ISSUER,
        preAuthorizedCode: 'code',
        txCodeLength: 6,
        txCodeDescription: 'x'.repeat(301),
      }),
    ).toThrow(RangeError);
  });
});

describe('credentialOfferUri', () => {
  it('carries the offer URL, encoded, in credential_offer_uri', () => {
    const offerUrl = `${ISSUER}/credential-offers/abc?x=1&y=2`;

    const uri = credentialOfferUri(offerUrl);

    expect(uri).toMatch(/^openid-credential-offer:\/\/\?credential_offer_uri=/);
    expect(uri).not.toContain('&y=');
    expect(new URL(uri).searchParams.get('credential_offer_uri')).toBe(
      offerUrl,
    );
  });
});
