/**
 * A wallet, as a test or the demo drives one: it redeems a credential offer
 * with the pre-authorized code flow of OpenID4VCI 1.0 through
 * `@openid4vc/openid4vci` (the library a real wallet might use, so the
 * server is held to what such a wallet accepts), then checks the SD-JWT VC
 * it got the way a verifier would.
 */
import { createHash, type JsonWebKey, randomBytes } from 'node:crypto';
import {
  type CallbackContext,
  clientAuthenticationAnonymous,
  HashAlgorithm,
  type Jwk,
  type JwtSignerJwk,
} from '@openid4vc/oauth2';
import {
  getGlobalConfig,
  Openid4vciClient,
  Openid4vciVersion,
  setGlobalConfig,
} from '@openid4vc/openid4vci';
import { digest, ES256 } from '@sd-jwt/crypto-nodejs';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import {
  CompactSign,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
} from 'jose';
import { CREDENTIAL_CONFIGURATION_ID } from '../../functions/wallet/metadata.js';
import { EDUCATION_RECORD_VCT } from '../../functions/wallet/sd-jwt.js';

export interface RedeemOfferInput {
  /** `openid-credential-offer://?credential_offer_uri=...` */
  credentialOfferUri: string;
  txCode: string;
  fetch?: typeof fetch;
}

export interface RedeemedOffer {
  credential: string;
  holderJwk: JsonWebKey;
  holderPrivateJwk: JsonWebKey;
  tokenResponse: unknown;
}

export class WalletError extends Error {
  override readonly name = 'WalletError';
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export async function redeemOffer(
  input: RedeemOfferInput,
): Promise<RedeemedOffer> {
  const offerUrl = new URL(input.credentialOfferUri).searchParams.get(
    'credential_offer_uri',
  );
  if (!offerUrl) {
    throw new WalletError('The offer has no credential_offer_uri.');
  }

  return withUrlPolicyFor(offerUrl, async () => {
    const holderKeys = await generateKeyPair('ES256', { extractable: true });
    const holderPrivateJwk = (await exportJWK(
      holderKeys.privateKey,
    )) as JsonWebKey;
    const holderJwk = (await exportJWK(holderKeys.publicKey)) as JsonWebKey;
    const client = new Openid4vciClient({
      callbacks: walletCallbacks(holderPrivateJwk, input.fetch),
    });

    const credentialOffer = await client.resolveCredentialOffer(
      input.credentialOfferUri,
    );
    if (
      !credentialOffer.credential_configuration_ids.includes(
        CREDENTIAL_CONFIGURATION_ID,
      )
    ) {
      throw new WalletError(
        `The offer is not for ${CREDENTIAL_CONFIGURATION_ID}.`,
      );
    }
    // Fetches the issuer's metadata and then its authorization server's.
    const issuerMetadata = await client.resolveIssuerMetadata(
      credentialOffer.credential_issuer,
    );
    if (issuerMetadata.originalDraftVersion !== Openid4vciVersion.V1) {
      throw new WalletError(
        'The issuer metadata reads as OpenID4VCI ' +
          `${issuerMetadata.originalDraftVersion}, not 1.0.`,
      );
    }

    const { accessTokenResponse } =
      await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
        credentialOffer,
        issuerMetadata,
        txCode: input.txCode,
      });
    const { c_nonce } = await client.requestNonce({ issuerMetadata });
    const { jwt: proof } = await client.createCredentialRequestJwtProof({
      issuerMetadata,
      credentialConfigurationId: CREDENTIAL_CONFIGURATION_ID,
      signer: {
        method: 'jwk',
        alg: 'ES256',
        publicJwk: holderJwk as Jwk,
      },
      nonce: c_nonce,
      issuedAt: new Date(),
    });
    const { credentialResponse } = await client.retrieveCredentials({
      issuerMetadata,
      credentialConfigurationId: CREDENTIAL_CONFIGURATION_ID,
      proofs: { jwt: [proof] },
      accessToken: accessTokenResponse.access_token,
    });

    const [first] = credentialResponse.credentials ?? [];
    const credential =
      typeof first === 'object' && first !== null && 'credential' in first
        ? first.credential
        : undefined;
    if (typeof credential !== 'string') {
      throw new WalletError(
        'The credential response has no credentials[0].credential string.',
      );
    }

    return {
      credential,
      holderJwk,
      holderPrivateJwk,
      tokenResponse: accessTokenResponse,
    };
  });
}

