/**
 * Names shared by the wallet modules, kept apart so that importing one
 * (the metadata, say) does not pull another's libraries into a bundle.
 */

/** The SD-JWT VC type of the education record. */
export const EDUCATION_RECORD_VCT = 'urn:education-record:v1';

/** Its key in `credential_configurations_supported` and in offers. */
export const CREDENTIAL_CONFIGURATION_ID = 'EducationRecord';

export const CREDENTIAL_FORMAT = 'dc+sd-jwt';

export const PRE_AUTHORIZED_CODE_GRANT =
  'urn:ietf:params:oauth:grant-type:pre-authorized_code';

/** The proof algorithms this issuer accepts and advertises in metadata. */
export const PROOF_SIGNING_ALGS = ['ES256'] as const;

export const PROOF_JWT_TYP = 'openid4vci-proof+jwt';

/** The private members of any JWK kind (RFC 7518 section 6). */
export const PRIVATE_JWK_MEMBERS: readonly string[] = [
  'd',
  'p',
  'q',
  'dp',
  'dq',
  'qi',
  'oth',
  'k',
];