export interface VerifyEducationRecordInput {
  /** The credential issuer identifier the credential should name. */
  issuer: string;
  fetch?: typeof fetch;
}

/**
 * Checks the credential as a verifier would: the issuer's key from its
 * JWT VC Issuer Metadata, the signature, every disclosure, and the status
 * list entry if there is one. Returns every claim, disclosed.
 */
export async function verifyEducationRecord(
  credential: string,
  input: VerifyEducationRecordInput,
): Promise<{ claims: Record<string, unknown> }> {
  const fetcher = input.fetch ?? fetch;
  const issuerJwt = credential.split('~')[0] ?? '';
  const header = decodeProtectedHeader(issuerJwt);
  if (header.typ !== 'dc+sd-jwt') {
    throw new WalletError(`The credential's typ is ${header.typ}.`);
  }
  if (header.alg !== 'ES256' || typeof header.kid !== 'string') {
    throw new WalletError('The credential needs alg ES256 and a kid.');
  }

  return withUrlPolicyFor(input.issuer, async () => {
    const keys = await fetchIssuerKeys(input.issuer, fetcher);
    const key = keys.find((candidate) => candidate.kid === header.kid);
    if (!key) {
      throw new WalletError(
        `The issuer publishes no key with kid ${header.kid}.`,
      );
    }
    const verifier = await ES256.getVerifier(key);
    const sdJwtVc = new SDJwtVcInstance({
      hasher: digest,
      verifier,
      statusListFetcher: (uri) => fetchStatusList(uri, fetcher),
    });

    const { payload } = await sdJwtVc.verify(credential);
    assertEveryDisclosureReferenced(credential);
    if (payload.iss !== input.issuer) {
      throw new WalletError(`The credential's iss is ${payload.iss}.`);
    }
    if (payload.vct !== EDUCATION_RECORD_VCT) {
      throw new WalletError(`The credential's vct is ${payload.vct}.`);
    }

    return { claims: payload as Record<string, unknown> };
  });
}

/**
 * RFC 9901 section 7.1 refuses an SD-JWT with a disclosure that no digest
 * refers to; @sd-jwt 0.19 quietly drops such a disclosure instead, so the
 * check is made here, where the issuer's output is under test.
 */
function assertEveryDisclosureReferenced(credential: string): void {
  const [jwt = '', ...rest] = credential.split('~');
  const disclosures = rest.filter((part, index) => {
    // The last part is empty, or a KB-JWT, which is no disclosure.
    return index < rest.length - 1 && part !== '';
  });
  const referenced = new Set<string>();
  const collect = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const element of value) collect(element);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    for (const [name, member] of Object.entries(value)) {
      if (name === '_sd' && Array.isArray(member)) {
        for (const digest of member) referenced.add(String(digest));
      } else if (name === '...') {
        referenced.add(String(member));
      } else {
        collect(member);
      }
    }
  };
  collect(
    JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()),
  );
  for (const disclosure of disclosures) {
    collect(JSON.parse(Buffer.from(disclosure, 'base64url').toString()));
  }

  for (const disclosure of disclosures) {
    const digest = createHash('sha256').update(disclosure).digest('base64url');
    if (!referenced.has(digest)) {
      throw new WalletError('The credential has a disclosure no digest names.');
    }
  }
}

/**
 * @openid4vc/openid4vci has no SD-JWT VC issuer metadata lookup, so this
 * one step uses plain fetch: the path is the issuer's origin, then
 * `/.well-known/jwt-vc-issuer`, then the issuer's path.
 */
async function fetchIssuerKeys(
  issuer: string,
  fetcher: typeof fetch,
): Promise<JsonWebKey[]> {
  const { origin, pathname } = new URL(issuer);
  const path = pathname.replace(/\/$/, '');
  const response = await fetcher(`${origin}/.well-known/jwt-vc-issuer${path}`);
  if (!response.ok) {
    throw new WalletError(
      `The JWT VC issuer metadata answered ${response.status}.`,
    );
  }
  const metadata = (await response.json()) as {
    issuer?: unknown;
    jwks?: { keys?: unknown };
  };
  if (metadata.issuer !== issuer) {
    throw new WalletError(
      `The JWT VC issuer metadata names ${String(metadata.issuer)}.`,
    );
  }
  if (!Array.isArray(metadata.jwks?.keys)) {
    throw new WalletError('The JWT VC issuer metadata has no jwks.keys.');
  }

  return metadata.jwks.keys as JsonWebKey[];
}

async function fetchStatusList(
  uri: string,
  fetcher: typeof fetch,
): Promise<string> {
  const response = await fetcher(uri, {
    headers: { Accept: 'application/statuslist+jwt' },
  });
  const type = response.headers.get('content-type') ?? '';
  if (!response.ok || !type.includes('application/statuslist+jwt')) {
    throw new WalletError(
      `The status list at ${uri} answered ${response.status} ${type}.`,
    );
  }

  return response.text();
}

function walletCallbacks(
  holderPrivateJwk: JsonWebKey,
  fetcher?: typeof fetch,
): Omit<CallbackContext, 'verifyJwt' | 'decryptJwe' | 'encryptJwe'> {
  return {
    ...(fetcher && { fetch: fetcher }),
    hash: (data, alg) => {
      const algorithms: Record<HashAlgorithm, string> = {
        [HashAlgorithm.Sha256]: 'sha256',
        [HashAlgorithm.Sha384]: 'sha384',
        [HashAlgorithm.Sha512]: 'sha512',
      };

      return new Uint8Array(createHash(algorithms[alg]).update(data).digest());
    },
    generateRandom: (byteLength) => new Uint8Array(randomBytes(byteLength)),
    // The pre-authorized code grant with anonymous access: no client id.
    clientAuthentication: clientAuthenticationAnonymous(),
    signJwt: async (signer, { header, payload }) => {
      if (signer.method !== 'jwk') {
        throw new WalletError(`This wallet cannot sign as ${signer.method}.`);
      }
      const key = await importJWK(
        holderPrivateJwk as Parameters<typeof importJWK>[0],
        signer.alg,
      );
      const jwt = await new CompactSign(
        new TextEncoder().encode(JSON.stringify(payload)),
      )
        .setProtectedHeader(header)
        .sign(key);

      return { jwt, signerJwk: (signer as JwtSignerJwk).publicJwk };
    },
  };
}

/**
 * The library refuses plain http unless told otherwise, through a global
 * switch. Allow it only for a loopback issuer, and only for this call.
 * Calls that overlap should all be loopback or all https.
 */
async function withUrlPolicyFor<T>(
  url: string,
  run: () => Promise<T>,
): Promise<T> {
  const { protocol, hostname } = new URL(url);
  if (protocol === 'https:') return run();
  if (protocol !== 'http:' || !LOOPBACK_HOSTS.has(hostname)) {
    throw new WalletError(
      `Refusing ${url}: only https, or http on a loopback address.`,
    );
  }

  // The library's switch is global: count the calls that need it, so that
  // one wallet finishing does not turn it off under another still running.
  if (insecureCalls++ === 0) {
    setGlobalConfig({ ...getGlobalConfig(), allowInsecureUrls: true });
  }
  try {
    return await run();
  } finally {
    if (--insecureCalls === 0) {
      setGlobalConfig({ ...getGlobalConfig(), allowInsecureUrls: false });
    }
  }
}

let insecureCalls = 0;
